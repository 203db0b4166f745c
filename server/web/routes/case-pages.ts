/** A case's dashboard, lists (with CSV), custody log and members. */
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { caseReport, type CaseReport } from '../../report/counts.ts';
import {
  deliveriesPerDay,
  listAcquisitions,
  listItems,
  listRejections,
  rejectionReasons,
  ITEM_SORTS,
  type ItemListOptions,
  type ItemSort,
  type Page,
} from '../../report/lists.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../custody/chain.ts';
import { addMember, listMembers, removeMember } from '../../cases/members.ts';
import { listUsers } from '../../users/users.ts';
import { listUploadJobs } from '../upload-jobs.ts';
import { deliveriesChart, type Chart } from '../chart.ts';
import { isSpamcaseError, SpamcaseError } from '../../errors.ts';
import { listAccounts, type AccountRow } from '../../attribution/queries.ts';
import { listCampaigns, type CampaignRow } from '../../campaigns/queries.ts';
import { bodyString, csvLine, queryString, renderPage } from './common.ts';

/** Rows per query while streaming a CSV download. */
export const CSV_CHUNK = 5000;

interface Dashboard {
  report: CaseReport;
  chart: Chart;
  undated: number;
  reasons: Array<{ reason: string; count: number }>;
  topAccounts: AccountRow[];
  topCampaigns: CampaignRow[];
}

/** Rows in the dashboard's top accounts and top campaigns. */
export const DASHBOARD_TOP = 5;

/**
 * Dashboard figures are whole-case aggregates (counts, per-day groups): computed once per custody
 * head and reused until the next custody event. While an acquisition runs (counts move without a new
 * head) the last figures are shown, saying as of when, and recomputed in the background at most every
 * RUNNING_REFRESH_MS: at a million messages one computation takes seconds, and recomputing it for
 * every view during an ingest made the page take 7-10 s. One cache per app (it belongs to one database).
 */
export type DashboardCache = Map<number, { key: string; value: Dashboard; at: number; settled: boolean }>;

/** While an acquisition runs, the dashboard's figures are recomputed at most this often (ms). */
export const RUNNING_REFRESH_MS = 30_000;

/**
 * Computations in flight per case and kind: one started while an acquisition ran never answers a view after it ended.
 */
const computing = new WeakMap<DashboardCache, Map<string, Promise<Dashboard>>>();

function computeOnce(
  knex: Knex,
  cache: DashboardCache,
  caseId: number,
  slug: string,
  key: string,
  settled: boolean,
): Promise<Dashboard> {
  let perCase = computing.get(cache);
  if (!perCase) computing.set(cache, (perCase = new Map()));
  const slot = `${caseId}:${settled}`;
  const inFlight = perCase.get(slot);
  if (inFlight) return inFlight;
  const at = Date.now();
  const p = (async () => {
    const perDay = await deliveriesPerDay(knex, caseId);
    const value: Dashboard = {
      report: await caseReport(knex, slug),
      chart: deliveriesChart(perDay.days),
      undated: perDay.undated,
      reasons: await rejectionReasons(knex, caseId),
      topAccounts: (await listAccounts(knex, caseId, { sort: 'deliveries', order: 'desc', limit: DASHBOARD_TOP })).rows,
      topCampaigns: (
        await listCampaigns(knex, caseId, { sort: 'messages', limit: DASHBOARD_TOP, servingRequest: true })
      ).rows,
    };
    cache.set(caseId, { key, value, at, settled });
    return value;
  })().finally(() => perCase.delete(slot));
  perCase.set(slot, p);
  return p;
}

/** The dashboard's figures; `asOf` (ISO 8601) is when they were computed, set while an acquisition runs. */
export async function dashboardData(
  knex: Knex,
  dashboardCache: DashboardCache,
  caseId: number,
  slug: string,
): Promise<Dashboard & { asOf: string | null }> {
  const head = (await knex('custody_events').where({ case_id: caseId }).max({ seq: 'seq' }).first()) as {
    seq: number | null;
  };
  const running = Number(
    (
      (await knex('acquisitions').where({ case_id: caseId, status: 'running' }).count({ n: '*' }).first()) as {
        n: number | string;
      }
    ).n,
  );
  const key = `${head.seq ?? 0}`;
  const cached = dashboardCache.get(caseId);
  if (running === 0) {
    if (cached?.settled && cached.key === key) return { ...cached.value, asOf: null };
    return { ...(await computeOnce(knex, dashboardCache, caseId, slug, key, true)), asOf: null };
  }
  if (!cached) {
    const value = await computeOnce(knex, dashboardCache, caseId, slug, key, false);
    return { ...value, asOf: new Date(dashboardCache.get(caseId)?.at ?? Date.now()).toISOString() };
  }
  // A failed background computation is retried by a later view; the figures shown stay as they were.
  if (Date.now() - cached.at > RUNNING_REFRESH_MS)
    computeOnce(knex, dashboardCache, caseId, slug, key, false).catch(() => undefined);
  return { ...cached.value, asOf: new Date(cached.at).toISOString() };
}

function itemOptions(req: Request): ItemListOptions & { sort: ItemSort } {
  const sort = (queryString(req, 'sort', 10) ?? 'bates') as ItemSort;
  if (!(ITEM_SORTS as readonly string[]).includes(sort))
    throw new SpamcaseError('INVALID_INPUT', `sort must be one of ${ITEM_SORTS.join(', ')}`);
  const order = queryString(req, 'order', 4) === 'desc' ? 'desc' : 'asc';
  const limitText = queryString(req, 'limit', 4);
  return {
    sort,
    order,
    limit: limitText === undefined ? undefined : Number(limitText),
    after: queryString(req, 'after', 500) ?? null,
    search: queryString(req, 'q', 200),
    party: queryString(req, 'party', 10) || undefined,
    parseErrorsOnly: queryString(req, 'parseErrors', 1) === '1',
  };
}

export async function streamCsv<T>(
  res: Response,
  filename: string,
  header: string[],
  fetch: (after: string | null) => Promise<Page<T>>,
  row: (r: T) => Array<string | number | boolean | null>,
): Promise<void> {
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(csvLine(header));
  let after: string | null = null;
  do {
    const page: Page<T> = await fetch(after);
    let chunk = '';
    for (const r of page.rows) chunk += csvLine(row(r));
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    after = page.next;
  } while (after);
  res.end();
}

export function casePageRoutes(deps: () => WebDeps): RouteDef[] {
  const page = (res: Response, state: RequestState, template: string, vars: Record<string, unknown>) =>
    renderPage(deps().templates, res, state, template, vars);
  const caseOf = (state: RequestState) => state.access!.record;
  return [
    {
      method: 'GET',
      path: '/cases/:slug',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        const data = await dashboardData(state.ctx.db.knex, deps().dashboardCache, c.id, c.slug);
        const jobs = (await listUploadJobs(state.ctx.db.knex, c.id, 5)).filter(
          (j) => j.status === 'queued' || j.status === 'running',
        );
        page(res, state, 'dashboard.njk', { ...data, jobs, section: 'dashboard' });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/report',
      access: 'case-read',
      async handler(_req, res, state) {
        res.json(await caseReport(state.ctx.db.knex, caseOf(state).slug));
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/items',
      access: 'case-read',
      async handler(req, res, state) {
        const opts = itemOptions(req);
        const result = await listItems(state.ctx.db.knex, caseOf(state).id, opts);
        page(res, state, 'items.njk', { result, opts, section: 'items' });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/items',
      access: 'case-read',
      async handler(req, res, state) {
        res.json(await listItems(state.ctx.db.knex, caseOf(state).id, itemOptions(req)));
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/items.csv',
      access: 'case-read',
      async handler(req, res, state) {
        const opts = itemOptions(req);
        const c = caseOf(state);
        await streamCsv(
          res,
          `${c.slug}-items.csv`,
          ['bates', 'sha256', 'size', 'date', 'from', 'subject', 'parse_error'],
          (after) => listItems(state.ctx.db.knex, c.id, { ...opts, after, limit: CSV_CHUNK }),
          (r) => [r.bates, r.sha256, r.size, r.date, r.from, r.subject, r.parseError],
        );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/acquisitions',
      access: 'case-read',
      async handler(req, res, state) {
        const result = await listAcquisitions(state.ctx.db.knex, caseOf(state).id, {
          after: queryString(req, 'after', 500) ?? null,
        });
        page(res, state, 'acquisitions.njk', { result, section: 'acquisitions' });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/acquisitions.csv',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        await streamCsv(
          res,
          `${c.slug}-acquisitions.csv`,
          [
            'acquisition',
            'party',
            'method',
            'source',
            'source_sha256',
            'source_bytes',
            'operator',
            'started_at',
            'finished_at',
            'status',
            'samples',
            'new_items',
            'rejected',
          ],
          (after) => listAcquisitions(state.ctx.db.knex, c.id, { after, limit: CSV_CHUNK }),
          (r) => [
            r.id,
            r.party,
            r.method,
            r.source,
            r.sourceSha256,
            r.sourceBytes,
            r.operator,
            r.startedAt,
            r.finishedAt,
            r.status,
            r.samples,
            r.newItems,
            r.rejected,
          ],
        );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/rejections',
      access: 'case-read',
      async handler(req, res, state) {
        const result = await listRejections(state.ctx.db.knex, caseOf(state).id, {
          after: queryString(req, 'after', 500) ?? null,
        });
        page(res, state, 'rejections.njk', { result, section: 'rejections' });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/rejections.csv',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        await streamCsv(
          res,
          `${c.slug}-rejections.csv`,
          ['acquisition', 'locator', 'reason', 'size', 'sha256'],
          (after) => listRejections(state.ctx.db.knex, c.id, { after, limit: CSV_CHUNK }),
          (r) => [r.acquisitionId, r.locator, r.reason, r.size, r.sha256],
        );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/custody',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        const events = await listCustodyEvents(state.ctx.db.knex, c.id, c.slug);
        const problems = verifyCustodyChain(events);
        page(res, state, 'custody.njk', {
          events: events.map((e) => ({ ...e, detailsJson: JSON.stringify(e.details) })),
          problems,
          section: 'custody',
        });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/members',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        const members = await listMembers(state.ctx.db.knex, c.id);
        const candidates = state.access!.canWrite
          ? (await listUsers(state.ctx.db.knex)).filter(
              (u) => u.role !== 'admin' && !members.some((m) => m.username === u.username),
            )
          : [];
        page(res, state, 'members.njk', { members, candidates, error: null, section: 'members' });
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/members',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        const username = bodyString(req, 'username', 64);
        const remove = bodyString(req, 'action', 10) === 'remove';
        try {
          if (remove) await removeMember(state.ctx, c, username);
          else await addMember(state.ctx, c, username);
        } catch (err) {
          if (isSpamcaseError(err) && err.httpStatus < 500) {
            const members = await listMembers(state.ctx.db.knex, c.id);
            renderPage(
              deps().templates,
              res,
              state,
              'members.njk',
              { members, candidates: [], error: err.message, section: 'members' },
              400,
            );
            return;
          }
          throw err;
        }
        res.redirect(303, `/cases/${c.slug}/members`);
      },
    },
  ];
}
