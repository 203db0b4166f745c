/**
 * Streaming decompression (gzip files, deflated ZIP members) under the bomb limits, which are
 * checked on the bytes actually produced, as they are produced: headers are not trusted.
 */
import { once } from 'node:events';
import { createGunzip, createInflateRaw } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { ChunkReader } from './chunk-reader.ts';
import type { SourceLimits } from './limits.ts';
import { Rejection } from './rejection.ts';

/** Compressed bytes handed to zlib at a time, so that the ratio is measured as input is consumed. */
const INPUT_SLICE_BYTES = 64 * 1024;

/** Counters shared by everything read out of one input file (all archive levels). */
export interface InputBudget {
  extractedBytes: number;
  entries: number;
}

type BombLimits = Pick<SourceLimits, 'maxArchiveTotalBytes' | 'maxCompressionRatio' | 'ratioGraceBytes'>;

/** Counts `bytes` extracted from the input against maxArchiveTotalBytes. */
export function chargeExtracted(budget: InputBudget, bytes: number, limits: BombLimits): void {
  budget.extractedBytes += bytes;
  if (budget.extractedBytes > limits.maxArchiveTotalBytes) {
    throw new Rejection(`archive content over ${limits.maxArchiveTotalBytes} bytes (maxArchiveTotalBytes)`, 'input');
  }
}

/** Throws when `outBytes` decompressed from `inBytes` exceeds the ratio limit (past the grace size). */
export function checkRatio(inBytes: number, outBytes: number, limits: BombLimits): void {
  if (outBytes > limits.ratioGraceBytes && outBytes > inBytes * limits.maxCompressionRatio) {
    throw new Rejection(`compression ratio over ${limits.maxCompressionRatio}:1 (maxCompressionRatio)`);
  }
}

export type Codec = 'gzip' | 'deflate-raw';

/**
 * The decompressed chunks of `source`. Call `return()` on the generator when stopping early:
 * it stops the feeding loop before the source is read by anyone else.
 */
export async function* decompress(
  source: ChunkReader,
  codec: Codec,
  budget: InputBudget,
  limits: BombLimits,
): AsyncGenerator<Buffer> {
  const zlib: Transform = codec === 'gzip' ? createGunzip() : createInflateRaw();
  zlib.on('error', () => {
    /* surfaced through the iteration below */
  });
  const abort = new AbortController();
  let inBytes = 0;
  const feeding = (async (): Promise<void> => {
    for (let chunk = await source.read(); chunk !== null; chunk = await source.read()) {
      for (let offset = 0; offset < chunk.length; offset += INPUT_SLICE_BYTES) {
        if (abort.signal.aborted || zlib.destroyed) return;
        const slice = chunk.subarray(offset, offset + INPUT_SLICE_BYTES);
        inBytes += slice.length;
        if (!zlib.write(slice)) await once(zlib, 'drain', { signal: abort.signal });
      }
    }
    if (!abort.signal.aborted && !zlib.destroyed) zlib.end();
  })();
  feeding.catch((err: unknown) => {
    if (!abort.signal.aborted) zlib.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  let outBytes = 0;
  try {
    for await (const chunk of zlib as AsyncIterable<Buffer>) {
      outBytes += chunk.length;
      chargeExtracted(budget, chunk.length, limits);
      checkRatio(inBytes, outBytes, limits);
      yield chunk;
    }
  } finally {
    abort.abort();
    await feeding.catch(() => undefined);
    zlib.destroy();
  }
}
