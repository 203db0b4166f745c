/**
 * The wording of every problem header parsing reports. Stable: stored with each item and shown to
 * people, so a change here is a change to published output.
 */
import { MAX_HEADER_FIELDS } from './limits.ts';

export const PROBLEM = {
  emptyInput: 'empty input',
  noHeader: 'no header field at the start of the message',
  byteOrderMark: 'UTF-8 byte order mark before the header section',
  noBlankLine: 'no blank line after the header section (truncated?)',
  sectionTooLarge: 'header section larger than 1 MiB',
  tooManyFields: `more than ${MAX_HEADER_FIELDS} header fields (the rest are not listed)`,
  nulByte: 'NUL byte in header section',
  longLine: 'header line longer than 998 octets',
  eightBit: '8-bit bytes in header',
  notUtf8: '8-bit header bytes that are not UTF-8 (read as latin1)',
  mixedLineEnds: 'mixed CRLF and LF line ends in header section',
  malformedLine: 'header line that is not a header field (skipped)',
  unknownCharset: 'unknown charset in encoded word (read as latin1)',
  nulInEncodedWord: 'NUL byte in encoded word',
  malformedEncodedWord: 'encoded word that could not be decoded (kept as written)',
  noMessageId: 'no Message-ID',
  emptyMessageId: 'empty Message-ID',
  noDate: 'no Date',
  unparseableDate: 'unparseable Date',
  noFrom: 'no From',
  noFromAddress: 'no address in From',
} as const;

/** "repeated From header": a single-valued field that occurs more than once. */
export function repeatedProblem(canonicalName: string): string {
  return `repeated ${canonicalName} header`;
}

/** Record a problem once; the list stays short, so a linear check is the cheapest. */
export function addProblem(problems: string[], problem: string): void {
  if (!problems.includes(problem)) problems.push(problem);
}
