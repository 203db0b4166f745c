/**
 * Header parsing for every harvested sample: pure functions, no I/O. See README.md.
 */
export type { Address, DkimSignature, EmailCheck, HeaderField, ParsedHeaders } from './types.ts';
export { parseHeaders } from './parse-headers.ts';
export { looksLikeEmail } from './looks-like-email.ts';
export { normalizedBodyHash } from './body-hash.ts';
export { normalizeMessageId } from './message-id.ts';
export { parseAddressList, parseReturnPath } from './address.ts';
export { parseMailDate } from './date.ts';
export { parseDkimSignature } from './dkim.ts';
export { decodeEncodedWords } from './encoded-words.ts';
export { splitHeaderSection } from './header-section.ts';
export type { HeaderSection } from './header-section.ts';
export { PROBLEM } from './problems.ts';
export { MAX_HEADER_FIELDS, MAX_HEADER_SECTION_BYTES, MAX_LINE_OCTETS } from './limits.ts';
