/**
 * A generated bundle member on its way into the ZIP: written to a temp file through a buffer while
 * its size, CRC-32 and SHA-256 are computed, then copied into the archive with all three known.
 * Keeps memory flat for CSVs of a million rows.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import type { ZipWriter } from './zip-writer.ts';

const BUFFER = 1024 * 1024;

export class Spool {
  readonly path: string;
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(BUFFER);
  private used = 0;
  private readonly hash = crypto.createHash('sha256');
  private crc = 0;
  size = 0;

  constructor(path: string) {
    this.path = path;
    this.fd = fs.openSync(path, 'wx+', 0o600);
  }

  write(text: string | Buffer): void {
    const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    this.hash.update(data);
    this.crc = crc32(data, this.crc);
    this.size += data.length;
    if (this.used + data.length > BUFFER) this.flush();
    if (data.length > BUFFER) writeFully(this.fd, data);
    else {
      data.copy(this.buffer, this.used);
      this.used += data.length;
    }
  }

  /** SHA-256 of what was written so far (the spool stays open). */
  sha256(): string {
    return this.hash.copy().digest('hex');
  }

  /** Close the spool and copy it into the archive as `name`; returns its SHA-256 and size. */
  copyInto(zip: ZipWriter, name: string): { sha256: string; size: number } {
    this.flush();
    zip.beginMember(name, this.size, this.crc);
    const chunk = Buffer.allocUnsafe(BUFFER);
    let pos = 0;
    while (pos < this.size) {
      const n = fs.readSync(this.fd, chunk, 0, Math.min(BUFFER, this.size - pos), pos);
      if (n === 0) throw new Error(`spool ${this.path} is shorter than written`);
      zip.writeData(chunk.subarray(0, n));
      pos += n;
    }
    zip.endMember();
    fs.closeSync(this.fd);
    return { sha256: this.hash.digest('hex'), size: this.size };
  }

  private flush(): void {
    if (this.used > 0) writeFully(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

function writeFully(fd: number, data: Buffer): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done);
}
