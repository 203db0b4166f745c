/**
 * A case's mail server logs (docs/LOGS.md): the log files acquired, with their provenance, and the
 * attempts per sender account and per originating IP (server/logs/volumes.ts, the figures of
 * `spamcase logs report`), paged, each list with its CSV. Sender addresses come from the log lines
 * (attacker-controlled): the template shows them through the `shown` filter.
 */
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { attemptVolumes, type AttemptVolume, type AttemptVolumes } from '../../logs/volumes.ts';
import type { ListCsv } from '../../usecases/lists.ts';
import { ATTEMPT_VOLUMES_CSV_COLUMNS } from '../../usecases/logs.ts';
import { queryString, renderPage } from './common.ts';
import { streamCsv } from '../csv-download.ts';
import { PAGE_SIZE, pager } from '../paging.ts';
import { SpamcaseError } from '../../errors.ts';

export interface LogFileView {
  id: number;
  server: string;
  rotationName: string;
  format: string;
  timeZone: string;
  lines: number;
  unknownLines: number;
  attempts: number;
  sha256: string;
  sameContentAs: number | null;
  acquiredAt: string | null;
  operator: string;
  party: string;
}

/** The case's log files in the order they were read, with the acquisition that brought each one. */
export async function listLogFiles(knex: Knex, caseId: number): Promise<LogFileView[]> {
  const rows = (await knex('log_files as l')
    .join('acquisitions as a', 'a.id', 'l.acquisition_id')
    .join('parties as p', 'p.id', 'l.party_id')
    .where('l.case_id', caseId)
    .orderBy('l.id')
    .select(
      'l.id',
      'l.server',
      'l.rotation_name',
      'l.format',
      'l.time_zone',
      'l.lines',
      'l.unknown_lines',
      'l.attempts',
      'l.sha256',
      'l.same_content_as',
      'a.finished_at',
      'a.started_at',
      'a.operator',
      'p.bates_prefix',
    )) as Array<Record<string, string | number | null>>;
  return rows.map((r) => ({
    id: Number(r.id),
    server: String(r.server),
    rotationName: String(r.rotation_name),
    format: String(r.format),
    timeZone: String(r.time_zone),
    lines: Number(r.lines),
    unknownLines: Number(r.unknown_lines),
    attempts: Number(r.attempts),
    sha256: String(r.sha256),
    sameContentAs: r.same_content_as === null ? null : Number(r.same_content_as),
    acquiredAt: (r.finished_at ?? r.started_at) === null ? null : String(r.finished_at ?? r.started_at),
    operator: String(r.operator),
    party: String(r.bates_prefix),
  }));
}

/** The dashboard's panel: the attempt totals, or null when the case has no log file. */
export async function logsPanel(knex: Knex, caseId: number): Promise<AttemptVolumes['totals'] | null> {
  const any = await knex('log_files').where({ case_id: caseId }).first('id');
  if (!any) return null;
  return (await attemptVolumes(knex, caseId)).totals;
}

/** The figures' columns, spelled as `spamcase logs report --csv` spells them (after its `by` and `key`). */
const VOLUME_COLUMNS = ATTEMPT_VOLUMES_CSV_COLUMNS.slice(2);

function volumeCsv(keyColumn: string): ListCsv<AttemptVolume> {
  return {
    columns: [keyColumn, ...VOLUME_COLUMNS],
    cells: (v) => [v.key, v.attempts, v.refusedUnknownUsers, v.refusedPolicy, v.delivered, v.bounced, v.matchedSamples],
  };
}
export const LOG_ACCOUNTS_CSV = volumeCsv('account');
export const LOG_IPS_CSV = volumeCsv('originating_ip');

function offsetOf(req: Request, name: string): number {
  const v = queryString(req, name, 12);
  if (v === undefined || v === '') return 0;
  if (!/^\d{1,9}$/.test(v)) throw new SpamcaseError('INVALID_INPUT', `query parameter ${name} is not valid`);
  return Number(v);
}

/** Which keys of the page have a page of their own: accounts attribution knows, originating IPs of items. */
async function knownKeys(
  knex: Knex,
  caseId: number,
  accounts: string[],
  ips: string[],
): Promise<{ accounts: Set<string>; ips: Set<string> }> {
  const [a, i] = await Promise.all([
    accounts.length === 0
      ? []
      : (knex('item_attributions')
          .where('case_id', caseId)
          .whereIn('account', accounts)
          .distinct('account as k') as Promise<Array<{ k: string }>>),
    ips.length === 0
      ? []
      : (knex('item_attributions')
          .where('case_id', caseId)
          .whereIn('originating_ip', ips)
          .distinct('originating_ip as k') as Promise<Array<{ k: string }>>),
  ]);
  return { accounts: new Set(a.map((r) => r.k)), ips: new Set(i.map((r) => r.k)) };
}

export function logRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/cases/:slug/logs',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const knex = state.ctx.db.knex;
        // The pages' offsets are read before any query: a bad one is refused with nothing done.
        const aOffset = offsetOf(req, 'aoffset');
        const iOffset = offsetOf(req, 'ioffset');
        const [files, volumes] = await Promise.all([listLogFiles(knex, c.id), attemptVolumes(knex, c.id)]);
        const accounts = volumes.accounts.slice(aOffset, aOffset + PAGE_SIZE);
        const ips = volumes.ips.slice(iOffset, iOffset + PAGE_SIZE);
        const known = await knownKeys(
          knex,
          c.id,
          accounts.map((a) => a.key),
          ips.map((a) => a.key),
        );
        renderPage(deps().templates, res, state, 'logs.njk', {
          files,
          totals: volumes.totals,
          accounts: accounts.map((a) => ({ ...a, known: known.accounts.has(a.key) })),
          ips: ips.map((a) => ({ ...a, known: known.ips.has(a.key) })),
          accountPages: pager(aOffset, volumes.accounts.length),
          ipPages: pager(iOffset, volumes.ips.length),
          accountTotal: volumes.accounts.length,
          ipTotal: volumes.ips.length,
          aOffset,
          iOffset,
          section: 'logs',
        });
      },
    },
    ...(
      [
        ['accounts', LOG_ACCOUNTS_CSV],
        ['ips', LOG_IPS_CSV],
      ] as const
    ).map(([list, csv]): RouteDef => ({
      method: 'GET',
      path: `/cases/:slug/logs/${list}.csv`,
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const volumes = await attemptVolumes(state.ctx.db.knex, c.id);
        // attemptVolumes holds the whole list already (one row per key): one page.
        await streamCsv(res, `${c.slug}-log-${list}.csv`, csv, () =>
          Promise.resolve({ rows: volumes[list], next: null }),
        );
      },
    })),
  ];
}
