/**
 * Per-message time and memory budget for the reader thread (analyzed-source.ts).
 *
 * Header parsing and analysis are synchronous: the only way to stop one poisonous message is to
 * terminate the thread running it. (An analysis that ends over the time budget before the timer
 * struck is treated as stopped too: the rule is the time spent, not the timer's sampling.) So the reader thread
 * publishes, in a few shared integers, which
 * event it is analysing; a timer on the ingest thread terminates it when one sample has been in
 * analysis longer than the time budget, and the thread's V8 heap is capped (`resourceLimits`) so a
 * memory-hungry sample ends the thread instead of the process. Either way the reader is restarted on
 * the same input (sources are deterministic): it skips, without analysing them, the events already
 * handed to the ingest thread, hands over the poisonous sample with its exact bytes and a parse
 * error naming the budget (no header facts), and analyses the rest normally. Counts stay exact and
 * the sample is kept as evidence like any other.
 *
 * Only analysis is timed. Reading (splitting, unzipping, unwrapping) is bounded by the size limits of
 * sources/limits.ts; a reader thread that runs out of memory while reading fails the ingest with a
 * clear error, as any unreadable input does.
 */
import { DEFAULT_MEMORY_BUDGET_MB, DEFAULT_TIME_BUDGET_MS, MIN_MEMORY_BUDGET_MB } from '../config.ts';
import { type ResourceLimits, type Worker } from 'node:worker_threads';
import { sha256Hex } from '../store/pack-store.ts';
import { messageIdentity, normalizeRecipient } from '../mail/keys.ts';
import type { Analysis } from './analyze.ts';
import type { SourceEvent } from './sources/index.ts';

export interface SampleBudget {
  /** Wall-clock milliseconds one sample may spend in analysis. */
  timeMs: number;
  /** Megabytes of V8 heap (old generation) the reader thread may use. */
  memoryMb: number;
}

export { DEFAULT_MEMORY_BUDGET_MB, DEFAULT_TIME_BUDGET_MS, MIN_MEMORY_BUDGET_MB };
export const DEFAULT_SAMPLE_BUDGET: Readonly<SampleBudget> = Object.freeze({
  timeMs: DEFAULT_TIME_BUDGET_MS,
  memoryMb: DEFAULT_MEMORY_BUDGET_MB,
});

/** The budget with `overrides` applied; a value that is not a positive number is ignored. */
export function resolveBudget(overrides: Partial<SampleBudget> | undefined): SampleBudget {
  const ok = (v: number | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  return {
    timeMs: ok(overrides?.timeMs) ? overrides.timeMs : DEFAULT_TIME_BUDGET_MS,
    memoryMb: ok(overrides?.memoryMb)
      ? Math.max(MIN_MEMORY_BUDGET_MB, Math.round(overrides.memoryMb))
      : DEFAULT_MEMORY_BUDGET_MB,
  };
}

export function timeBudgetError(budget: SampleBudget): string {
  return `analysis stopped: over the time budget of ${formatMs(budget.timeMs)} per message (kept unparsed as raw evidence)`;
}
export function memoryBudgetError(budget: SampleBudget): string {
  return `analysis stopped: over the memory budget of ${budget.memoryMb} MB per message (kept unparsed as raw evidence)`;
}
function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Where a reader thread starts: events to skip (already handed over) and samples not to analyse. */
export interface ResumePlan {
  skipEvents: number;
  /** Event index -> parse error, for samples that exceeded a budget. */
  poisoned: Array<[number, string]>;
}
export const FRESH_START: ResumePlan = { skipEvents: 0, poisoned: [] };

/** What the reader thread gets in its workerData. */
export interface WatchData {
  progress: SharedArrayBuffer;
  plan: ResumePlan;
  budget: SampleBudget;
}

// Shared progress: [phase, event index, analyses started].
const PHASE = 0;
const INDEX = 1;
const STARTED = 2;
const IDLE = 0;
const ANALYSING = 1;

/**
 * Reader-thread side: numbers the events of `source`, skips those the plan says were handed over,
 * publishes each analysis while it runs, and replaces the analysis of a poisoned sample.
 * Without `watch` (reading in the ingest thread) it only maps.
 */
export async function* watchedAnalysis<R>(
  source: AsyncIterable<SourceEvent>,
  watch: WatchData | undefined,
  analyse: (sample: Extract<SourceEvent, { type: 'sample' }>) => R,
  pass: (event: Exclude<SourceEvent, { type: 'sample' }>) => R,
  poisoned: (sample: Extract<SourceEvent, { type: 'sample' }>, parseError: string) => R,
  warmUp: () => void = () => {},
): AsyncGenerator<R> {
  if (!watch) {
    for await (const event of source) yield event.type === 'sample' ? analyse(event) : pass(event);
    return;
  }
  const progress = new Int32Array(watch.progress);
  const poison = new Map(watch.plan.poisoned);
  // A fresh thread's first analysis loads the provider list and compiles the analysers (measured
  // 59 ms against 1-3 ms warm, idle machine): untimed, so the budget never stops the message that
  // happens to come first after a start or a restart.
  warmUp();
  let index = -1;
  for await (const event of source) {
    index += 1;
    if (index < watch.plan.skipEvents) continue;
    if (event.type !== 'sample') {
      yield pass(event);
      continue;
    }
    const parseError = poison.get(index);
    if (parseError !== undefined) {
      yield poisoned(event, parseError);
      continue;
    }
    Atomics.store(progress, INDEX, index);
    Atomics.add(progress, STARTED, 1);
    Atomics.store(progress, PHASE, ANALYSING);
    const began = performance.now();
    const result = analyse(event);
    const spent = performance.now() - began;
    Atomics.store(progress, PHASE, IDLE);
    // The timer on the ingest thread samples every tenth of the budget and can be held up by that
    // thread's own work; an analysis that finished over the budget before it struck is stopped
    // all the same, so which messages the budget stops does not depend on the timer's luck.
    yield spent > watch.budget.timeMs ? poisoned(event, timeBudgetError(watch.budget)) : result;
  }
}

/** The analysis of a sample that exceeded a budget: its hash and size, no header facts, the reason as parse error. */
export function budgetAnalysis(
  bytes: Buffer,
  knownSha256: string | undefined,
  envelopeRecipient: string | null,
  parseError: string,
): Analysis {
  return {
    kind: 'email',
    sha256: knownSha256 ?? sha256Hex(bytes),
    size: bytes.length,
    parseError,
    messageId: null,
    identity: messageIdentity(null, null, null),
    bodyOffset: 0,
    fromAddress: null,
    subject: null,
    date: null,
    recipient: envelopeRecipient ? normalizeRecipient(envelopeRecipient) : '',
    recipientSource: envelopeRecipient ? 'envelope' : 'unknown',
    hasHeaders: false,
    attribution: null,
    campaignFingerprint: null,
  };
}

/**
 * Ingest-thread side, one per reader thread: owns the shared progress, the heap limit and the timer.
 * `exceeded` tells, after the thread stopped, whether a budget stopped it and on which event.
 */
export class Watchdog {
  readonly progress = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  private readonly view = new Int32Array(this.progress);
  private timer: NodeJS.Timeout | null = null;
  private hit: { index: number; parseError: string } | null = null;

  constructor(
    readonly budget: SampleBudget,
    readonly plan: ResumePlan,
  ) {}

  workerData(): WatchData {
    return { progress: this.progress, plan: this.plan, budget: this.budget };
  }

  resourceLimits(): ResourceLimits {
    return { maxOldGenerationSizeMb: this.budget.memoryMb };
  }

  /** Start timing the analyses of `worker`; terminates it when one sample runs over the time budget. */
  watch(worker: Worker): void {
    worker.on('error', (err: Error & { code?: string }) => {
      if (
        err.code === 'ERR_WORKER_OUT_OF_MEMORY' &&
        this.hit === null &&
        Atomics.load(this.view, PHASE) === ANALYSING
      ) {
        this.hit = { index: Atomics.load(this.view, INDEX), parseError: memoryBudgetError(this.budget) };
      }
    });
    let seen = -1;
    let since = 0;
    const tick = () => {
      if (Atomics.load(this.view, PHASE) !== ANALYSING) {
        seen = -1;
        return;
      }
      const started = Atomics.load(this.view, STARTED);
      const now = performance.now();
      if (started !== seen) {
        seen = started;
        since = now;
        return;
      }
      if (now - since > this.budget.timeMs && this.hit === null) {
        this.hit = { index: Atomics.load(this.view, INDEX), parseError: timeBudgetError(this.budget) };
        this.stop();
        void worker.terminate();
      }
    };
    this.timer = setInterval(tick, Math.max(10, Math.min(1000, Math.floor(this.budget.timeMs / 10))));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The plan for the next reader thread when a budget stopped this one, else null. `delivered`: events handed over so
   * far.
   */
  restartPlan(delivered: number): ResumePlan | null {
    if (this.hit === null) return null;
    const poisoned = new Map(this.plan.poisoned.filter(([i]) => i >= delivered));
    poisoned.set(this.hit.index, this.hit.parseError);
    return { skipEvents: delivered, poisoned: [...poisoned] };
  }
}

/**
 * Runs reader threads until the input is read: `runOnce` starts one with the given watchdog and
 * yields its events; when a budget stopped it, a new one resumes after the events already yielded.
 */
export async function* supervised<E>(
  budget: SampleBudget,
  runOnce: (dog: Watchdog) => AsyncGenerator<E>,
): AsyncGenerator<E> {
  let plan = FRESH_START;
  for (;;) {
    const dog = new Watchdog(budget, plan);
    let delivered = plan.skipEvents;
    try {
      for await (const event of runOnce(dog)) {
        delivered += 1;
        yield event;
      }
      return;
    } catch (err) {
      const next = dog.restartPlan(delivered);
      if (next === null) throw err;
      plan = next;
    } finally {
      dog.stop();
    }
  }
}
