/**
 * Runs a parsed search over one case's index (docs/SEARCH.md): a page of item ids in id order
 * (keyset on the id), the exact number of items found, and snippets for the page. The party and
 * parse-error filters are part of the index (FTS5: tokens of the `meta` column; PostgreSQL: columns
 * of search_docs), so counting never joins the items.
 */
import type { Knex } from 'knex';
import { positiveTerms, toFts5, toTsquery, type SearchNode } from './query.ts';
import { snippet, type Segment } from './snippet.ts';

export interface SearchFilters {
  partyId?: number | null;
  parseErrorsOnly?: boolean;
}

function isPg(knex: Knex): boolean {
  return knex.client.config.client === 'pg';
}

function ftsExpression(tree: SearchNode, caseId: number, f: SearchFilters): string {
  let meta = `meta : "c${caseId}"`;
  if (f.partyId != null) meta += ` AND meta : "p${f.partyId}"`;
  if (f.parseErrorsOnly) meta += ' AND meta : "parseerror"';
  return `${meta} AND ${toFts5(tree)}`;
}

function pgWhere(q: Knex.QueryBuilder, tree: SearchNode, caseId: number, f: SearchFilters): void {
  q.where('s.case_id', caseId).whereRaw('s.tsv @@ ?::tsquery', [toTsquery(tree)]);
  if (f.partyId != null) q.where('s.party_id', f.partyId);
  if (f.parseErrorsOnly) q.where('s.parse_error', true);
}

/** How many of the case's indexed items the search finds. */
export async function countMatches(
  knex: Knex,
  caseId: number,
  tree: SearchNode,
  f: SearchFilters = {},
): Promise<number> {
  if (isPg(knex)) {
    const q = knex('search_docs as s');
    pgWhere(q, tree, caseId, f);
    const row = (await q.count({ n: '*' }).first()) as { n: number | string };
    return Number(row.n);
  }
  const row = (await knex.raw('select count(*) as n from search_fts where search_fts match ?', [
    ftsExpression(tree, caseId, f),
  ])) as Array<{ n: number }>;
  return Number(row[0]!.n);
}

/** The ids of one page of matches, ascending, after `afterId`; one more than `limit` when there are more. */
export async function matchingIds(
  knex: Knex,
  caseId: number,
  tree: SearchNode,
  f: SearchFilters,
  afterId: number,
  limit: number,
  descending = false,
): Promise<number[]> {
  const cmp = descending ? '<' : '>';
  const dir = descending ? 'desc' : 'asc';
  if (isPg(knex)) {
    const q = knex('search_docs as s').select('s.item_id');
    pgWhere(q, tree, caseId, f);
    if (afterId > 0 || !descending) q.where('s.item_id', cmp, afterId);
    const rows = (await q.orderBy('s.item_id', dir).limit(limit)) as Array<{ item_id: number | string }>;
    return rows.map((r) => Number(r.item_id));
  }
  const after = descending && afterId === 0 ? '' : `and rowid ${cmp} ?`;
  const rows = (await knex.raw(
    `select rowid as id from search_fts where search_fts match ? ${after} order by rowid ${dir} limit ?`,
    [ftsExpression(tree, caseId, f), ...(after ? [afterId] : []), limit],
  )) as Array<{ id: number }>;
  return rows.map((r) => Number(r.id));
}

export interface Snippets {
  subject: Segment[] | null;
  sender: Segment[] | null;
  recipients: Segment[] | null;
  body: Segment[] | null;
}

/** Snippets of the search's words in each found item's subject, sender, recipients and body. */
export async function snippetsFor(
  knex: Knex,
  tree: SearchNode,
  items: Array<{ id: number; subject: string | null }>,
): Promise<Map<number, Snippets>> {
  const terms = positiveTerms(tree);
  const texts = new Map<number, { sender: string; recipients: string; body: string }>();
  if (items.length > 0) {
    const rows = (await knex('search_texts')
      .whereIn(
        'item_id',
        items.map((i) => i.id),
      )
      .select('item_id', 'sender', 'recipients', 'body')) as Array<{
      item_id: number | string;
      sender: string;
      recipients: string;
      body: string;
    }>;
    for (const r of rows) texts.set(Number(r.item_id), r);
  }
  const out = new Map<number, Snippets>();
  for (const it of items) {
    const t = texts.get(it.id);
    out.set(it.id, {
      subject: it.subject ? snippet(it.subject, terms, 'subject', true) : null,
      sender: t ? snippet(t.sender, terms, 'from') : null,
      recipients: t ? snippet(t.recipients, terms, 'to') : null,
      body: t ? snippet(t.body, terms, 'body') : null,
    });
  }
  return out;
}
