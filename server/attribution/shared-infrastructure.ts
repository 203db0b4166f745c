/**
 * Shared infrastructure: machines many unrelated senders pass through, which must never link two
 * accounts into one defendant. An originating IP is shared infrastructure when it is
 *
 * - a mail provider's own server (outbound MTA or webmail front end): its network operator (AS, from
 *   server/networks/) is one of the providers' networks listed in templates/networks/;
 * - one of the party's own relays (its trusted ranges): the party's or its harvester's machine;
 * - private or reserved (never a sender's address on the Internet);
 * - seen for more accounts than `SHARED_IP_MAX_ACCOUNTS` (configurable per request): an open
 *   proxy, a carrier-grade NAT pool, a harvester's mailbox server read as a hop, a provider not listed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import { SpamcaseError } from '../errors.ts';
import { ownerOf, type NetworkOwner } from '../networks/owners.ts';
import type { TrustMatcher } from './trust.ts';

/**
 * An IP seen for more accounts than this never links them: one bot operator's machine sends for
 * a handful to a few dozen accounts; hundreds of accounts on one address are a provider's or a
 * proxy's. Measured on the generated operator case (docs/ATTRIBUTION.md section 5).
 */
export const SHARED_IP_MAX_ACCOUNTS = 25;

export const PROVIDER_NETWORKS_FILE = path.join(PROJECT_ROOT, 'templates', 'networks', 'mail-provider-networks.json');

export interface ProviderNetwork {
  asn: number;
  provider: string;
  name: string;
  source: string;
}

/** The providers' networks by AS number, read from the JSON file and validated (every problem named). */
export function loadProviderNetworks(file = PROVIDER_NETWORKS_FILE): Map<number, ProviderNetwork> {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SpamcaseError('INVALID_INPUT', `${file}: not readable JSON (${(err as Error).message})`, { cause: err });
  }
  const list = (doc as { networks?: unknown } | null)?.networks;
  if (!Array.isArray(list)) throw new SpamcaseError('INVALID_INPUT', `${file}: "networks" must be a list`);
  const out = new Map<number, ProviderNetwork>();
  list.forEach((n: unknown, i) => {
    const e = n as Partial<ProviderNetwork> | null;
    const ok =
      e !== null &&
      typeof e === 'object' &&
      Number.isInteger(e.asn) &&
      e.asn! > 0 &&
      e.asn! < 2 ** 32 &&
      typeof e.provider === 'string' &&
      e.provider !== '' &&
      typeof e.source === 'string' &&
      e.source !== '';
    if (!ok)
      throw new SpamcaseError(
        'INVALID_INPUT',
        `${file}: network ${i + 1} needs an "asn" (a positive integer), a "provider" and a "source"`,
      );
    out.set(e.asn!, { asn: e.asn!, provider: e.provider!, name: e.name ?? '', source: e.source! });
  });
  return out;
}

let cached: Map<number, ProviderNetwork> | null = null;
export function providerNetworks(): Map<number, ProviderNetwork> {
  cached ??= loadProviderNetworks();
  return cached;
}

/** `bridge` is decided on the case's links (defendants.ts), the others per IP here. */
export type InfrastructureKind = 'provider-network' | 'party-relay' | 'reserved' | 'many-accounts' | 'bridge';

export interface SharedInfrastructure {
  ip: string;
  kind: InfrastructureKind;
  /** In words: "Microsoft's network (AS8075 Microsoft Corporation)", "seen for 260 accounts (more than 25)". */
  why: string;
  accounts: number;
  owner: NetworkOwner | null;
}

/** Why an IP is shared infrastructure, or null when it may link accounts. */
export function sharedInfrastructure(
  ip: string,
  accounts: number,
  options: { trust: readonly TrustMatcher[]; maxAccounts: number; networks?: Map<number, ProviderNetwork> },
): SharedInfrastructure | null {
  const owner = ownerOf(ip);
  const base = { ip, accounts, owner };
  if (owner?.kind === 'reserved') return { ...base, kind: 'reserved', why: `${owner.name}: not a sender's address` };
  if (options.trust.some((t) => t.isTrustedIp(ip)))
    return { ...base, kind: 'party-relay', why: "one of the party's trusted relays" };
  const net = owner?.asn != null ? (options.networks ?? providerNetworks()).get(owner.asn) : undefined;
  if (net !== undefined)
    return {
      ...base,
      kind: 'provider-network',
      why: `a mail provider's server: ${net.provider} network AS${net.asn} ${owner!.name}`,
    };
  if (accounts > options.maxAccounts)
    return { ...base, kind: 'many-accounts', why: `seen for ${accounts} accounts (more than ${options.maxAccounts})` };
  return null;
}
