/**
 * Worker thread body of readAnalyzed (analyzed-source.ts): reads and analyzes one input path and
 * sends the events in chunks, waiting for credit so at most MAX_CHUNKS_IN_FLIGHT are unconsumed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isSpamcaseError } from '../errors.ts';
import {
  analyzeInline,
  CHUNK_BYTES,
  CHUNK_EVENTS,
  MAX_CHUNKS_IN_FLIGHT,
  type AnalyzedSourceOptions,
  type WireEvent,
  type WorkerMessage,
} from './analyzed-source.ts';
import type { WatchData } from './watchdog.ts';

const port = parentPort!;
const { path, options, watch } = workerData as {
  path: string;
  options: Omit<AnalyzedSourceOptions, 'threaded' | 'budget'>;
  watch: WatchData;
};

let credit = MAX_CHUNKS_IN_FLIGHT;
let waiting: (() => void) | null = null;
port.on('message', () => {
  credit += 1;
  waiting?.();
});

let events: WireEvent[] = [];
let parts: Buffer[] = [];
let size = 0;

async function send(): Promise<void> {
  if (events.length === 0) return;
  while (credit === 0) await new Promise<void>((resolve) => (waiting = resolve));
  waiting = null;
  credit -= 1;
  const buffer = new ArrayBuffer(size);
  const view = Buffer.from(buffer);
  let offset = 0;
  for (const p of parts) {
    p.copy(view, offset);
    offset += p.length;
  }
  port.postMessage({ kind: 'chunk', events, buffer } satisfies WorkerMessage, [buffer]);
  events = [];
  parts = [];
  size = 0;
}

try {
  for await (const event of analyzeInline(path, options, watch)) {
    if (event.type === 'sample' || event.type === 'wrapper') {
      const { bytes, ...rest } = event;
      events.push({ ...rest, range: [size, size + bytes.length] } as WireEvent);
      parts.push(bytes);
      size += bytes.length;
    } else {
      events.push(event);
    }
    if (events.length >= CHUNK_EVENTS || size >= CHUNK_BYTES) await send();
  }
  await send();
  port.postMessage({ kind: 'done' } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({
    kind: 'error',
    code: isSpamcaseError(err) ? err.code : null,
    message: err instanceof Error ? err.message : String(err),
  } satisfies WorkerMessage);
}
port.close();
