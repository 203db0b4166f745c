/**
 * An input path as a stream of analyzed events: sources/ (read, split, unwrap) followed by
 * analyze.ts (hash, headers, keys) for each sample. With `threaded`, both run in a worker thread
 * and only the database work stays on the ingest thread: measured, reading and analysis are about
 * as much CPU as the batch writes, so two threads keep both cores busy.
 *
 * The worker sends events in chunks whose sample bytes travel in one transferred ArrayBuffer (no
 * copy per message), and stops reading when MAX_CHUNKS_IN_FLIGHT chunks are unconsumed, so memory
 * stays bounded whatever the input size.
 */
import { Worker } from 'node:worker_threads';
import { SpamcaseError, type ErrorCode } from '../errors.ts';
import { readSource, type SourceEvent, type SourceOptions } from './sources/index.ts';
import { analyzeSample, type Analysis } from './analyze.ts';
import { RecentMessages } from './repeats.ts';
import type { PartyTrust } from '../attribution/index.ts';
import {
  budgetAnalysis,
  resolveBudget,
  supervised,
  watchedAnalysis,
  type SampleBudget,
  type WatchData,
  type Watchdog,
} from './watchdog.ts';

export type AnalyzedEvent =
  Exclude<SourceEvent, { type: 'sample' }> | (Extract<SourceEvent, { type: 'sample' }> & { analysis: Analysis });

export interface AnalyzedSourceOptions extends SourceOptions {
  envelopeRecipient: string | null;
  /** The party's trusted relays and authserv-ids, for attribution (server/attribution/). */
  trust?: PartyTrust;
  /** Read and analyze in a worker thread (default) or in this thread. */
  threaded: boolean;
  /** Compute campaign fingerprints (default true; false only to measure what they cost). */
  campaignFingerprints?: boolean;
  /** Per-message time and memory budget of the reader thread (watchdog.ts); defaults when absent. */
  budget?: Partial<SampleBudget>;
}

/** Events per chunk sent from the worker, and bytes per chunk: small enough to keep memory flat. */
export const CHUNK_EVENTS = 256;
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunks sent but not yet consumed before the worker waits. */
export const MAX_CHUNKS_IN_FLIGHT = 12;
/**
 * The reader thread's entry: compiled (dist/, what `npx spamcase` runs) it is the worker module
 * itself; as TypeScript (tests, `node --import tsx`) a small .mjs that registers tsx in the thread
 * first, since a worker does not inherit its parent's loader.
 */
const WORKER_ENTRY = import.meta.url.endsWith('.js')
  ? './analyzed-source-worker.js'
  : './analyzed-source-worker-boot.mjs';

/** `watch`: in a reader thread, the watchdog's shared progress and resume plan (watchdog.ts). */
export function analyzeInline(
  path: string,
  options: Omit<AnalyzedSourceOptions, 'threaded'>,
  watch?: WatchData,
): AsyncGenerator<AnalyzedEvent> {
  const fingerprints = (options.campaignFingerprints ?? true) && new RecentMessages();
  return watchedAnalysis<AnalyzedEvent>(
    readSource(path, options),
    watch,
    (event) => ({
      ...event,
      analysis: analyzeSample(
        event.bytes,
        options.envelopeRecipient,
        event.sha256 ?? null,
        options.trust ?? null,
        fingerprints,
      ),
    }),
    (event) => event,
    (event, parseError) => ({
      ...event,
      analysis: budgetAnalysis(event.bytes, event.sha256, options.envelopeRecipient, parseError),
    }),
    () =>
      void analyzeSample(
        WARM_UP_MESSAGE,
        options.envelopeRecipient,
        null,
        options.trust ?? null,
        options.campaignFingerprints ?? true,
      ),
  );
}

/** What a reader thread analyses, untimed and discarded, before its first sample (watchdog.ts). */
const WARM_UP_MESSAGE = Buffer.from(
  'Received: from relay.example (relay.example [192.0.2.7]) by mx.example.net with ESMTP id w1;' +
    ' Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: "Warm" <warm@example.com>\r\nTo: user@example.net\r\n' +
    'Subject: =?utf-8?q?warm_up?=\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <warm@example.com>\r\n' +
    'MIME-Version: 1.0\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<p>warm up</p>\r\n',
);

/** What crosses the thread boundary: events without their bytes, which are ranges of one buffer. */
export type WireEvent = (
  | Omit<Extract<AnalyzedEvent, { type: 'sample' | 'wrapper' }>, 'bytes'>
  | Exclude<AnalyzedEvent, { type: 'sample' | 'wrapper' }>
) & {
  range?: [number, number];
};
export type WorkerMessage =
  | { kind: 'chunk'; events: WireEvent[]; buffer: ArrayBuffer }
  | { kind: 'done' }
  | { kind: 'error'; code: ErrorCode | null; message: string };

export async function* readAnalyzed(path: string, options: AnalyzedSourceOptions): AsyncGenerator<AnalyzedEvent> {
  const { threaded, budget, ...rest } = options;
  if (!threaded) {
    yield* analyzeInline(path, rest);
    return;
  }
  yield* supervised(resolveBudget(budget), (dog) => readThreaded(path, rest, dog));
}

async function* readThreaded(
  path: string,
  rest: Omit<AnalyzedSourceOptions, 'threaded' | 'budget'>,
  dog: Watchdog,
): AsyncGenerator<AnalyzedEvent> {
  const worker = new Worker(new URL(WORKER_ENTRY, import.meta.url), {
    workerData: { path, options: rest, watch: dog.workerData() },
    resourceLimits: dog.resourceLimits(),
  });
  dog.watch(worker);
  const inbox: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  const push = (m: WorkerMessage) => {
    inbox.push(m);
    wake?.();
  };
  worker.on('message', push);
  worker.on('error', (err) => push({ kind: 'error', code: null, message: err.message }));
  worker.on('exit', (code) => {
    if (code !== 0) push({ kind: 'error', code: null, message: `reader thread stopped (exit code ${code})` });
  });
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const message = inbox.shift()!;
      if (message.kind === 'done') return;
      if (message.kind === 'error') {
        throw message.code
          ? new SpamcaseError(message.code, message.message)
          : new Error(`reading input failed: ${message.message}`);
      }
      const buffer = Buffer.from(message.buffer);
      for (const e of message.events) {
        const { range, ...event } = e;
        yield (range ? { ...event, bytes: buffer.subarray(range[0], range[1]) } : event) as AnalyzedEvent;
      }
      worker.postMessage('credit');
    }
  } finally {
    await worker.terminate();
  }
}
