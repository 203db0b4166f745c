/**
 * The case's lists as pages, for the web UI, its JSON API and CSV downloads. Paging is by keyset
 * (a cursor holding the last row's sort key), so a page costs an index range scan whatever the
 * depth: page 5,000 of a 1,000,000-item case is as fast as page 1. Sorts are only those an index
 * serves: items by Bates (unique (case, bates)), by date or size ((case, date, id), (case, size, id)).
 * Search: a Bates number or prefix (index range), a full SHA-256 (compact key index), else the
 * full-text index (server/search/, docs/SEARCH.md): subject, sender, recipients and body, results in
 * the order received, counted, with snippets.
 */
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import { compactKey } from '../mail/keys.ts';
import { parseSearch, type SearchNode } from '../search/query.ts';
import {
  countMatches,
  firstMatches,
  matchingIds,
  snippetsFor,
  type KnownMatches,
  type Snippets,
} from '../search/search.ts';
import { searchIndexStatus, type IndexProgress } from '../search/build.ts';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
export const ITEM_SORTS = ['bates', 'date', 'size'] as const;
export type ItemSort = (typeof ITEM_SORTS)[number];

export interface ItemListOptions {
  sort?: ItemSort;
  order?: 'asc' | 'desc';
  limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  after?: string | null;
  /** Opaque cursor from a page's `prev`: the page before it. */
  before?: string | null;
  /** Count every item a full-text search finds, however many (itemPage); else up to SEARCH_COUNT_CAP. */
  exactCount?: boolean;
  search?: string;
  /** A party's Bates prefix. */
  party?: string;
  parseErrorsOnly?: boolean;
}

export interface ItemRow {
  bates: string;
  sha256: string;
  size: number;
  date: string | null;
  from: string | null;
  subject: string | null;
  parseError: string | null;
}

export interface Page<T> {
  rows: T[];
  next: string | null;
}

/** Items a full-text search counts exactly on the page unless asked to count them all (`exactCount`). */
export const SEARCH_COUNT_CAP = 10_000;

/** A page of items, with the number of items the filters and search find in all. */
export interface ItemPage extends Page<ItemRow> {
  total: number;
  /** True when the search found more than SEARCH_COUNT_CAP and `total` is that cap (not counted further). */
  totalIsAtLeast: boolean;
  /** The first page's cursor is null; a page after the first has a link back to the previous one. */
  prev: string | null;
  /** Set when the search is a full-text one: snippets by Bates number, and how much of the case is indexed. */
  fullText: { snippets: Record<string, Snippets>; index: IndexProgress } | null;
}

const BATES_SEARCH = /^[A-Za-z][A-Za-z0-9]{0,9}(-\d{0,12})?$/;
const SHA256 = /^[0-9a-f]{64}$/i;

function encodeCursor(value: unknown[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor(text: string | null | undefined): unknown[] | null {
  if (!text) return null;
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v)) return v;
  } catch {
    /* fall through */
  }
  throw new SpamcaseError(
    'INVALID_INPUT',
    'is not valid any more (a page link from before): start from the first page',
    {
      field: 'after',
    },
  );
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1)
    throw new SpamcaseError('INVALID_INPUT', 'must be a whole number, 1 or more', { field: 'limit' });
  return Math.min(limit, MAX_PAGE_SIZE);
}

type RawItem = {
  id: number | string;
  bates: string;
  sha256: string;
  size: number | string;
  date: string | null;
  parse_error: string | null;
  from_address: string | null;
  subject: string | null;
};

function itemRow(r: RawItem): ItemRow {
  return {
    bates: r.bates,
    sha256: r.sha256,
    size: Number(r.size),
    date: r.date,
    from: r.from_address,
    subject: r.subject,
    parseError: r.parse_error,
  };
}

/** The search of an items list: what kind it is, read once. */
type ItemSearch =
  | { kind: 'none' }
  | { kind: 'sha256'; sha256: string }
  | { kind: 'bates'; prefix: string }
  /** `known`: its first matches, read once for the count and the page (SQLite; firstMatches). */
  | { kind: 'text'; tree: SearchNode; known?: KnownMatches | null };

function readSearch(text: string | undefined): ItemSearch {
  const search = text?.trim() ?? '';
  if (!search) return { kind: 'none' };
  if (SHA256.test(search)) return { kind: 'sha256', sha256: search.toLowerCase() };
  if (BATES_SEARCH.test(search) && search.includes('-')) return { kind: 'bates', prefix: search.toUpperCase() };
  return { kind: 'text', tree: parseSearch(search) };
}

async function partyIdOf(knex: Knex, caseId: number, party: string | undefined): Promise<number | null> {
  if (!party) return null;
  const prefix = party.toUpperCase();
  if (!/^[A-Z][A-Z0-9]{0,9}$/.test(prefix))
    throw new SpamcaseError('INVALID_INPUT', 'must be a Bates prefix', { field: 'party' });
  const row = (await knex('parties').where({ case_id: caseId, bates_prefix: prefix }).first('id')) as
    { id: number } | undefined;
  return row ? Number(row.id) : -1;
}

interface RawPage {
  rows: RawItem[];
  cursors: string[];
  more: boolean;
}

/** Rows after the cursor in the list's order (`desc` flips it), limit + 1 to know whether there are more. */
async function itemRows(
  knex: Knex,
  caseId: number,
  opts: ItemListOptions,
  search: ItemSearch,
  desc: boolean,
  cursor: unknown[] | null,
  limit: number,
): Promise<RawPage> {
  const sort = opts.sort ?? 'bates';
  const cmp = desc ? '<' : '>';
  const dir = desc ? 'desc' : 'asc';
  const columns = ['i.id', 'i.bates', 'i.sha256', 'i.size', 'i.date', 'i.parse_error', 'm.from_address', 'm.subject'];

  if (search.kind === 'text') {
    if (cursor && cursor[0] !== 'fts') throw decodeCursorError();
    const ids = await matchingIds(
      knex,
      caseId,
      search.tree,
      { partyId: await partyIdOf(knex, caseId, opts.party), parseErrorsOnly: opts.parseErrorsOnly },
      cursor ? Number(cursor[1]) : 0,
      limit + 1,
      desc,
      'auto',
      search.known ?? null,
    );
    const found = ids.length
      ? ((await knex('items as i')
          .join('messages as m', 'm.id', 'i.message_id')
          .whereIn('i.id', ids)
          // `+ 0`: found by id. SQLite's planner otherwise read the page through a case index, every
          // item of the case (300 ms a search at 1,000,000 messages).
          .whereRaw('i.case_id + 0 = ?', [caseId])
          .select(columns)) as RawItem[])
      : [];
    const byId = new Map(found.map((r) => [Number(r.id), r]));
    const rows = ids.map((id) => byId.get(id)).filter((r): r is RawItem => r !== undefined);
    return { rows, cursors: rows.map((r) => encodeCursor(['fts', Number(r.id)])), more: rows.length > limit };
  }

  const q = knex('items as i').join('messages as m', 'm.id', 'i.message_id').where('i.case_id', caseId).select(columns);
  if (search.kind === 'sha256') q.where('i.sha_key', compactKey(search.sha256)).where('i.sha256', search.sha256);
  if (search.kind === 'bates')
    q.where('i.bates', '>=', search.prefix).where('i.bates', '<', `${search.prefix}\u{10FFFF}`);
  if (opts.party) {
    const prefix = opts.party.toUpperCase();
    if (!/^[A-Z][A-Z0-9]{0,9}$/.test(prefix))
      throw new SpamcaseError('INVALID_INPUT', 'must be a Bates prefix', { field: 'party' });
    q.where('i.bates', '>', `${prefix}-`).where('i.bates', '<', `${prefix}.`);
  }
  if (opts.parseErrorsOnly) q.whereNotNull('i.parse_error');

  let rows: RawItem[];
  let keyOf: (r: RawItem & { phase?: string }) => unknown[];
  if (sort === 'bates') {
    if (cursor) q.where('i.bates', cmp, String(cursor[0]));
    rows = (await q.orderBy('i.bates', dir).limit(limit + 1)) as RawItem[];
    keyOf = (r) => [r.bates];
  } else if (sort === 'size') {
    if (cursor)
      q.where(
        (w) =>
          void w
            .where('i.size', cmp, Number(cursor[0]))
            .orWhere((w2) => void w2.where('i.size', Number(cursor[0])).where('i.id', cmp, Number(cursor[1]))),
      );
    rows = (await q
      .orderBy([
        { column: 'i.size', order: dir },
        { column: 'i.id', order: dir },
      ])
      .limit(limit + 1)) as RawItem[];
    keyOf = (r) => [Number(r.size), Number(r.id)];
  } else {
    // By date: dated items in date order, then (ascending) or before (descending) the undated ones
    // by id. NULLs sort differently on SQLite and PostgreSQL, so they are a separate phase.
    const phases: Array<'dated' | 'undated'> = desc ? ['undated', 'dated'] : ['dated', 'undated'];
    let phase = (cursor?.[0] as 'dated' | 'undated' | undefined) ?? phases[0]!;
    rows = [];
    for (;;) {
      const pq = q.clone();
      if (phase === 'dated') {
        pq.whereNotNull('i.date');
        if (cursor && cursor[0] === 'dated')
          pq.where(
            (w) =>
              void w
                .where('i.date', cmp, String(cursor[1]))
                .orWhere((w2) => void w2.where('i.date', String(cursor[1])).where('i.id', cmp, Number(cursor[2]))),
          );
        pq.orderBy([
          { column: 'i.date', order: dir },
          { column: 'i.id', order: dir },
        ]);
      } else {
        pq.whereNull('i.date');
        if (cursor && cursor[0] === 'undated') pq.where('i.id', cmp, Number(cursor[2]));
        pq.orderBy('i.id', dir);
      }
      const got = (await pq.limit(limit + 1 - rows.length)) as RawItem[];
      for (const r of got) rows.push(Object.assign(r, { phase }));
      const i = phases.indexOf(phase);
      if (rows.length > limit || i === phases.length - 1) break;
      phase = phases[i + 1]!;
    }
    keyOf = (r) => [r.phase, r.date, Number(r.id)];
  }
  return { rows, cursors: rows.map((r) => encodeCursor(keyOf(r))), more: rows.length > limit };
}

function decodeCursorError(): SpamcaseError {
  return new SpamcaseError(
    'INVALID_INPUT',
    'is not valid any more (a page link from before): start from the first page',
    {
      field: 'after',
    },
  );
}

/** One page of a case's items, with their message's From and subject (`before`: the page before that cursor). */
export async function listItems(knex: Knex, caseId: number, opts: ItemListOptions = {}): Promise<Page<ItemRow>> {
  const { rows, next } = await itemPageRows(knex, caseId, opts, readSearch(opts.search));
  return { rows: rows.map(itemRow), next };
}

async function itemPageRows(
  knex: Knex,
  caseId: number,
  opts: ItemListOptions,
  search: ItemSearch,
): Promise<{ rows: RawItem[]; next: string | null; prev: string | null }> {
  const sort = opts.sort ?? 'bates';
  if (!(ITEM_SORTS as readonly string[]).includes(sort))
    throw new SpamcaseError('INVALID_INPUT', `must be one of ${ITEM_SORTS.join(', ')}`, { field: 'sort' });
  const desc = opts.order === 'desc';
  const limit = pageSize(opts.limit);
  if (opts.before) {
    // The page before: the same list read backwards from the cursor, then turned around.
    const back = await itemRows(knex, caseId, opts, search, !desc, decodeCursor(opts.before), limit);
    const rows = back.rows.slice(0, limit).reverse();
    const cursors = back.cursors.slice(0, limit).reverse();
    return { rows, next: cursors.length ? cursors[cursors.length - 1]! : null, prev: back.more ? cursors[0]! : null };
  }
  const page = await itemRows(knex, caseId, opts, search, desc, decodeCursor(opts.after), limit);
  const rows = page.rows.slice(0, limit);
  return {
    rows,
    next: page.more && rows.length > 0 ? page.cursors[rows.length - 1]! : null,
    prev: opts.after && rows.length > 0 ? page.cursors[0]! : null,
  };
}

/** How many items the list's filters and search find, whatever the page. */
async function countItems(knex: Knex, caseId: number, opts: ItemListOptions, search: ItemSearch): Promise<number> {
  if (search.kind === 'text' && search.known) return search.known.ids.length;
  if (search.kind === 'text')
    return countMatches(
      knex,
      caseId,
      search.tree,
      { partyId: await partyIdOf(knex, caseId, opts.party), parseErrorsOnly: opts.parseErrorsOnly },
      opts.exactCount ? undefined : SEARCH_COUNT_CAP,
    );
  const q = knex('items as i').where('i.case_id', caseId);
  if (search.kind === 'sha256') q.where('i.sha_key', compactKey(search.sha256)).where('i.sha256', search.sha256);
  if (search.kind === 'bates')
    q.where('i.bates', '>=', search.prefix).where('i.bates', '<', `${search.prefix}\u{10FFFF}`);
  if (opts.party) {
    const prefix = opts.party.toUpperCase();
    q.where('i.bates', '>', `${prefix}-`).where('i.bates', '<', `${prefix}.`);
  }
  if (opts.parseErrorsOnly) q.whereNotNull('i.parse_error');
  const row = (await q.count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

/** The items page of the web UI and its JSON: a page, the total found, previous and next, snippets of a search. */
export async function itemPage(knex: Knex, caseId: number, opts: ItemListOptions = {}): Promise<ItemPage> {
  let search = readSearch(opts.search);
  if (search.kind === 'text' && !opts.exactCount) {
    const filters = { partyId: await partyIdOf(knex, caseId, opts.party), parseErrorsOnly: opts.parseErrorsOnly };
    search = { ...search, known: await firstMatches(knex, caseId, search.tree, filters, SEARCH_COUNT_CAP) };
  }
  const [{ rows, next, prev }, total] = await Promise.all([
    itemPageRows(knex, caseId, opts, search),
    countItems(knex, caseId, opts, search),
  ]);
  let fullText: ItemPage['fullText'] = null;
  if (search.kind === 'text') {
    const snippets = await snippetsFor(
      knex,
      search.tree,
      rows.map((r) => ({ id: Number(r.id), subject: r.subject })),
    );
    fullText = {
      snippets: Object.fromEntries(rows.map((r) => [r.bates, snippets.get(Number(r.id))!])),
      index: await searchIndexStatus(knex, caseId),
    };
  }
  const capped = search.kind === 'text' && !opts.exactCount && total > SEARCH_COUNT_CAP;
  return {
    rows: rows.map(itemRow),
    next,
    prev,
    total: capped ? SEARCH_COUNT_CAP : total,
    totalIsAtLeast: capped,
    fullText,
  };
}

export interface AcquisitionRow {
  id: number;
  party: string;
  method: string;
  source: string;
  /** The file name the person chose (a web upload's browser name); null for acquisitions by path. */
  fileName?: string | null;
  custodian?: string | null;
  notes?: string | null;
  sourceSha256: string | null;
  sourceBytes: number | null;
  operator: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  samples: number;
  newItems: number;
  rejected: number;
}

/** A case's acquisitions, newest first, by keyset on id. */
export async function listAcquisitions(
  knex: Knex,
  caseId: number,
  opts: { limit?: number; after?: string | null } = {},
): Promise<Page<AcquisitionRow>> {
  const limit = pageSize(opts.limit);
  const cursor = decodeCursor(opts.after);
  const q = knex('acquisitions as a')
    .join('parties as p', 'p.id', 'a.party_id')
    .where('a.case_id', caseId)
    .select('a.*', 'p.name as party_name');
  if (cursor) q.where('a.id', '<', Number(cursor[0]));
  const rows = (await q.orderBy('a.id', 'desc').limit(limit + 1)) as Array<Record<string, unknown>>;
  const page = rows.slice(0, limit);
  return {
    rows: page.map((r) => ({
      id: Number(r.id),
      party: String(r.party_name),
      method: String(r.method),
      source: String(r.source_name),
      fileName: (r.file_name as string | null) ?? null,
      custodian: (r.custodian as string | null) ?? null,
      notes: (r.notes as string | null) ?? null,
      sourceSha256: (r.source_sha256 as string | null) ?? null,
      sourceBytes: r.source_bytes === null ? null : Number(r.source_bytes),
      operator: String(r.operator),
      startedAt: String(r.started_at),
      finishedAt: (r.finished_at as string | null) ?? null,
      status: String(r.status),
      samples: Number(r.samples),
      newItems: Number(r.new_items),
      rejected: Number(r.rejected),
    })),
    next: rows.length > limit && page.length > 0 ? encodeCursor([Number(page[page.length - 1]!.id)]) : null,
  };
}

export interface RejectionRow {
  id: number;
  acquisitionId: number;
  locator: string;
  reason: string;
  size: number | null;
  sha256: string | null;
}

/** A case's rejected inputs in the order they were met, by keyset on id. */
export async function listRejections(
  knex: Knex,
  caseId: number,
  opts: { limit?: number; after?: string | null; acquisitionIds?: number[] } = {},
): Promise<Page<RejectionRow>> {
  const limit = pageSize(opts.limit);
  const cursor = decodeCursor(opts.after);
  const q = knex('rejections').where('case_id', caseId);
  if (opts.acquisitionIds) q.whereIn('acquisition_id', opts.acquisitionIds.length > 0 ? opts.acquisitionIds : [-1]);
  if (cursor) q.where('id', '>', Number(cursor[0]));
  const rows = (await q.orderBy('id').limit(limit + 1)) as Array<{
    id: number;
    acquisition_id: number;
    locator: string;
    reason: string;
    size: number | null;
    sha256: string | null;
  }>;
  const page = rows.slice(0, limit);
  return {
    rows: page.map((r) => ({
      id: Number(r.id),
      acquisitionId: Number(r.acquisition_id),
      locator: r.locator,
      reason: r.reason,
      size: r.size === null ? null : Number(r.size),
      sha256: r.sha256,
    })),
    next: rows.length > limit && page.length > 0 ? encodeCursor([Number(page[page.length - 1]!.id)]) : null,
  };
}

/** Rejected inputs grouped by reason, most frequent first (the dashboard's "what was rejected and why"). */
export async function rejectionReasons(
  knex: Knex,
  caseId: number,
  top = 10,
): Promise<Array<{ reason: string; count: number }>> {
  const rows = (await knex('rejections')
    .where('case_id', caseId)
    .groupBy('reason')
    .select('reason')
    .count({ n: '*' })
    .orderBy('n', 'desc')
    .limit(top)) as Array<{ reason: string; n: number | string }>;
  return rows.map((r) => ({ reason: r.reason, count: Number(r.n) }));
}

/** Deliveries per day of the message's Date (UTC), oldest first; undated messages are counted apart. */
export async function deliveriesPerDay(
  knex: Knex,
  caseId: number,
): Promise<{ days: Array<{ day: string; deliveries: number }>; undated: number }> {
  const rows = (await knex('deliveries as d')
    .join('messages as m', 'm.id', 'd.message_id')
    .where('d.case_id', caseId)
    .groupByRaw('substr(m.date, 1, 10)')
    .select(knex.raw('substr(m.date, 1, 10) as day'))
    .count({ n: '*' })) as Array<{ day: string | null; n: number | string }>;
  let undated = 0;
  const days: Array<{ day: string; deliveries: number }> = [];
  for (const r of rows) {
    if (r.day === null || !/^\d{4}-\d{2}-\d{2}$/.test(r.day)) undated += Number(r.n);
    else days.push({ day: r.day, deliveries: Number(r.n) });
  }
  days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return { days, undated };
}
