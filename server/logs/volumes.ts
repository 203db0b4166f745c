/**
 * Attempt volumes per account and per originating IP (docs/LOGS.md, docs/COUNTING.md):
 *
 * - an **attempt** is one recipient of one transaction: a refusal is one attempt; the accepted,
 *   delivered, bounced and deferred events of one queue id and recipient on one server are one
 *   attempt however many retries the log shows;
 * - **refused unknown users**: refusals for a mailbox that does not exist;
 * - **delivered**: attempts with a `delivered` event;
 * - **matched samples**: attempts matched to a harvested item (match.ts).
 *
 * The account is the one attribution gave the matched item, else the envelope sender the log
 * recorded (lower-cased); the originating IP the matched item's, else the client the log recorded
 * (which, for mail handed over by a provider's relay, is that relay: the hand-off).
 *
 * `distinctAttempts` makes the attempts, each once with its outcome; these volumes and the damages'
 * attempt unit (server/damages/attempt-counts.ts) both count its list, so they cannot disagree.
 */
import type { Knex } from 'knex';

export interface AttemptVolume {
  key: string;
  attempts: number;
  refusedUnknownUsers: number;
  refusedPolicy: number;
  delivered: number;
  bounced: number;
  matchedSamples: number;
}

export interface AttemptVolumes {
  totals: Omit<AttemptVolume, 'key'> & { logFiles: number; lines: number; unknownLines: number };
  accounts: AttemptVolume[];
  ips: AttemptVolume[];
}

interface Row {
  server: string;
  queue_id: string | null;
  recipient: string | null;
  result: string;
  sender: string | null;
  client_ip: string | null;
  item_id: number | string | null;
  account: string | null;
  originating_ip: string | null;
  log_file_id: number | string;
  id: number | string;
}

/**
 * What became of one attempt, one word each, so that every attempt has exactly one: a refusal (for an
 * unknown user, or by policy), else `delivered` if any of its events says so, else `bounced`, else
 * `deferred`, else `accepted` (taken, with no later outcome in the logs read).
 */
export const ATTEMPT_OUTCOMES = [
  'refused-unknown-user',
  'refused-policy',
  'delivered',
  'bounced',
  'deferred',
  'accepted',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** One attempt: one recipient of one transaction, its events taken together (docs/LOGS.md, "Counting"). */
export interface DistinctAttempt {
  outcome: AttemptOutcome;
  /** The account attribution gave the matched item, else the envelope sender (lower-cased); `(none)` for neither. */
  account: string;
  /** The matched item's originating IP, else the client the log recorded; `(none)` for neither. */
  ip: string;
  /** Some event of it was matched to a harvested item (match.ts): it is that harvested delivery, not another one. */
  matched: boolean;
  /** The envelope sender as the log recorded it (lower-cased), null for the null sender or none. */
  sender: string | null;
  /** The log file of its first event (whose acquisition's party logged it). */
  logFileId: number;
}

interface Acc {
  attempts: number;
  unknown: number;
  policy: number;
  delivered: number;
  bounced: number;
  matched: number;
}

/**
 * The case's attempts, each once: a refusal is one attempt; the accepted, delivered, bounced and
 * deferred events of one server, queue id and recipient are one attempt (an event without a queue id
 * is one of its own). Read in id pages; memory grows with distinct attempts, not rows. The volumes
 * below and the damages' attempt counts (server/damages/attempt-counts.ts) both count these.
 */
export async function distinctAttempts(knex: Knex, caseId: number): Promise<DistinctAttempt[]> {
  const attempts = new Map<string, DistinctAttempt & { delivered: boolean; bounced: boolean; deferred: boolean }>();
  const refusals: DistinctAttempt[] = [];
  let after = 0;
  const PAGE = 20_000;
  for (;;) {
    const rows = (await knex('attempts as t')
      .leftJoin('item_attributions as a', 'a.item_id', 't.item_id')
      .where('t.case_id', caseId)
      .andWhere('t.id', '>', after)
      .orderBy('t.id')
      .limit(PAGE)
      .select(
        't.id',
        't.server',
        't.queue_id',
        't.recipient',
        't.result',
        't.sender',
        't.client_ip',
        't.item_id',
        't.log_file_id',
        'a.account',
        'a.originating_ip',
      )) as Row[];
    if (rows.length === 0) break;
    after = Number(rows[rows.length - 1]!.id);
    for (const r of rows) {
      const account = ((r.item_id !== null ? r.account : null) ?? r.sender ?? '(none)').toLowerCase();
      const ip = (r.item_id !== null ? r.originating_ip : null) ?? r.client_ip ?? '(none)';
      const sender = r.sender === null ? null : r.sender.toLowerCase();
      if (r.result === 'refused-unknown-user' || r.result === 'refused-policy') {
        refusals.push({ outcome: r.result, account, ip, matched: false, sender, logFileId: Number(r.log_file_id) });
        continue;
      }
      const key = `${r.server}\u0000${r.queue_id ?? `line:${r.id}`}\u0000${r.recipient ?? ''}`;
      let a = attempts.get(key);
      if (!a)
        attempts.set(
          key,
          (a = {
            outcome: 'accepted',
            account,
            ip,
            matched: false,
            sender,
            logFileId: Number(r.log_file_id),
            delivered: false,
            bounced: false,
            deferred: false,
          }),
        );
      if (r.result === 'delivered') a.delivered = true;
      if (r.result === 'bounced') a.bounced = true;
      if (r.result === 'deferred') a.deferred = true;
      if (r.item_id !== null) {
        // A matched event tells the attempt's account and IP better than the log's envelope sender.
        a.matched = true;
        a.account = account;
        a.ip = ip;
      }
    }
  }
  const out: DistinctAttempt[] = [];
  for (const a of attempts.values())
    out.push({
      outcome: a.delivered ? 'delivered' : a.bounced ? 'bounced' : a.deferred ? 'deferred' : 'accepted',
      account: a.account,
      ip: a.ip,
      matched: a.matched,
      sender: a.sender,
      logFileId: a.logFileId,
    });
  for (const r of refusals) out.push(r);
  return out;
}

/** Per account and per IP: attempts, refusals, delivered, bounced, matched (distinctAttempts, counted). */
export async function attemptVolumes(knex: Knex, caseId: number): Promise<AttemptVolumes> {
  const list = await distinctAttempts(knex, caseId);
  const byAccount = new Map<string, Acc>();
  const byIp = new Map<string, Acc>();
  const total: Acc = { attempts: 0, unknown: 0, policy: 0, delivered: 0, bounced: 0, matched: 0 };
  const add = (map: Map<string, Acc>, key: string): Acc => {
    let acc = map.get(key);
    if (!acc) map.set(key, (acc = { attempts: 0, unknown: 0, policy: 0, delivered: 0, bounced: 0, matched: 0 }));
    return acc;
  };
  for (const a of list)
    for (const acc of [add(byAccount, a.account), add(byIp, a.ip), total]) {
      acc.attempts += 1;
      if (a.outcome === 'refused-unknown-user') acc.unknown += 1;
      else if (a.outcome === 'refused-policy') acc.policy += 1;
      else if (a.outcome === 'delivered') acc.delivered += 1;
      else if (a.outcome === 'bounced') acc.bounced += 1;
      if (a.matched) acc.matched += 1;
    }
  const shape = (key: string, a: Acc): AttemptVolume => ({
    key,
    attempts: a.attempts,
    refusedUnknownUsers: a.unknown,
    refusedPolicy: a.policy,
    delivered: a.delivered,
    bounced: a.bounced,
    matchedSamples: a.matched,
  });
  const sorted = (map: Map<string, Acc>): AttemptVolume[] =>
    [...map].map(([k, a]) => shape(k, a)).sort((x, y) => y.attempts - x.attempts || (x.key < y.key ? -1 : 1));
  const files = (await knex('log_files')
    .where({ case_id: caseId })
    .count({ n: '*' })
    .sum({ lines: 'lines', unknown: 'unknown_lines' })
    .first()) as { n: number | string; lines: number | string | null; unknown: number | string | null };
  const t = shape('', total);
  return {
    totals: {
      attempts: t.attempts,
      refusedUnknownUsers: t.refusedUnknownUsers,
      refusedPolicy: t.refusedPolicy,
      delivered: t.delivered,
      bounced: t.bounced,
      matchedSamples: t.matchedSamples,
      logFiles: Number(files.n),
      lines: Number(files.lines ?? 0),
      unknownLines: Number(files.unknown ?? 0),
    },
    accounts: sorted(byAccount),
    ips: sorted(byIp),
  };
}
