/**
 * A strict ZIP reader for checking bundles: reads the central directory (ZIP64 aware), then walks
 * the members in file order, each local header checked against its central entry, each member's
 * CRC-32 recomputed. STORED and DEFLATED members are read (a bag re-zipped by another tool still
 * verifies); encrypted members and anything else are reported, not guessed at.
 * Reads through one buffer, so memory is bounded by the largest member (capped) plus the
 * central directory.
 */
import fs from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

const U32_MAX = 0xffffffff;
/** Largest member this reader holds in memory at once (bundle members are emails and CSVs). */
export const MAX_MEMBER_BYTES = 2 * 1024 * 1024 * 1024 - 1;
/** Bytes read from the end to find the end-of-central-directory record (22 + 65,535 comment). */
const EOCD_SEARCH = 22 + 0xffff;

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export class ZipFormatError extends Error {}

/** Where the central directory is: its entry count, offset and size (ZIP64 aware). */
export interface CentralDirectoryLocation {
  count: number;
  cdStart: number;
  cdSize: number;
}

export function locateCentralDirectory(fd: number): CentralDirectoryLocation {
  const fileSize = fs.fstatSync(fd).size;
  const tailLen = Math.min(fileSize, EOCD_SEARCH);
  const tail = Buffer.alloc(tailLen);
  fs.readSync(fd, tail, 0, tailLen, fileSize - tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError('not a ZIP file: no end of central directory record');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdStart = tail.readUInt32LE(eocd + 16);
  const eocdAbs = fileSize - tailLen + eocd;
  if (count === 0xffff || cdSize === U32_MAX || cdStart === U32_MAX) {
    const loc = Buffer.alloc(20);
    if (eocdAbs < 20) throw new ZipFormatError('ZIP64 locator missing');
    fs.readSync(fd, loc, 0, 20, eocdAbs - 20);
    if (loc.readUInt32LE(0) !== 0x07064b50) throw new ZipFormatError('ZIP64 end of central directory locator missing');
    const recOffset = Number(loc.readBigUInt64LE(8));
    const rec = Buffer.alloc(56);
    fs.readSync(fd, rec, 0, 56, recOffset);
    if (rec.readUInt32LE(0) !== 0x06064b50) throw new ZipFormatError('ZIP64 end of central directory record missing');
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdStart = Number(rec.readBigUInt64LE(48));
  }
  if (cdStart + cdSize > fileSize) throw new ZipFormatError('central directory lies past the end of the file');
  return { count, cdStart, cdSize };
}

/** Bytes of central directory held at once while iterating it. */
const CD_WINDOW = 1024 * 1024;

/**
 * The central directory's entries one by one, read through a 1 MiB window: memory does not grow
 * with the member count (a bundle of a million items has a central directory of ~100 MB).
 */
export function* centralEntries(fd: number, loc: CentralDirectoryLocation): Generator<ZipMember> {
  const end = loc.cdStart + loc.cdSize;
  // One buffer for the whole walk (entries' names are copied out as strings): a new window per
  // MiB left ~100 MB of dead buffers for the garbage collector at a million items.
  let buffer = Buffer.allocUnsafe(Math.min(CD_WINDOW, loc.cdSize));
  let window = buffer.subarray(0, 0);
  let windowStart = loc.cdStart;
  let abs = loc.cdStart;
  /** Make [abs, abs + n) readable in the window; false when it lies past the central directory. */
  const ensure = (n: number): boolean => {
    if (abs + n > end) return false;
    if (abs >= windowStart && abs + n <= windowStart + window.length) return true;
    const len = Math.min(Math.max(n, CD_WINDOW), end - abs);
    if (buffer.length < len) buffer = Buffer.allocUnsafe(len);
    window = buffer.subarray(0, len);
    if (readFull(fd, window, abs) < len) throw new ZipFormatError('central directory cut short');
    windowStart = abs;
    return true;
  };
  for (let i = 0; i < loc.count; i++) {
    if (!ensure(46) || window.readUInt32LE(abs - windowStart) !== 0x02014b50)
      throw new ZipFormatError(`central directory entry ${i + 1} is damaged`);
    let p = abs - windowStart;
    const nameLen = window.readUInt16LE(p + 28);
    const extraLen = window.readUInt16LE(p + 30);
    const commentLen = window.readUInt16LE(p + 32);
    if (!ensure(46 + nameLen + extraLen + commentLen))
      throw new ZipFormatError(`central directory entry ${i + 1} is damaged`);
    p = abs - windowStart;
    const cd = window;
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    let localOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === U32_MAX && q + 8 <= extraEnd) {
          size = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === U32_MAX && q + 8 <= extraEnd) {
          compressedSize = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === U32_MAX && q + 8 <= extraEnd) localOffset = Number(cd.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    abs += 46 + nameLen + extraLen + commentLen;
    yield { name, method, flags, crc, compressedSize, size, localOffset };
  }
}

export function readCentralDirectory(fd: number): { members: ZipMember[]; centralStart: number } {
  const loc = locateCentralDirectory(fd);
  return { members: [...centralEntries(fd, loc)], centralStart: loc.cdStart };
}

/** A local header and its name, read into these for every member (reading is synchronous). */
const localHeader = Buffer.alloc(30);
const localName = Buffer.alloc(0xffff);

/** Chunk size for members checked as a stream. */
const STREAM_CHUNK = 4 * 1024 * 1024;

/**
 * Check one member as a stream: its local header, then its bytes handed to `onChunk` in order
 * (STORED members a few MiB at a time; DEFLATED ones, from other tools, inflated whole), then its
 * size and CRC-32. Returns the problem, or null when the member is intact; what `onChunk` saw of a
 * member with a problem must be discarded.
 */
export function streamMember(
  fd: number,
  m: ZipMember,
  onChunk: (chunk: Buffer) => void,
  scratch?: Buffer,
): string | null {
  const header = localHeader;
  if (fs.readSync(fd, header, 0, 30, m.localOffset) !== 30 || header.readUInt32LE(0) !== 0x04034b50)
    return 'local header missing or damaged';
  const nameLen = header.readUInt16LE(26);
  const extraLen = header.readUInt16LE(28);
  const nameBuf = localName.subarray(0, fs.readSync(fd, localName, 0, nameLen, m.localOffset + 30));
  if (nameBuf.toString('utf8') !== m.name) return `local header names it ${JSON.stringify(nameBuf.toString('utf8'))}`;
  if (m.flags & 0x1) return 'encrypted member';
  if (m.method !== 0 && m.method !== 8) return `unsupported compression method ${m.method}`;
  const dataStart = m.localOffset + 30 + nameLen + extraLen;
  if (m.method === 8) {
    if (m.compressedSize > MAX_MEMBER_BYTES || m.size > MAX_MEMBER_BYTES) return 'member too large to check';
    const raw = Buffer.allocUnsafe(m.compressedSize);
    if (readFull(fd, raw, dataStart) < raw.length) return 'member data cut short';
    let data: Buffer;
    try {
      data = inflateRawSync(raw);
    } catch {
      return 'compressed data is damaged';
    }
    if (data.length !== m.size) return `size is ${data.length}, the central directory says ${m.size}`;
    if (crc32(data) !== m.crc) return 'CRC-32 does not match the central directory (member altered)';
    onChunk(data);
    return null;
  }
  if (m.compressedSize !== m.size) return `stored member's sizes disagree (${m.compressedSize} and ${m.size})`;
  const buf =
    scratch && scratch.length >= Math.min(m.size, STREAM_CHUNK)
      ? scratch
      : Buffer.allocUnsafe(Math.min(Math.max(m.size, 1), STREAM_CHUNK));
  let crc = 0;
  for (let pos = 0; pos < m.size;) {
    const want = Math.min(buf.length, m.size - pos);
    const chunk = buf.subarray(0, want);
    if (readFull(fd, chunk, dataStart + pos) < want) return 'member data cut short';
    crc = crc32(chunk, crc);
    onChunk(chunk);
    pos += want;
  }
  if (crc !== m.crc) return 'CRC-32 does not match the central directory (member altered)';
  return null;
}

function readFull(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/**
 * Read each member's bytes in archive order and hand them to `onMember`. Problems with one member
 * (bad local header, CRC mismatch, unsupported method) are reported through `onProblem` and the
 * walk goes on, so every failing member is named.
 */
export function walkMembers(
  fd: number,
  members: ZipMember[],
  onMember: (member: ZipMember, data: Buffer) => void,
  onProblem: (member: ZipMember, problem: string) => void,
): void {
  const ordered = [...members].sort((a, b) => a.localOffset - b.localOffset);
  const header = Buffer.alloc(30);
  let scratch = Buffer.allocUnsafe(1 << 20);
  for (const m of ordered) {
    if (fs.readSync(fd, header, 0, 30, m.localOffset) !== 30 || header.readUInt32LE(0) !== 0x04034b50) {
      onProblem(m, 'local header missing or damaged');
      continue;
    }
    const nameLen = header.readUInt16LE(26);
    const extraLen = header.readUInt16LE(28);
    const nameBuf = Buffer.alloc(nameLen);
    fs.readSync(fd, nameBuf, 0, nameLen, m.localOffset + 30);
    if (nameBuf.toString('utf8') !== m.name) {
      onProblem(m, `local header names it ${JSON.stringify(nameBuf.toString('utf8'))}`);
      continue;
    }
    if (m.flags & 0x1) {
      onProblem(m, 'encrypted member');
      continue;
    }
    if (m.method !== 0 && m.method !== 8) {
      onProblem(m, `unsupported compression method ${m.method}`);
      continue;
    }
    if (m.compressedSize > MAX_MEMBER_BYTES || m.size > MAX_MEMBER_BYTES) {
      onProblem(m, 'member too large to check');
      continue;
    }
    if (scratch.length < m.compressedSize) scratch = Buffer.allocUnsafe(m.compressedSize);
    const raw = scratch.subarray(0, m.compressedSize);
    const dataStart = m.localOffset + 30 + nameLen + extraLen;
    let got = 0;
    while (got < raw.length) {
      const n = fs.readSync(fd, raw, got, raw.length - got, dataStart + got);
      if (n === 0) break;
      got += n;
    }
    if (got < raw.length) {
      onProblem(m, 'member data cut short');
      continue;
    }
    let data: Buffer;
    try {
      data = m.method === 8 ? inflateRawSync(raw) : raw;
    } catch {
      onProblem(m, 'compressed data is damaged');
      continue;
    }
    if (data.length !== m.size) {
      onProblem(m, `size is ${data.length}, the central directory says ${m.size}`);
      continue;
    }
    if (crc32(data) !== m.crc) {
      onProblem(m, 'CRC-32 does not match the central directory (member altered)');
      continue;
    }
    onMember(m, data);
  }
}

/** Chunk size of text members read in step (manifest, items.csv). */
const TEXT_CHUNK = 32 * 1024;

/**
 * A member's bytes, pulled chunk by chunk (STORED) or inflated whole (DEFLATED), without its CRC
 * check: for reading a large text member (a manifest, items.csv) in step with other work while
 * `streamMember` checks it in its turn. Yields nothing when the local header is unusable. A STORED
 * member's chunks share one buffer: consume each before asking for the next.
 */
export function* memberChunks(fd: number, m: ZipMember): Generator<Buffer> {
  const header = Buffer.alloc(30);
  if (fs.readSync(fd, header, 0, 30, m.localOffset) !== 30 || header.readUInt32LE(0) !== 0x04034b50 || m.flags & 0x1)
    return;
  const dataStart = m.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  if (m.method === 8) {
    if (m.compressedSize > MAX_MEMBER_BYTES) return;
    const raw = Buffer.allocUnsafe(m.compressedSize);
    readFull(fd, raw, dataStart);
    try {
      yield inflateRawSync(raw);
    } catch {
      return;
    }
    return;
  }
  if (m.method !== 0) return;
  // One small buffer, reused: each chunk is decoded before the next is read, and 32 KiB decodes to
  // strings small enough to die young (4 MiB chunks made multi-MB strings that piled up until a
  // full collection: verify's peak RSS grew with items.csv).
  const buf = Buffer.allocUnsafe(Math.min(TEXT_CHUNK, Math.max(m.compressedSize, 1)));
  for (let pos = 0; pos < m.compressedSize;) {
    const chunk = buf.subarray(0, Math.min(buf.length, m.compressedSize - pos));
    const n = readFull(fd, chunk, dataStart + pos);
    if (n === 0) return;
    yield chunk.subarray(0, n);
    pos += n;
  }
}
