/**
 * `spamcase index` and the web's background builds: the case's full-text index brought up to date
 * (server/search/build.ts), resumable at any point. Ingest itself never waits for it.
 */
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { buildSearchIndex, searchIndexStatus, type BuildOptions, type IndexProgress } from '../search/build.ts';

export type { IndexProgress } from '../search/build.ts';

export async function indexCase(
  ctx: Context,
  slug: string,
  opts: BuildOptions = {},
): Promise<IndexProgress & { added: number }> {
  const c = await getCase(ctx.db.knex, slug);
  const added = await buildSearchIndex(ctx, c.id, c.slug, opts);
  return { ...(await searchIndexStatus(ctx.db.knex, c.id)), added };
}

/** Every case's index brought up to date, one case after the other (a web server at start-up). */
export async function indexAllCases(ctx: Context, opts: BuildOptions = {}): Promise<number> {
  const cases = (await ctx.db.knex('cases').orderBy('id').select('id', 'slug')) as Array<{ id: number; slug: string }>;
  let added = 0;
  for (const c of cases) {
    if (opts.signal?.aborted) break;
    added += await buildSearchIndex(ctx, Number(c.id), c.slug, opts);
  }
  return added;
}
