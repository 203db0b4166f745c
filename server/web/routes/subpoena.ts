/**
 * Subpoena and preservation lists: the page (per network operator and per account provider, with the
 * owner data set named), their CSV and JSON downloads: the same use case as `spamcase subpoena`.
 */
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { SUBPOENA_ACCOUNTS_CSV, SUBPOENA_NETWORKS_CSV, subpoenaList } from '../../usecases/subpoena.ts';
import { streamCsv } from '../csv-download.ts';
import { renderPage } from './common.ts';

export function subpoenaRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/cases/:slug/subpoena',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const [networks, accounts] = [
          await subpoenaList(state.ctx, { case: c.slug, list: 'networks' }),
          await subpoenaList(state.ctx, { case: c.slug, list: 'accounts' }),
        ];
        renderPage(deps().templates, res, state, 'subpoena.njk', {
          operators: networks.operators,
          deliveries: networks.deliveries.length,
          ownerData: networks.ownerData,
          providers: accounts.providers,
          accounts: accounts.accounts.length,
          section: 'subpoena',
        });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/subpoena/networks.csv',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const r = await subpoenaList(state.ctx, { case: c.slug, list: 'networks' });
        await streamCsv(res, `${c.slug}-subpoena-networks.csv`, SUBPOENA_NETWORKS_CSV, async () => ({
          rows: r.deliveries,
          next: null,
        }));
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/subpoena/accounts.csv',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = state.access!.record;
        const r = await subpoenaList(state.ctx, { case: c.slug, list: 'accounts' });
        await streamCsv(res, `${c.slug}-subpoena-accounts.csv`, SUBPOENA_ACCOUNTS_CSV, async () => ({
          rows: r.accounts,
          next: null,
        }));
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/subpoena/networks',
      access: 'case-read',
      async handler(_req, res, state) {
        res.json(await subpoenaList(state.ctx, { case: state.access!.record.slug, list: 'networks' }));
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/subpoena/accounts',
      access: 'case-read',
      async handler(_req, res, state) {
        res.json(await subpoenaList(state.ctx, { case: state.access!.record.slug, list: 'accounts' }));
      },
    },
  ];
}
