/**
 * Sender addresses as accounts: one spelling per mailbox. The domain is lowercased (DNS is case
 * insensitive); the local part is lowercased too, because every provider whose accounts spamcase
 * groups (and the counting of docs/COUNTING.md) treats it case-insensitively. Nothing else is
 * folded: no dot or "+tag" removal, no merging of hotmail.com with msn.com addresses. Those are
 * different mailboxes; the provider is recorded beside the address so they list under one provider.
 */
import { parseAddresses } from '../mail/headers/address.ts';
import { boundedKey, MAX_ADDRESS_LENGTH } from '../mail/keys.ts';

/** Domains run by one provider (one abuse desk, one account database): the provider's name per domain. */
export const PROVIDER_DOMAINS: Readonly<Record<string, string>> = Object.freeze({
  'hotmail.com': 'microsoft',
  'hotmail.fr': 'microsoft',
  'hotmail.co.uk': 'microsoft',
  'msn.com': 'microsoft',
  'live.com': 'microsoft',
  'live.fr': 'microsoft',
  'outlook.com': 'microsoft',
  'passport.com': 'microsoft',
  'yahoo.com': 'yahoo',
  'yahoo.fr': 'yahoo',
  'yahoo.co.uk': 'yahoo',
  'ymail.com': 'yahoo',
  'rocketmail.com': 'yahoo',
  'gmail.com': 'google',
  'googlemail.com': 'google',
  'aol.com': 'aol',
  'aim.com': 'aol',
  'laposte.net': 'laposte',
  'wanadoo.fr': 'orange',
  'orange.fr': 'orange',
  'free.fr': 'free',
  'caramail.com': 'caramail',
});

/** Host names of a provider's own mail servers: a host under one of these domains is the provider's. */
export const PROVIDER_HOST_DOMAINS: Readonly<Record<string, string>> = Object.freeze({
  ...PROVIDER_DOMAINS,
  'phx.gbl': 'microsoft',
  'outlook.office365.com': 'microsoft',
  'protection.outlook.com': 'microsoft',
  'yahoo.net': 'yahoo',
  'yahoodns.net': 'yahoo',
  'google.com': 'google',
  'aol.net': 'aol',
});

function lookup(table: Readonly<Record<string, string>>, host: string): string | null {
  let h = host.toLowerCase();
  for (;;) {
    const found = table[h];
    if (found !== undefined) return found;
    const dot = h.indexOf('.');
    if (dot < 0) return null;
    h = h.slice(dot + 1);
  }
}

/** The provider that runs a mail domain (alias groups: hotmail.com, msn.com, live.com => microsoft). */
export function providerOfDomain(domain: string): string | null {
  return PROVIDER_DOMAINS[domain.toLowerCase()] ?? null;
}

/** The provider whose servers a host name belongs to (BAY0-OMC1-S3.bay0.hotmail.com => microsoft). */
export function providerOfHost(host: string): string | null {
  return lookup(PROVIDER_HOST_DOMAINS, host);
}

export interface Account {
  /** local@domain, lowercased, bounded. */
  address: string;
  domain: string;
  /** Provider of the domain, or the domain itself when no provider is known. */
  provider: string;
}

const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.)+[a-z0-9-]{2,63}$|^\[[0-9a-f:.]+\]$/;

/** Recently normalized addresses: spam repeats its senders, and this runs for every message. */
const CACHE_SIZE = 4096;
const cache = new Map<string, Account | null>();

/** A mailbox address already parsed out of a header => an account; null when it is not a usable mailbox. */
export function normalizeAccount(address: string): Account | null {
  let hit = cache.get(address);
  if (hit === undefined) {
    hit = normalizeUncached(address);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(address, hit);
  }
  return hit;
}

function normalizeUncached(address: string): Account | null {
  const a = address.trim();
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at).toLowerCase();
  const domain = a
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/, '');
  if (!DOMAIN.test(domain) || /\s/.test(local.replace(/^".*"$/s, ''))) return null;
  return {
    address: boundedKey(`${local}@${domain}`, MAX_ADDRESS_LENGTH),
    domain,
    provider: providerOfDomain(domain) ?? domain,
  };
}

/** The first usable mailbox of a header value (From, Sender, X-Sender...), or null. */
const PLAIN_ADDRESS = /^\s*<?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)>?\s*$/;

export function accountFromHeader(value: string): Account | null {
  // The common case, a bare address, skips the full address-list parser (same result).
  const plain = PLAIN_ADDRESS.exec(value);
  if (plain) return normalizeAccount(plain[1]!);
  for (const a of parseAddresses(value)) {
    const account = normalizeAccount(a.address);
    if (account !== null) return account;
  }
  return null;
}
