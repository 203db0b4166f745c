/**
 * Parallel sample analysis: hashing and header parsing run in worker threads while the ingest
 * thread reads input and writes batches. Results come back in submission order (Bates numbers and
 * "first seen" facts must not depend on thread timing). A sample's bytes are copied to the worker
 * (about 1 µs for typical spam) and never come back: the ingest thread keeps its own copy.
 *
 * With `threads: 0` analysis runs inline (the same code, one thread): used where workers cannot
 * help (one core) and to compare.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { analyzeSample, type Analysis } from './analyze.ts';
import type { AnalyzeRequest, AnalyzeResponse } from './analyze-worker.ts';

/** Samples per message to a worker: amortizes postMessage overhead without delaying results. */
const CHUNK = 64;

export function defaultAnalyzeThreads(): number {
  return Math.min(4, Math.max(1, os.availableParallelism() - 1));
}

interface Pending {
  resolve(results: AnalyzeResponse['results']): void;
  reject(err: Error): void;
}

export class AnalyzePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private nextWorker = 0;
  private queue: AnalyzeRequest['items'] = [];
  private queueResolvers: Array<(a: Analysis) => void> = [];
  private queueRejecters: Array<(e: Error) => void> = [];
  private failure: Error | null = null;

  constructor(threads: number = defaultAnalyzeThreads()) {
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL('./analyze-worker-boot.mjs', import.meta.url));
      worker.on('message', (res: AnalyzeResponse) => {
        const p = this.pending.get(res.id);
        this.pending.delete(res.id);
        p?.resolve(res.results);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`analysis worker stopped with exit code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** Analyze one sample; the promise settles after earlier submissions' (in order). */
  analyze(bytes: Buffer, envelopeRecipient: string | null, sha256: string | null): Promise<Analysis> {
    if (this.workers.length === 0) {
      try {
        return Promise.resolve(analyzeSample(bytes, envelopeRecipient, sha256));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Analysis>((resolve, reject) => {
      this.queue.push({ bytes, envelopeRecipient, sha256 });
      this.queueResolvers.push(resolve);
      this.queueRejecters.push(reject);
      if (this.queue.length >= CHUNK) this.dispatch();
    });
  }

  /** Send what is queued now (call before waiting on a result). */
  dispatch(): void {
    if (this.queue.length === 0 || this.workers.length === 0) return;
    const items = this.queue;
    const resolvers = this.queueResolvers;
    const rejecters = this.queueRejecters;
    this.queue = [];
    this.queueResolvers = [];
    this.queueRejecters = [];
    const id = this.nextId++;
    this.pending.set(id, {
      resolve: (results) => results.forEach((r, i) => resolvers[i]!(r)),
      reject: (err) => rejecters.forEach((rej) => rej(err)),
    });
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    worker.postMessage({ id, items } satisfies AnalyzeRequest);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
