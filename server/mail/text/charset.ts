/**
 * Bytes of a text part in its declared charset to a string, with Node's built-in WHATWG decoders
 * (ICU: the ISO-8859 family, windows-125x, KOI8, GB18030/GBK, Big5, Shift_JIS, EUC-*, ISO-2022-JP).
 * An unknown or refused charset (UTF-7 can smuggle markup) is read as latin1, which keeps every
 * byte as one character. Never throws.
 */

import { TextDecoder } from 'node:util';

const REFUSED = new Set(['utf-7', 'utf7', 'unicode-1-1-utf-7']);
/** Decoders by charset label; bounded because labels come from spam. */
const MAX_CACHED_DECODERS = 64;
const decoders = new Map<string, TextDecoder | null>();

function decoderFor(label: string): TextDecoder | null {
  const name =
    label
      .trim()
      .toLowerCase()
      .replace(/^["']|["']$/g, '') || 'us-ascii';
  const cached = decoders.get(name);
  if (cached !== undefined) return cached;
  let decoder: TextDecoder | null = null;
  if (!REFUSED.has(name)) {
    try {
      decoder = new TextDecoder(name, { fatal: false });
    } catch {
      decoder = null;
    }
  }
  if (decoders.size < MAX_CACHED_DECODERS) decoders.set(name, decoder);
  return decoder;
}

/** windows-1252's 0x80-0x9F (Node 20's TextDecoder reads that label as ISO-8859-1: nodejs/node#56542). */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const LATIN1_LABELS = new Set([
  'us-ascii',
  'ascii',
  'iso-8859-1',
  'iso8859-1',
  'latin1',
  'l1',
  'windows-1252',
  'cp1252',
  'x-cp1252',
  'iso_8859-1',
]);

function decodeWindows1252(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label =
    (charset ?? 'us-ascii')
      .trim()
      .toLowerCase()
      .replace(/^["']|["']$/g, '') || 'us-ascii';
  // Mail's "iso-8859-1" and "us-ascii" are nearly always windows-1252 in practice, as WHATWG says.
  if (LATIN1_LABELS.has(label)) return decodeWindows1252(bytes);
  const decoder = decoderFor(label);
  if (decoder === null) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return decoder.decode(bytes);
}
