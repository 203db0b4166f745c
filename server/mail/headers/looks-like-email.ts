/**
 * A cheap first look at an input before it is treated as a message, decided by its content: it is
 * email when it starts with a header field and its header section names at least one field that
 * messages carry (From, Date, Subject, Received, Message-ID, a MIME or trace field, any `X-` field).
 * Anything else (empty, a binary format, JSON, HTML, text without a header section) is not email,
 * with the reason. A truncated message that starts with header lines is an email (it is stored with
 * a parse problem).
 */
import { fieldNameLength } from './header-section.ts';
import { MAX_HEADER_SECTION_BYTES, MAX_LINE_OCTETS } from './limits.ts';
import type { EmailCheck } from './types.ts';

interface Magic {
  bytes: number[];
  offset?: number;
  what: string;
}

/** Signatures of formats that show up where messages are expected (attachments saved by mistake, archives). */
const MAGIC: Magic[] = [
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x37, 0x61], what: 'a GIF image' }, // GIF87a
  { bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61], what: 'a GIF image' }, // GIF89a
  { bytes: [0x42, 0x4d], what: 'a BMP image' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], what: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], what: 'a TIFF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF document' }, // %PDF-
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive' },
  { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'a ZIP archive' }, // empty archive
  { bytes: [0x50, 0x4b, 0x07, 0x08], what: 'a ZIP archive' }, // spanned archive
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x42, 0x5a, 0x68], what: 'a bzip2 archive' }, // BZh
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz archive' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07], what: 'a RAR archive' }, // Rar!
  { bytes: [0x75, 0x73, 0x74, 0x61, 0x72], offset: 257, what: 'a tar archive' }, // ustar
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an ELF executable' },
  { bytes: [0x4d, 0x5a], what: 'a Windows executable' }, // MZ
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'an OLE file (Outlook .msg or old Office document)',
  },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], what: 'an SQLite database' }, // "SQLite f"
  { bytes: [0x00, 0x00, 0x00], what: 'binary data' },
];

function matches(raw: Buffer, magic: Magic): boolean {
  const offset = magic.offset ?? 0;
  if (raw.length < offset + magic.bytes.length) return false;
  for (let k = 0; k < magic.bytes.length; k++) if (raw[offset + k] !== magic.bytes[k]) return false;
  return true;
}

export function looksLikeEmail(raw: Buffer): EmailCheck {
  if (raw.length === 0) return { ok: false, reason: 'empty file' };
  const start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0; // UTF-8 byte order mark
  const head = raw.toString('latin1', start, Math.min(raw.length, start + MAX_LINE_OCTETS + 2));
  const lineEnd = head.indexOf('\n');
  const firstLine = lineEnd < 0 ? head : head.slice(0, lineEnd);
  // A header field at the start is what decides; the signatures only explain a rejection. Binary
  // files almost never start with "name:" (most signatures hold a byte no field name can), and one
  // that did would still be stored, with its parse problems.
  if (fieldNameLength(firstLine, 0, firstLine.length) > 0) {
    if (namesMessageField(raw, start)) return { ok: true };
    return { ok: false, reason: `not an email: ${structuredTextKind(firstLine) ?? NO_MESSAGE_FIELD}` };
  }
  for (const magic of MAGIC) {
    if (matches(raw, magic)) return { ok: false, reason: `not an email: looks like ${magic.what}` };
  }
  if (firstLine.startsWith('From ')) {
    return { ok: false, reason: 'not an email: starts with an mbox "From " line (split the mbox first)' };
  }
  if (firstLine.trim() === '')
    return { ok: false, reason: 'not an email: no header field at the start (starts with a blank line)' };
  const structured = structuredTextKind(firstLine);
  if (structured !== null) return { ok: false, reason: `not an email: ${structured}` };
  return { ok: false, reason: 'not an email: no header field at the start' };
}

const NO_MESSAGE_FIELD = 'no message header field (From, Date, Subject, Received, Message-ID...) in its header section';

/** Field names that messages carry (RFC 5322, 2045, 5321 trace, 6376, 8617, common provider fields). */
const MESSAGE_FIELDS: ReadonlySet<string> = new Set([
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'comments',
  'keywords',
  'received',
  'return-path',
  'delivered-to',
  'envelope-to',
  'mime-version',
  'dkim-signature',
  'domainkey-signature',
  'authentication-results',
  'received-spf',
  'errors-to',
  'precedence',
  'importance',
  'priority',
  'organization',
  'user-agent',
  'thread-topic',
  'thread-index',
  'disposition-notification-to',
  'feedback-type',
  'newsgroups',
]);
/** Field name prefixes that only messages use. */
const MESSAGE_FIELD_PREFIXES = ['x-', 'content-', 'resent-', 'list-', 'arc-'];

/**
 * Whether a field of the header section (up to its first blank line, within the header-section
 * limit) is a message field. Lines that are not fields (continuations, malformed lines) are skipped.
 */
function namesMessageField(raw: Buffer, start: number): boolean {
  const end = Math.min(raw.length, start + MAX_HEADER_SECTION_BYTES);
  let lineStart = start;
  while (lineStart < end) {
    let lineEnd = raw.indexOf(0x0a, lineStart);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    const contentEnd = lineEnd > lineStart && raw[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    if (contentEnd === lineStart) return false; // the blank line: end of the header section
    const first = raw[lineStart];
    if (first !== 0x20 && first !== 0x09) {
      const line = raw.toString('latin1', lineStart, Math.min(contentEnd, lineStart + 128));
      const length = fieldNameLength(line, 0, line.length);
      if (length > 0 && isMessageField(line.slice(0, length).toLowerCase())) return true;
    }
    lineStart = lineEnd + 1;
  }
  return false;
}

function isMessageField(name: string): boolean {
  return MESSAGE_FIELDS.has(name) || MESSAGE_FIELD_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** What a text input that is not a message looks like, from its first line; null when nothing known. */
function structuredTextKind(firstLine: string): string | null {
  const text = firstLine.trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'looks like JSON';
  if (text.startsWith('<')) return 'looks like HTML or XML';
  return null;
}
