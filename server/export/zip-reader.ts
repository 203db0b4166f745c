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

export function readCentralDirectory(fd: number): { members: ZipMember[]; centralStart: number } {
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
  const cd = Buffer.alloc(cdSize);
  fs.readSync(fd, cd, 0, cdSize, cdStart);
  const members: ZipMember[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new ZipFormatError(`central directory entry ${i + 1} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localOffset = cd.readUInt32LE(p + 42);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === U32_MAX) {
          size = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === U32_MAX) {
          compressedSize = Number(cd.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === U32_MAX) localOffset = Number(cd.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    members.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p = extraEnd + commentLen;
  }
  return { members, centralStart: cdStart };
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
