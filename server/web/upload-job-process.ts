/**
 * The process one upload job runs in (upload-jobs.ts forks it): it is sent the job (UploadJobSpec) as its first
 * message, opens the case's database itself, and runs what the serving process must not run on its thread: the
 * ingest of each file with the campaign clustering and recount that end it (usecases/ingest.ts), progress and result
 * in the job's row; then the dashboard's figures (handed to the server to keep) and the full-text index of the new
 * items (usecases/search.ts), as `spamcase ingest` does. It then exits. Its log entries go to the server's log.
 *
 * Ctrl-C at a terminal signals the whole process group: the server decides (it waits for this job), so SIGINT is
 * ignored here. A server that goes away closes the IPC channel: the job then stops at once, like a killed
 * `spamcase ingest` (nothing committed is lost; uploading the files again doubles nothing).
 */
import { openDatabase } from '../db/connection.ts';
import type { Context } from '../context.ts';
import { describeError } from '../errors.ts';
import { CaseFigures } from '../usecases/case-figures.ts';
import { indexCase } from '../usecases/search.ts';
import { ingestUpload, type UploadJobMessage, type UploadJobSpec } from './upload-jobs.ts';

/** Exit code when the server went away before the job ended. */
const EXIT_ORPHANED = 70;

function send(message: UploadJobMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) resolve();
    else process.send!(message, undefined, {}, () => resolve());
  });
}

async function run(spec: UploadJobSpec): Promise<void> {
  const log = (entry: Record<string, unknown>) => void send({ kind: 'log', entry });
  const db = openDatabase(spec.database);
  try {
    const ctx: Context = { db, dataRoot: spec.dataRoot, clock: () => new Date(), actor: spec.actor };
    const acquisitions = await ingestUpload(ctx, spec, log);
    if (acquisitions.length === 0) return;
    // Both only save later work (a view computes the figures, the server's index build adds the items): a failure is
    // logged, and the job stays done.
    try {
      const figures = new CaseFigures(db.knex);
      await figures.dashboard(spec.caseId, spec.caseSlug);
      const dashboard = figures.settledDashboard(spec.caseId);
      if (dashboard) await send({ kind: 'dashboard', caseId: spec.caseId, dashboard });
    } catch (err) {
      log({ event: 'upload.after-job-failed', job: spec.jobId, step: 'dashboard', error: describeError(err) });
    }
    try {
      const result = await indexCase(ctx, spec.caseSlug);
      log({ event: 'search.index', job: spec.jobId, case: spec.caseSlug, result });
    } catch (err) {
      log({ event: 'search.index.failed', job: spec.jobId, case: spec.caseSlug, error: describeError(err) });
    }
  } finally {
    await db.close();
  }
}

process.on('SIGINT', () => undefined);
process.once('disconnect', () => process.exit(EXIT_ORPHANED));
process.once('message', (spec: UploadJobSpec) => {
  run(spec).then(
    () => process.exit(0),
    async (err: unknown) => {
      await send({
        kind: 'log',
        entry: { event: 'upload.process-failed', job: spec.jobId, error: describeError(err) },
      });
      process.exit(1);
    },
  );
});
