/**
 * Limits against hostile input. They are constants on purpose: no option, argument or setting
 * reaches them, so none can be switched off. Reaching one is reported as a problem, never thrown.
 */

/**
 * Largest header section parsed: 1 MiB. Real header sections are a few KiB (the largest in the
 * SpamAssassin corpus is 15 KiB); anything bigger is broken or hostile, and parsing it would
 * cost memory and time in the ingest hot path. Beyond it parsing stops and the body starts there.
 */
export const MAX_HEADER_SECTION_BYTES = 1024 * 1024;

/**
 * Most header fields listed for one message. Real mail has well under 200; a 1 MiB section of
 * one-letter fields would otherwise become ~170,000 objects and as many rows downstream.
 */
export const MAX_HEADER_FIELDS = 10_000;

/**
 * RFC 5322 section 2.1.1: a line must not exceed 998 octets (CRLF excluded). Longer lines are reported, still parsed.
 */
export const MAX_LINE_OCTETS = 998;

/** Charsets whose support is remembered; bounded because every spammer can invent new names. */
export const MAX_CHARSET_CACHE_ENTRIES = 256;
