/**
 * The readable text of a message: the decoded text/plain and text/html parts (transfer encoding
 * and charset undone), found by walking the MIME tree from the top-level header section.
 * Attachments and other types are skipped. Bounded by the limits in limits.ts; malformed MIME
 * gives whatever text could be read, never an exception.
 */
import { locateEntity, parseContentType, readHeaderFields, splitMultipart } from '../mime/mime-entity.ts';
import { decodeTransferEncoding } from '../mime/transfer-decoding.ts';
import { MAX_BODY_BYTES, MAX_DEPTH, MAX_PARTS, MAX_TEXT_CHARS } from './limits.ts';
import { decodeCharset } from './charset.ts';

export interface BodyText {
  /** Decoded text/plain parts, in order. */
  plain: string[];
  /** Decoded text/html parts, in order (markup still in). */
  html: string[];
}

const FIELDS: ReadonlySet<string> = new Set(['content-type', 'content-transfer-encoding', 'content-disposition']);
/** Top-level header section bytes looked through (trace fields can be long). */
const MAX_TOP_HEADER_BYTES = 256 * 1024;
/** Header section bytes read per inner entity. */
const MAX_ENTITY_HEADER_BYTES = 16 * 1024;

export function extractBodyText(raw: Buffer): BodyText {
  const out: BodyText = { plain: [], html: [] };
  const end = Math.min(raw.length, MAX_TOP_HEADER_BYTES + MAX_BODY_BYTES);
  const budget = { parts: 0, chars: 0 };
  visit(raw, 0, end, 0, true, out, budget);
  return out;
}

function visit(
  raw: Buffer,
  start: number,
  end: number,
  depth: number,
  top: boolean,
  out: BodyText,
  budget: { parts: number; chars: number },
): void {
  if (budget.parts >= MAX_PARTS || budget.chars >= MAX_TEXT_CHARS) return;
  budget.parts += 1;
  // The top-level header section can be large (trace fields); inner ones are small.
  const entity = locateEntity(raw, start, end, top ? MAX_TOP_HEADER_BYTES : MAX_ENTITY_HEADER_BYTES);
  const fields = readHeaderFields(raw, entity.start, entity.headerEnd, FIELDS);
  const type = parseContentType(fields.get('content-type'));
  const mimeType = type.mimeType || 'text/plain';
  if (mimeType.startsWith('multipart/')) {
    if (depth >= MAX_DEPTH) return;
    const boundary = type.params.get('boundary') ?? '';
    for (const [s, e] of splitMultipart(raw, entity.bodyStart, entity.end, boundary, MAX_PARTS - budget.parts)) {
      visit(raw, s, e, depth + 1, false, out, budget);
    }
    return;
  }
  if (mimeType !== 'text/plain' && mimeType !== 'text/html') return;
  if (/^\s*attachment/i.test(fields.get('content-disposition') ?? '')) return;
  const bodyEnd = Math.min(entity.end, entity.bodyStart + MAX_BODY_BYTES);
  const decoded = decodeTransferEncoding(
    raw.subarray(entity.bodyStart, bodyEnd),
    fields.get('content-transfer-encoding') ?? '',
  );
  let text = decodeCharset(decoded, type.params.get('charset'));
  if (text.length > MAX_TEXT_CHARS - budget.chars) text = text.slice(0, MAX_TEXT_CHARS - budget.chars);
  budget.chars += text.length;
  (mimeType === 'text/html' ? out.html : out.plain).push(text);
}
