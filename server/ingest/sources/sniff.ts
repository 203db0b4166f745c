/** What a byte stream holds, from its first bytes. */

export type ContentKind = 'zip' | 'gzip' | 'mbox' | 'message';

/** Bytes needed to tell the kinds apart. */
export const SNIFF_BYTES = 5;

/**
 * ZIP: local file header `PK\x03\x04`, empty archive `PK\x05\x06`, spanned marker `PK\x07\x08`.
 * gzip: `1f 8b`. mbox: `From ` at the very start. Anything else is one message.
 */
export function sniff(head: Buffer): ContentKind {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) {
    const a = head[2];
    const b = head[3];
    if ((a === 0x03 && b === 0x04) || (a === 0x05 && b === 0x06) || (a === 0x07 && b === 0x08)) return 'zip';
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 5 && head.toString('latin1', 0, 5) === 'From ') return 'mbox';
  return 'message';
}
