/**
 * Named limits on the work of reading one message's text (body-text.ts). Spam is hostile input: a
 * message may be 100 MB of base64 or nest multiparts a thousand deep. Past a limit the text is what
 * was read so far; the message itself is always stored and counted whole. No option turns a limit
 * off.
 */

/** Body bytes looked at: templates sit in the first part of a spam; attachments are not content. */
export const MAX_BODY_BYTES = 512 * 1024;
/** MIME parts visited in one message (a multipart bomb stops here). */
export const MAX_PARTS = 32;
/** multipart nesting depth followed. */
export const MAX_DEPTH = 6;
/** Decoded text characters kept from all text parts together. */
export const MAX_TEXT_CHARS = 128 * 1024;
