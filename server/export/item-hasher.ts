/**
 * ItemHasher: CRC-32, SHA-256 and MD5 of every item of an export, in a worker thread.
 *
 * Export hashes every item byte three ways (CRC-32 for the ZIP header, SHA-256 against the index,
 * MD5 for items.csv); on one thread that, not the disk, bounded its speed. The export reads a batch
 * of items into one buffer and transfers it (no copy) to the worker, which hashes each item and
 * transfers the buffer back; meanwhile the main thread queries the index, reads the next batch and
 * writes the previous one. Batches are answered in the order they were sent (one worker, FIFO).
 */
import { Worker } from 'node:worker_threads';

/** Bytes per batch: big enough that messages between threads cost nothing, small enough to keep memory flat. */
export const BATCH_BYTES = 8 * 1024 * 1024;

const WORKER = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const { crc32 } = require('node:zlib');
parentPort.on('message', (m) => {
  const buf = Buffer.from(m.buf, 0, m.buf.byteLength);
  const crcs = new Array(m.sizes.length);
  const sha256 = new Array(m.sizes.length);
  const md5 = new Array(m.sizes.length);
  let off = 0;
  for (let i = 0; i < m.sizes.length; i++) {
    const item = buf.subarray(off, off + m.sizes[i]);
    crcs[i] = crc32(item);
    sha256[i] = crypto.hash('sha256', item, 'hex');
    md5[i] = crypto.hash('md5', item, 'hex');
    off += m.sizes[i];
  }
  parentPort.postMessage({ seq: m.seq, buf: m.buf, crcs, sha256, md5 }, [m.buf]);
});
`;

export interface HashedBatch {
  /** The batch's bytes (the items back to back), returned by the worker. */
  bytes: Buffer;
  crcs: number[];
  sha256: string[];
  md5: string[];
}

interface Reply {
  seq: number;
  buf: ArrayBuffer;
  crcs: number[];
  sha256: string[];
  md5: string[];
}

export class ItemHasher {
  private readonly worker = new Worker(WORKER, { eval: true });
  private readonly pending = new Map<
    number,
    { resolve: (b: HashedBatch) => void; reject: (e: Error) => void; length: number }
  >();
  private seq = 0;
  private readonly pool: ArrayBuffer[] = [];
  private failed: Error | null = null;

  constructor() {
    this.worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      p.resolve({ bytes: Buffer.from(m.buf, 0, p.length), crcs: m.crcs, sha256: m.sha256, md5: m.md5 });
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0) fail(new Error(`item hasher exited (code ${code}) with batches pending`));
    });
  }

  /** A buffer of at least `size` bytes that can be transferred to the worker (reused when possible). */
  buffer(size: number): Buffer {
    const ab = size <= BATCH_BYTES ? (this.pool.pop() ?? new ArrayBuffer(BATCH_BYTES)) : new ArrayBuffer(size);
    return Buffer.from(ab, 0, size);
  }

  /** Give a batch's buffer back for reuse once its bytes are written. */
  release(bytes: Buffer): void {
    if (bytes.buffer.byteLength === BATCH_BYTES && this.pool.length < 4) this.pool.push(bytes.buffer as ArrayBuffer);
  }

  /**
   * Hash the items lying back to back at the start of `bytes` (a buffer from `buffer()`, which is
   * transferred: do not touch it until the promise gives it back). The promise never rejects
   * unhandled: callers await it in order.
   */
  hash(bytes: Buffer, sizes: number[]): Promise<HashedBatch> {
    if (this.failed) return Promise.reject(this.failed);
    const seq = this.seq++;
    const length = bytes.length;
    const promise = new Promise<HashedBatch>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, length });
    });
    promise.catch(() => undefined);
    const ab = bytes.buffer as ArrayBuffer;
    this.worker.postMessage({ seq, buf: ab, sizes }, [ab]);
    return promise;
  }

  async close(): Promise<void> {
    this.pending.clear();
    await this.worker.terminate();
  }
}
