/**
 * Named limits on the work one message may cost the campaign fingerprint. Spam is hostile input:
 * a message may be 100 MB of base64, nest multiparts a thousand deep or hold one 50 MB "word".
 * Past a limit the fingerprint is computed from what was read so far (the message is still
 * stored and counted; only its campaign similarity is based on its first part). No option turns a
 * limit off.
 */

// The text itself is read within the limits of server/mail/text/limits.ts.

/** Tokens (words) of the body turned into shingles. */
export const MAX_TOKENS = 4000;
/** Characters of one token kept (longer runs are random by construction and get masked). */
export const MAX_TOKEN_CHARS = 64;
/** Link domains kept per message. */
export const MAX_DOMAINS = 50;
