/**
 * Tags, notes and saved searches (docs/LABELS.md): the case's tags page (create, rename, delete, tag
 * one account, IP, campaign or item by name, the labels CSV), tagging a whole items search result,
 * a tag or note on one thing from its page, saved searches. Every change is a custody event
 * (server/labels/labels.ts); forms come back to the page they were sent from, named by a path of
 * this case only.
 */
import type { Request, Response } from 'express';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import {
  addNote,
  createTag,
  deleteSavedSearch,
  deleteTag,
  findTagByName,
  LABEL_COLUMNS,
  labelCells,
  labelKind,
  labelRows,
  listSavedSearches,
  listTags,
  removeNote,
  renameTag,
  saveSearch,
  tagRefs,
  tagSearchResult,
  untagRefs,
} from '../../labels/labels.ts';
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { SpamcaseError } from '../../errors.ts';
import type { CaseRecord } from '../../cases/cases.ts';
import type { Context } from '../../context.ts';
import { bodyString, renderPage, safeNext } from './common.ts';
import { savedSearchLink } from '../paging.ts';

function idParam(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id < 1) throw new SpamcaseError('NOT_FOUND', 'no such tag, note or search');
  return id;
}

/** Where a form goes back to: a page of this case, else the tags page. */
function back(req: Request, c: CaseRecord, fallback: string): string {
  const to = safeNext(bodyString(req, 'back', 2000) || undefined);
  return to.startsWith(`/cases/${c.slug}/`) || to === `/cases/${c.slug}` ? to : fallback;
}

/** The tag named in the form: an existing one, or a new one made now. */
async function tagNamed(ctx: Context, c: CaseRecord, name: string): Promise<number> {
  return (await findTagByName(ctx.db.knex, c.id, name)) ?? createTag(ctx, c, name);
}

function itemsQuery(req: Request): string {
  const p = new URLSearchParams();
  for (const f of ['q', 'party', 'parseErrors', 'sort', 'order', 'limit']) {
    const v = bodyString(req, f, 500);
    if (v) p.set(f, v);
  }
  return p.toString();
}

export function labelRoutes(deps: () => WebDeps): RouteDef[] {
  const caseOf = (state: RequestState) => state.access!.record;
  const page = (res: Response, state: RequestState, vars: Record<string, unknown>) =>
    renderPage(deps().templates, res, state, 'tags.njk', vars);
  return [
    {
      method: 'GET',
      path: '/cases/:slug/tags',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        const [tags, searches] = await Promise.all([
          listTags(state.ctx.db.knex, c.id),
          listSavedSearches(state.ctx.db.knex, c.id),
        ]);
        page(res, state, {
          tags,
          searches: searches.map((x) => ({ ...x, link: savedSearchLink(x.query) })),
          section: 'tags',
        });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/labels.csv',
      access: 'case-read',
      async handler(_req, res, state) {
        const c = caseOf(state);
        const rows = await labelRows(state.ctx.db.knex, c.id);
        res.setHeader('Content-Disposition', `attachment; filename="${c.slug}-labels.csv"`);
        res.type('text/csv; charset=utf-8').send(csvText([[...LABEL_COLUMNS], ...rows.map(labelCells)], STAFF_CSV));
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/tags',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await createTag(state.ctx, c, bodyString(req, 'tag', 400));
        res.redirect(303, `/cases/${c.slug}/tags`);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/tags/:id/rename',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await renameTag(state.ctx, c, idParam(req), bodyString(req, 'tag', 400));
        res.redirect(303, `/cases/${c.slug}/tags`);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/tags/:id/delete',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await deleteTag(state.ctx, c, idParam(req));
        res.redirect(303, `/cases/${c.slug}/tags`);
      },
    },
    {
      // One thing (item, account, IP, campaign) gets a tag, new or existing, by name.
      method: 'POST',
      path: '/cases/:slug/tags/apply',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        const kind = labelKind(bodyString(req, 'kind', 20));
        const ref = bodyString(req, 'ref', 400);
        const tag = await tagNamed(state.ctx, c, bodyString(req, 'tag', 400));
        await tagRefs(state.ctx, c, tag, kind, [ref]);
        res.redirect(303, back(req, c, `/cases/${c.slug}/tags`));
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/tags/:id/remove',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await untagRefs(state.ctx, c, idParam(req), labelKind(bodyString(req, 'kind', 20)), [
          bodyString(req, 'ref', 400),
        ]);
        res.redirect(303, back(req, c, `/cases/${c.slug}/tags`));
      },
    },
    {
      // Every item the search finds (its filters kept) gets the tag; back to the same search.
      method: 'POST',
      path: '/cases/:slug/items/tag',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        const tag = await tagNamed(state.ctx, c, bodyString(req, 'tag', 400));
        const r = await tagSearchResult(state.ctx, c, tag, {
          search: bodyString(req, 'q', 200) || undefined,
          party: bodyString(req, 'party', 10) || undefined,
          parseErrorsOnly: bodyString(req, 'parseErrors', 1) === '1',
        });
        const q = itemsQuery(req);
        res.redirect(303, `/cases/${c.slug}/items?${q}${q ? '&' : ''}tagged=${r.tagged}&found=${r.found}`);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/notes',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await addNote(
          state.ctx,
          c,
          labelKind(bodyString(req, 'kind', 20)),
          bodyString(req, 'ref', 400),
          bodyString(req, 'note', 20_000),
        );
        res.redirect(303, back(req, c, `/cases/${c.slug}/tags`));
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/notes/:id/delete',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await removeNote(state.ctx, c, idParam(req));
        res.redirect(303, back(req, c, `/cases/${c.slug}/tags`));
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/searches',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        const query = {
          q: bodyString(req, 'q', 200),
          ...(bodyString(req, 'party', 10) ? { party: bodyString(req, 'party', 10) } : {}),
          ...(bodyString(req, 'parseErrors', 1) === '1' ? { parseErrors: true } : {}),
          ...(bodyString(req, 'sort', 10) ? { sort: bodyString(req, 'sort', 10) } : {}),
          ...(bodyString(req, 'order', 4) ? { order: bodyString(req, 'order', 4) } : {}),
        };
        await saveSearch(state.ctx, c, bodyString(req, 'name', 400), query);
        res.redirect(303, `/cases/${c.slug}/items?${itemsQuery(req)}`);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/searches/:id/delete',
      access: 'case-write',
      async handler(req, res, state) {
        const c = caseOf(state);
        await deleteSavedSearch(state.ctx.db.knex, c.id, idParam(req));
        res.redirect(303, back(req, c, `/cases/${c.slug}/tags`));
      },
    },
  ];
}
