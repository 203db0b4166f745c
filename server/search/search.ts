/**
 * Runs a parsed search over one case's index (docs/SEARCH.md): a page of item ids in id order
 * (keyset on the id), the exact number of items found, and snippets for the page. The party and
 * parse-error filters are part of the index (FTS5: tokens of the `meta` column; PostgreSQL: columns
 * of search_docs), so counting never joins the items.
 */
import type { Knex } from 'knex';
import { positiveTerms, toFts5, toTsquery, type SearchField, type SearchNode } from './query.ts';
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

/** The fields with an index of their own on PostgreSQL (migration 20261206100000_search_field_indexes). */
const PG_FIELD_WEIGHT: Partial<Record<SearchField, 'a' | 'b' | 'c'>> = { subject: 'a', from: 'b', to: 'c' };

function hasIndexedField(node: SearchNode): boolean {
  switch (node.kind) {
    case 'term':
      return node.field !== null && PG_FIELD_WEIGHT[node.field] !== undefined;
    case 'not':
      return hasIndexedField(node.child);
    default:
      return node.children.some(hasIndexedField);
  }
}

/**
 * The tree as a condition on search_docs. A part without subject, from or to terms is one tsquery on
 * the whole vector, as before; a subject, from or to term is its words on that field's own lexemes
 * (`ts_filter`), which its GIN index answers without fetching rows (docs/SEARCH.md, "Field searches
 * on PostgreSQL"). AND, OR and NOT between such parts become SQL's.
 */
function pgMatch(node: SearchNode): { sql: string; bindings: string[] } {
  if (!hasIndexedField(node)) return { sql: 's.tsv @@ ?::tsquery', bindings: [toTsquery(node)] };
  switch (node.kind) {
    case 'term':
      return {
        sql: `ts_filter(s.tsv, '{${PG_FIELD_WEIGHT[node.field!]!}}') @@ ?::tsquery`,
        bindings: [toTsquery({ ...node, field: null })],
      };
    case 'not': {
      const inner = pgMatch(node.child);
      return { sql: `not (${inner.sql})`, bindings: inner.bindings };
    }
    default: {
      const parts = node.children.map(pgMatch);
      return {
        sql: `(${parts.map((p) => p.sql).join(node.kind === 'and' ? ' and ' : ' or ')})`,
        bindings: parts.flatMap((p) => p.bindings),
      };
    }
  }
}

/**
 * The search's conditions on search_docs. With `ginOnly`, the case is tested as `case_id + 0`, which no
 * b-tree index serves, so the GIN index of the tsvector is the only index the planner can use.
 */
function pgWhere(q: Knex.QueryBuilder, tree: SearchNode, caseId: number, f: SearchFilters, ginOnly = false): void {
  if (ginOnly) q.whereRaw('(s.case_id + 0) = ?', [caseId]);
  else q.where('s.case_id', caseId);
  const match = pgMatch(tree);
  q.whereRaw(match.sql, match.bindings);
  if (f.partyId != null) q.where('s.party_id', f.partyId);
  if (f.parseErrorsOnly) q.where('s.parse_error', true);
}

function hasFieldOrNot(node: SearchNode): boolean {
  if (node.kind === 'term') return node.field !== null;
  if (node.kind === 'not') return true;
  return node.children.some(hasFieldOrNot);
}

/**
 * Whether a search with a field or a NOT is expected in less than half of the case. Its capped count
 * then reads the GIN index's bitmap (exact, with the work memory to keep it exact) rather than the rows:
 * left free, PostgreSQL reads rows until the cap, and for `subject:free` (121,524 of 1,515,885 items)
 * that was 125,473 tsvectors, 1,065 ms, against 196 ms from the bitmap. Words and phrases keep the
 * planner's plan: their rows reach the cap sooner than their postings are read (docs/SEARCH.md,
 * "Counts on PostgreSQL").
 */
async function sparsePg(knex: Knex, tree: SearchNode, caseId: number, f: SearchFilters): Promise<boolean> {
  if (!hasFieldOrNot(tree)) return false;
  const found = knex('search_docs as s').select(knex.raw('1'));
  pgWhere(found, tree, caseId, f);
  const all = knex('search_docs as s').select(knex.raw('1')).where('s.case_id', caseId);
  return (await estimatedRowsPg(knex, found)) * 2 < (await estimatedRowsPg(knex, all));
}

/**
 * How many of the case's indexed items the search finds: exactly, or, with `cap`, exactly up to cap
 * and cap + 1 beyond (counting a word found in most of a million items reads all of its postings).
 */
export async function countMatches(
  knex: Knex,
  caseId: number,
  tree: SearchNode,
  f: SearchFilters = {},
  cap?: number,
): Promise<number> {
  if (isPg(knex)) {
    const count = async (k: Knex | Knex.Transaction, ginOnly: boolean): Promise<number> => {
      const q = k('search_docs as s').select(k.raw('1'));
      pgWhere(q, tree, caseId, f, ginOnly);
      if (cap !== undefined) q.limit(cap + 1);
      const row = (await k.count({ n: '*' }).from(q.as('found')).first()) as { n: number | string };
      return Number(row.n);
    };
    if (cap === undefined || !(await sparsePg(knex, tree, caseId, f))) return count(knex, false);
    return knex.transaction(async (trx) => {
      await trx.raw('set local enable_seqscan = off');
      await trx.raw('set local enable_indexscan = off');
      await trx.raw('set local enable_indexonlyscan = off');
      await trx.raw(`set local work_mem = '64MB'`);
      return count(trx, true);
    });
  }
  const limit = cap !== undefined ? ` limit ${Math.floor(cap) + 1}` : '';
  const row = (await knex.raw(
    `select count(*) as n from (select rowid from search_fts where search_fts match ?${limit})`,
    [ftsExpression(tree, caseId, f)],
  )) as Array<{ n: number }>;
  return Number(row[0]!.n);
}

/**
 * Up to this many matches, PostgreSQL's page is every match read from the GIN index and sorted here;
 * beyond it, a walk of the case's (case_id, item_id) index in id order that stops at the page.
 */
export const PG_FEW_MATCHES = 5_000;

/**
 * Searches the planner expects to match more items than this get the walk at once: for a word in
 * most of the case, reading its postings first would cost more than the walk (60 ms for 1,000,000).
 */
export const PG_FEW_ESTIMATE = 20_000;

/** The planner's estimate of the rows a query returns (EXPLAIN, not run). */
async function estimatedRowsPg(knex: Knex, q: Knex.QueryBuilder): Promise<number> {
  const { sql, bindings } = q.toSQL();
  const res = (await knex.raw(`explain (format json) ${sql}`, bindings as Knex.RawBinding[])) as {
    rows: Array<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>;
  };
  return Number(res.rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows']);
}

/**
 * All the ids the page's conditions match, when there are at most PG_FEW_MATCHES of them; null when
 * there are more. The planner is kept to bitmap scans: left free, it plans `ORDER BY item_id LIMIT
 * 51` as a walk of the case's item index testing every row's tsvector, and a search that matches
 * nothing then reads the whole case (4.5 s at 1,000,000 messages). A bitmap scan of the GIN index
 * reads only the postings of the search's words (docs/SEARCH.md, "Page plans on PostgreSQL").
 */
async function fewMatchesPg(
  knex: Knex,
  page: (k: Knex.Transaction, ginOnly: boolean) => Knex.QueryBuilder,
): Promise<number[] | null> {
  return knex.transaction(async (trx) => {
    await trx.raw('set local enable_seqscan = off');
    await trx.raw('set local enable_indexscan = off');
    await trx.raw('set local enable_indexonlyscan = off');
    const rows = (await page(trx, true).limit(PG_FEW_MATCHES + 1)) as Array<{ item_id: number | string }>;
    return rows.length > PG_FEW_MATCHES ? null : rows.map((r) => Number(r.item_id));
  });
}

/**
 * The first matches of a search in id order, at most `cap` + 1 of them: the capped count and, from the
 * same read, every page that lies within them. On SQLite a prefix (`remov*`) makes FTS5 merge the
 * lists of all its words in memory before it returns a row, for the count and again for the page;
 * read once, the items page pays that merge once (docs/SEARCH.md, "Prefix searches on SQLite").
 */
export interface KnownMatches {
  ids: number[];
  /** True when `ids` are all the matches (no more than cap). */
  complete: boolean;
}

/** The search's first `cap` + 1 matches in id order (SQLite); null on PostgreSQL, whose count reads no order. */
export async function firstMatches(
  knex: Knex,
  caseId: number,
  tree: SearchNode,
  f: SearchFilters,
  cap: number,
): Promise<KnownMatches | null> {
  if (isPg(knex)) return null;
  const rows = (await knex.raw(`select rowid as id from search_fts where search_fts match ? order by rowid limit ?`, [
    ftsExpression(tree, caseId, f),
    Math.floor(cap) + 1,
  ])) as Array<{ id: number }>;
  return { ids: rows.map((r) => Number(r.id)), complete: rows.length <= cap };
}

/**
 * The page after `afterId` taken from the first matches, when it lies within them: always when they are
 * all the matches; ascending when at least `limit` of them follow the cursor; descending when the cursor
 * is within them (every match before it is then known). Null when the index must be read.
 */
function pageWithin(known: KnownMatches, afterId: number, limit: number, descending: boolean): number[] | null {
  const { ids, complete } = known;
  if (descending) {
    if (!complete && (afterId === 0 || ids.length === 0 || afterId > ids.at(-1)!)) return null;
    const before = afterId === 0 ? ids : ids.filter((id) => id < afterId);
    return before.slice(-limit).reverse();
  }
  const after = ids.filter((id) => id > afterId);
  return complete || after.length >= limit ? after.slice(0, limit) : null;
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
  /** PostgreSQL's page plan: chosen from the planner's estimate, or (for tests) one of the two. */
  pgPlan: 'auto' | 'few' | 'walk' = 'auto',
  /** The search's first matches already read (firstMatches): the page is taken from them when it lies within. */
  known: KnownMatches | null = null,
): Promise<number[]> {
  const within = known ? pageWithin(known, afterId, limit, descending) : null;
  if (within) return within;
  const cmp = descending ? '<' : '>';
  const dir = descending ? 'desc' : 'asc';
  if (isPg(knex)) {
    const page = (k: Knex | Knex.Transaction, ginOnly = false): Knex.QueryBuilder => {
      const q = k('search_docs as s').select('s.item_id');
      pgWhere(q, tree, caseId, f, ginOnly);
      if (afterId > 0 || !descending) {
        if (ginOnly) q.whereRaw(`(s.item_id + 0) ${cmp} ?`, [afterId]);
        else q.where('s.item_id', cmp, afterId);
      }
      return q;
    };
    const tryFew =
      pgPlan === 'few' || (pgPlan === 'auto' && (await estimatedRowsPg(knex, page(knex))) <= PG_FEW_ESTIMATE);
    const few = tryFew ? await fewMatchesPg(knex, page) : null;
    if (few) {
      few.sort((a, b) => (descending ? b - a : a - b));
      return few.slice(0, limit);
    }
    const rows = (await page(knex).orderBy('s.item_id', dir).limit(limit)) as Array<{ item_id: number | string }>;
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
