/**
 * Tags and notes on a case's items, sender accounts, originating IPs and campaigns, and the case's
 * saved searches (docs/LABELS.md). Every change to a tag or a note is a custody event, written in
 * the same transaction as the change: tag-created, tag-renamed, tag-deleted, tagged, untagged (with
 * the number of things, their list when short and the SHA-256 of the whole sorted list, and the
 * search when a whole search result was tagged), note-added, note-removed. Links and notes are only
 * marked removed (with the removing event), so the case as of any event can be listed again.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import type { CaseRecord } from '../cases/cases.ts';
import { appendCustodyEvent, type CustodyAction } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';
import { hasHidden } from '../hidden-text.ts';
import { listItems, type ItemListOptions } from '../report/lists.ts';

export const LABEL_KINDS = ['item', 'account', 'ip', 'campaign'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];
export const MAX_TAG_NAME = 100;
export const MAX_NOTE = 5000;
/** Refs listed in a tagged / untagged custody event (beyond this, the count and the list's SHA-256). */
const LISTED_REFS = 20;
const INSERT_CHUNK = 500;

export interface Tag {
  id: number;
  name: string;
  createdAt: string;
  createdBy: string;
  /** Things carrying the tag now, per kind. */
  counts: Record<LabelKind, number>;
}

export interface Note {
  id: number;
  kind: LabelKind;
  ref: string;
  text: string;
  at: string;
  author: string;
}

function invalid(field: string, message: string): SpamcaseError {
  return new SpamcaseError('INVALID_INPUT', message, { field });
}

function tagName(name: string): string {
  const n = name.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (n === '') throw invalid('tag', 'is required');
  if (n.length > MAX_TAG_NAME) throw invalid('tag', `has at most ${MAX_TAG_NAME} characters`);
  if (hasHidden(n)) throw invalid('tag', 'may not contain control, direction or invisible characters');
  return n;
}

export function labelKind(kind: string): LabelKind {
  if (!(LABEL_KINDS as readonly string[]).includes(kind))
    throw invalid('kind', `must be one of ${LABEL_KINDS.join(', ')}`);
  return kind as LabelKind;
}

async function event(
  trx: Knex.Transaction,
  ctx: Context,
  c: CaseRecord,
  action: CustodyAction,
  details: Record<string, unknown>,
): Promise<number> {
  const e = await appendCustodyEvent(trx, {
    caseId: c.id,
    caseSlug: c.slug,
    at: ctx.clock(),
    actor: ctx.actor,
    action,
    details,
  });
  return e.seq;
}

/** The refs that exist in the case (Bates numbers, accounts, IPs, campaign numbers); NOT_FOUND names a missing one. */
async function checkRefs(knex: Knex, caseId: number, kind: LabelKind, refs: string[]): Promise<string[]> {
  const unique = [...new Set(refs.map((r) => r.trim()).filter((r) => r !== ''))];
  if (unique.length === 0) throw invalid('ref', 'is required');
  const [table, column] = {
    item: ['items', 'bates'],
    account: ['accounts', 'address'],
    ip: ['originating_ips', 'ip'],
    campaign: ['campaigns', 'number'],
  }[kind];
  const found = new Set<string>();
  for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
    const chunk = unique.slice(i, i + INSERT_CHUNK);
    const values = kind === 'campaign' ? chunk.filter((r) => /^\d{1,9}$/.test(r)).map(Number) : chunk;
    const rows = (await knex(table!).where('case_id', caseId).whereIn(column!, values).select(column!)) as Array<
      Record<string, string | number>
    >;
    for (const r of rows) found.add(String(r[column!]));
  }
  const missing = unique.find((r) => !found.has(r));
  if (missing !== undefined) throw new SpamcaseError('NOT_FOUND', `no ${kind} ${missing} in this case`);
  return unique;
}

async function tagRow(knex: Knex, caseId: number, id: number): Promise<{ id: number; name: string }> {
  const row = (await knex('tags').where({ case_id: caseId, id }).first('id', 'name')) as
    { id: number; name: string } | undefined;
  if (!row) throw new SpamcaseError('NOT_FOUND', `no tag ${id} in this case`);
  return { id: Number(row.id), name: row.name };
}

export async function findTagByName(knex: Knex, caseId: number, name: string): Promise<number | null> {
  const row = (await knex('tags')
    .where({ case_id: caseId, name: tagName(name) })
    .first('id')) as { id: number } | undefined;
  return row ? Number(row.id) : null;
}

export async function createTag(ctx: Context, c: CaseRecord, name: string): Promise<number> {
  const n = tagName(name);
  return ctx.db.knex.transaction(async (trx) => {
    if (await trx('tags').where({ case_id: c.id, name: n }).first('id'))
      throw invalid('tag', `names a tag that already exists in this case ("${n}")`);
    const [row] = (await trx('tags')
      .insert({ case_id: c.id, name: n, created_at: ctx.clock().toISOString(), created_by: ctx.actor.slice(0, 200) })
      .returning('id')) as Array<{ id: number } | number>;
    const id = typeof row === 'object' ? Number(row.id) : Number(row);
    await event(trx, ctx, c, 'tag-created', { tag: id, name: n });
    return id;
  });
}

export async function renameTag(ctx: Context, c: CaseRecord, id: number, name: string): Promise<void> {
  const n = tagName(name);
  await ctx.db.knex.transaction(async (trx) => {
    const old = await tagRow(trx, c.id, id);
    if (old.name === n) return;
    if (await trx('tags').where({ case_id: c.id, name: n }).first('id'))
      throw invalid('tag', `names a tag that already exists in this case ("${n}")`);
    await trx('tags').where({ id }).update({ name: n });
    await event(trx, ctx, c, 'tag-renamed', { tag: id, from: old.name, to: n });
  });
}

/** Deletes the tag; the things that carried it no longer do (recorded as removed by this event). */
export async function deleteTag(ctx: Context, c: CaseRecord, id: number): Promise<number> {
  return ctx.db.knex.transaction(async (trx) => {
    const old = await tagRow(trx, c.id, id);
    const active = (await trx('tag_links')
      .where({ case_id: c.id, tag_id: id })
      .whereNull('removed_seq')
      .count({ n: '*' })
      .first()) as { n: number | string };
    const seq = await event(trx, ctx, c, 'tag-deleted', { tag: id, name: old.name, removed: Number(active.n) });
    await trx('tag_links').where({ case_id: c.id, tag_id: id }).whereNull('removed_seq').update({ removed_seq: seq });
    await trx('tags').where({ id }).delete();
    return Number(active.n);
  });
}

function refsDetails(refs: string[]): Record<string, unknown> {
  const sorted = [...refs].sort();
  return {
    count: sorted.length,
    ...(sorted.length <= LISTED_REFS ? { refs: sorted } : {}),
    refsSha256: crypto.createHash('sha256').update(sorted.join('\n')).digest('hex'),
  };
}

/** Puts the tag on the things (those that already carry it are left as they are); returns how many got it now. */
export async function tagRefs(
  ctx: Context,
  c: CaseRecord,
  tagId: number,
  kind: LabelKind,
  refs: string[],
  search?: Record<string, unknown>,
): Promise<number> {
  const checked = await checkRefs(ctx.db.knex, c.id, kind, refs);
  return ctx.db.knex.transaction(async (trx) => {
    const tag = await tagRow(trx, c.id, tagId);
    const already = new Set<string>();
    for (let i = 0; i < checked.length; i += INSERT_CHUNK) {
      const rows = (await trx('tag_links')
        .where({ case_id: c.id, tag_id: tagId, kind })
        .whereNull('removed_seq')
        .whereIn('ref', checked.slice(i, i + INSERT_CHUNK))
        .select('ref')) as Array<{ ref: string }>;
      for (const r of rows) already.add(r.ref);
    }
    const fresh = checked.filter((r) => !already.has(r));
    if (fresh.length === 0) return 0;
    const seq = await event(trx, ctx, c, 'tagged', {
      tag: tag.id,
      name: tag.name,
      kind,
      ...refsDetails(fresh),
      ...(search ? { search } : {}),
    });
    for (let i = 0; i < fresh.length; i += INSERT_CHUNK)
      await trx('tag_links').insert(
        fresh.slice(i, i + INSERT_CHUNK).map((ref) => ({ case_id: c.id, tag_id: tagId, kind, ref, added_seq: seq })),
      );
    return fresh.length;
  });
}

/** Takes the tag off the things; returns how many carried it. */
export async function untagRefs(
  ctx: Context,
  c: CaseRecord,
  tagId: number,
  kind: LabelKind,
  refs: string[],
): Promise<number> {
  const wanted = [...new Set(refs.map((r) => r.trim()).filter((r) => r !== ''))];
  if (wanted.length === 0) throw invalid('ref', 'is required');
  return ctx.db.knex.transaction(async (trx) => {
    const tag = await tagRow(trx, c.id, tagId);
    const present: string[] = [];
    for (let i = 0; i < wanted.length; i += INSERT_CHUNK) {
      const rows = (await trx('tag_links')
        .where({ case_id: c.id, tag_id: tagId, kind })
        .whereNull('removed_seq')
        .whereIn('ref', wanted.slice(i, i + INSERT_CHUNK))
        .select('ref')) as Array<{ ref: string }>;
      present.push(...rows.map((r) => r.ref));
    }
    if (present.length === 0) return 0;
    const seq = await event(trx, ctx, c, 'untagged', { tag: tag.id, name: tag.name, kind, ...refsDetails(present) });
    for (let i = 0; i < present.length; i += INSERT_CHUNK)
      await trx('tag_links')
        .where({ case_id: c.id, tag_id: tagId, kind })
        .whereNull('removed_seq')
        .whereIn('ref', present.slice(i, i + INSERT_CHUNK))
        .update({ removed_seq: seq });
    return present.length;
  });
}

/** Every item a search of the items list finds (its filters included), by Bates number. */
export async function searchResultBates(knex: Knex, caseId: number, opts: ItemListOptions): Promise<string[]> {
  const out: string[] = [];
  let after: string | null = null;
  do {
    const page = await listItems(knex, caseId, { ...opts, after, before: null, limit: 500 });
    out.push(...page.rows.map((r) => r.bates));
    after = page.next;
  } while (after);
  return out;
}

/** Tags every item of a search result; the custody event records the search. */
export async function tagSearchResult(
  ctx: Context,
  c: CaseRecord,
  tagId: number,
  opts: Pick<ItemListOptions, 'search' | 'party' | 'parseErrorsOnly'>,
): Promise<{ found: number; tagged: number }> {
  const bates = await searchResultBates(ctx.db.knex, c.id, opts);
  if (bates.length === 0) return { found: 0, tagged: 0 };
  const search = {
    q: opts.search ?? '',
    ...(opts.party ? { party: opts.party } : {}),
    ...(opts.parseErrorsOnly ? { parseErrorsOnly: true } : {}),
  };
  return { found: bates.length, tagged: await tagRefs(ctx, c, tagId, 'item', bates, search) };
}

export async function addNote(
  ctx: Context,
  c: CaseRecord,
  kind: LabelKind,
  ref: string,
  text: string,
): Promise<number> {
  const body = text.normalize('NFC').trim();
  if (body === '') throw invalid('note', 'is required');
  if (body.length > MAX_NOTE) throw invalid('note', `has at most ${MAX_NOTE} characters`);
  const [checked] = await checkRefs(ctx.db.knex, c.id, kind, [ref]);
  return ctx.db.knex.transaction(async (trx) => {
    const at = ctx.clock().toISOString();
    const seq = await event(trx, ctx, c, 'note-added', { kind, ref: checked, text: body });
    const [row] = (await trx('notes')
      .insert({ case_id: c.id, kind, ref: checked, text: body, at, author: ctx.actor.slice(0, 200), added_seq: seq })
      .returning('id')) as Array<{ id: number } | number>;
    return typeof row === 'object' ? Number(row.id) : Number(row);
  });
}

export async function removeNote(ctx: Context, c: CaseRecord, id: number): Promise<void> {
  await ctx.db.knex.transaction(async (trx) => {
    const note = (await trx('notes').where({ case_id: c.id, id }).whereNull('removed_seq').first()) as
      { kind: string; ref: string } | undefined;
    if (!note) throw new SpamcaseError('NOT_FOUND', `no note ${id} in this case`);
    const seq = await event(trx, ctx, c, 'note-removed', { note: id, kind: note.kind, ref: note.ref });
    await trx('notes').where({ id }).update({ removed_seq: seq });
  });
}

/** The case's tags, by name, with how many things carry each. */
export async function listTags(knex: Knex, caseId: number): Promise<Tag[]> {
  const tags = (await knex('tags').where({ case_id: caseId }).orderBy('name')) as Array<{
    id: number;
    name: string;
    created_at: string;
    created_by: string;
  }>;
  const counts = (await knex('tag_links')
    .where({ case_id: caseId })
    .whereNull('removed_seq')
    .groupBy('tag_id', 'kind')
    .select('tag_id', 'kind')
    .count({ n: '*' })) as Array<{ tag_id: number; kind: LabelKind; n: number | string }>;
  return tags.map((t) => {
    const c: Record<LabelKind, number> = { item: 0, account: 0, ip: 0, campaign: 0 };
    for (const r of counts) if (Number(r.tag_id) === Number(t.id)) c[r.kind] = Number(r.n);
    return { id: Number(t.id), name: t.name, createdAt: t.created_at, createdBy: t.created_by, counts: c };
  });
}

/** The tags and notes of some things of one kind, by ref. */
export async function labelsOf(
  knex: Knex,
  caseId: number,
  kind: LabelKind,
  refs: string[],
): Promise<Map<string, { tags: Array<{ id: number; name: string }>; notes: Note[] }>> {
  const out = new Map<string, { tags: Array<{ id: number; name: string }>; notes: Note[] }>();
  for (const r of refs) out.set(r, { tags: [], notes: [] });
  if (refs.length === 0) return out;
  const tags = (await knex('tag_links as l')
    .join('tags as t', 't.id', 'l.tag_id')
    .where({ 'l.case_id': caseId, 'l.kind': kind })
    .whereNull('l.removed_seq')
    .whereIn('l.ref', refs)
    .orderBy('t.name')
    .select('l.ref', 't.id', 't.name')) as Array<{ ref: string; id: number; name: string }>;
  for (const t of tags) out.get(t.ref)?.tags.push({ id: Number(t.id), name: t.name });
  const notes = (await knex('notes')
    .where({ case_id: caseId, kind })
    .whereNull('removed_seq')
    .whereIn('ref', refs)
    .orderBy('id')) as Array<{ id: number; kind: LabelKind; ref: string; text: string; at: string; author: string }>;
  for (const n of notes)
    out
      .get(n.ref)
      ?.notes.push({ id: Number(n.id), kind: n.kind, ref: n.ref, text: n.text, at: n.at, author: n.author });
  return out;
}

export interface LabelRow {
  kind: LabelKind;
  ref: string;
  label: 'tag' | 'note';
  tag: string | null;
  note: string | null;
  at: string;
  by: string;
  custodySeq: number;
}

/**
 * Every tag and note on the case as of custody event `asOfSeq` (default: now), in a fixed order
 * (kind, ref, then the event that added it): the staff labels.csv and the bundle's labels.csv.
 * Tag names are those of the custody log as of that event; who and when are the adding event's.
 */
export async function labelRows(knex: Knex, caseId: number, asOfSeq?: number): Promise<LabelRow[]> {
  const seqLimit = asOfSeq ?? 2_147_483_647;
  const events = (await knex('custody_events')
    .where({ case_id: caseId })
    .whereIn('action', ['tag-created', 'tag-renamed', 'tagged'])
    .where('seq', '<=', seqLimit)
    .orderBy('seq')
    .select('seq', 'at', 'actor', 'action', 'details')) as Array<{
    seq: number;
    at: string;
    actor: string;
    action: string;
    details: string;
  }>;
  const names = new Map<number, string>();
  const when = new Map<number, { at: string; actor: string }>();
  for (const e of events) {
    const d = JSON.parse(e.details) as { tag: number; name?: string; to?: string };
    if (e.action === 'tag-created') names.set(Number(d.tag), d.name!);
    if (e.action === 'tag-renamed') names.set(Number(d.tag), d.to!);
    when.set(Number(e.seq), { at: e.at, actor: e.actor });
  }
  const live = (q: Knex.QueryBuilder) =>
    q
      .where('case_id', caseId)
      .where('added_seq', '<=', seqLimit)
      .where((w) => void w.whereNull('removed_seq').orWhere('removed_seq', '>', seqLimit));
  const links = (await live(knex('tag_links')).select('tag_id', 'kind', 'ref', 'added_seq')) as Array<{
    tag_id: number;
    kind: LabelKind;
    ref: string;
    added_seq: number;
  }>;
  const notes = (await live(knex('notes')).select('kind', 'ref', 'text', 'at', 'author', 'added_seq')) as Array<{
    kind: LabelKind;
    ref: string;
    text: string;
    at: string;
    author: string;
    added_seq: number;
  }>;
  const rows: LabelRow[] = [
    ...links.map((l) => ({
      kind: l.kind,
      ref: l.ref,
      label: 'tag' as const,
      tag: names.get(Number(l.tag_id)) ?? null,
      note: null,
      at: when.get(Number(l.added_seq))?.at ?? '',
      by: when.get(Number(l.added_seq))?.actor ?? '',
      custodySeq: Number(l.added_seq),
    })),
    ...notes.map((n) => ({
      kind: n.kind,
      ref: n.ref,
      label: 'note' as const,
      tag: null,
      note: n.text,
      at: n.at,
      by: n.author,
      custodySeq: Number(n.added_seq),
    })),
  ];
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort(
    (a, b) =>
      cmp(a.kind, b.kind) ||
      cmp(a.ref, b.ref) ||
      a.custodySeq - b.custodySeq ||
      cmp(a.label, b.label) ||
      cmp(a.tag ?? a.note ?? '', b.tag ?? b.note ?? ''),
  );
  return rows;
}

export const LABEL_COLUMNS = ['kind', 'ref', 'label', 'tag', 'note', 'at', 'by', 'custody_seq'] as const;

export function labelCells(r: LabelRow): Array<string | number | null> {
  return [r.kind, r.ref, r.label, r.tag, r.note, r.at, r.by, r.custodySeq];
}

export interface SavedSearch {
  id: number;
  name: string;
  query: { q: string; party?: string; parseErrors?: boolean; sort?: string; order?: string };
  createdAt: string;
  createdBy: string;
}

/** Saves a search of the items list under a name, for every member of the case. */
export async function saveSearch(
  ctx: Context,
  c: CaseRecord,
  name: string,
  query: SavedSearch['query'],
): Promise<number> {
  const n = name.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (n === '') throw invalid('name', 'is required');
  if (n.length > MAX_TAG_NAME) throw invalid('name', `has at most ${MAX_TAG_NAME} characters`);
  if (hasHidden(n)) throw invalid('name', 'may not contain control, direction or invisible characters');
  const knex = ctx.db.knex;
  if (await knex('saved_searches').where({ case_id: c.id, name: n }).first('id'))
    throw invalid('name', `names a saved search that already exists in this case ("${n}")`);
  const [row] = (await knex('saved_searches')
    .insert({
      case_id: c.id,
      name: n,
      query: JSON.stringify(query),
      created_at: ctx.clock().toISOString(),
      created_by: ctx.actor.slice(0, 200),
    })
    .returning('id')) as Array<{ id: number } | number>;
  return typeof row === 'object' ? Number(row.id) : Number(row);
}

export async function deleteSavedSearch(knex: Knex, caseId: number, id: number): Promise<void> {
  const n = await knex('saved_searches').where({ case_id: caseId, id }).delete();
  if (n === 0) throw new SpamcaseError('NOT_FOUND', `no saved search ${id} in this case`);
}

export async function listSavedSearches(knex: Knex, caseId: number): Promise<SavedSearch[]> {
  const rows = (await knex('saved_searches').where({ case_id: caseId }).orderBy('name')) as Array<{
    id: number;
    name: string;
    query: string;
    created_at: string;
    created_by: string;
  }>;
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    query: JSON.parse(r.query) as SavedSearch['query'],
    createdAt: r.created_at,
    createdBy: r.created_by,
  }));
}
