/**
 * Sender addresses as accounts: one spelling per mailbox. The domain is lowercased (DNS is case
 * insensitive); the local part is lowercased too, because every provider whose accounts spamcase
 * groups (and the counting of docs/COUNTING.md) treats it case-insensitively. Nothing else is
 * folded: no dot or "+tag" removal, no merging of hotmail.com with msn.com addresses. Those are
 * different mailboxes; the provider is recorded beside the address so they list under one provider.
 */
import { parseAddresses } from '../mail/headers/address.ts';
import { boundedKey, MAX_ADDRESS_LENGTH } from '../mail/keys.ts';
import { providers } from './providers.ts';

/** The provider that runs a mail domain (templates/providers/: hotmail.com, msn.com, live.com => microsoft). */
export function providerOfDomain(domain: string): string | null {
  return providers().ofDomain(domain)?.id ?? null;
}

/** The provider whose servers a host name belongs to (BAY0-OMC1-S3.bay0.hotmail.com => microsoft). */
export function providerOfHost(host: string): string | null {
  return providers().ofHost(host.toLowerCase())?.id ?? null;
}

export interface Account {
  /** local@domain, lowercased, bounded. */
  address: string;
  domain: string;
  /** Provider of the domain, or the domain itself when no provider is known. */
  provider: string;
}

/** A mail domain: ASCII or internationalized labels (SMTPUTF8, RFC 6531), or an address literal. */
const DOMAIN =
  /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}-]{0,62}[\p{L}\p{N}\p{M}])?\.)+[\p{L}\p{N}\p{M}-]{2,63}$|^\[[0-9a-f:.]+\]$/u;

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
