/**
 * Just enough MIME to find inner messages: where an entity's header section ends, its
 * Content-Type and Content-Transfer-Encoding, and the parts of a multipart body. Bounded by
 * the caller's limits; malformed input gives empty results, never an exception.
 */

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const TAB = 0x09;
const DASH = 0x2d;

export interface ContentType {
  /** `type/subtype` in lower case; '' when absent or unreadable. */
  mimeType: string;
  /** Parameter names in lower case; values as written (boundaries are case-sensitive). */
  params: Map<string, string>;
}

export interface Entity {
  /** Header section [start, headerEnd) and body [bodyStart, end) within the buffer. */
  start: number;
  headerEnd: number;
  bodyStart: number;
  end: number;
}

/**
 * Splits an entity into header section and body at the first empty line, looking at most
 * `maxHeaderBytes` ahead. Without an empty line in reach, the body is empty.
 */
export function locateEntity(buf: Buffer, start: number, end: number, maxHeaderBytes: number): Entity {
  if (buf[start] === LF) return { start, headerEnd: start, bodyStart: start + 1, end };
  if (buf[start] === CR && buf[start + 1] === LF) return { start, headerEnd: start, bodyStart: start + 2, end };
  const limit = Math.min(end, start + maxHeaderBytes);
  let pos = start;
  while (pos < limit) {
    const nl = buf.indexOf(LF, pos);
    if (nl === -1 || nl >= limit) break;
    if (buf[nl + 1] === LF && nl + 1 < end) return { start, headerEnd: nl + 1, bodyStart: nl + 2, end };
    if (buf[nl + 1] === CR && buf[nl + 2] === LF && nl + 2 < end)
      return { start, headerEnd: nl + 1, bodyStart: nl + 3, end };
    pos = nl + 1;
  }
  return { start, headerEnd: limit, bodyStart: end, end };
}

/** Header fields of a header section (unfolded, names in lower case), limited to `wanted` names. */
export function readHeaderFields(
  buf: Buffer,
  start: number,
  end: number,
  wanted: ReadonlySet<string>,
): Map<string, string> {
  const fields = new Map<string, string>();
  const lines = buf.toString('latin1', start, end).split(/\r?\n/);
  let name: string | null = null;
  let value = '';
  const flush = (): void => {
    if (name !== null && wanted.has(name) && !fields.has(name)) fields.set(name, value.trim());
    name = null;
  };
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && name !== null) {
      value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  return fields;
}

/** Parses `type/subtype; name=value; name="quoted value"` (RFC 2045). */
export function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (value === undefined) return { mimeType: '', params };
  const text = value.replace(/\([^()]*\)/g, ' ');
  const semi = text.indexOf(';');
  const rawType = (semi === -1 ? text : text.slice(0, semi)).trim().toLowerCase();
  const mimeType = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(rawType) ? rawType : '';
  let i = semi === -1 ? text.length : semi + 1;
  while (i < text.length) {
    while (i < text.length && (text[i] === ';' || text[i] === ' ' || text[i] === '\t')) i += 1;
    const eq = text.indexOf('=', i);
    if (eq === -1) break;
    const name = text.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i += 1;
    let paramValue = '';
    if (text[i] === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i += 1;
        paramValue += text[i];
        i += 1;
      }
      i += 1; // closing quote
      const nextSemi = text.indexOf(';', i);
      i = nextSemi === -1 ? text.length : nextSemi;
    } else {
      const nextSemi = text.indexOf(';', i);
      const stop = nextSemi === -1 ? text.length : nextSemi;
      paramValue = text.slice(i, stop).trim();
      i = stop;
    }
    if (name !== '' && !params.has(name)) params.set(name, paramValue);
  }
  return { mimeType, params };
}

/**
 * The [start, end) ranges of the parts of a multipart body (RFC 2046): a delimiter is
 * `--boundary` at the start of a line, the line break before it belongs to it, the preamble and
 * epilogue are dropped. A body without the closing delimiter ends its last part at `end`
 * (truncated reports are common). At most `maxParts` parts are returned.
 */
export function splitMultipart(
  buf: Buffer,
  start: number,
  end: number,
  boundary: string,
  maxParts: number,
): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  if (boundary === '' || boundary.length > 200) return parts;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let partStart = -1;
  let pos = start;
  while (pos < end && parts.length < maxParts) {
    const idx = buf.indexOf(delimiter, pos);
    if (idx === -1 || idx + delimiter.length > end) break;
    if (idx !== start && buf[idx - 1] !== LF) {
      pos = idx + 1;
      continue;
    }
    let k = idx + delimiter.length;
    const close = buf[k] === DASH && buf[k + 1] === DASH;
    if (close) k += 2;
    while (k < end && (buf[k] === SP || buf[k] === TAB)) k += 1;
    const atLineEnd = k >= end || buf[k] === LF || (buf[k] === CR && buf[k + 1] === LF);
    if (!atLineEnd && !close) {
      // a longer boundary that starts with this one
      pos = idx + 1;
      continue;
    }
    if (partStart >= 0) {
      let partEnd = idx;
      if (partEnd > partStart && buf[partEnd - 1] === LF) {
        partEnd -= 1;
        if (partEnd > partStart && buf[partEnd - 1] === CR) partEnd -= 1;
      }
      parts.push([partStart, partEnd]);
    }
    if (close) return parts;
    const nl = buf.indexOf(LF, k);
    partStart = nl === -1 || nl >= end ? end : nl + 1;
    pos = partStart;
  }
  if (partStart >= 0 && parts.length < maxParts) parts.push([partStart, end]);
  return parts;
}
