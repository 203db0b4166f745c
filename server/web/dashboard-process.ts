/**
 * A short-lived process that computes one case's dashboard figures while an acquisition of the case runs
 * (dashboard-processes.ts forks it): the serving process must not count the case on its thread then (on SQLite the
 * driver is synchronous; one computation held every request about 1 s at 30,000 messages, 3 s at a million). It is
 * sent the database and the case as its first message, opens the database itself, sends the figures back and exits.
 * A server that goes away closes the IPC channel: it then exits at once.
 */
import { openDatabase } from '../db/connection.ts';
import { describeError } from '../errors.ts';
import { computeDashboard } from '../usecases/case-figures.ts';
import type { DashboardProcessMessage, DashboardProcessSpec } from './dashboard-processes.ts';

/** Exit code when the server went away before the figures were sent. */
const EXIT_ORPHANED = 70;

function send(message: DashboardProcessMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) resolve();
    else process.send!(message, undefined, {}, () => resolve());
  });
}

async function run(spec: DashboardProcessSpec): Promise<void> {
  const db = openDatabase(spec.database);
  try {
    await send({ kind: 'dashboard', value: await computeDashboard(db.knex, spec.caseId, spec.caseSlug) });
  } finally {
    await db.close();
  }
}

process.on('SIGINT', () => undefined);
process.once('disconnect', () => process.exit(EXIT_ORPHANED));
process.once('message', (spec: DashboardProcessSpec) => {
  run(spec).then(
    () => process.exit(0),
    async (err: unknown) => {
      await send({ kind: 'failed', error: describeError(err) });
      process.exit(1);
    },
  );
});
