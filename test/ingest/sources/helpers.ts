/** Shared by the sources tests: collect events, make temp dirs. Not a test file itself. */
import { tempDir as sharedTempDir } from '../../helpers/databases.ts';
import { readSource } from '../../../server/ingest/sources/index.ts';
import type { SourceEvent, SourceOptions } from '../../../server/ingest/sources/index.ts';

export const FIXTURES = new URL('../../fixtures/sources', import.meta.url).pathname;

export async function collect(
  path: string,
  options: SourceOptions = { unwrapForwards: false },
): Promise<SourceEvent[]> {
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

/** A temp directory removed when the test process exits. */
export function tempDir(): string {
  return sharedTempDir('spamcase-sources-');
}
