/**
 * The size of campaigns: messages, deliveries, accounts, originating IPs, date span. The one place
 * that counts accounts and originating IPs per campaign: the distinct attributed account and
 * originating IP (server/attribution/, item_attributions) of its deliveries, each attributed through
 * its first item as in the volumes.
 *
 * Counting them per page view cost 3-4 s at 100,000 messages (the largest campaigns span most of a
 * case), so they are counted for the whole case in two grouped statements and kept on the campaign
 * rows, with the custody sequence number they are valid for (`campaign_size_heads`). Every change to
 * the evidence or its groupings is a custody event, so the same head means the same sizes (events
 * that change none, such as an export, are skipped: SIZE_NEUTRAL_ACTIONS). A read
 * whose case has moved on recounts first; while an acquisition runs (deliveries move without a new
 * head yet) it serves the stored sizes and says as of when: a recount is a write, and on SQLite a
 * web server waiting for the ingest's write lock would stall every page (the driver is synchronous).
 * `ingest` recounts at its end, so the first page after an ingest is fast; web requests on SQLite
 * never recount (`servingRequest`) and serve the stored sizes as of their count until it has.
 */
import type { Knex } from 'knex';
import { withBusyRetry } from '../db/errors.ts';
import { PG_CAMPAIGN_LOCK } from './update.ts';

export interface CampaignSize {
  messages: number;
  deliveries: number;
  accounts: number;
  /** Distinct originating IPs; null only for a case ingested before attribution (spamcase attribute fills it). */
  originatingIps: number | null;
  firstDate: string | null;
  lastDate: string | null;
}

export interface SizesState {
  /** True when the stored sizes are those of the case's current custody head. */
  current: boolean;
  /** When the stored sizes were counted (ISO 8601). */
  countedAt: string;
}

const inFlight = new WeakMap<Knex, Map<number, Promise<SizesState>>>();

/**
 * Custody actions that change no delivery, attribution or membership: the sizes counted before them
 * stay valid (a recount at a million messages takes about 20 s). Any other action, including one
 * added later, makes the next read recount.
 */
export const SIZE_NEUTRAL_ACTIONS = [
  'case-created',
  'exported',
  'verified',
  'fsck',
  'member-added',
  'member-removed',
  'defendant-created',
  'defendant-changed',
  'defendant-removed',
  'damages-rules-chosen',
  // Trust alone changes nothing stored: `spamcase attribute` applies it, recorded as 'attributed'.
  'trust-changed',
  // Tags and notes (server/labels/) change no count.
  'tag-created',
  'tag-renamed',
  'tag-deleted',
  'tagged',
  'untagged',
  'note-added',
  'note-removed',
  // How dates are shown: no count changes.
  'time-zone-set',
] as const;

/** The sequence number of the case's last custody event that may change campaign sizes. */
async function headSeq(knex: Knex | Knex.Transaction, caseId: number): Promise<number> {
  const row = (await knex('custody_events')
    .where({ case_id: caseId })
    .whereNotIn('action', SIZE_NEUTRAL_ACTIONS)
    .max({ seq: 'seq' })
    .first()) as { seq: number | string | null } | undefined;
  return Number(row?.seq ?? 0);
}

/** Counts the sizes of every campaign of the case and stores them with the head they are valid for. */
export async function recountCampaignSizes(
  knex: Knex,
  caseId: number,
  clock: () => Date = () => new Date(),
): Promise<SizesState> {
  return withBusyRetry(() =>
    knex.transaction(async (trx) => {
      // On PostgreSQL, clustering's lock first: a recount updating every campaign row of the case while
      // clustering updated some of them in another order was a deadlock, and a dashboard view at the
      // end of an ingest answered 503 (once in CI's load test).
      if (trx.client.config.client === 'pg')
        await trx.raw('select pg_advisory_xact_lock(?, ?)', [PG_CAMPAIGN_LOCK, caseId]);
      // A write first: on SQLite it takes the write lock (waiting on the busy timeout) before any read,
      // so the head and the counts below are read from one snapshot.
      await trx('campaigns')
        .where({ case_id: caseId })
        .update({ deliveries: 0, accounts: 0, originating_ips: null, first_date: null, last_date: null });
      const seq = await headSeq(trx, caseId);
      await trx.raw(
        `UPDATE campaigns AS c SET first_date = s.first_date, last_date = s.last_date
       FROM (SELECT cm.campaign_number AS number, min(m.date) AS first_date, max(m.date) AS last_date
             FROM campaign_members cm JOIN messages m ON m.id = cm.message_id
             WHERE cm.case_id = ? GROUP BY cm.campaign_number) AS s
       WHERE c.case_id = ? AND c.number = s.number`,
        [caseId, caseId],
      );
      await trx.raw(
        `UPDATE campaigns AS c SET deliveries = s.deliveries, accounts = s.accounts,
              originating_ips = CASE WHEN s.attributed > 0 THEN s.ips ELSE NULL END
       FROM (SELECT cm.campaign_number AS number, count(*) AS deliveries, count(ia.item_id) AS attributed,
                    count(DISTINCT ia.account) AS accounts, count(DISTINCT ia.originating_ip) AS ips
             FROM campaign_members cm
             JOIN deliveries d ON d.message_id = cm.message_id
             LEFT JOIN item_attributions ia ON ia.item_id = d.first_item_id
             WHERE cm.case_id = ? GROUP BY cm.campaign_number) AS s
       WHERE c.case_id = ? AND c.number = s.number`,
        [caseId, caseId],
      );
      const countedAt = clock().toISOString();
      await trx('campaign_size_heads')
        .insert({ case_id: caseId, custody_seq: seq, computed_at: countedAt })
        .onConflict('case_id')
        .merge();
      return { current: true, countedAt };
    }),
  );
}

function recountOnce(knex: Knex, caseId: number): Promise<SizesState> {
  let perCase = inFlight.get(knex);
  if (!perCase) inFlight.set(knex, (perCase = new Map()));
  const running = perCase.get(caseId);
  if (running) return running;
  const p = recountCampaignSizes(knex, caseId).finally(() => perCase.delete(caseId));
  perCase.set(caseId, p);
  return p;
}

export interface SizesReadOptions {
  /**
   * The read serves a web request. On SQLite such a read never recounts: the driver is synchronous,
   * so a recount (about 15 s at a million messages) would stall every page the server is serving,
   * and waiting for another process's write lock would stall them for the busy timeout and then
   * fail. That happens at the end of every ingest: its acquisitions are done, but its clustering and
   * recount have not yet committed. On PostgreSQL a request waits alone.
   */
  servingRequest?: boolean;
}

/**
 * Makes the stored sizes those of the current head (recounting if needed) and says whether they are;
 * they are not while an acquisition runs in the case, nor, for a web request on SQLite, until the
 * process that moved the head (ingest, attribute, dkim, campaigns update: each recounts at its end)
 * has recounted them. Sizes never counted at all are counted in any case.
 */
export async function ensureCampaignSizes(
  knex: Knex,
  caseId: number,
  opts: SizesReadOptions = {},
): Promise<SizesState> {
  const seq = await headSeq(knex, caseId);
  const stored = (await knex('campaign_size_heads').where({ case_id: caseId }).first('custody_seq', 'computed_at')) as
    { custody_seq: number | string; computed_at: string } | undefined;
  if (stored && Number(stored.custody_seq) === seq) return { current: true, countedAt: stored.computed_at };
  if (stored && opts.servingRequest && knex.client.config.client !== 'pg')
    return { current: false, countedAt: stored.computed_at };
  const running = (await knex('acquisitions')
    .where({ case_id: caseId, status: 'running' })
    .count({ n: '*' })
    .first()) as { n: number | string };
  if (!stored || Number(running.n) === 0) {
    const state = await recountOnce(knex, caseId);
    return Number(running.n) === 0 ? state : { current: false, countedAt: state.countedAt };
  }
  return { current: false, countedAt: stored.computed_at };
}

/** The stored columns of a campaign row as a CampaignSize. */
export function storedSize(row: {
  messages: number | string;
  deliveries: number | string;
  accounts: number | string;
  originating_ips: number | string | null;
  first_date: string | null;
  last_date: string | null;
}): CampaignSize {
  return {
    messages: Number(row.messages),
    deliveries: Number(row.deliveries),
    accounts: Number(row.accounts),
    originatingIps: row.originating_ips === null ? null : Number(row.originating_ips),
    firstDate: row.first_date,
    lastDate: row.last_date,
  };
}

/** The columns storedSize reads, qualified by the campaigns table's alias. */
export function sizeColumns(alias: string): string[] {
  return ['messages', 'deliveries', 'accounts', 'originating_ips', 'first_date', 'last_date'].map(
    (c) => `${alias}.${c}`,
  );
}
