/**
 * Export jobs: an evidence bundle (exportBundle) or a PDF summary (writeSummaryPdf) built in the
 * background, one at a time per server like upload jobs (both read the whole case and would only
 * fight for the same disk). The files go under the case's own folder, <case>/exports/, with names
 * the server makes; a download names an export by its id (bundles, from the exports table) or by
 * a server-made name checked against the folder's listing (PDFs), never by a path from the request.
 * Job state is kept in memory: what outlives a restart is the finished file and, for a bundle, its
 * row in the exports table and its custody event (both written by exportBundle).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { caseDir, type Context } from '../context.ts';
import { describeError, isSpamcaseError } from '../errors.ts';
import { webMessage } from './fields.ts';
import { buildBundle, writeSummary, type SigningSetup } from '../usecases/exports.ts';
import { loadSigner } from '../signing/keys.ts';
import type { Lang } from '../users/users.ts';

export type ExportConfig = SigningSetup;

export interface ExportJob {
  id: number;
  caseId: number;
  caseSlug: string;
  kind: 'bundle' | 'pdf';
  lang: Lang;
  createdBy: string;
  createdAt: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  /**
   * 'no-signing': the bundle was not built because the server's signing key or certificate is missing
   * or refused. The page explains what to ask the administrator for; the reason, which names server
   * files, goes to the server log only.
   */
  problem: 'no-signing' | null;
  /** The finished file: its name in the exports folder, size and SHA-256. */
  fileName: string | null;
  bytes: number | null;
  sha256: string | null;
  /** Bundle: its id in the exports table (for the download link). */
  exportId: number | null;
  warnings: string[];
}

/** PDF summaries the server wrote: <slug>-summary-<lang>-<UTC stamp>-<job>.pdf. */
export const PDF_NAME = /^[a-z0-9][a-z0-9-]{0,62}-summary-(en|fr)-\d{8}T\d{6}Z-\d{1,9}\.pdf$/;

export function exportsDir(ctx: Pick<Context, 'dataRoot'>, slug: string): string {
  return path.join(caseDir(ctx, slug), 'exports');
}

export function summariesDir(ctx: Pick<Context, 'dataRoot'>, slug: string): string {
  return path.join(exportsDir(ctx, slug), 'summaries');
}

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** The PDF summaries of a case, newest first, with size and SHA-256 (small files, hashed on listing). */
export function listSummaries(
  ctx: Pick<Context, 'dataRoot'>,
  slug: string,
): Array<{ fileName: string; lang: string; bytes: number; sha256: string; createdAt: string }> {
  const dir = summariesDir(ctx, slug);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => PDF_NAME.test(f))
    .map((f) => {
      const st = fs.statSync(path.join(dir, f));
      return {
        fileName: f,
        lang: PDF_NAME.exec(f)![1]!,
        bytes: st.size,
        sha256: sha256File(path.join(dir, f)),
        createdAt: st.mtime.toISOString(),
      };
    })
    .sort((a, b) => (a.fileName < b.fileName ? 1 : -1));
}

export class ExportJobRunner {
  private readonly jobs = new Map<number, ExportJob>();
  private readonly queue: Array<{ ctx: Context; job: ExportJob }> = [];
  private running: Promise<void> | null = null;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly config: () => ExportConfig,
    private readonly log: (entry: Record<string, unknown>) => void,
  ) {}

  /** The signing setup bundles are built with (the verify page trusts its certificate). */
  signing(): ExportConfig['signing'] {
    return this.config().signing;
  }

  /**
   * Whether bundles can be signed now: the configured key and certificate load as the export would
   * load them. Checked on each call, so a certificate an administrator installs shows at once.
   */
  signingReady(): boolean {
    try {
      loadSigner(this.config().signing);
      return true;
    } catch {
      return false;
    }
  }

  submit(
    ctx: Context,
    input: { caseId: number; caseSlug: string; kind: 'bundle' | 'pdf'; lang: Lang; createdBy: string },
  ): ExportJob {
    const job: ExportJob = {
      id: this.nextId++,
      ...input,
      createdAt: ctx.clock().toISOString(),
      status: 'queued',
      startedAt: null,
      finishedAt: null,
      error: null,
      problem: null,
      fileName: null,
      bytes: null,
      sha256: null,
      exportId: null,
      warnings: [],
    };
    this.jobs.set(job.id, job);
    this.queue.push({ ctx, job });
    this.pump();
    return job;
  }

  get(caseId: number, id: number): ExportJob | null {
    const j = this.jobs.get(id);
    return j && j.caseId === caseId ? j : null;
  }

  list(caseId: number): ExportJob[] {
    return [...this.jobs.values()].filter((j) => j.caseId === caseId).sort((a, b) => b.id - a.id);
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.running = this.run(next.ctx, next.job).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(ctx: Context, job: ExportJob): Promise<void> {
    job.status = 'running';
    job.startedAt = ctx.clock().toISOString();
    try {
      const config = this.config();
      const when = stamp(ctx.clock());
      if (job.kind === 'bundle') {
        const dir = exportsDir(ctx, job.caseSlug);
        fs.mkdirSync(dir, { recursive: true });
        const out = path.join(dir, `${job.caseSlug}-bundle-${when}-${job.id}.zip`);
        try {
          loadSigner(config.signing);
        } catch (err) {
          job.problem = 'no-signing';
          throw err;
        }
        const { result: r, exportId } = await buildBundle(ctx, { caseSlug: job.caseSlug, out, lang: job.lang }, config);
        Object.assign(job, {
          fileName: path.basename(r.file),
          bytes: r.bytes,
          sha256: r.sha256,
          exportId,
          warnings: r.warnings,
        });
      } else {
        const dir = summariesDir(ctx, job.caseSlug);
        fs.mkdirSync(dir, { recursive: true });
        const out = path.join(dir, `${job.caseSlug}-summary-${job.lang}-${when}-${job.id}.pdf`);
        const w = await writeSummary(ctx, { caseSlug: job.caseSlug, lang: job.lang, out }, config);
        Object.assign(job, { fileName: path.basename(w.path), bytes: w.bytes, sha256: w.sha256 });
      }
      job.status = 'done';
      this.log({ event: 'export.done', job: job.id, kind: job.kind, case: job.caseSlug, sha256: job.sha256 });
    } catch (err) {
      job.status = 'failed';
      job.error = job.problem
        ? null
        : isSpamcaseError(err)
          ? webMessage(err)
          : 'the export stopped on an unexpected error (see the server log)';
      this.log({ event: 'export.failed', job: job.id, kind: job.kind, case: job.caseSlug, error: describeError(err) });
    } finally {
      job.finishedAt = ctx.clock().toISOString();
    }
  }

  /** Resolves when no job is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }
}
