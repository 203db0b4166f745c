/**
 * Named limits on the work one message may cost the campaign fingerprint. Spam is hostile input:
 * a message may be 100 MB of base64, nest multiparts a thousand deep or hold one 50 MB "word".
 * Past a limit the fingerprint is computed from what was read so far (the message is still
 * stored and counted; only its campaign similarity is based on its first part). No option turns a
 * limit off.
 */

/** Body bytes looked at: templates sit in the first part of a spam; attachments are not content. */
export const MAX_BODY_BYTES = 512 * 1024;
/** MIME parts visited in one message (a multipart bomb stops here). */
export const MAX_PARTS = 32;
/** multipart nesting depth followed. */
export const MAX_DEPTH = 6;
/** Decoded text characters kept from all text parts together. */
export const MAX_TEXT_CHARS = 128 * 1024;
/** Tokens (words) of the body turned into shingles. */
export const MAX_TOKENS = 4000;
/** Characters of one token kept (longer runs are random by construction and get masked). */
export const MAX_TOKEN_CHARS = 64;
/** Link domains kept per message. */
export const MAX_DOMAINS = 50;
