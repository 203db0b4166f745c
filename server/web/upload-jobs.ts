/**
 * Upload jobs: files a user uploaded, ingested in the background by the same ingest() the CLI
 * runs, one job at a time per server (ingest already uses a worker thread; two at once would only
 * fight for the same cores and the same write lock). Each job runs in a process of its own
 * (upload-job-process.ts, started with child_process.fork): it opens the case's database itself and
 * runs the ingest, the campaign clustering and recount that end it, the dashboard's figures and the
 * search index of the new items; the serving process only starts it and watches it. On SQLite the
 * driver is synchronous, so the same work on the serving thread stalled every page (the clustering
 * and recount alone take 17 s at a million messages). The job process writes progress to the job's
 * row at most every PROGRESS_WRITE_MS, so a page (or another server process) can poll it; the page
 * can be left and revisited. A job process that dies (killed, out of memory) leaves its job marked
 * "interrupted" or "failed" by the server, which keeps serving. The uploaded files are deleted once
 * the job ends: the raw evidence is then in the case's pack store. A job found "running" at
 * start-up was cut short by a stop: it is marked "interrupted" (ingest is resumable: uploading the
 * same files again loses and doubles nothing).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadConfig, type Config } from '../config.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { caseDir, type Context } from '../context.ts';
import { describeError, isSpamcaseError } from '../errors.ts';
import { webMessage } from './fields.ts';
import { markInterruptedAcquisitions } from '../cases/acquisition-owners.ts';
import { ingest, type AcquisitionMethod, type AcquisitionProvenance } from '../usecases/ingest.ts';
import type { SettledDashboard } from '../usecases/case-figures.ts';

export const PROGRESS_WRITE_MS = 500;

export interface UploadedFile {
  name: string;
  path: string;
  bytes: number;
}

export interface UploadJob {
  id: number;
  caseId: number;
  createdBy: string;
  party: string;
  method: string;
  files: Array<{ name: string; bytes: number }>;
  status: 'queued' | 'running' | 'done' | 'failed' | 'interrupted';
  samples: number;
  /** Of the samples: new items, and exact duplicates (bytes already in the case, kept as provenance). */
  newItems: number;
  exactDuplicates: number;
  rejected: number;
  bytes: number;
  acquisitionIds: number[];
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

function toJob(r: Record<string, unknown>): UploadJob {
  return {
    id: Number(r.id),
    caseId: Number(r.case_id),
    createdBy: String(r.created_by),
    party: String(r.party),
    method: String(r.method),
    files: (JSON.parse(String(r.files)) as Array<{ name: string; bytes: number }>).map((f) => ({
      name: f.name,
      bytes: f.bytes,
    })),
    status: r.status as UploadJob['status'],
    samples: Number(r.samples),
    newItems: Number(r.new_items ?? 0),
    exactDuplicates: Number(r.exact_duplicates ?? 0),
    rejected: Number(r.rejected),
    bytes: Number(r.bytes),
    acquisitionIds: JSON.parse(String(r.acquisition_ids)) as number[],
    error: (r.error as string | null) ?? null,
    createdAt: String(r.created_at),
    finishedAt: (r.finished_at as string | null) ?? null,
  };
}

export function uploadDir(ctx: Pick<Context, 'dataRoot'>, slug: string): string {
  return path.join(caseDir(ctx, slug), 'uploads');
}

export async function getUploadJob(knex: Knex, caseId: number, id: number): Promise<UploadJob | null> {
  const row = (await knex('upload_jobs').where({ case_id: caseId, id }).first()) as Record<string, unknown> | undefined;
  return row ? toJob(row) : null;
}

export async function listUploadJobs(knex: Knex, caseId: number, limit = 20): Promise<UploadJob[]> {
  return (
    (await knex('upload_jobs').where({ case_id: caseId }).orderBy('id', 'desc').limit(limit)) as Array<
      Record<string, unknown>
    >
  ).map(toJob);
}

/** What a job process is given (as its first IPC message): everything it needs to open the case and ingest. */
export interface UploadJobSpec {
  database: Config['database'];
  dataRoot: string;
  /** Recorded in custody events and as each acquisition's operator (`web:<user>`). */
  actor: string;
  jobId: number;
  caseId: number;
  caseSlug: string;
  party: string;
  method: AcquisitionMethod;
  files: UploadedFile[];
  provenance: Omit<AcquisitionProvenance, 'fileName'>;
}

/** What a job process tells the server: log entries, and the dashboard it computed at its end. */
export type UploadJobMessage =
  { kind: 'log'; entry: Record<string, unknown> } | { kind: 'dashboard'; caseId: number; dashboard: SettledDashboard };

/**
 * Ingest the job's files, one acquisition each, writing progress and the result (done or failed) to the job's row.
 * Runs in the job process (upload-job-process.ts). Returns the acquisitions made.
 */
export async function ingestUpload(
  ctx: Context,
  job: UploadJobSpec,
  log: (entry: Record<string, unknown>) => void,
): Promise<number[]> {
  const knex = ctx.db.knex;
  const { jobId } = job;
  const done = new Map<
    string,
    { samples: number; newItems: number; exactDuplicates: number; rejected: number; bytes: number }
  >();
  let current = { samples: 0, newItems: 0, exactDuplicates: 0, rejected: 0, bytes: 0 };
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const totals = () => {
    let s = current.samples;
    let r = current.rejected;
    let b = current.bytes;
    let ni = 0;
    let ed = 0;
    for (const d of done.values()) {
      s += d.samples;
      r += d.rejected;
      b += d.bytes;
      ni += d.newItems;
      ed += d.exactDuplicates;
    }
    return { samples: s, rejected: r, bytes: b, new_items: ni, exact_duplicates: ed };
  };
  const acquisitionIds: number[] = [];
  try {
    for (const file of job.files) {
      current = { samples: 0, newItems: 0, exactDuplicates: 0, rejected: 0, bytes: 0 };
      const [summary] = await ingest(ctx, {
        caseSlug: job.caseSlug,
        party: job.party,
        method: job.method,
        paths: [file.path],
        provenance: { ...job.provenance, fileName: file.name },
        budget: loadConfig().ingestBudget,
        onProgress: (p) => {
          current = { samples: p.samples, newItems: 0, exactDuplicates: 0, rejected: p.rejected, bytes: p.bytes };
          const now = Date.now();
          if (now - lastWrite < PROGRESS_WRITE_MS) return;
          lastWrite = now;
          writing = writing
            .then(() => knex('upload_jobs').where({ id: jobId }).update(totals()))
            .catch(() => undefined);
        },
      });
      if (summary) {
        acquisitionIds.push(summary.acquisitionId);
        done.set(file.path, {
          samples: summary.samples + summary.alreadyRecorded,
          newItems: summary.newItems,
          // A sample an earlier acquisition of this source recorded is also bytes already in the case.
          exactDuplicates: summary.exactDuplicates + summary.alreadyRecorded,
          rejected: summary.rejected,
          bytes: current.bytes,
        });
      }
      current = { samples: 0, newItems: 0, exactDuplicates: 0, rejected: 0, bytes: 0 };
      await writing;
      await knex('upload_jobs')
        .where({ id: jobId })
        .update({ ...totals(), acquisition_ids: JSON.stringify(acquisitionIds) });
    }
    await knex('upload_jobs')
      .where({ id: jobId })
      .update({
        ...totals(),
        status: 'done',
        acquisition_ids: JSON.stringify(acquisitionIds),
        finished_at: ctx.clock().toISOString(),
      });
    log({ event: 'upload.done', job: jobId, case: job.caseSlug, ...totals() });
  } catch (err) {
    await writing;
    const message = isSpamcaseError(err)
      ? webMessage(err)
      : 'the ingest stopped on an unexpected error (see the server log)';
    log({ event: 'upload.failed', job: jobId, case: job.caseSlug, error: describeError(err) });
    await knex('upload_jobs')
      .where({ id: jobId })
      .update({
        ...totals(),
        status: 'failed',
        error: message,
        acquisition_ids: JSON.stringify(acquisitionIds),
        finished_at: ctx.clock().toISOString(),
      });
  }
  return acquisitionIds;
}

/**
 * The job process's entry: compiled (dist/, what `npm start` runs) the module itself; as TypeScript (tests, tsx) a
 * small .mjs that registers tsx first, since a forked process is started without its parent's flags.
 */
const PROCESS_ENTRY = import.meta.url.endsWith('.js') ? './upload-job-process.js' : './upload-job-process-boot.mjs';

interface Pending {
  ctx: Context;
  spec: UploadJobSpec;
  folder: string;
}

/** How a job process ended, as the job's row says when the process could not say it itself. */
function endedEarly(exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error }): {
  status: 'failed' | 'interrupted';
  error: string;
} {
  const again = 'upload the files again (nothing is counted twice)';
  if (exit.error)
    return { status: 'failed', error: `the ingest process could not be started (${exit.error.message}); ${again}` };
  if (exit.signal)
    return {
      status: 'interrupted',
      error: `the ingest process was stopped (${exit.signal}) before this upload was ingested; ${again}`,
    };
  return {
    status: 'failed',
    error: `the ingest process ended unexpectedly (exit code ${exit.code}; see the server log); ${again}`,
  };
}

export class UploadJobRunner {
  private readonly queue: Pending[] = [];
  private running: Promise<void> | null = null;
  private child: ChildProcess | null = null;
  /** The job running (its process may not have started yet, or may have exited while the job's row is settled). */
  private current: UploadJobSpec | null = null;
  private closed = false;

  constructor(
    private readonly knex: Knex,
    private readonly log: (entry: Record<string, unknown>) => void,
    /** Given the dashboard a job process computed at its end (to warm the server's cache). */
    private readonly onDashboard: (caseId: number, dashboard: SettledDashboard) => void = () => undefined,
  ) {}

  /** Jobs left running by a server that stopped: mark them interrupted and remove their files. */
  async recover(ctx: Context): Promise<void> {
    const stale = (await this.knex('upload_jobs')
      .whereIn('status', ['queued', 'running'])
      .select('id', 'case_id')) as Array<{ id: number; case_id: number }>;
    for (const s of stale) {
      await this.knex('upload_jobs').where({ id: s.id }).update({
        status: 'interrupted',
        error: 'the server stopped before this upload was ingested; upload the files again (nothing is counted twice)',
        finished_at: ctx.clock().toISOString(),
      });
      const c = (await this.knex('cases').where({ id: s.case_id }).first('slug')) as { slug: string } | undefined;
      if (c) fs.rmSync(path.join(uploadDir(ctx, c.slug), String(s.id)), { recursive: true, force: true });
    }
    await this.markInterrupted(ctx);
  }

  /**
   * Acquisitions left running by a process that is gone (an upload's job process, a `spamcase ingest`): stored as
   * interrupted, each with its custody event (server/cases/acquisition-owners.ts). Never throws: it is logged.
   */
  async markInterrupted(ctx: Context, options: { caseId?: number; job?: number } = {}): Promise<void> {
    try {
      for (const a of await markInterruptedAcquisitions(ctx, { caseId: options.caseId }))
        this.log({ event: 'acquisition.interrupted', job: options.job, case: a.caseSlug, ...a });
    } catch (err) {
      this.log({ event: 'acquisition.interrupted-check-failed', error: describeError(err) });
    }
  }

  /** Record a job for files already on disk in `folder` and queue it. */
  async submit(
    ctx: Context,
    input: {
      caseId: number;
      caseSlug: string;
      createdBy: string;
      party: string;
      method: AcquisitionMethod;
      files: UploadedFile[];
      folder: string;
      jobId: number;
      provenance?: Omit<AcquisitionProvenance, 'fileName'>;
    },
  ): Promise<void> {
    this.queue.push({
      ctx,
      folder: input.folder,
      spec: {
        database: ctx.db.config,
        dataRoot: ctx.dataRoot,
        actor: ctx.actor,
        jobId: input.jobId,
        caseId: input.caseId,
        caseSlug: input.caseSlug,
        party: input.party,
        method: input.method,
        files: input.files,
        provenance: input.provenance ?? {},
      },
    });
    this.pump();
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next.spec;
    this.running = this.run(next).finally(() => {
      this.running = null;
      this.current = null;
      this.pump();
    });
  }

  private async run(job: Pending): Promise<void> {
    const { ctx, spec } = job;
    const jobId = spec.jobId;
    try {
      await this.knex('upload_jobs').where({ id: jobId }).update({ status: 'running' });
      const exit = await this.runProcess(spec);
      const row = (await this.knex('upload_jobs').where({ id: jobId }).first('status')) as
        { status: string } | undefined;
      // The process writes done or failed itself; a row still running means it died first.
      if (row?.status === 'running') {
        const ended = endedEarly(exit);
        this.log({ event: `upload.${ended.status}`, job: jobId, case: spec.caseSlug, ...exit, error: ended.error });
        await this.knex('upload_jobs')
          .where({ id: jobId })
          .update({ ...ended, finished_at: ctx.clock().toISOString() });
      } else if (exit.code !== 0) {
        this.log({ event: 'upload.process-failed', job: jobId, case: spec.caseSlug, ...exit });
      }
      // A process that ended abnormally may have left its acquisition running: it is gone now, so it is interrupted.
      if (exit.code !== 0) await this.markInterrupted(ctx, { caseId: spec.caseId, job: jobId });
    } catch (err) {
      this.log({ event: 'upload.failed', job: jobId, case: spec.caseSlug, error: describeError(err) });
    } finally {
      fs.rmSync(job.folder, { recursive: true, force: true });
    }
  }

  /** Start the job's process and wait for it to end; never rejects (a process that cannot start is an exit). */
  private runProcess(
    spec: UploadJobSpec,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error; pid?: number }> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = fork(new URL(PROCESS_ENTRY, import.meta.url), [], {
          execArgv: [],
          serialization: 'advanced',
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
      } catch (err) {
        resolve({ code: null, signal: null, error: err instanceof Error ? err : new Error(String(err)) });
        return;
      }
      this.child = child;
      child.on('message', (m: UploadJobMessage) => {
        if (m.kind === 'log') this.log({ ...m.entry, pid: child.pid });
        else if (m.kind === 'dashboard') {
          try {
            this.onDashboard(m.caseId, m.dashboard);
          } catch (err) {
            this.log({ event: 'upload.after-job-failed', job: spec.jobId, error: describeError(err) });
          }
        }
      });
      child.on('error', (err) => {
        // A process that never started emits no close; any other error (a message it could not be sent because it
        // died) is followed by its close, which says how it ended.
        if (child.pid === undefined) {
          this.child = null;
          resolve({ code: null, signal: null, error: err });
        } else this.log({ event: 'upload.process-error', job: spec.jobId, pid: child.pid, error: describeError(err) });
      });
      // 'close', not 'exit': it comes after the last message the process sent (its dashboard) has been read.
      child.on('close', (code, signal) => {
        this.child = null;
        resolve({ code, signal, pid: child.pid });
      });
      child.send(spec, () => undefined);
      this.log({ event: 'upload.started', job: spec.jobId, case: spec.caseSlug, pid: child.pid });
    });
  }

  /** The process id of the running job's process (tests, the server log), or null. */
  runningPid(): number | null {
    return this.child?.pid ?? null;
  }

  /**
   * Stop taking jobs and wait for the one running to finish (queued ones stay "queued", then "interrupted" at next
   * start).
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  /** True while a job for the case is running or waiting (its dashboard is not settled until it ends). */
  busyWith(caseId: number): boolean {
    return this.current?.caseId === caseId || this.queue.some((j) => j.spec.caseId === caseId);
  }

  /** True while a job is running or waiting. */
  busy(): boolean {
    return this.running !== null || this.queue.length > 0;
  }

  /** Resolves when no job is running or queued (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
