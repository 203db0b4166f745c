/**
 * The counting keys (see docs/COUNTING.md): how a sample's bytes become an item, a message and a
 * delivery. Pure functions; every choice here changes counts, so each has a test.
 */
import crypto from 'node:crypto';

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Keep a database key within its column: short values pass unchanged; longer (hostile) ones keep a
 * readable head and a hash of the whole, so two different long values never collide.
 */
export function boundedKey(value: string, max: number): string {
  if (value.length <= max) return value;
  // Never cut between the two halves of one character: a lone surrogate is stored as U+FFFD, and
  // the key read back would no longer equal the key computed (a re-ingest would not recognize it).
  let head = max - 72;
  const last = value.charCodeAt(head - 1);
  if (last >= 0xd800 && last <= 0xdbff) head -= 1;
  return `${value.slice(0, head)}…sha256:${sha256(value)}`;
}

export const MAX_ADDRESS_LENGTH = 320; // RFC 5321: 64 local + @ + 255 domain
export const MAX_MESSAGE_KEY_LENGTH = 200;
/**
 * Locators are indexed with their acquisition; a PostgreSQL B-tree entry must stay under ~2,700
 * bytes, so a locator is kept to 600 characters (2,400 bytes of UTF-8 at worst). Longer ones (deep
 * folders, hostile ZIP member names up to 64 KiB) keep their head and a hash of the whole.
 */
export const MAX_LOCATOR_LENGTH = 600;

/** Who wrote it, what it says it is, when: equal for every copy of one message, whatever the hops. */
export function messageIdentity(fromAddress: string | null, subject: string | null, date: string | null): string {
  return sha256(`${fromAddress ?? ''}\n${(subject ?? '').trim()}\n${date ?? ''}`);
}

export function contentKey(identity: string, bodyHash: string): string {
  return `c:${sha256(`${identity}\n${bodyHash}`)}`;
}

export function messageIdKey(messageId: string): string {
  return boundedKey(`m:${messageId}`, MAX_MESSAGE_KEY_LENGTH);
}

/** Key for bytes with no header to read at all: the item is its own message. */
export function rawKey(itemSha256: string): string {
  return `raw:${itemSha256}`;
}

/** Mail systems treat the whole address case-insensitively for delivery; so do we for recipients. */
export function normalizeRecipient(address: string): string {
  return boundedKey(address.trim().toLowerCase(), MAX_ADDRESS_LENGTH);
}

export type RecipientSource = 'delivered-to' | 'x-original-to' | 'envelope' | 'to' | 'unknown';

/**
 * The mailbox one sample was delivered to: Delivered-To (topmost), else X-Original-To, else the
 * acquisition's envelope data, else the single To/Cc recipient; else unknown ('' — counted once per
 * message, never guessed).
 */
export function deliveryRecipient(input: {
  deliveredTo: string[];
  xOriginalTo: string[];
  envelopeRecipient: string | null;
  toAndCc: string[];
}): { recipient: string; source: RecipientSource } {
  const first = (list: string[]) => list.map((a) => a.trim()).find((a) => a.length > 0);
  const dt = first(input.deliveredTo);
  if (dt) return { recipient: normalizeRecipient(dt), source: 'delivered-to' };
  const xo = first(input.xOriginalTo);
  if (xo) return { recipient: normalizeRecipient(xo), source: 'x-original-to' };
  if (input.envelopeRecipient) return { recipient: normalizeRecipient(input.envelopeRecipient), source: 'envelope' };
  const distinct = [...new Set(input.toAndCc.map((a) => a.trim().toLowerCase()).filter((a) => a.includes('@')))];
  if (distinct.length === 1) return { recipient: normalizeRecipient(distinct[0]!), source: 'to' };
  return { recipient: '', source: 'unknown' };
}

/**
 * A 52-bit integer from a SHA-256 hex digest (its first 13 hex digits): a compact, evenly spread
 * index key that fits a JavaScript number and a BIGINT on every database. Not unique on its own:
 * lookups by it always compare the full key.
 */
export function compactKey(sha256HexDigest: string): number {
  return Number.parseInt(sha256HexDigest.slice(0, 13), 16);
}

/** compactKey of a message key (which is not itself a hash). */
export function messageKeyHash(messageKey: string): number {
  return compactKey(sha256(messageKey));
}
