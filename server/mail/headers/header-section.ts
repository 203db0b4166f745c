/**
 * Split a raw message into its header fields and the offset where the body starts. Works on the
 * bytes: the blank line is found with Buffer.indexOf, the section is decoded as latin1 (one char
 * per byte, so string indexes are byte offsets), and only fields holding 8-bit bytes are decoded
 * again, as UTF-8 when they are valid UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import { MAX_HEADER_FIELDS, MAX_HEADER_SECTION_BYTES, MAX_LINE_OCTETS } from './limits.ts';
import { PROBLEM, addProblem } from './problems.ts';
import type { HeaderField } from './types.ts';

export interface HeaderSection {
  fields: HeaderField[];
  /** Byte offset of the body in the raw Buffer. */
  bodyOffset: number;
  problems: string[];
}

const LF = 0x0a;
const CR = 0x0d;
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const LF_CRLF = Buffer.from('\n\r\n');
const LF_LF = Buffer.from('\n\n');
const EIGHT_BIT = /[\x80-\xff]/;
const BOM = [0xef, 0xbb, 0xbf] as const;

/** Length of the field name at `start` ("Subject" in "Subject :"), or -1 when the line is not a header field. */
export function fieldNameLength(text: string, start: number, end: number): number {
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) break; // ':'
    if (c < 33 || c > 126) break;
  }
  const nameEnd = i;
  if (nameEnd === start) return -1;
  // obsolete syntax (RFC 5322 4.5): whitespace between the name and the colon
  while (i < end && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  if (i >= end || text.charCodeAt(i) !== 0x3a) return -1;
  return nameEnd - start;
}

function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function trimWsp(text: string): string {
  let s = 0;
  let e = text.length;
  while (s < e && isWsp(text.charCodeAt(s))) s++;
  while (e > s && isWsp(text.charCodeAt(e - 1))) e--;
  return s === 0 && e === text.length ? text : text.slice(s, e);
}

interface BlankLine {
  /** End of the header section: the start of the blank line. */
  headerEnd: number;
  bodyOffset: number;
}

/** Find the blank line ending the header section within `window`; CRLF or LF, whichever comes first. */
function findBlankLine(window: Buffer, start: number): BlankLine | null {
  // A header section starting with the blank line itself: no header fields at all.
  if (window[start] === LF) return { headerEnd: start, bodyOffset: start + 1 };
  if (window[start] === CR && window[start + 1] === LF) return { headerEnd: start, bodyOffset: start + 2 };
  // Search the style of the first line ending first, so the common case is one indexOf over the header only.
  const firstLf = window.indexOf(LF, start);
  const crlfFirst = firstLf > 0 && window[firstLf - 1] === CR;
  const primary = crlfFirst ? CRLF_CRLF : LF_LF;
  const p = window.indexOf(primary, start);
  const limit = p < 0 ? window.length : p + primary.length;
  // The other style can only win if it comes before the one found.
  const secondaryWindow = limit === window.length ? window : window.subarray(0, limit);
  const q = secondaryWindow.indexOf(crlfFirst ? LF_LF : LF_CRLF, start);
  let best: BlankLine | null = null;
  if (p >= 0) best = crlfFirst ? { headerEnd: p + 2, bodyOffset: p + 4 } : { headerEnd: p + 1, bodyOffset: p + 2 };
  if (q >= 0 && (best === null || q + 1 < best.headerEnd)) {
    best = crlfFirst ? { headerEnd: q + 1, bodyOffset: q + 2 } : { headerEnd: q + 1, bodyOffset: q + 3 };
  }
  return best;
}

/** Decode one field's value from its byte segments: UTF-8 when valid, latin1 otherwise. */
function decodeEightBit(raw: Buffer, segments: number[], problems: string[]): string {
  const parts: Buffer[] = [];
  for (let k = 0; k < segments.length; k += 2) parts.push(raw.subarray(segments[k], segments[k + 1]));
  const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  if (isUtf8(bytes)) return bytes.toString('utf8');
  addProblem(problems, PROBLEM.notUtf8);
  return bytes.toString('latin1');
}

export function splitHeaderSection(raw: Buffer): HeaderSection {
  const problems: string[] = [];
  const fields: HeaderField[] = [];
  if (raw.length === 0) {
    problems.push(PROBLEM.emptyInput);
    return { fields, bodyOffset: 0, problems };
  }
  let start = 0;
  if (raw[0] === BOM[0] && raw[1] === BOM[1] && raw[2] === BOM[2]) {
    start = 3;
    problems.push(PROBLEM.byteOrderMark);
  }

  const windowEnd = Math.min(raw.length, start + MAX_HEADER_SECTION_BYTES + 4);
  const window = windowEnd === raw.length ? raw : raw.subarray(0, windowEnd);
  let blank = findBlankLine(window, start);
  if (blank !== null && blank.headerEnd - start > MAX_HEADER_SECTION_BYTES) blank = null;
  let headerEnd: number;
  let bodyOffset: number;
  if (blank !== null) {
    headerEnd = blank.headerEnd;
    bodyOffset = blank.bodyOffset;
  } else if (raw.length - start <= MAX_HEADER_SECTION_BYTES) {
    headerEnd = raw.length;
    bodyOffset = raw.length;
    addProblem(problems, PROBLEM.noBlankLine);
  } else {
    // Stop at the last complete line inside the limit; the rest is treated as body.
    const cut = raw.lastIndexOf(LF, start + MAX_HEADER_SECTION_BYTES - 1);
    headerEnd = cut >= start ? cut + 1 : start + MAX_HEADER_SECTION_BYTES;
    bodyOffset = headerEnd;
    addProblem(problems, PROBLEM.sectionTooLarge);
  }

  const text = raw.toString('latin1', 0, headerEnd);
  const hasNul = text.indexOf('\0', start) >= 0;
  if (hasNul) addProblem(problems, PROBLEM.nulByte);
  const hasEightBit = EIGHT_BIT.test(start === 0 ? text : text.slice(start));
  if (hasEightBit) addProblem(problems, PROBLEM.eightBit);

  // The first line decides whether there is a header section at all.
  const firstLineEnd = text.indexOf('\n', start);
  if (headerEnd === start || fieldNameLength(text, start, firstLineEnd < 0 ? headerEnd : firstLineEnd) < 0) {
    addProblem(problems, PROBLEM.noHeader);
    // No header: the whole message is body (or, after a leading blank line, everything past it).
    return { fields, bodyOffset: headerEnd === start ? bodyOffset : start, problems };
  }

  let sawCrlf = false;
  let sawLf = false;
  let name = '';
  let segments: number[] = []; // [start, end) byte ranges of the current value, in pairs
  let value = '';
  let inField = false;
  let stopped = false;

  const finish = (): void => {
    if (!inField) return;
    inField = false;
    if (fields.length >= MAX_HEADER_FIELDS) {
      addProblem(problems, PROBLEM.tooManyFields);
      stopped = true;
      return;
    }
    let v = value;
    if (hasEightBit && EIGHT_BIT.test(v)) v = decodeEightBit(raw, segments, problems);
    if (hasNul && v.indexOf('\0') >= 0) v = v.replaceAll('\0', '\uFFFD');
    v = trimWsp(v);
    fields.push({ name, key: name.toLowerCase(), value: v });
  };

  let pos = start;
  while (pos < headerEnd && !stopped) {
    const nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 ? headerEnd : nl;
    const next = nl < 0 ? headerEnd : nl + 1;
    let contentEnd = lineEnd;
    if (nl >= 0) {
      if (contentEnd > pos && text.charCodeAt(contentEnd - 1) === CR) {
        contentEnd--;
        sawCrlf = true;
      } else {
        sawLf = true;
      }
    }
    if (contentEnd - pos > MAX_LINE_OCTETS) addProblem(problems, PROBLEM.longLine);
    if (isWsp(text.charCodeAt(pos))) {
      // continuation of the field above (after a skipped line, it is skipped too)
      if (inField) {
        value += text.slice(pos, contentEnd);
        segments.push(pos, contentEnd);
      }
    } else {
      finish();
      const nameLength = fieldNameLength(text, pos, contentEnd);
      if (nameLength < 0) {
        addProblem(problems, PROBLEM.malformedLine);
      } else {
        inField = true;
        name = text.slice(pos, pos + nameLength);
        const valueStart = text.indexOf(':', pos + nameLength) + 1;
        value = text.slice(valueStart, contentEnd);
        segments = [valueStart, contentEnd];
      }
    }
    pos = next;
  }
  finish();
  if (sawCrlf && sawLf) addProblem(problems, PROBLEM.mixedLineEnds);
  return { fields, bodyOffset, problems };
}
