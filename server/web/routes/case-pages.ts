/** A case's dashboard, lists (with CSV), custody log and members. */
import type { Request, Response } from 'express';
import { custodyText } from '../custody-text.ts';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { caseReport } from '../../report/counts.ts';
import {
  listAcquisitions,
  itemPage,
  listItems,
  listRejections,
  type ItemListOptions,
  type ItemPage,
  type ItemSort,
} from '../../report/lists.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../custody/chain.ts';
import { addMember, listMembers, removeMember } from '../../cases/members.ts';
import { listUsers } from '../../users/users.ts';
import { listUploadJobs } from '../upload-jobs.ts';
import { deliveriesChart } from '../chart.ts';
import { isSpamcaseError } from '../../errors.ts';
import { parseInput } from '../../usecases/input.ts';
import {
  ACQUISITIONS_CSV,
  DEFAULT_LIMIT,
  ITEMS_CSV,
  itemListInput,
  pageInput,
  REJECTIONS_CSV,
} from '../../usecases/lists.ts';
import { bodyString, queryString, renderPage } from './common.ts';
import { labelsOf, listSavedSearches, listTags } from '../../labels/labels.ts';
import { savedSearchLink } from '../paging.ts';
import { queryInput, webMessage } from '../fields.ts';
import { CSV_CHUNK, streamCsv } from '../csv-download.ts';
import { logsPanel } from './logs.ts';

const ITEM_FIELDS = ['sort', 'order', 'limit', 'after', 'before', 'search', 'party', 'parseErrors'] as const;

/** The items list's columns a user may hide (the Bates number always shows), and the page sizes offered. */
export const ITEM_COLUMNS = ['date', 'from', 'subject', 'size', 'sha256'] as const;
export const PAGE_SIZES = [25, 50, 100, 200, 500] as const;

/** The columns asked for (`cols`, one value per ticked box), all of them when none is given. */
function itemColumns(req: Request): string[] {
  const raw = req.query.cols;
  const asked = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
  const known = ITEM_COLUMNS.filter((c) => asked.includes(c));
  return known.length > 0 ? known : [...ITEM_COLUMNS];
}

/**
 * The query string of an items-page link: the search, filters, sort, page size and columns kept,
 * each value URL-encoded (a search "Choosers, &" stays whole in the next page's link).
 */
function itemLink(
  opts: ItemListOptions,
  limit: number,
  cols: string[],
  page: { after?: string; before?: string } = {},
) {
  const p = new URLSearchParams();
  if (opts.search) p.set('q', opts.search);
  if (opts.party) p.set('party', opts.party);
  if (opts.parseErrorsOnly) p.set('parseErrors', '1');
  p.set('sort', opts.sort ?? 'bates');
  p.set('order', opts.order ?? 'asc');
  if (limit !== DEFAULT_LIMIT) p.set('limit', String(limit));
  if (cols.length < ITEM_COLUMNS.length) for (const c of cols) p.append('cols', c);
  if (page.after) p.set('after', page.after);
  if (page.before) p.set('before', page.before);
  return p.toString();
}

/** The items list's query (sort, order, page, search, filters), as the shared schema reads it. */
function itemOptions(req: Request): ItemListOptions & { sort: ItemSort } {
  const q = parseInput(itemListInput, queryInput(req, ITEM_FIELDS));
  return {
    sort: q.sort,
    order: q.order,
    limit: q.limit,
    after: q.after ?? null,
    before: q.before ?? null,
    search: q.search,
    party: q.party,
    parseErrorsOnly: q.parseErrors,
  };
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
        const { days, ...data } = await deps().figures.dashboard(c.id, c.slug);
        const jobs = (await listUploadJobs(state.ctx.db.knex, c.id, 5)).filter(
          (j) => j.status === 'queued' || j.status === 'running',
        );
        const logs = await logsPanel(state.ctx.db.knex, c.id);
        page(res, state, 'dashboard.njk', { ...data, chart: deliveriesChart(days), jobs, logs, section: 'dashboard' });
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
        const limit = opts.limit ?? DEFAULT_LIMIT;
        const cols = itemColumns(req);
        let result: ItemPage = { rows: [], next: null, prev: null, total: 0, totalIsAtLeast: false, fullText: null };
        let searchError: string | null = null;
        try {
          result = await itemPage(state.ctx.db.knex, caseOf(state).id, {
            ...opts,
            exactCount: queryString(req, 'exact', 1) === '1',
          });
        } catch (err) {
          // A search that cannot be read is said on the page, with the form as it was typed.
          if (!(isSpamcaseError(err) && err.code === 'INVALID_INPUT' && err.field === 'search')) throw err;
          searchError = webMessage(err);
          res.status(400);
        }
        const first = result.rows.length > 0 ? result.total : 0;
        const knex = state.ctx.db.knex;
        const [labels, caseTags, searches] = await Promise.all([
          labelsOf(
            knex,
            caseOf(state).id,
            'item',
            result.rows.map((r) => r.bates),
          ),
          listTags(knex, caseOf(state).id),
          listSavedSearches(knex, caseOf(state).id),
        ]);
        const tagged = queryString(req, 'tagged', 12);
        const found = queryString(req, 'found', 12);
        page(res, state, 'items.njk', {
          labels: Object.fromEntries(labels),
          caseTags,
          searches: searches.map((x) => ({ ...x, link: savedSearchLink(x.query) })),
          tagged: tagged && /^\d+$/.test(tagged) ? Number(tagged) : null,
          found: found && /^\d+$/.test(found) ? Number(found) : null,
          result,
          opts,
          limit,
          cols,
          columns: ITEM_COLUMNS,
          pageSizes: PAGE_SIZES,
          searchError,
          shown: first,
          links: {
            first: itemLink(opts, limit, cols),
            next: result.next ? itemLink(opts, limit, cols, { after: result.next }) : null,
            prev: result.prev ? itemLink(opts, limit, cols, { before: result.prev }) : null,
            csv: itemLink(opts, limit, cols),
            exact: `${itemLink(opts, limit, cols)}&exact=1`,
          },
          section: 'items',
        });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/items',
      access: 'case-read',
      async handler(req, res, state) {
        res.json(await itemPage(state.ctx.db.knex, caseOf(state).id, itemOptions(req)));
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/items.csv',
      access: 'case-read',
      async handler(req, res, state) {
        const opts = itemOptions(req);
        const c = caseOf(state);
        await streamCsv(res, `${c.slug}-items.csv`, ITEMS_CSV, (after) =>
          listItems(state.ctx.db.knex, c.id, { ...opts, after, limit: CSV_CHUNK }),
        );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/acquisitions',
      access: 'case-read',
      async handler(req, res, state) {
        const result = await listAcquisitions(state.ctx.db.knex, caseOf(state).id, {
          after: parseInput(pageInput, queryInput(req, ['after'])).after ?? null,
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
        await streamCsv(res, `${c.slug}-acquisitions.csv`, ACQUISITIONS_CSV, (after) =>
          listAcquisitions(state.ctx.db.knex, c.id, { after, limit: CSV_CHUNK }),
        );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/rejections',
      access: 'case-read',
      async handler(req, res, state) {
        const result = await listRejections(state.ctx.db.knex, caseOf(state).id, {
          after: parseInput(pageInput, queryInput(req, ['after'])).after ?? null,
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
        await streamCsv(res, `${c.slug}-rejections.csv`, REJECTIONS_CSV, (after) =>
          listRejections(state.ctx.db.knex, c.id, { after, limit: CSV_CHUNK }),
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
          events: events.map((e) => ({
            ...e,
            text: custodyText(state.lang, state.t, e.action, e.details),
            detailsJson: JSON.stringify(e.details),
          })),
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
              { members, candidates: [], error: webMessage(err), section: 'members' },
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
