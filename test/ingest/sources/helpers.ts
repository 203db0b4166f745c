/** Shared by the sources tests: collect events, make temp dirs. Not a test file itself. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { readSource } from '../../../server/ingest/sources/index.ts';
import type { SourceEvent, SourceOptions } from '../../../server/ingest/sources/index.ts';

export const FIXTURES = new URL('../../fixtures/sources/', import.meta.url).pathname;

export async function collect(path: string, options: SourceOptions = { unwrapForwards: false }): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const event of readSource(path, options)) events.push(event);
  return events;
}

export function samples(events: SourceEvent[]): Array<Extract<SourceEvent, { type: 'sample' }>> {
  return events.filter((e): e is Extract<SourceEvent, { type: 'sample' }> => e.type === 'sample');
}

export function rejections(events: SourceEvent[]): Array<Extract<SourceEvent, { type: 'rejected' }>> {
  return events.filter((e): e is Extract<SourceEvent, { type: 'rejected' }> => e.type === 'rejected');
}

/** A short form of the stream: `type locator` per event. */
export function outline(events: SourceEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.locator}`);
}

/** A temp directory removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spamcase-sources-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
