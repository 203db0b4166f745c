/**
 * Cases and their parties (plaintiffs). A party has a short Bates prefix; every item a party brings
 * into the case first is numbered under it (LPN-0000001, …).
 */
import fs from 'node:fs';
import type { Knex } from 'knex';
import { SpamcaseError } from '../errors.ts';
import { caseDir, type Context } from '../context.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { translateDbError } from '../db/errors.ts';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const BATES_PREFIX_PATTERN = /^[A-Z][A-Z0-9]{0,9}$/;

export interface PartySpec {
  name: string;
  batesPrefix: string;
}

export interface CaseRecord {
  id: number;
  slug: string;
  title: string;
  createdAt: string;
  jurisdiction: string | null;
  /** IANA time zone in which the case's pages show dates (stored dates stay UTC). */
  timeZone: string;
  parties: PartyRecord[];
}

export interface PartyRecord {
  id: number;
  name: string;
  batesPrefix: string;
}

/**
 * A time zone as the case keeps it: an IANA name Intl knows ("Europe/Paris", "UTC"), written the
 * way Intl writes it ("europe/paris" becomes "Europe/Paris"); anything else is refused.
 */
export function checkTimeZone(name: string): string {
  const zone = name.trim();
  if (zone === '' || zone.length > 64)
    throw new SpamcaseError(
      'INVALID_INPUT',
      `must be an IANA time zone such as Europe/Paris or UTC (got ${JSON.stringify(name)})`,
      { field: 'timeZone' },
    );
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new SpamcaseError(
      'INVALID_INPUT',
      `is not a time zone this server knows: ${JSON.stringify(zone)} (write an IANA name such as Europe/Paris, America/New_York or UTC)`,
      { field: 'timeZone' },
    );
  }
}

/** "Laposte.net:LPN" → { name: "Laposte.net", batesPrefix: "LPN" } */
export function parsePartySpec(spec: string): PartySpec {
  const i = spec.lastIndexOf(':');
  const name = (i < 0 ? spec : spec.slice(0, i)).trim();
  const batesPrefix = (i < 0 ? '' : spec.slice(i + 1)).trim();
  if (!name || !BATES_PREFIX_PATTERN.test(batesPrefix)) {
    throw new SpamcaseError(
      'INVALID_INPUT',
      `must be "Name:PREFIX" with a Bates prefix of 1-10 capital letters/digits starting with a letter (got ${JSON.stringify(spec)})`,
      { field: 'parties' },
    );
  }
  return { name, batesPrefix };
}

export async function createCase(
  ctx: Context,
  input: { slug: string; title: string; parties: PartySpec[]; jurisdiction?: string; timeZone?: string },
): Promise<CaseRecord> {
  if (!SLUG_PATTERN.test(input.slug)) {
    throw new SpamcaseError(
      'INVALID_INPUT',
      `must be 1-63 lowercase letters, digits or dashes (got ${JSON.stringify(input.slug)})`,
      { field: 'slug' },
    );
  }
  const title = input.title.trim();
  if (!title) throw new SpamcaseError('INVALID_INPUT', 'is required', { field: 'title' });
  const jurisdiction = input.jurisdiction?.trim() || null;
  if (jurisdiction !== null && jurisdiction.length > 200)
    throw new SpamcaseError('INVALID_INPUT', 'has at most 200 characters', { field: 'jurisdiction' });
  const timeZone = input.timeZone?.trim() ? checkTimeZone(input.timeZone) : 'UTC';
  if (input.parties.length === 0)
    throw new SpamcaseError(
      'INVALID_INPUT',
      'must name at least one party (plaintiff) as "Name:PREFIX", e.g. "Laposte.net:LPN"',
      {
        field: 'parties',
      },
    );
  const now = ctx.clock();
  try {
    await ctx.db.knex.transaction(async (trx) => {
      const [row] = (await trx('cases').insert(
        { slug: input.slug, title, created_at: now.toISOString(), jurisdiction, time_zone: timeZone },
        ['id'],
      )) as Array<{ id: number } | number>;
      const caseId = typeof row === 'object' ? row.id : Number(row);
      for (const p of input.parties) {
        await trx('parties').insert({ case_id: caseId, name: p.name, bates_prefix: p.batesPrefix, next_bates: 1 });
      }
      await appendCustodyEvent(trx, {
        caseId,
        caseSlug: input.slug,
        at: now,
        actor: ctx.actor,
        action: 'case-created',
        details: {
          title,
          jurisdiction: jurisdiction ?? undefined,
          timeZone,
          parties: input.parties.map((p) => ({ name: p.name, batesPrefix: p.batesPrefix })),
        },
      });
    });
  } catch (err) {
    const translated = translateDbError(err);
    if (translated?.code === 'DB_CONFLICT') {
      const exists = await ctx.db.knex('cases').where({ slug: input.slug }).first('id');
      if (exists) throw new SpamcaseError('CASE_EXISTS', `a case named "${input.slug}" already exists`, { cause: err });
      throw new SpamcaseError('INVALID_INPUT', 'two parties share a name or a Bates prefix', { cause: err });
    }
    throw translated ?? err;
  }
  fs.mkdirSync(caseDir(ctx, input.slug), { recursive: true });
  return getCase(ctx.db.knex, input.slug);
}

export async function getCase(knex: Knex, slug: string): Promise<CaseRecord> {
  const row = (await knex('cases').where({ slug }).first()) as
    | { id: number; slug: string; title: string; created_at: string; jurisdiction: string | null; time_zone: string }
    | undefined;
  if (!row) throw new SpamcaseError('CASE_NOT_FOUND', `no case named "${slug}" (spamcase case list shows the cases)`);
  const parties = (await knex('parties').where({ case_id: row.id }).orderBy('id')) as Array<{
    id: number;
    name: string;
    bates_prefix: string;
  }>;
  return {
    id: Number(row.id),
    slug: row.slug,
    title: row.title,
    createdAt: row.created_at,
    jurisdiction: row.jurisdiction ?? null,
    timeZone: row.time_zone || 'UTC',
    parties: parties.map((p) => ({ id: Number(p.id), name: p.name, batesPrefix: p.bates_prefix })),
  };
}

export async function listCases(knex: Knex): Promise<CaseRecord[]> {
  const cases = (await knex('cases')
    .orderBy('slug')
    .select('id', 'slug', 'title', 'created_at', 'jurisdiction', 'time_zone')) as Array<{
    id: number;
    slug: string;
    title: string;
    created_at: string;
    jurisdiction: string | null;
    time_zone: string;
  }>;
  const parties = (await knex('parties').orderBy('id').select('id', 'case_id', 'name', 'bates_prefix')) as Array<{
    id: number;
    case_id: number;
    name: string;
    bates_prefix: string;
  }>;
  return cases.map((c) => ({
    id: Number(c.id),
    slug: c.slug,
    title: c.title,
    createdAt: c.created_at,
    jurisdiction: c.jurisdiction ?? null,
    timeZone: c.time_zone || 'UTC',
    parties: parties
      .filter((p) => Number(p.case_id) === Number(c.id))
      .map((p) => ({ id: Number(p.id), name: p.name, batesPrefix: p.bates_prefix })),
  }));
}

/** The party an acquisition belongs to: named, or the case's only party. */
export function resolveParty(record: CaseRecord, name: string | undefined): PartyRecord {
  if (name === undefined) {
    if (record.parties.length === 1) return record.parties[0]!;
    throw new SpamcaseError(
      'USAGE',
      `is required: case "${record.slug}" has several parties (${record.parties.map((p) => p.name).join(', ')})`,
      { field: 'party' },
    );
  }
  const wanted = name.trim().toLowerCase();
  const party = record.parties.find((p) => p.name.toLowerCase() === wanted || p.batesPrefix.toLowerCase() === wanted);
  if (!party)
    throw new SpamcaseError(
      'PARTY_NOT_FOUND',
      `${JSON.stringify(name)} is not a party of case "${record.slug}" (parties: ${record.parties.map((p) => p.name).join(', ')})`,
      { field: 'party' },
    );
  return party;
}

/** Change the zone a case's pages show dates in (a custody event: who changed how the evidence reads). */
export async function setCaseTimeZone(ctx: Context, slug: string, name: string): Promise<CaseRecord> {
  const timeZone = checkTimeZone(name);
  const c = await getCase(ctx.db.knex, slug);
  if (c.timeZone === timeZone) return c;
  await ctx.db.knex.transaction(async (trx) => {
    await trx('cases').where({ id: c.id }).update({ time_zone: timeZone });
    await appendCustodyEvent(trx, {
      caseId: c.id,
      caseSlug: c.slug,
      at: ctx.clock(),
      actor: ctx.actor,
      action: 'time-zone-set',
      details: { timeZone, previous: c.timeZone },
    });
  });
  return getCase(ctx.db.knex, slug);
}
