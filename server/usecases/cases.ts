/**
 * Opening a case (`spamcase case create`, the web's new-case form) and listing the cases one may see.
 * A case is created with its parties and, when given, each party's trusted relays and authserv-ids
 * ("PREFIX=value" when the case has several parties); the web's creator becomes its first member.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { createCase, getCase, listCases, parsePartySpec, type CaseRecord } from '../cases/cases.ts';
import { addMember, memberCaseIds } from '../cases/members.ts';
import { setPartyTrust } from '../attribution/party-trust.ts';
import type { User } from '../users/users.ts';
import * as v from 'valibot';
import { caseName, optionalText, requiredText, textList, type Input } from './input.ts';

export const caseCreateInput = v.object({
  slug: requiredText(63),
  title: requiredText(500),
  /** "Name:PREFIX" per party (plaintiff). */
  parties: textList(300, 50),
  jurisdiction: optionalText(200),
  /** IANA time zone the case's pages show dates in (default UTC). */
  timeZone: optionalText(64),
  /** Trusted relays (hosts or CIDRs), "PREFIX=value" when the case has several parties. */
  relays: textList(300, 1000),
  authservIds: textList(300, 1000),
});

/** `case set --time-zone`, the case's settings form. */
export const timeZoneInput = v.object({ case: caseName, timeZone: requiredText(64) });

export type CaseCreateInput = Input<typeof caseCreateInput>;

/** "PREFIX=value" for one party among several; a plain value when the case has one party. */
function perParty(values: string[], prefixes: string[], field: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const named = eq > 0 && prefixes.includes(v.slice(0, eq));
    const prefix = named ? v.slice(0, eq) : prefixes.length === 1 ? prefixes[0]! : null;
    if (prefix === null)
      throw new SpamcaseError(
        'USAGE',
        `needs PREFIX=value when the case has several parties (got ${JSON.stringify(v)})`,
        { field },
      );
    out.set(prefix, [...(out.get(prefix) ?? []), named ? v.slice(eq + 1) : v]);
  }
  return out;
}

export async function openCase(
  ctx: Context,
  input: CaseCreateInput,
  options: { firstMember?: string } = {},
): Promise<CaseRecord> {
  const parties = input.parties.map(parsePartySpec);
  const prefixes = parties.map((p) => p.batesPrefix);
  const relays = perParty(input.relays, prefixes, 'relays');
  const ids = perParty(input.authservIds, prefixes, 'authservIds');
  const c = await createCase(ctx, {
    slug: input.slug,
    title: input.title,
    parties,
    ...(input.jurisdiction === undefined ? {} : { jurisdiction: input.jurisdiction }),
    ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
  });
  for (const p of c.parties) {
    if (relays.has(p.batesPrefix) || ids.has(p.batesPrefix))
      await setPartyTrust(ctx, c.slug, p.batesPrefix, {
        relays: relays.get(p.batesPrefix),
        authservIds: ids.get(p.batesPrefix),
      });
  }
  if (options.firstMember !== undefined) await addMember(ctx, await getCase(ctx.db.knex, c.slug), options.firstMember);
  return c;
}

export interface CaseListRow {
  case: string;
  title: string;
  jurisdiction: string | null;
  timeZone: string;
  createdAt: string;
  parties: Array<{ name: string; batesPrefix: string }>;
}

/** The cases `user` may see (a member's cases; every case for an admin, or for the CLI's operator without a user). */
export async function visibleCases(knex: Knex, user: User | null): Promise<CaseRecord[]> {
  const visible = user === null ? null : await memberCaseIds(knex, user);
  return (await listCases(knex)).filter((c) => visible === null || visible.has(c.id));
}

/** A case as `case list --json` and GET /api/cases show it. */
export function caseListRow(c: CaseRecord): CaseListRow {
  return {
    case: c.slug,
    title: c.title,
    jurisdiction: c.jurisdiction,
    timeZone: c.timeZone,
    createdAt: c.createdAt,
    parties: c.parties.map((p) => ({ name: p.name, batesPrefix: p.batesPrefix })),
  };
}
