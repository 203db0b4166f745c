/**
 * Mail server logs, as a user means it (`spamcase logs ingest`, `spamcase logs report`): each file an
 * acquisition (server/logs/acquire.ts), oldest rotation first, then the case's attempts matched
 * again to the harvested items (server/logs/match.ts); the report is the attempt volumes per
 * account and originating IP (server/logs/volumes.ts).
 */
import * as v from 'valibot';
import type { Context } from '../context.ts';
import { storeDir } from '../context.ts';
import { getCase, resolveParty } from '../cases/cases.ts';
import { acquireLogFile, LOG_FORMATS, type LogAcquisitionSummary, type LogFormat } from '../logs/acquire.ts';
import { matchAttempts, type MatchTotals } from '../logs/match.ts';
import { attemptVolumes, type AttemptVolumes } from '../logs/volumes.ts';
import { caseName, oneOf, optionalText, PATH_MAX, requiredText, textList, type Input } from './input.ts';

export const logsIngestInput = v.object({
  case: caseName,
  party: optionalText(200),
  server: requiredText(255),
  tz: requiredText(64),
  format: v.optional(oneOf(LOG_FORMATS)),
  /** ISO date or time: the latest a syslog line can be (default: each file's modification time). */
  yearEnd: v.optional(v.pipe(v.string(), v.isoDate('is not a date (YYYY-MM-DD)'))),
  paths: v.pipe(textList(PATH_MAX, 10_000), v.minLength(1, 'is required: name at least one log file')),
});
export type LogsIngestInput = Input<typeof logsIngestInput>;

/** `maillog.2.gz` → 2; `maillog` → 0; a dated name (`maillog-20051208`) sorts by its name. */
function rotationRank(file: string): number {
  const m = /\.(\d{1,4})(?:\.gz)?$/.exec(file);
  return m ? Number(m[1]) : 0;
}

/** Oldest first: higher rotation numbers first, then by name. */
export function rotationOrder(paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => rotationRank(b) - rotationRank(a) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface LogsIngestResult {
  files: LogAcquisitionSummary[];
  matches: MatchTotals;
}

export async function ingestLogs(
  ctx: Context,
  input: LogsIngestInput,
  onProgress?: (p: { file: string; lines: number; bytes: number; elapsedMs: number }) => void,
): Promise<LogsIngestResult> {
  const record = await getCase(ctx.db.knex, input.case);
  const party = resolveParty(record, input.party);
  const files: LogAcquisitionSummary[] = [];
  for (const file of rotationOrder(input.paths)) {
    files.push(
      await acquireLogFile(ctx, file, {
        caseId: record.id,
        caseSlug: record.slug,
        partyId: party.id,
        partyName: party.name,
        server: input.server,
        timeZone: input.tz,
        format: input.format as LogFormat | undefined,
        yearReference: input.yearEnd ? new Date(`${input.yearEnd}T23:59:59Z`) : undefined,
        onProgress: onProgress ? (p) => onProgress({ file, ...p }) : undefined,
      }),
    );
  }
  const matches = await matchAttempts(ctx.db.knex, record.id, storeDir(ctx, record.slug));
  return { files, matches };
}

export async function logsReport(ctx: Context, caseSlug: string): Promise<AttemptVolumes> {
  const record = await getCase(ctx.db.knex, caseSlug);
  return attemptVolumes(ctx.db.knex, record.id);
}

/** The report's CSV: one row per account or originating IP. */
export const ATTEMPT_VOLUMES_CSV_COLUMNS = [
  'by',
  'key',
  'attempts',
  'refused_unknown_users',
  'refused_policy',
  'delivered',
  'bounced',
  'matched_samples',
] as const;

export function attemptVolumeRows(r: AttemptVolumes): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = [];
  for (const [by, list] of [
    ['account', r.accounts],
    ['ip', r.ips],
  ] as const)
    for (const x of list)
      rows.push([
        by,
        x.key,
        x.attempts,
        x.refusedUnknownUsers,
        x.refusedPolicy,
        x.delivered,
        x.bounced,
        x.matchedSamples,
      ]);
  return rows;
}
