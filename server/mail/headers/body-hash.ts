/**
 * A hash of the body that is equal for the copies of one message captured at different hops: it
 * ignores the header (trace fields differ), line-end style, trailing whitespace and trailing blank
 * lines. Works on bytes; never decodes MIME, so it stays cheap.
 */
import crypto from 'node:crypto';

const LF = 0x0a;

function isTrailingSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/** sha256 hex of the body from `bodyOffset`: CRLF => LF, trailing spaces/tabs cut, trailing blank lines dropped. */
export function normalizedBodyHash(raw: Buffer, bodyOffset: number): string {
  const start = Math.min(Math.max(0, Math.floor(bodyOffset)), raw.length);
  const out = Buffer.allocUnsafe(raw.length - start + 1);
  let length = 0;
  let pendingBlankLines = 0;
  let pos = start;
  while (pos < raw.length) {
    const nl = raw.indexOf(LF, pos);
    const lineEnd = nl < 0 ? raw.length : nl;
    let end = lineEnd;
    while (end > pos && isTrailingSpace(raw[end - 1])) end--;
    if (end === pos) {
      pendingBlankLines++;
    } else {
      if (pendingBlankLines > 0) {
        out.fill(LF, length, length + pendingBlankLines);
        length += pendingBlankLines;
        pendingBlankLines = 0;
      }
      length += raw.copy(out, length, pos, end);
      out[length++] = LF;
    }
    pos = nl < 0 ? raw.length : nl + 1;
  }
  return crypto.createHash('sha256').update(out.subarray(0, length)).digest('hex');
}
