/**
 * Accounts, originating IPs and defendants: the same domain calls as `spamcase accounts`, `ips`,
 * `defendants ...` (server/attribution/). Bot signals and evidence are shown beside each account as
 * facts, never as a verdict. Grouping defendants is a custody event (done by the domain functions).
 */
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import {
  accountItems,
  dailySeries,
  listAccounts,
  listOriginatingIps,
  MAX_LIST_LIMIT,
  type ListOptions,
} from '../../attribution/queries.ts';
import { listDefendants } from '../../attribution/defendants.ts';
import { parseInput } from '../../usecases/input.ts';
import { defendantChangeInput } from '../../usecases/defendants.ts';
import {
  ACCOUNTS_CSV,
  IPS_CSV,
  VOLUME_SORTS,
  volumeListInput,
  type ListCsv,
  type VolumeListInput,
} from '../../usecases/lists.ts';
import { changeDefendants, memberList } from '../../usecases/defendants.ts';
import { formInput, queryInput, webMessage } from '../fields.ts';
import { deliveriesChart } from '../chart.ts';
import { isSpamcaseError, SpamcaseError } from '../../errors.ts';
import { bodyString, renderPage } from './common.ts';
import { labelsOf, listTags } from '../../labels/labels.ts';
import { CSV_CHUNK, streamCsv } from '../csv-download.ts';
import { PAGE_SIZE, pager } from '../paging.ts';

const VOLUME_FIELDS = ['sort', 'order', 'limit', 'offset', 'search'] as const;

/** Sort, order, page and search of an account or IP list, from the query string, as the shared schema reads it. */
function volumeQuery(req: Request): VolumeListInput {
  return parseInput(volumeListInput, queryInput(req, VOLUME_FIELDS));
}

async function defendantsPage(
  deps: () => WebDeps,
  res: Response,
  state: RequestState,
  error: string | null,
  status = 200,
): Promise<void> {
  const c = state.access!.record;
  const knex = state.ctx.db.knex;
  const [defendants, suggestions] = await Promise.all([listDefendants(knex, c.id), deps().figures.suggestions(c.id)]);
  renderPage(
    deps().templates,
    res,
    state,
    'defendants.njk',
    { defendants, suggestions, error, section: 'defendants' },
    status,
  );
}

/** The page, JSON and CSV of one volume list (accounts or originating IPs): the same query behind all three. */
function volumeListRoutes<R>(
  deps: () => WebDeps,
  section: 'accounts' | 'ips',
  template: string,
  list: (knex: Knex, caseId: number, opts: ListOptions) => Promise<{ total: number; rows: R[] }>,
  csv: ListCsv<R>,
): RouteDef[] {
  return [
    {
      method: 'GET',
      path: `/cases/:slug/${section}`,
      access: 'case-read',
      async handler(req, res, state) {
        const q = { ...volumeQuery(req), limit: PAGE_SIZE };
        const result = await list(state.ctx.db.knex, state.access!.record.id, q);
        renderPage(deps().templates, res, state, template, {
          result,
          q,
          pages: pager(q.offset, result.total),
          sorts: VOLUME_SORTS,
          section,
        });
      },
    },
    {
      method: 'GET',
      path: `/api/cases/:slug/${section}`,
      access: 'case-read',
      async handler(req, res, state) {
        res.json(await list(state.ctx.db.knex, state.access!.record.id, volumeQuery(req)));
      },
    },
    {
      method: 'GET',
      path: `/cases/:slug/${section}.csv`,
      access: 'case-read',
      async handler(req, res, state) {
        const q = volumeQuery(req);
        const c = state.access!.record;
        await streamCsv(res, `${c.slug}-${section}.csv`, csv, async (after) => {
          const offset = Number(after ?? 0);
          const r = await list(state.ctx.db.knex, c.id, { ...q, offset, limit: CSV_CHUNK });
          return {
            rows: r.rows,
            next: offset + r.rows.length < r.total && r.rows.length > 0 ? String(offset + r.rows.length) : null,
          };
        });
      },
    },
  ];
}

export function attributionRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    ...volumeListRoutes(deps, 'accounts', 'accounts.njk', listAccounts, ACCOUNTS_CSV),
    {
      method: 'GET',
      path: '/cases/:slug/accounts/:address',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const knex = state.ctx.db.knex;
        const address = String(req.params.address).toLowerCase();
        if (address.length > 320) throw new SpamcaseError('NOT_FOUND', 'no such account');
        // The account's row, through the list's indexed search (exact match among the hits).
        const hits = await listAccounts(knex, c.id, { search: address, limit: MAX_LIST_LIMIT });
        const account = hits.rows.find((a) => a.address === address);
        if (!account) throw new SpamcaseError('NOT_FOUND', 'no such account in this case');
        const { offset } = parseInput(volumeListInput, queryInput(req, ['offset']));
        const [series, items] = await Promise.all([
          dailySeries(knex, c.id, 'account', address),
          accountItems(knex, c.id, address, { limit: PAGE_SIZE + 1, offset }),
        ]);
        const [labels, caseTags] = await Promise.all([
          labelsOf(knex, c.id, 'account', [address]),
          listTags(knex, c.id),
        ]);
        renderPage(deps().templates, res, state, 'account.njk', {
          labels: labels.get(address),
          caseTags,
          account,
          chart: deliveriesChart(series),
          items: items.slice(0, PAGE_SIZE),
          offset,
          next: items.length > PAGE_SIZE ? offset + PAGE_SIZE : null,
          prev: offset > 0 ? Math.max(0, offset - PAGE_SIZE) : null,
          section: 'accounts',
        });
      },
    },
    ...volumeListRoutes(deps, 'ips', 'ips.njk', listOriginatingIps, IPS_CSV),
    {
      method: 'GET',
      path: '/cases/:slug/defendants',
      access: 'case-read',
      async handler(_req, res, state) {
        await defendantsPage(deps, res, state, null);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/defendants',
      access: 'case-write',
      async handler(req, res, state) {
        const c = state.access!.record;
        const form = formInput(req, ['action', 'name']);
        const members = memberList(bodyString(req, 'members', 100_000));
        try {
          // Typed one per line (or separated by commas, spaces); none at all is told in the user's language.
          if (members.length === 0) throw new SpamcaseError('INVALID_INPUT', state.t('def.needMembers'));
          await changeDefendants(state.ctx, parseInput(defendantChangeInput, { ...form, case: c.slug, members }));
        } catch (err) {
          if (isSpamcaseError(err) && err.httpStatus < 500) {
            await defendantsPage(deps, res, state, webMessage(err), 400);
            return;
          }
          throw err;
        }
        res.redirect(303, `/cases/${c.slug}/defendants`);
      },
    },
  ];
}
