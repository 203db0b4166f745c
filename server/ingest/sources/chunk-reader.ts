/**
 * Pull-based reading of a byte stream in chunks, with look-ahead for sniffing, and a meter that
 * hashes and counts the bytes as they pass (so a file is read once).
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';

export class ChunkReader {
  private readonly source: AsyncIterator<Buffer> | null;
  private readonly buffered: Buffer[] = [];
  private ended: boolean;
  private failure: { error: unknown } | null = null;

  constructor(source: AsyncIterator<Buffer> | null, initial: Buffer[] = []) {
    this.source = source;
    for (const chunk of initial) if (chunk.length > 0) this.buffered.push(chunk);
    this.ended = source === null;
  }

  /** A reader over bytes already in memory. */
  static of(bytes: Buffer): ChunkReader {
    return new ChunkReader(null, [bytes]);
  }

  /** True when every byte has been handed out. */
  get exhausted(): boolean {
    return this.ended && this.buffered.length === 0 && this.failure === null;
  }

  /** Up to `n` first unread bytes, without consuming them. */
  async peek(n: number): Promise<Buffer> {
    let have = this.buffered.reduce((sum, chunk) => sum + chunk.length, 0);
    while (have < n) {
      const chunk = await this.pull();
      if (chunk === null) break;
      this.buffered.push(chunk);
      have += chunk.length;
    }
    const first = this.buffered[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length >= n || this.buffered.length === 1) return first.subarray(0, n);
    return Buffer.concat(this.buffered).subarray(0, n);
  }

  /** The next chunk, or null at the end. */
  async read(): Promise<Buffer | null> {
    const chunk = this.buffered.shift();
    if (chunk !== undefined) return chunk;
    return this.pull();
  }

  /** All remaining bytes, or null (having read just past `max`) when there are more than `max`. */
  async readAll(max: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) {
      size += chunk.length;
      if (size > max) return null;
      chunks.push(chunk);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
  }

  /** Reads and drops the rest (so a meter below sees every byte). */
  async drain(): Promise<void> {
    while ((await this.read()) !== null) {
      /* drop */
    }
  }

  private async pull(): Promise<Buffer | null> {
    if (this.failure !== null) throw this.failure.error;
    if (this.ended || this.source === null) return null;
    try {
      for (;;) {
        const result = await this.source.next();
        if (result.done === true) {
          this.ended = true;
          return null;
        }
        if (result.value.length > 0) return result.value;
      }
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }
}

/** Hashes (SHA-256) and counts the bytes of one file or member while they are read. */
export class Meter {
  size = 0;
  private readonly hash: Hash = createHash('sha256');
  private hex: string | null = null;

  /**
   * The source, metered. `check` sees each chunk first and may throw (a limit); `atEnd` runs
   * once at the end of the source and may throw (a size or checksum mismatch).
   */
  wrap(source: AsyncIterator<Buffer>, check?: (chunk: Buffer) => void, atEnd?: () => void): AsyncIterator<Buffer> {
    return {
      next: async (): Promise<IteratorResult<Buffer>> => {
        const result = await source.next();
        if (result.done === true) {
          atEnd?.();
          return result;
        }
        check?.(result.value);
        this.hash.update(result.value);
        this.size += result.value.length;
        return result;
      },
    };
  }

  /** The SHA-256 of the bytes seen so far, hex; no more bytes may be metered after it. */
  digest(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}
