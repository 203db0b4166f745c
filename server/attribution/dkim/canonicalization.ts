/**
 * RFC 6376 section 3.4: the header fields of a raw message as the signer saw them, and the simple
 * and relaxed canonical forms of header fields and of the body. Lines end in CRLF as on the wire
 * (section 5.3): a bare LF, as in mail stored from .eml files, counts as CRLF. Works on latin1
 * strings (one char per byte), so 8-bit bytes are hashed as they arrived. Pure: no I/O.
 */

export type Canonicalization = 'simple' | 'relaxed';

export interface RawField {
  /** Lowercased field name (what h= names). */
  key: string;
  /** The whole field, name to last line, lines joined with CRLF, without the final CRLF. */
  text: string;
}

/**
 * RFC 5322 section 3.6.8: a field name is printable US-ASCII but the colon; a fold, and the
 * obsolete syntax of section 4.5.8, may put whitespace (even a line break) before the colon.
 */
const FIELD_START = /^[\x21-\x39\x3b-\x7e]+[ \t\r\n]*:/;

/** Lowercase ASCII letters only: toLowerCase() would also fold latin1 bytes 0xC0-0xDE. */
export function lowerCaseAscii(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? s.replace(/[A-Z]/g, (c) => c.toLowerCase()) : s.toLowerCase();
}

const isFws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** Whitespace and line breaks off both ends, by hand: an end-anchored regex is quadratic on long runs. */
export function trimFws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isFws(s.charCodeAt(a))) a++;
  while (b > a && isFws(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/**
 * The fields of a header section (the raw message up to its body), each with its exact text.
 * A line that does not open a field (a name and a colon) belongs to the field above it, folded
 * or not: read so, a stray line can only add bytes to a signed field, so it can turn a pass into
 * a fail and never the other way (mailauth 7.1 reads it the same way).
 */
export function rawFields(header: string): RawField[] {
  let end = header.length;
  while (end > 0 && (header.charCodeAt(end - 1) === 0x0a || header.charCodeAt(end - 1) === 0x0d)) end--;
  const lines = header.slice(0, end).split(/\r?\n/);
  if (lines.length === 1 && lines[0] === '') return [];
  const groups: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const opens = FIELD_START.test(i + 1 < lines.length ? `${line}\r\n${lines[i + 1]!}` : line);
    const last = groups[groups.length - 1];
    if (opens || last === undefined) groups.push([line]);
    else last.push(line);
  }
  return groups.map((g) => {
    const text = g.join('\r\n');
    const colon = text.indexOf(':');
    const name = colon < 0 ? '' : trimFws(text.slice(0, colon)).replace(/\r?\n/g, '');
    return { key: lowerCaseAscii(name), text };
  });
}

/** One header field in canonical form, with its CRLF. */
export function canonicalHeader(field: string, c: Canonicalization): string {
  if (c === 'simple') return `${field}\r\n`;
  const colon = field.indexOf(':');
  // Unfold, lowercase the name (ASCII only), one SP for each run of WSP, none around the value.
  const name = lowerCaseAscii(trimFws(field.slice(0, colon)).replace(/\r?\n/g, ''));
  const value = field
    .slice(colon + 1)
    .replace(/\r?\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');
  return `${name}:${value}\r\n`;
}

/** The signature field with its b= value deleted (RFC 6376 section 3.7), everything else kept. */
export function withoutSignatureValue(field: string): string {
  const colon = field.indexOf(':');
  const parts = field.slice(colon + 1).split(';');
  const out = parts.map((part) => {
    const eq = part.indexOf('=');
    return eq >= 0 && part.slice(0, eq).replace(/[ \t\r\n]+/g, '') === 'b' ? part.slice(0, eq + 1) : part;
  });
  return `${field.slice(0, colon + 1)}${out.join(';')}`;
}

const CR = 0x0d;
const LF = 0x0a;

/** The body in canonical form (RFC 6376 sections 3.4.3 and 3.4.4), as bytes. */
export function canonicalBody(body: Buffer, c: Canonicalization): Buffer {
  let text = body.toString('latin1');
  if (text.includes('\n')) text = text.replace(/\r?\n/g, '\r\n');
  if (c === 'relaxed') text = text.replace(/[ \t]+/g, ' ').replace(/ (?=\r\n)/g, '');
  // Trailing empty lines are removed; a last line without CRLF gets one.
  let end = text.length;
  while (end >= 2 && text.charCodeAt(end - 1) === LF && text.charCodeAt(end - 2) === CR) end -= 2;
  if (c === 'relaxed' && end > 0 && text.charCodeAt(end - 1) === 0x20 && end === text.length) end -= 1;
  const content = text.slice(0, end);
  if (content === '') return Buffer.from(c === 'simple' ? '\r\n' : '', 'latin1');
  return Buffer.from(`${content}\r\n`, 'latin1');
}
