/**
 * A deterministic, streaming ZIP writer (APPNOTE 6.3.x), STORED members only, ZIP64 when needed.
 *
 * Why our own and not archiver: the bundle must be byte-identical when exported twice, so every
 * field is chosen here (fixed DOS date from the case data, no extended-time extras, fixed
 * permissions, UTF-8 names); items are evidence and are stored, not deflated (byte for byte, and
 * CRC-32 at memory speed keeps export near disk speed). Output goes through one write buffer to
 * a file descriptor: memory stays flat whatever the number of members.
 *
 * Every member's size and CRC-32 are known before it is written (items are read whole; generated
 * members are spooled to a temp file first), so there are no data descriptors and no patching: the
 * archive is written strictly forward and its SHA-256 is computed as it is written.
 * ZIP64 records are written when there are more than 65,535 members or an offset or size passes
 * 0xFFFFFFFF, and only then.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { crc32 } from 'node:zlib';

const WRITE_BUFFER = 4 * 1024 * 1024;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Unix regular file, mode 0444 (evidence is read-only), in the high 16 bits of external attributes. */
const EXTERNAL_ATTRIBUTES = (0o100444 << 16) >>> 0;
const VERSION_MADE_BY = (3 << 8) | 45; // Unix, spec 4.5
const FLAG_UTF8 = 0x0800;

interface CentralEntry {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
}

/** MS-DOS date and time (local fields, here UTC) of an ISO timestamp; before 1980 clamps to 1980. */
export function dosDateTime(iso: string): { date: number; time: number } {
  const d = new Date(iso);
  const year = Math.max(1980, Math.min(2107, d.getUTCFullYear()));
  const date = ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  return { date, time };
}

export class ZipWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(WRITE_BUFFER);
  private used = 0;
  /** Bytes written to the file plus bytes in the buffer. */
  private position = 0;
  /** Central directory records are written to a temp file as members are added (memory stays flat). */
  private readonly centralPath: string;
  private readonly centralFd: number;
  private centralBuffer: Buffer[] = [];
  private centralBuffered = 0;
  private count = 0;
  private readonly dos: { date: number; time: number };
  private open: { entry: CentralEntry; written: number } | null = null;
  /** SHA-256 and CRC-32 of every byte flushed to the file, updated a whole write buffer at a time. */
  private readonly hash = crypto.createHash('sha256');
  private crc = 0;

  /** `centralPath`: a temp file (created, removed by `finish`/`abort`) for the central directory. */
  constructor(fd: number, entryDate: string, centralPath: string) {
    this.fd = fd;
    this.dos = dosDateTime(entryDate);
    this.centralPath = centralPath;
    this.centralFd = fs.openSync(centralPath, 'wx+', 0o600);
  }

  get entryCount(): number {
    return this.count;
  }

  /** Give up: close and remove the central directory temp file (the caller removes the output). */
  abort(): void {
    try {
      fs.closeSync(this.centralFd);
    } catch {
      // already closed by finish
    }
    fs.rmSync(this.centralPath, { force: true });
  }

  /** Add a member whose bytes are all at hand (`crc`: their CRC-32 when already computed). */
  addBuffer(name: string, data: Buffer, crc?: number): void {
    this.beginMember(name, data.length, crc ?? crc32(data));
    this.writeData(data);
    this.endMember();
  }

  /**
   * Begin a member whose size and CRC-32 are known (a spooled file), then `writeData` its bytes
   * and `endMember`, which checks the byte count matches what the header promised.
   */
  beginMember(name: string, size: number, crc: number): void {
    this.assertNotStreaming();
    const entry: CentralEntry = { name: Buffer.from(name, 'utf8'), crc, size, offset: this.position };
    this.writeLocalHeader(entry, size >= U32_MAX);
    this.open = { entry, written: 0 };
  }

  writeData(chunk: Buffer): void {
    if (!this.open) throw new Error('writeData without beginMember');
    this.open.written += chunk.length;
    this.write(chunk);
  }

  endMember(): void {
    if (!this.open) throw new Error('endMember without beginMember');
    const { entry, written } = this.open;
    if (written !== entry.size)
      throw new Error(`member ${entry.name.toString()}: ${written} bytes written, ${entry.size} announced`);
    this.addCentral(this.centralHeader(entry));
    this.open = null;
  }

  /** SHA-256 of the whole archive; call after `finish`. */
  digest(): string {
    if (this.used > 0) throw new Error('digest before finish');
    return this.hash.copy().digest('hex');
  }

  /** CRC-32 of the whole archive (compared with a re-read of the file); call after `finish`. */
  crc32(): number {
    if (this.used > 0) throw new Error('crc32 before finish');
    return this.crc;
  }

  /** Write the central directory and end records, flush, fsync. Returns the archive size. */
  finish(): number {
    this.assertNotStreaming();
    const cdStart = this.position;
    this.flushCentral();
    const cdTotal = fs.fstatSync(this.centralFd).size;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; pos < cdTotal;) {
      const n = fs.readSync(this.centralFd, chunk, 0, Math.min(chunk.length, cdTotal - pos), pos);
      if (n === 0) throw new Error('central directory temp file is short');
      this.write(chunk.subarray(0, n));
      pos += n;
    }
    fs.closeSync(this.centralFd);
    fs.rmSync(this.centralPath, { force: true });
    const cdSize = this.position - cdStart;
    const count = this.count;
    const needZip64 = count > U16_MAX - 1 || cdStart >= U32_MAX || cdSize >= U32_MAX;
    if (needZip64) {
      const zip64EndOffset = this.position;
      const rec = Buffer.alloc(56);
      rec.writeUInt32LE(0x06064b50, 0);
      rec.writeBigUInt64LE(44n, 4);
      rec.writeUInt16LE(VERSION_MADE_BY, 12);
      rec.writeUInt16LE(45, 14);
      rec.writeUInt32LE(0, 16);
      rec.writeUInt32LE(0, 20);
      rec.writeBigUInt64LE(BigInt(count), 24);
      rec.writeBigUInt64LE(BigInt(count), 32);
      rec.writeBigUInt64LE(BigInt(cdSize), 40);
      rec.writeBigUInt64LE(BigInt(cdStart), 48);
      this.write(rec);
      const loc = Buffer.alloc(20);
      loc.writeUInt32LE(0x07064b50, 0);
      loc.writeUInt32LE(0, 4);
      loc.writeBigUInt64LE(BigInt(zip64EndOffset), 8);
      loc.writeUInt32LE(1, 16);
      this.write(loc);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(needZip64 ? U16_MAX : count, 8);
    end.writeUInt16LE(needZip64 ? U16_MAX : count, 10);
    end.writeUInt32LE(needZip64 ? U32_MAX : cdSize, 12);
    end.writeUInt32LE(needZip64 ? U32_MAX : cdStart, 16);
    end.writeUInt16LE(0, 20);
    this.write(end);
    this.flushBuffer();
    fs.fsyncSync(this.fd);
    return this.position;
  }

  private assertNotStreaming(): void {
    if (this.open) throw new Error(`member ${this.open.entry.name.toString()} is still being written`);
  }

  private writeLocalHeader(e: CentralEntry, zip64: boolean): void {
    const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(e.size), 4);
      extra.writeBigUInt64LE(BigInt(e.size), 12);
    }
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4);
    h.writeUInt16LE(FLAG_UTF8, 6);
    h.writeUInt16LE(0, 8); // stored
    h.writeUInt16LE(this.dos.time, 10);
    h.writeUInt16LE(this.dos.date, 12);
    h.writeUInt32LE(e.crc, 14);
    h.writeUInt32LE(zip64 ? U32_MAX : e.size, 18);
    h.writeUInt32LE(zip64 ? U32_MAX : e.size, 22);
    h.writeUInt16LE(e.name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    this.write(h);
    this.write(e.name);
    if (extra.length) this.write(extra);
  }

  private addCentral(record: Buffer): void {
    this.centralBuffer.push(record);
    this.centralBuffered += record.length;
    this.count += 1;
    if (this.centralBuffered >= 1 << 20) this.flushCentral();
  }

  private flushCentral(): void {
    if (this.centralBuffered === 0) return;
    const data = Buffer.concat(this.centralBuffer, this.centralBuffered);
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.centralFd, data, done, data.length - done);
    this.centralBuffer = [];
    this.centralBuffered = 0;
  }

  private centralHeader(e: CentralEntry): Buffer {
    const bigSize = e.size >= U32_MAX;
    const bigOffset = e.offset >= U32_MAX;
    const fields: bigint[] = [];
    if (bigSize) fields.push(BigInt(e.size), BigInt(e.size));
    if (bigOffset) fields.push(BigInt(e.offset));
    const extra = Buffer.alloc(fields.length ? 4 + 8 * fields.length : 0);
    if (fields.length) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8 * fields.length, 2);
      fields.forEach((v, i) => extra.writeBigUInt64LE(v, 4 + 8 * i));
    }
    const h = Buffer.alloc(46);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(VERSION_MADE_BY, 4);
    h.writeUInt16LE(fields.length ? 45 : 20, 6);
    h.writeUInt16LE(FLAG_UTF8, 8);
    h.writeUInt16LE(0, 10);
    h.writeUInt16LE(this.dos.time, 12);
    h.writeUInt16LE(this.dos.date, 14);
    h.writeUInt32LE(e.crc, 16);
    h.writeUInt32LE(bigSize ? U32_MAX : e.size, 20);
    h.writeUInt32LE(bigSize ? U32_MAX : e.size, 24);
    h.writeUInt16LE(e.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt16LE(0, 32);
    h.writeUInt16LE(0, 34);
    h.writeUInt16LE(0, 36);
    h.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
    h.writeUInt32LE(bigOffset ? U32_MAX : e.offset, 42);
    return Buffer.concat([h, e.name, extra]);
  }

  private write(data: Buffer): void {
    if (data.length >= WRITE_BUFFER) {
      this.flushBuffer();
      this.out(data);
    } else {
      if (this.used + data.length > WRITE_BUFFER) this.flushBuffer();
      data.copy(this.buffer, this.used);
      this.used += data.length;
    }
    this.position += data.length;
  }

  private flushBuffer(): void {
    if (this.used > 0) this.out(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  /** Hashing megabytes at a time rather than member by member: one call per buffer, not per item. */
  private out(data: Buffer): void {
    this.hash.update(data);
    this.crc = crc32(data, this.crc);
    writeFully(this.fd, data);
  }
}

function writeFully(fd: number, data: Buffer): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
}
