/**
 * Re-attribution jobs: after a party's trust changes on the Parties page (or when the custody log says
 * the attribution is older than the trust), the case's items are attributed again in the background
 * by the same `attribute` use case `spamcase attribute` runs. One job at a time per server, and none
 * while an upload is being ingested (both write the whole case). A job waiting for a case that already
 * has one queued is that job: it reads the trust when it starts.
 *
 * Job state is in memory, like export jobs. A re-attribution is one transaction: a server that stops
 * (close aborts the job between steps; a kill loses the transaction) leaves the old attribution whole,
 * and the Parties page then says the attribution is older than the trust (from the custody log,
 * `attributionCurrency`) and offers to run it again. What outlives a restart is the custody log:
 * `trust-changed`, then `attributed` when a job ends.
 */
import type { Context } from '../context.ts';
import { describeError, isSpamcaseError } from '../errors.ts';
import { webMessage } from './fields.ts';
import { attribute, type AttributeSummary } from '../usecases/attribute.ts';

const WAIT_MS = 250;

export interface AttributionJob {
  id: number;
  caseId: number;
  caseSlug: string;
  createdBy: string;
  createdAt: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'interrupted';
  /** Items recomputed so far and the case's items (known once running). */
  items: number;
  total: number | null;
  finishedAt: string | null;
  error: string | null;
  summary: AttributeSummary | null;
  /** The `attributed` custody event the job ended in. */
  custodySeq: number | null;
}

export class AttributionJobRunner {
  private readonly jobs = new Map<number, AttributionJob>();
  private readonly queue: Array<{ ctx: Context; job: AttributionJob }> = [];
  private running: Promise<void> | null = null;
  private nextId = 1;
  private readonly stop = new AbortController();

  constructor(
    private readonly log: (entry: Record<string, unknown>) => void,
    /** True while an upload is being ingested: a job waits for it before it starts. */
    private readonly ingestBusy: () => boolean,
    /** Called after a job that finished (to warm caches); its failure is only logged. */
    private readonly afterJob: (caseId: number, caseSlug: string) => Promise<void> = async () => undefined,
  ) {}

  submit(ctx: Context, input: { caseId: number; caseSlug: string; createdBy: string }): AttributionJob {
    const waiting = [...this.jobs.values()].find((j) => j.caseId === input.caseId && j.status === 'queued');
    if (waiting) return waiting;
    const job: AttributionJob = {
      id: this.nextId++,
      ...input,
      createdAt: ctx.clock().toISOString(),
      status: 'queued',
      items: 0,
      total: null,
      finishedAt: null,
      error: null,
      summary: null,
      custodySeq: null,
    };
    this.jobs.set(job.id, job);
    this.queue.push({ ctx, job });
    this.pump();
    return job;
  }

  get(caseId: number, id: number): AttributionJob | null {
    const j = this.jobs.get(id);
    return j && j.caseId === caseId ? j : null;
  }

  list(caseId: number): AttributionJob[] {
    return [...this.jobs.values()].filter((j) => j.caseId === caseId).sort((a, b) => b.id - a.id);
  }

  /** The case's job queued or running, if any. */
  active(caseId: number): AttributionJob | null {
    return this.list(caseId).find((j) => j.status === 'queued' || j.status === 'running') ?? null;
  }

  private pump(): void {
    if (this.running || this.stop.signal.aborted) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = this.run(next.ctx, next.job).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(ctx: Context, job: AttributionJob): Promise<void> {
    while (this.ingestBusy() && !this.stop.signal.aborted) await new Promise((r) => setTimeout(r, WAIT_MS));
    try {
      if (this.stop.signal.aborted) throw new Error('stopped');
      job.status = 'running';
      job.summary = await attribute(ctx, job.caseSlug, {
        signal: this.stop.signal,
        onProgress: (p) => {
          job.items = p.items;
          job.total = p.total;
        },
      });
      const head = (await ctx.db
        .knex('custody_events')
        .where({ case_id: job.caseId, action: 'attributed' })
        .orderBy('seq', 'desc')
        .first('seq')) as { seq: number | string } | undefined;
      job.custodySeq = head ? Number(head.seq) : null;
      job.status = 'done';
      this.log({ event: 'attribution.done', job: job.id, case: job.caseSlug, items: job.summary.items });
    } catch (err) {
      if (this.stop.signal.aborted) {
        job.status = 'interrupted';
        job.error = 'the server stopped before this re-attribution ended; nothing was changed';
      } else {
        job.status = 'failed';
        job.error = isSpamcaseError(err)
          ? webMessage(err)
          : 'the re-attribution stopped on an unexpected error (see the server log)';
      }
      this.log({ event: `attribution.${job.status}`, job: job.id, case: job.caseSlug, error: describeError(err) });
    } finally {
      job.finishedAt = ctx.clock().toISOString();
    }
    if (job.status === 'done')
      await this.afterJob(job.caseId, job.caseSlug).catch((err: unknown) =>
        this.log({ event: 'attribution.after-job-failed', job: job.id, error: describeError(err) }),
      );
  }

  /** Resolves when no job is running or queued (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop: the running job is aborted at its next step (rolled back), queued ones are interrupted. */
  async close(): Promise<void> {
    this.stop.abort();
    for (const q of this.queue.splice(0)) {
      q.job.status = 'interrupted';
      q.job.error = 'the server stopped before this re-attribution started; nothing was changed';
    }
    await this.running;
  }
}
