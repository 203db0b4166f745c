/**
 * Bounce-handling envelope senders: mailing systems put a per-message or per-recipient tag in the
 * envelope sender (VERP, SRS, BATV) so bounces can be matched. Such a Return-Path names a bounce
 * processor, not the sender's account, and is never used as the account. Mailing lists do the
 * same with their own bounce addresses.
 */
const BOUNCE_PREFIX = /^(?:bounces?|bnc|return|returns|mailer-daemon|postmaster|prvs|msprvs\d*|btv1|srs[01])[-+=.]/i;
/** VERP encodes the recipient: "list-bounces+jean=laposte.net@..." or "bounce-123-jean=laposte.net@...". */
const ENCODED_RECIPIENT = /[-+][^@]*=[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;
/** A long per-message token after a separator: "news-4f9a0c2e7b1d@..." or "m-1234567890abcdef@". */
const PER_MESSAGE_TOKEN = /[-+._](?=[0-9a-z]*\d)[0-9a-f]{12,}$|[-+._]\d{8,}$/i;

/** Mailing-list bounce handlers: Mailman 2 "list-admin", "list-bounces", Majordomo "owner-list", "list-request". */
const LIST_BOUNCE = /^owner-|-(?:admin|bounces?|owner|request)$/i;

export function isBounceAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  if (local === '') return true;
  return (
    BOUNCE_PREFIX.test(local) ||
    LIST_BOUNCE.test(local) ||
    ENCODED_RECIPIENT.test(local) ||
    PER_MESSAGE_TOKEN.test(local) ||
    /^mailer-daemon$|^postmaster$/i.test(local)
  );
}
