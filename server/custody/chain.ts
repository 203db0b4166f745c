/**
 * The custody log: an append-only, hash-chained record of everything done to a case's evidence.
 *
 *   hash = SHA-256( prev_hash + "\n" + canonical JSON of {case, seq, at, actor, action, details} )
 *
 * The first event's prev_hash is 64 zeros. Canonical JSON: object keys sorted, no whitespace, so
 * anyone can recompute the chain from the exported log with any JSON library.
 */
import crypto from 'node:crypto';
import type { Knex } from 'knex';

export const GENESIS_HASH = '0'.repeat(64);

export type CustodyAction =
  | 'case-created'
  | 'acquisition-started'
  | 'acquired'
  | 'acquisition-interrupted'
  | 'fsck'
  | 'dkim-verified'
  | 'damages-rules-chosen'
  | 'trust-changed'
  | 'attributed'
  | 'defendant-created'
  | 'defendant-changed'
  | 'defendant-removed'
  | 'campaigns-clustered'
  | 'campaigns-merged'
  | 'exported'
  | 'verified'
  | 'member-added'
  | 'member-removed'
  | 'tag-created'
  | 'tag-renamed'
  | 'tag-deleted'
  | 'tagged'
  | 'untagged'
  | 'note-added'
  | 'note-removed'
  | 'time-zone-set';

export interface CustodyEvent {
  case: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in custody event');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function custodyHash(prevHash: string, body: Omit<CustodyEvent, 'prevHash' | 'hash'>): string {
  const payload = canonicalJson({
    case: body.case,
    seq: body.seq,
    at: body.at,
    actor: body.actor,
    action: body.action,
    details: body.details,
  });
  return crypto.createHash('sha256').update(`${prevHash}\n${payload}`).digest('hex');
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  action: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** PostgreSQL advisory lock class of a case's custody chain (second key: the case id). */
export const PG_CUSTODY_LOCK = 0x43555354; // "CUST"

/**
 * Append one event. Call inside a write transaction: on SQLite the transaction is BEGIN IMMEDIATE
 * (one writer); on PostgreSQL appenders to one case take turns on an advisory lock, so two writers
 * cannot take the same seq. Not a lock on the case row (SELECT ... FOR UPDATE): every insert of a
 * row that references the case (an acquisition, a campaign) holds a KEY SHARE lock on that row until
 * commit, which FOR UPDATE waits for, so two ingests that each had inserted their acquisition and
 * then appended "acquisition-started" deadlocked.
 */
export async function appendCustodyEvent(
  trx: Knex.Transaction,
  event: {
    caseId: number;
    caseSlug: string;
    at: Date;
    actor: string;
    action: CustodyAction;
    details: Record<string, unknown>;
  },
): Promise<CustodyEvent> {
  if (trx.client.config.client === 'pg')
    await trx.raw('select pg_advisory_xact_lock(?, ?)', [PG_CUSTODY_LOCK, event.caseId]);
  const last = (await trx('custody_events')
    .where({ case_id: event.caseId })
    .orderBy('seq', 'desc')
    .first('seq', 'hash')) as { seq: number; hash: string } | undefined;
  const body = {
    case: event.caseSlug,
    seq: last ? Number(last.seq) + 1 : 1,
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    details: JSON.parse(canonicalJson(event.details)) as Record<string, unknown>,
  };
  const prevHash = last ? last.hash : GENESIS_HASH;
  const hash = custodyHash(prevHash, body);
  await trx('custody_events').insert({
    case_id: event.caseId,
    seq: body.seq,
    at: body.at,
    actor: body.actor,
    action: body.action,
    details: canonicalJson(body.details),
    prev_hash: prevHash,
    hash,
  });
  return { ...body, prevHash, hash };
}

export async function listCustodyEvents(knex: Knex, caseId: number, caseSlug: string): Promise<CustodyEvent[]> {
  const rows = (await knex('custody_events').where({ case_id: caseId }).orderBy('seq')) as Row[];
  return rows.map((r) => ({
    case: caseSlug,
    seq: Number(r.seq),
    at: r.at,
    actor: r.actor,
    action: r.action,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
}

/** Recompute the chain; every break is named (event seq and what is wrong). */
export function verifyCustodyChain(events: CustodyEvent[]): string[] {
  const problems: string[] = [];
  let prev = GENESIS_HASH;
  events.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`custody event ${e.seq}: expected sequence number ${i + 1}`);
    if (e.prevHash !== prev) problems.push(`custody event ${e.seq}: prev_hash does not match the hash of event ${i}`);
    const expected = custodyHash(e.prevHash, e);
    if (expected !== e.hash)
      problems.push(`custody event ${e.seq}: hash does not match its content (altered after it was written)`);
    prev = e.hash;
  });
  return problems;
}
