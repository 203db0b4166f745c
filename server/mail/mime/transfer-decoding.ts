/** Content-Transfer-Encoding decoding (RFC 2045) of a part body, lenient as mail readers are. */

const EQ = 0x3d;
const CR = 0x0d;
const LF = 0x0a;

/** The decoded body: base64 and quoted-printable are decoded, anything else is returned as is. */
export function decodeTransferEncoding(body: Buffer, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      // Node skips whitespace and characters outside the alphabet, as mail readers do.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

export function decodeQuotedPrintable(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length);
  let o = 0;
  const n = body.length;
  for (let i = 0; i < n; i++) {
    const b = body[i] as number;
    if (b !== EQ) {
      out[o++] = b;
      continue;
    }
    const next = body[i + 1];
    if (next === LF) {
      // soft line break '=\n'
      i += 1;
      continue;
    }
    if (next === CR && body[i + 2] === LF) {
      // soft line break '=\r\n'
      i += 2;
      continue;
    }
    const hi = hexValue(next);
    const lo = hexValue(body[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[o++] = hi * 16 + lo;
      i += 2;
      continue;
    }
    out[o++] = b; // a stray '=' is kept, as readers do
  }
  return out.subarray(0, o);
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}
