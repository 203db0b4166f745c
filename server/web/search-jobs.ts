/**
 * Background builds of the full-text index (docs/SEARCH.md) at start-up, for every case (items
 * ingested before the index existed, or by the CLI without indexing). An upload job's process
 * indexes the items it brought itself (upload-jobs.ts).
 * One build at a time; a build waits between batches while an upload is being ingested, so it never
 * slows ingest down; a stop (close) ends it after its current batch, and the next build resumes at
 * the case's high-water mark.
 */
import type { Context } from '../context.ts';
import { describeError } from '../errors.ts';
import { indexAllCases } from '../usecases/search.ts';

const WAIT_MS = 250;

export class SearchIndexRunner {
  private all: Context | null = null;
  private running: Promise<void> | null = null;
  private readonly stop = new AbortController();

  constructor(
    private readonly log: (entry: Record<string, unknown>) => void,
    /** True while ingest is running: builds wait for it between batches. */
    private readonly ingestBusy: () => boolean,
  ) {}

  /** Index every case (at start-up). */
  scheduleAll(ctx: Context): void {
    this.all = ctx;
    this.pump();
  }

  private beforeBatch = async (): Promise<void> => {
    while (this.ingestBusy() && !this.stop.signal.aborted) await new Promise((r) => setTimeout(r, WAIT_MS));
  };

  private pump(): void {
    if (this.running || this.stop.signal.aborted || !this.all) return;
    const opts = { beforeBatch: this.beforeBatch, signal: this.stop.signal };
    const ctx = this.all;
    this.all = null;
    const work = () => indexAllCases(ctx, opts);
    this.running = work()
      .then(
        (r) => this.log({ event: 'search.index', result: r }),
        (err: unknown) => this.log({ event: 'search.index.failed', error: describeError(err) }),
      )
      .finally(() => {
        this.running = null;
        this.pump();
      });
  }

  /** Resolves when no build is running or waiting (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.running;
  }
}
