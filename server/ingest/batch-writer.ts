/**
 * Group commit of ingested samples: one database transaction per batch, preceded by one fsync of
 * the pack segment holding the batch's new items. A batch either counts completely, with its bytes
 * durable, or not at all.
 *
 * Inside the transaction (BEGIN IMMEDIATE on SQLite; the case row locked on PostgreSQL, so writers
 * of one case are serialized): find which items already exist, number the new ones (Bates), append
 * their bytes to the store, resolve message keys against messages already in the case, insert
 * everything with ON CONFLICT DO NOTHING on the natural keys (re-ingesting changes nothing).
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { withBusyRetry } from '../db/errors.ts';
import { PackWriter, sha256Hex } from '../store/pack-store.ts';
import type { Analysis } from './analyze.ts';
import { boundedKey, MAX_ADDRESS_LENGTH, MAX_LOCATOR_LENGTH, messageIdKey, rawKey } from './keys.ts';
import { bulkInsert } from '../db/bulk-insert.ts';

type EmailAnalysis = Extract<Analysis, { kind: 'email' }>;

const ITEM_COLUMNS = ['case_id', 'sha256', 'bates', 'party_id', 'first_acquisition_id', 'size', 'pack', 'pack_offset', 'message_key', 'date', 'parse_error'];
const MESSAGE_COLUMNS = ['case_id', 'message_key', 'message_id', 'identity', 'from_address', 'subject', 'date', 'first_item_sha256'];
const DELIVERY_COLUMNS = ['case_id', 'message_key', 'recipient', 'recipient_source', 'first_item_sha256'];
const ACCOUNT_COLUMNS = ['case_id', 'address', 'domain', 'first_item_sha256'];
const SAMPLE_COLUMNS = ['case_id', 'acquisition_id', 'item_sha256', 'origin', 'locator', 'envelope_sender', 'wrapper_id', 'exact_duplicate', 'message_key', 'recipient'];
const REJECTION_COLUMNS = ['case_id', 'acquisition_id', 'origin', 'locator', 'reason', 'size', 'sha256'];
/** Values per IN (...) list when looking keys up. */
const LOOKUP_CHUNK = 500;

export interface PendingSample {
  analysis: EmailAnalysis;
  bytes: Buffer;
  locator: string;
  envelopeSender: string | null;
  wrapperLocator: string | null;
}

export interface BatchTotals {
  /** New samples recorded (a sample already recorded by an earlier run of the same input is not). */
  samples: number;
  alreadyRecorded: number;
  newItems: number;
  exactDuplicates: number;
  rejected: number;
  wrappers: number;
}

export interface BatchTarget {
  caseId: number;
  partyId: number;
  acquisitionId: number;
  /** The acquisition's source path: with the party and locator, it identifies a sample across runs. */
  source: string;
  batesPrefix: string;
  storeDir: string;
}

/** Bates numbers: prefix, dash, seven digits (more when a party passes ten million items). */
export function formatBates(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(7, '0')}`;
}

/**
 * A sample's (or wrapper's, or rejected input's) identity across ingest runs: the same party
 * ingesting the same bytes from the same place again records nothing new.
 */
export function originOf(partyId: number, source: string, locator: string, sha256: string | null): string {
  return sha256Hex(Buffer.from(`${partyId}\n${source}\n${locator}\n${sha256 ?? ''}`, 'utf8'));
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export class BatchWriter {
  private samples: PendingSample[] = [];
  private wrappers: Array<{ locator: string; bytes: Buffer; kind: string; sha256: string }> = [];
  private rejections: Array<{ locator: string; reason: string; size: number | null; sha256: string | null }> = [];
  private bytes = 0;
  private readonly pack: PackWriter;
  /** Wrapper ids of this acquisition by locator, for samples that arrive in a later batch. */
  private readonly wrapperIds = new Map<string, number>();

  constructor(
    private readonly ctx: Context,
    private readonly target: BatchTarget,
  ) {
    this.pack = new PackWriter(target.storeDir);
  }

  get pendingSamples(): number {
    return this.samples.length;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  addSample(sample: PendingSample): void {
    this.samples.push(sample);
    this.bytes += sample.bytes.length;
  }

  addWrapper(locator: string, bytes: Buffer, kind: string): void {
    this.wrappers.push({ locator, bytes, kind, sha256: sha256Hex(bytes) });
    this.bytes += bytes.length;
  }

  addRejection(locator: string, reason: string, size: number | null, sha256: string | null): void {
    this.rejections.push({ locator, reason, size, sha256 });
  }

  async flush(): Promise<BatchTotals> {
    if (this.samples.length === 0 && this.wrappers.length === 0 && this.rejections.length === 0) {
      return { samples: 0, alreadyRecorded: 0, newItems: 0, exactDuplicates: 0, rejected: 0, wrappers: 0 };
    }
    const totals = await withBusyRetry(() =>
      this.ctx.db.knex.transaction(async (trx) => {
        try {
          return await this.write(trx);
        } catch (err) {
          this.pack.discard();
          throw err;
        }
      }),
    );
    this.samples = [];
    this.wrappers = [];
    this.rejections = [];
    this.bytes = 0;
    return totals;
  }

  close(): void {
    this.pack.close();
  }

  private async write(trx: Knex.Transaction): Promise<BatchTotals> {
    const { caseId, partyId, acquisitionId } = this.target;
    if (trx.client.config.client === 'pg') await trx('cases').where({ id: caseId }).forUpdate().first('id');

    // 0. What an earlier run of this same input already recorded.
    const origin = (locator: string, sha256: string | null) => originOf(partyId, this.target.source, locator, sha256);
    const recorded = new Set<string>();
    const lookups: Array<[string, string[]]> = [
      ['samples', this.samples.map((s) => origin(s.locator, s.analysis.sha256))],
      ['wrappers', this.wrappers.map((w) => origin(w.locator, w.sha256))],
      ['rejections', this.rejections.map((r) => origin(r.locator, r.sha256))],
    ];
    for (const [table, origins] of lookups) {
      for (const part of chunks(origins, LOOKUP_CHUNK)) {
        const rows = (await trx(table).where({ case_id: caseId }).whereIn('origin', part).select('origin')) as Array<{ origin: string }>;
        for (const r of rows) recorded.add(r.origin);
      }
    }
    const samples = this.samples.filter((s) => !recorded.has(origin(s.locator, s.analysis.sha256)));
    const rejections = this.rejections.filter((r) => !recorded.has(origin(r.locator, r.sha256)));

    // 1. Which items does the case already hold?
    const known = new Set<string>();
    const shas = [...new Set(samples.map((s) => s.analysis.sha256))];
    for (const part of chunks(shas, LOOKUP_CHUNK)) {
      const rows = (await trx('items').where({ case_id: caseId }).whereIn('sha256', part).select('sha256')) as Array<{ sha256: string }>;
      for (const r of rows) known.add(r.sha256);
    }

    // 2. Messages already filed under the batch's Message-IDs (to spot a Message-ID reused for other content).
    const byMessageId = new Map<string, Array<{ key: string; identity: string }>>();
    const mids = [...new Set(samples.map((s) => s.analysis.messageId).filter((m): m is string => m !== null))];
    for (const part of chunks(mids, LOOKUP_CHUNK)) {
      const rows = (await trx('messages').where({ case_id: caseId }).whereIn('message_id', part).select('message_key', 'message_id', 'identity')) as Array<{
        message_key: string;
        message_id: string;
        identity: string;
      }>;
      for (const r of rows) {
        const list = byMessageId.get(r.message_id) ?? [];
        list.push({ key: r.message_key, identity: r.identity });
        byMessageId.set(r.message_id, list);
      }
    }

    // 3. Wrappers (acquisition evidence) first: samples point at them.
    let wrappers = 0;
    for (const w of this.wrappers) {
      const wrapperOrigin = origin(w.locator, w.sha256);
      if (recorded.has(wrapperOrigin)) {
        const row = (await trx('wrappers').where({ case_id: caseId, origin: wrapperOrigin }).first('id')) as { id: number };
        this.wrapperIds.set(w.locator, Number(row.id));
        continue;
      }
      const existing = (await trx('wrappers').where({ case_id: caseId, sha256: w.sha256 }).first('pack', 'pack_offset')) as
        | { pack: string; pack_offset: number | string }
        | undefined;
      const location = existing ? { pack: existing.pack, offset: Number(existing.pack_offset) } : this.pack.append(w.sha256, w.bytes);
      const [row] = (await trx('wrappers').insert(
        {
          case_id: caseId,
          acquisition_id: acquisitionId,
          origin: wrapperOrigin,
          locator: boundedKey(w.locator, MAX_LOCATOR_LENGTH),
          kind: w.kind,
          sha256: w.sha256,
          size: w.bytes.length,
          pack: location.pack,
          pack_offset: location.offset,
        },
        ['id'],
      )) as Array<{ id: number } | number>;
      this.wrapperIds.set(w.locator, typeof row === 'object' ? Number(row.id) : Number(row));
      wrappers += 1;
    }

    // 4. Items, messages, deliveries, accounts, samples.
    const party = (await trx('parties').where({ id: partyId }).first('next_bates')) as { next_bates: number | string };
    let nextBates = Number(party.next_bates);
    const itemRows: unknown[][] = [];
    const messageRows = new Map<string, unknown[]>();
    const deliveryRows = new Map<string, unknown[]>();
    const accountRows = new Map<string, unknown[]>();
    const sampleRows: unknown[][] = [];
    let exactDuplicates = 0;

    for (const s of samples) {
      const a = s.analysis;
      const messageKey = resolveMessageKey(a, byMessageId);
      const duplicate = known.has(a.sha256);
      if (duplicate) {
        exactDuplicates += 1;
      } else {
        known.add(a.sha256);
        const location = this.pack.append(a.sha256, s.bytes);
        const bates = formatBates(this.target.batesPrefix, nextBates++);
        itemRows.push([caseId, a.sha256, bates, partyId, acquisitionId, a.size, location.pack, location.offset, messageKey, a.date, a.parseError]);
      }
      if (!messageRows.has(messageKey)) {
        messageRows.set(messageKey, [caseId, messageKey, a.messageId, a.identity, a.fromAddress, a.subject, a.date, a.sha256]);
      }
      const deliveryKey = `${messageKey}\n${a.recipient}`;
      if (!deliveryRows.has(deliveryKey)) deliveryRows.set(deliveryKey, [caseId, messageKey, a.recipient, a.recipientSource, a.sha256]);
      if (a.fromAddress && !accountRows.has(a.fromAddress)) {
        const at = a.fromAddress.lastIndexOf('@');
        accountRows.set(a.fromAddress, [caseId, a.fromAddress, at >= 0 ? a.fromAddress.slice(at + 1) : '', a.sha256]);
      }
      sampleRows.push([
        caseId,
        acquisitionId,
        a.sha256,
        origin(s.locator, a.sha256),
        boundedKey(s.locator, MAX_LOCATOR_LENGTH),
        s.envelopeSender === null ? null : boundedKey(s.envelopeSender, MAX_ADDRESS_LENGTH),
        s.wrapperLocator === null ? null : (this.wrapperIds.get(s.wrapperLocator) ?? null),
        duplicate,
        messageKey,
        a.recipient,
      ]);
    }

    // The bytes are durable before the transaction that counts them commits.
    this.pack.flush();

    await bulkInsert(trx, 'items', ITEM_COLUMNS, itemRows);
    await bulkInsert(trx, 'messages', MESSAGE_COLUMNS, [...messageRows.values()], ['case_id', 'message_key']);
    await bulkInsert(trx, 'deliveries', DELIVERY_COLUMNS, [...deliveryRows.values()], ['case_id', 'message_key', 'recipient']);
    await bulkInsert(trx, 'accounts', ACCOUNT_COLUMNS, [...accountRows.values()], ['case_id', 'address']);
    await bulkInsert(trx, 'samples', SAMPLE_COLUMNS, sampleRows);
    await bulkInsert(
      trx,
      'rejections',
      REJECTION_COLUMNS,
      rejections.map((r) => [caseId, acquisitionId, origin(r.locator, r.sha256), boundedKey(r.locator, MAX_LOCATOR_LENGTH), r.reason, r.size, r.sha256]),
    );
    if (itemRows.length > 0) await trx('parties').where({ id: partyId }).update({ next_bates: nextBates });
    await trx('acquisitions')
      .where({ id: acquisitionId })
      .increment({ samples: sampleRows.length, new_items: itemRows.length, rejected: rejections.length });

    return {
      samples: sampleRows.length,
      alreadyRecorded: this.samples.length - samples.length,
      newItems: itemRows.length,
      exactDuplicates,
      rejected: rejections.length,
      wrappers,
    };
  }
}

/**
 * The message a sample belongs to: its Message-ID, unless that Message-ID already names a message
 * with another identity (sender, subject, date) — a spam tool stamping one ID on everything — in
 * which case the content key decides. No Message-ID: the content key. No header at all: the item.
 */
export function resolveMessageKey(a: EmailAnalysis, byMessageId: Map<string, Array<{ key: string; identity: string }>>): string {
  if (!a.hasHeaders) return rawKey(a.sha256);
  if (a.messageId === null) return a.contentKey;
  const candidates = byMessageId.get(a.messageId) ?? [];
  const match = candidates.find((c) => c.identity === a.identity);
  if (match) return match.key;
  const key = candidates.length === 0 ? messageIdKey(a.messageId) : a.contentKey;
  candidates.push({ key, identity: a.identity });
  byMessageId.set(a.messageId, candidates);
  return key;
}
