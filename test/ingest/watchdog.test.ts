/**
 * The reader thread's side of the per-message budget (server/ingest/watchdog.ts), on the real
 * generator with its shared progress: the warm-up before the first sample is not charged to it, an
 * analysis that ends over the budget is stopped all the same, and a restart plan skips what was
 * handed over and replaces the poisoned sample.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SourceEvent } from '../../server/ingest/sources/events.ts';
import { FRESH_START, timeBudgetError, watchedAnalysis, type WatchData } from '../../server/ingest/watchdog.ts';

type Sample = Extract<SourceEvent, { type: 'sample' }>;

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* spin: synchronous work, as header parsing is */
  }
}

async function* samples(n: number): AsyncGenerator<SourceEvent> {
  for (let i = 0; i < n; i++) {
    yield { type: 'sample', locator: `s${i}`, bytes: Buffer.from(`m${i}`), envelopeSender: null, wrapperLocator: null };
  }
}

function watchData(timeMs: number, plan = FRESH_START): WatchData {
  return { progress: new SharedArrayBuffer(12), plan, budget: { timeMs, memoryMb: 256 } };
}

async function run(
  watch: WatchData,
  n: number,
  cost: (locator: string) => number,
  warmUp?: () => void,
): Promise<string[]> {
  const out: string[] = [];
  for await (const r of watchedAnalysis<string>(
    samples(n),
    watch,
    (s: Sample) => {
      busy(cost(s.locator));
      return `ok ${s.locator}`;
    },
    (e) => e.type,
    (s, parseError) => `stopped ${s.locator}: ${parseError}`,
    warmUp,
  )) {
    out.push(r);
  }
  return out;
}

test('the warm-up runs once before the first sample and is not charged to it', async () => {
  let warmed = 0;
  const out = await run(
    watchData(40),
    3,
    () => 0,
    () => {
      warmed += 1;
      busy(150);
    },
  );
  assert.equal(warmed, 1);
  assert.deepEqual(out, ['ok s0', 'ok s1', 'ok s2']);
});

test('an analysis that ends over the budget is stopped though no timer struck', async () => {
  const watch = watchData(40);
  const out = await run(watch, 3, (l) => (l === 's1' ? 150 : 0));
  assert.deepEqual(out, ['ok s0', `stopped s1: ${timeBudgetError(watch.budget)}`, 'ok s2']);
});

test('a restart plan skips the events handed over and replaces the poisoned one without analysing it', async () => {
  const analysed: string[] = [];
  const out: string[] = [];
  const watch = watchData(1000, { skipEvents: 2, poisoned: [[3, 'analysis stopped: test']] });
  for await (const r of watchedAnalysis<string>(
    samples(5),
    watch,
    (s) => {
      analysed.push(s.locator);
      return `ok ${s.locator}`;
    },
    (e) => e.type,
    (s, parseError) => `stopped ${s.locator}: ${parseError}`,
  )) {
    out.push(r);
  }
  assert.deepEqual(out, ['ok s2', 'stopped s3: analysis stopped: test', 'ok s4']);
  assert.deepEqual(analysed, ['s2', 's4']);
});
