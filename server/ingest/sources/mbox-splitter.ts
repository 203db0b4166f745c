/**
 * Streaming mbox splitter. Feed it chunks; it returns the entries completed so far. Memory holds
 * one entry (and nothing of an entry over `maxEntryBytes`), never the file.
 *
 * - An entry starts at a line beginning with `From ` (LF or CRLF line ends); that separator line
 *   is not part of the entry, and its first word is the envelope sender.
 * - The one blank line a writer puts before the next separator (and at the end of the file) is
 *   not part of the entry, so the same message has the same bytes wherever it sits in the box.
 * - mboxrd unquoting: a line `>From `, `>>From `, ... loses one `>`. This is also right for
 *   mboxo, whose writers quote `From ` as `>From ` (a real `>From ` line is ambiguous there).
 */

const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_ = Buffer.from('From ', 'latin1');
/** Longest `>>>…>From ` prefix recognised as quoting; beyond it the line is plain content. */
const MAX_QUOTE_RUN = 1_000;
/** Bytes of a separator line kept to read the envelope sender from. */
const MAX_SEPARATOR_BYTES = 1_024;

export interface MboxEntry {
  /** 1-based position of the entry in the mbox. */
  number: number;
  /** The entry's bytes, or null when it was larger than the limit (then only `size` is known). */
  bytes: Buffer | null;
  size: number;
  envelopeSender: string | null;
}

type Mode = 'lineStart' | 'content' | 'separator';

export class MboxSplitter {
  private readonly maxEntryBytes: number;
  private mode: Mode = 'lineStart';
  /** Start of a line that may still turn out to be a separator or a quoted `From `. */
  private carry: Buffer | null = null;
  private parts: Buffer[] = [];
  private size = 0;
  private oversized = false;
  private hasLines = false;
  private envelopeSender: string | null = null;
  private entryCount = 0;
  private lineBytes = 0;
  private lineFirstByte = 0;
  /** Length of the last completed line of the entry if it was blank (1 for LF, 2 for CRLF), else 0. */
  private trailingBlank = 0;
  private separatorParts: Buffer[] = [];
  private separatorBytes = 0;

  constructor(maxEntryBytes: number) {
    this.maxEntryBytes = maxEntryBytes;
  }

  push(chunk: Buffer): MboxEntry[] {
    const out: MboxEntry[] = [];
    let buf = chunk;
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const len = buf.length;
    let pos = 0;
    let runStart = 0; // start of entry bytes not yet appended
    while (pos < len) {
      if (this.mode === 'content') {
        const nl = buf.indexOf(LF, pos);
        const end = nl === -1 ? len : nl + 1;
        if (this.lineBytes === 0) this.lineFirstByte = buf[pos] ?? 0;
        this.lineBytes += end - pos;
        pos = end;
        if (nl === -1) break;
        this.trailingBlank =
          this.lineBytes === 1 || (this.lineBytes === 2 && this.lineFirstByte === CR) ? this.lineBytes : 0;
        this.lineBytes = 0;
        this.mode = 'lineStart';
        continue;
      }
      if (this.mode === 'separator') {
        const nl = buf.indexOf(LF, pos);
        const end = nl === -1 ? len : nl + 1;
        this.keepSeparatorBytes(buf.subarray(pos, end));
        pos = end;
        runStart = pos;
        if (nl === -1) break;
        this.startEntry();
        this.mode = 'lineStart';
        continue;
      }
      // lineStart: decide what this line is.
      const kind = classifyLine(buf, pos);
      if (kind === 'incomplete') {
        this.append(buf, runStart, pos);
        this.carry = Buffer.from(buf.subarray(pos));
        return out;
      }
      if (kind === 'separator') {
        this.append(buf, runStart, pos);
        const entry = this.finishEntry();
        if (entry !== null) out.push(entry);
        this.mode = 'separator';
        this.separatorParts = [];
        this.separatorBytes = 0;
        continue;
      }
      this.hasLines = true;
      if (kind === 'quoted') {
        this.append(buf, runStart, pos);
        pos += 1; // drop one '>'
        runStart = pos;
      }
      this.mode = 'content';
      this.lineBytes = 0;
    }
    if (this.mode !== 'separator') this.append(buf, runStart, len);
    return out;
  }

  /** Call once at end of input: returns the last entry, if any. */
  end(): MboxEntry[] {
    if (this.carry !== null) {
      // A line left undecided at end of input is too short to be a separator: plain content.
      const rest = this.carry;
      this.carry = null;
      this.mode = 'content';
      this.append(rest, 0, rest.length);
    }
    if (this.mode === 'separator') {
      this.startEntry();
      return [];
    }
    const entry = this.finishEntry();
    return entry === null ? [] : [entry];
  }

  private append(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.size += end - start;
    this.hasLines = true;
    if (this.oversized) return;
    // +2: the trailing blank line that may still be stripped.
    if (this.size > this.maxEntryBytes + 2) {
      this.oversized = true;
      this.parts = [];
      return;
    }
    this.parts.push(buf.subarray(start, end));
  }

  private keepSeparatorBytes(bytes: Buffer): void {
    if (this.separatorBytes >= MAX_SEPARATOR_BYTES) return;
    const kept = bytes.subarray(0, MAX_SEPARATOR_BYTES - this.separatorBytes);
    this.separatorParts.push(Buffer.from(kept));
    this.separatorBytes += kept.length;
  }

  private startEntry(): void {
    this.envelopeSender = parseSeparator(Buffer.concat(this.separatorParts));
    this.separatorParts = [];
    this.separatorBytes = 0;
    this.hasLines = true; // a separator opens an entry even if it stays empty
  }

  private finishEntry(): MboxEntry | null {
    const hadEntry = this.hasLines;
    // The blank line the writer added counts only if the entry ends right after it.
    const strip = this.mode === 'lineStart' || this.mode === 'separator' ? this.trailingBlank : 0;
    const size = this.size - strip;
    let bytes: Buffer | null = null;
    if (!this.oversized && size <= this.maxEntryBytes) {
      const whole = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
      bytes = whole.subarray(0, size);
    }
    const envelopeSender = this.envelopeSender;
    this.parts = [];
    this.size = 0;
    this.oversized = false;
    this.hasLines = false;
    this.trailingBlank = 0;
    this.lineBytes = 0;
    this.envelopeSender = null;
    if (!hadEntry) return null;
    this.entryCount += 1;
    return { number: this.entryCount, bytes, size, envelopeSender };
  }
}

type LineKind = 'separator' | 'quoted' | 'content' | 'incomplete';

/** What the line starting at `pos` is, or 'incomplete' when the chunk ends too early to tell. */
function classifyLine(buf: Buffer, pos: number): LineKind {
  const first = buf[pos];
  if (first === 0x46 /* F */) return matchFrom(buf, pos) ?? 'incomplete';
  if (first !== GT) return 'content';
  let j = pos;
  while (j < buf.length && buf[j] === GT) {
    j += 1;
    if (j - pos > MAX_QUOTE_RUN) return 'content';
  }
  if (j === buf.length) return 'incomplete';
  const m = matchFrom(buf, j);
  if (m === null) return 'incomplete';
  return m === 'separator' ? 'quoted' : 'content';
}

/** 'separator' when `From ` starts at pos, 'content' when it cannot, null when the chunk ends first. */
function matchFrom(buf: Buffer, pos: number): 'separator' | 'content' | null {
  for (let i = 0; i < FROM_.length; i++) {
    const b = buf[pos + i];
    if (b === undefined) return null;
    if (b !== FROM_[i]) return 'content';
  }
  return 'separator';
}

/** The envelope sender of a `From sender date` line, or null when absent (`From - …`, `From <> …`). */
export function parseSeparator(line: Buffer): string | null {
  const text = line.toString('utf8', FROM_.length);
  const match = /^[^\s]+/.exec(text);
  if (match === null) return null;
  let sender = match[0];
  if (sender.startsWith('<') && sender.endsWith('>')) sender = sender.slice(1, -1);
  if (sender === '' || sender === '-') return null;
  return sender;
}
