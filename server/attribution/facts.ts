/**
 * What attribution needs from one message's headers, extracted once at ingest in the reader
 * thread (where the headers are already parsed) and passed to the writer as plain data: the sender
 * candidates, the parsed Received chain, X-Originating-IP values, DKIM signer tags and
 * Authentication-Results. Deciding the account and the origin needs the party's trusted relays and
 * is done from these facts by attribute.ts, cheaply, in the writer.
 */
import type { ParsedHeaders } from '../mail/headers/types.ts';
import { accountFromHeader, normalizeAccount } from './address.ts';
import { parseAuthenticationResults, type AuthResults } from './auth-results.ts';
import { parseReceivedChain, type ReceivedHop } from '../mail/trace/received.ts';
import { parseReturnPath } from '../mail/headers/address.ts';
import { providers } from './providers.ts';
import type { ClientIpValue } from './walk.ts';

/** X-Originating-IP fields, DKIM signatures and Authentication-Results kept per message. */
export const MAX_FACT_VALUES = 20;

export interface AttributionFacts {
  from: string | null;
  sender: string | null;
  xSender: string | null;
  xOriginatingEmail: string | null;
  /** The envelope sender from a Return-Path above every Received field (RFC 5321 4.4); '' is the null sender <>. */
  returnPath: string | null;
  /** A Return-Path found only below a Received field: the sender's text, not the final delivery's. */
  returnPathBelow: string | null;
  /** X-Originating-IP and kin (every client-IP header templates/providers/ names), as written, topmost first. */
  clientIpHeaders: ClientIpValue[];
  /** X-Originating-IP values as written (unparsed: "[bogus]" stays visible as evidence). */
  xOriginatingIp: string[];
  dkim: Array<{ d: string | null; i: string | null; s: string | null }>;
  authResults: AuthResults[];
  hops: ReceivedHop[];
  /** Received fields beyond MAX_RECEIVED_HOPS, not read. */
  hopsNotRead: number;
}

export function extractFacts(h: ParsedHeaders, rawXOriginatingIp: string[] = h.xOriginatingIp): AttributionFacts {
  const chain = parseReceivedChain(h.received);
  let xSender: string | null = null;
  let receivedSeen = false;
  let topReturnPath: string | null | undefined;
  let belowReturnPath: string | null | undefined;
  const clientIpHeaders: ClientIpValue[] = [];
  const headerNames = providers().headerNames;
  for (const f of h.fields) {
    if (f.key === 'received') receivedSeen = true;
    else if (f.key === 'x-sender') {
      if (xSender === null) xSender = accountFromHeader(f.value)?.address ?? null;
    } else if (f.key === 'return-path') {
      const rp = parseReturnPath(f.value);
      if (!receivedSeen) topReturnPath ??= rp;
      else belowReturnPath ??= rp;
    } else if (headerNames.has(f.key) && clientIpHeaders.length < MAX_FACT_VALUES)
      clientIpHeaders.push({ name: f.name, value: f.value.trim() });
  }
  const envelope = (rp: string | null | undefined) =>
    rp === undefined || rp === null ? null : rp === '' ? '' : (normalizeAccount(rp)?.address ?? null);
  const first = (list: ReadonlyArray<{ address: string }>) => {
    for (const a of list) {
      const acc = normalizeAccount(a.address);
      if (acc) return acc.address;
    }
    return null;
  };
  return {
    from: first(h.from),
    sender: first(h.sender),
    xSender,
    xOriginatingEmail: h.xOriginatingEmail[0] ? (normalizeAccount(h.xOriginatingEmail[0])?.address ?? null) : null,
    returnPath: envelope(topReturnPath),
    returnPathBelow: envelope(belowReturnPath),
    clientIpHeaders,
    xOriginatingIp: rawXOriginatingIp.slice(0, MAX_FACT_VALUES),
    dkim: h.dkimSignatures.slice(0, MAX_FACT_VALUES).map((s) => ({ d: s.d, i: s.i, s: s.s })),
    authResults: h.authenticationResults
      .slice(0, MAX_FACT_VALUES)
      .map(parseAuthenticationResults)
      .filter((r): r is AuthResults => r !== null),
    hops: chain.hops,
    hopsNotRead: chain.truncated,
  };
}
