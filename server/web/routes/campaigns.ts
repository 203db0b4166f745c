/**
 * Campaigns (near-identical content): the list, one campaign with its members, and why a member
 * belongs (explainMember): the same calls as `spamcase campaigns` and `spamcase campaign`.
 */
import type { Request } from 'express';
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { CAMPAIGN_SORTS, campaignDetail, listCampaigns, MAX_LIST_LIMIT } from '../../campaigns/queries.ts';
import { explainMember } from '../../campaigns/explain.ts';
import { SpamcaseError } from '../../errors.ts';
import { renderPage } from './common.ts';
import { labelsOf, listTags } from '../../labels/labels.ts';
import { parseInput } from '../../usecases/input.ts';
import { CAMPAIGNS_CSV, campaignInput, campaignListInput, type CampaignListInput } from '../../usecases/lists.ts';
import { queryInput } from '../fields.ts';
import { streamCsv } from '../csv-download.ts';
import { PAGE_SIZE, pager } from '../paging.ts';

const CAMPAIGN_FIELDS = ['sort', 'order', 'limit', 'offset', 'search'] as const;

/** Sort, order, page and search of the campaign list, as the shared schema reads them. */
function campaignQuery(req: Request): CampaignListInput {
  return parseInput(campaignListInput, queryInput(req, CAMPAIGN_FIELDS));
}

export function campaignRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/cases/:slug/campaigns',
      access: 'case-read',
      async handler(req, res, state) {
        const q = { ...campaignQuery(req), limit: PAGE_SIZE };
        const result = await listCampaigns(state.ctx.db.knex, state.access!.record.id, { ...q, servingRequest: true });
        const pages = pager(q.offset, result.total);
        renderPage(deps().templates, res, state, 'campaigns.njk', {
          result,
          q,
          pages,
          sorts: CAMPAIGN_SORTS,
          section: 'campaigns',
        });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/campaigns',
      access: 'case-read',
      async handler(req, res, state) {
        res.json(
          await listCampaigns(state.ctx.db.knex, state.access!.record.id, {
            ...campaignQuery(req),
            servingRequest: true,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/campaigns.csv',
      access: 'case-read',
      async handler(req, res, state) {
        const q = campaignQuery(req);
        const c = state.access!.record;
        await streamCsv(res, `${c.slug}-campaigns.csv`, CAMPAIGNS_CSV, async (after) => {
          const offset = Number(after ?? 0);
          const r = await listCampaigns(state.ctx.db.knex, c.id, {
            ...q,
            offset,
            limit: MAX_LIST_LIMIT,
            servingRequest: true,
          });
          return {
            rows: r.rows,
            next: offset + r.rows.length < r.total && r.rows.length > 0 ? String(offset + r.rows.length) : null,
          };
        });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/campaigns/:number',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        if (!/^\d{1,9}$/.test(String(req.params.number)) || Number(req.params.number) < 1)
          throw new SpamcaseError('NOT_FOUND', 'no such campaign');
        const { number, offset, member } = parseInput(campaignInput, {
          ...queryInput(req, ['offset', 'member']),
          number: String(req.params.number),
        });
        const detail = await campaignDetail(state.ctx.db.knex, c.id, number, {
          limit: PAGE_SIZE,
          offset,
          servingRequest: true,
        });
        let explanation = null;
        if (member) {
          explanation = await explainMember(state.ctx, c.id, c.slug, member);
          if (explanation.campaign !== detail.campaign.number)
            throw new SpamcaseError(
              'INVALID_INPUT',
              `item ${explanation.memberBates} is in campaign ${explanation.campaign}, not ${detail.campaign.number}`,
            );
        }
        const ref = String(detail.campaign.number);
        const [labels, caseTags] = await Promise.all([
          labelsOf(state.ctx.db.knex, c.id, 'campaign', [ref]),
          listTags(state.ctx.db.knex, c.id),
        ]);
        renderPage(deps().templates, res, state, 'campaign.njk', {
          labels: labels.get(ref),
          caseTags,
          detail,
          requested: number,
          explanation,
          offset,
          prev: offset > 0 ? Math.max(0, offset - PAGE_SIZE) : null,
          next: offset + PAGE_SIZE < detail.totalMembers ? offset + PAGE_SIZE : null,
          section: 'campaigns',
        });
      },
    },
  ];
}
