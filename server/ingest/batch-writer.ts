/**
 * Group commit of ingested samples: one database transaction per batch, preceded by one fsync of
 * the pack segment holding the batch's new items. A batch either counts completely, with its bytes
 * durable, or not at all.
 *
 * Inside the transaction (BEGIN IMMEDIATE on SQLite; an advisory lock per case on PostgreSQL, so
 * the writers of one case are serialized and ids ascend in commit order: id-allocation.ts): skip
 * what another run of the same input (earlier, or at the same time in another process) already
 * recorded, find which items and messages already exist, number the new items (Bates),
 * append their bytes to the store, insert everything. Ids of new items and messages are assigned
 * here, ascending, so the indexes that reference them grow at their right edge.
 */
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { withBusyRetry } from '../db/errors.ts';
import { bulkInsert } from '../db/bulk-insert.ts';
import { allocateBatchIds, lockCaseForIngest } from './id-allocation.ts';
import { PackWriter, sha256Hex } from '../store/pack-store.ts';
import { AttributionBatch } from '../attribution/record.ts';
import { normalizedBodyHash } from '../mail/headers/index.ts';
import { safeFingerprint, type Analysis } from './analyze.ts';
import {
  boundedKey,
  compactKey,
  contentKey,
  MAX_ADDRESS_LENGTH,
  MAX_LOCATOR_LENGTH,
  messageIdKey,
  messageKeyHash,
  rawKey,
} from '../mail/keys.ts';

type EmailAnalysis = Extract<Analysis, { kind: 'email' }>;

/** Values per IN (...) list when looking keys up. */
const LOOKUP_CHUNK = 500;

const ITEM_COLUMNS = [
  'id',
  'case_id',
  'sha256',
  'sha_key',
  'bates',
  'party_id',
  'first_acquisition_id',
  'size',
  'pack',
  'pack_offset',
  'message_id',
  'date',
  'parse_error',
];
const MESSAGE_COLUMNS = [
  'id',
  'case_id',
  'message_key',
  'key_hash',
  'header_message_id',
  'identity',
  'from_address',
  'subject',
  'date',
  'first_item_id',
];
const DELIVERY_COLUMNS = ['message_id', 'recipient', 'case_id', 'recipient_source', 'first_item_id'];
const SAMPLE_COLUMNS = [
  'case_id',
  'acquisition_id',
  'item_id',
  'locator',
  'envelope_sender',
  'wrapper_id',
  'exact_duplicate',
  'message_id',
  'recipient',
];
const FINGERPRINT_COLUMNS = ['message_id', 'case_id', 'minhash'];
const REJECTION_COLUMNS = ['case_id', 'acquisition_id', 'locator', 'reason', 'size', 'sha256'];

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
  batesPrefix: string;
  storeDir: string;
}

/** Bates numbers: prefix, dash, seven digits (more when a party passes ten million items). */
export function formatBates(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(7, '0')}`;
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

const recordedKey = (locator: string, sha256: string | null) => `${locator}\n${sha256 ?? ''}`;

/** The tables whose batch lookups (by SHA-256 key, message key, locator) need current statistics. */
const ANALYZED_TABLES = ['items', 'messages', 'samples', 'deliveries', 'wrappers', 'rejections', 'item_attributions'];

/**
 * PostgreSQL plans from table statistics, which autovacuum keeps current, but only when it is on
 * and only after it gets round to a table. Without them, the batch lookups "case_id = ? AND sha_key
 * IN (...)" were planned as a scan of the whole case (320 ms per 500 keys at a million items, and
 * ingest slowed as the case grew). So each ingest analyzes the tables after its 1st, 2nd, 4th, 8th...
 * batch: about ten times per million samples, each reading a sample of 30,000 rows per table.
 * SQLite plans these lookups by the (case_id, key) indexes without statistics.
 */
async function analyzeForPlanner(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw(`ANALYZE ${ANALYZED_TABLES.join(', ')}`);
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
    this.flushes += 1;
    if (this.flushes === this.nextAnalyze) {
      this.nextAnalyze *= 2;
      await analyzeForPlanner(this.ctx.db.knex);
    }
    return totals;
  }

  /** Batches written by this writer, and the count at which the tables are analyzed next (1, 2, 4, ...). */
  private flushes = 0;
  private nextAnalyze = 1;

  close(): void {
    this.pack.close();
  }

  /**
   * The other acquisitions of the same source by the same party: what they recorded is not
   * recorded again. Looked up in every batch, under the case's write lock, so an ingest of the same
   * input running at the same time in another process is seen too, whichever started first.
   */
  private async sameSourceAcquisitions(trx: Knex.Transaction): Promise<number[]> {
    const rows = (await trx('acquisitions as a')
      .join('acquisitions as me', function () {
        this.on('me.case_id', 'a.case_id').andOn('me.party_id', 'a.party_id').andOn('me.source_name', 'a.source_name');
      })
      .where('me.id', this.target.acquisitionId)
      .whereNot('a.id', this.target.acquisitionId)
      .pluck('a.id')) as Array<number | string>;
    return rows.map(Number);
  }

  /** Locator+hash pairs an earlier acquisition of the same source already recorded in `table`. */
  private async recordedBefore(
    trx: Knex.Transaction,
    earlier: number[],
    table: 'samples' | 'wrappers' | 'rejections',
    locators: string[],
  ): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    if (earlier.length === 0 || locators.length === 0) return found;
    for (const part of chunks(
      locators.map((l) => boundedKey(l, MAX_LOCATOR_LENGTH)),
      LOOKUP_CHUNK,
    )) {
      const q =
        table === 'samples'
          ? trx('samples as t').join('items as i', 'i.id', 't.item_id').select('t.id', 't.locator', 'i.sha256')
          : trx(`${table} as t`).select('t.id', 't.locator', 't.sha256');
      const rows = (await q.whereIn('t.acquisition_id', earlier).whereIn('t.locator', part)) as Array<{
        id: number;
        locator: string;
        sha256: string | null;
      }>;
      for (const r of rows) found.set(recordedKey(r.locator, r.sha256), Number(r.id));
    }
    return found;
  }

  private async write(trx: Knex.Transaction): Promise<BatchTotals> {
    const { caseId, partyId, acquisitionId } = this.target;
    await lockCaseForIngest(trx, caseId);
    const bounded = (l: string) => boundedKey(l, MAX_LOCATOR_LENGTH);

    // 0. What an earlier run of this same input already recorded is not recorded again.
    const earlier = await this.sameSourceAcquisitions(trx);
    const seenSamples = await this.recordedBefore(
      trx,
      earlier,
      'samples',
      this.samples.map((s) => s.locator),
    );
    const seenWrappers = await this.recordedBefore(
      trx,
      earlier,
      'wrappers',
      this.wrappers.map((w) => w.locator),
    );
    const seenRejections = await this.recordedBefore(
      trx,
      earlier,
      'rejections',
      this.rejections.map((r) => r.locator),
    );
    const samples = this.samples.filter((s) => !seenSamples.has(recordedKey(bounded(s.locator), s.analysis.sha256)));
    const rejections = this.rejections.filter((r) => !seenRejections.has(recordedKey(bounded(r.locator), r.sha256)));

    // 1. Items the case already holds.
    const itemIds = new Map<string, number>();
    const wantedShas = new Set(samples.map((s) => s.analysis.sha256));
    for (const part of chunks([...new Set([...wantedShas].map(compactKey))], LOOKUP_CHUNK)) {
      const rows = (await trx('items')
        .where({ case_id: caseId })
        .whereIn('sha_key', part)
        .select('id', 'sha256')) as Array<{ id: number; sha256: string }>;
      for (const r of rows) if (wantedShas.has(r.sha256)) itemIds.set(r.sha256, Number(r.id));
    }

    // 2. Message keys: the Message-ID's, unless the case (or this batch) already has that
    //    Message-ID on a message of another identity; then the content key.
    const messages = new Map<string, { id: number; identity: string } | null>();
    const lookUpMessages = async (keys: string[]) => {
      const missing = [...new Set(keys)].filter((k) => !messages.has(k));
      const wanted = new Set(missing);
      for (const part of chunks([...new Set(missing.map(messageKeyHash))], LOOKUP_CHUNK)) {
        const rows = (await trx('messages')
          .where({ case_id: caseId })
          .whereIn('key_hash', part)
          .select('id', 'message_key', 'identity')) as Array<{
          id: number;
          message_key: string;
          identity: string;
        }>;
        for (const r of rows)
          if (wanted.has(r.message_key)) messages.set(r.message_key, { id: Number(r.id), identity: r.identity });
      }
      for (const k of missing) if (!messages.has(k)) messages.set(k, null);
    };
    await lookUpMessages(
      samples.flatMap((s) =>
        s.analysis.hasHeaders && s.analysis.messageId !== null ? [messageIdKey(s.analysis.messageId)] : [],
      ),
    );
    const firstIdentity = new Map<string, string>();
    const keys = samples.map((s) => {
      const a = s.analysis;
      if (!a.hasHeaders) return rawKey(a.sha256);
      if (a.messageId !== null) {
        const key = messageIdKey(a.messageId);
        const identity = messages.get(key)?.identity ?? firstIdentity.get(key);
        if (identity === undefined) firstIdentity.set(key, a.identity);
        if (identity === undefined || identity === a.identity) return key;
      }
      return contentKey(a.identity, normalizedBodyHash(s.bytes, a.bodyOffset));
    });
    await lookUpMessages(keys);

    // 3. Wrappers (acquisition evidence) first: samples point at them.
    let wrappers = 0;
    for (const w of this.wrappers) {
      const seen = seenWrappers.get(recordedKey(bounded(w.locator), w.sha256));
      if (seen !== undefined) {
        this.wrapperIds.set(w.locator, seen);
        continue;
      }
      const existing = (await trx('wrappers')
        .where({ case_id: caseId, sha256: w.sha256 })
        .first('pack', 'pack_offset')) as { pack: string; pack_offset: number | string } | undefined;
      const location = existing
        ? { pack: existing.pack, offset: Number(existing.pack_offset) }
        : this.pack.append(w.sha256, w.bytes);
      const [row] = (await trx('wrappers').insert(
        {
          case_id: caseId,
          acquisition_id: acquisitionId,
          locator: bounded(w.locator),
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

    // 4. New ids, in order; rows.
    const ids = await allocateBatchIds(trx, {
      items: new Set(samples.filter((s) => !itemIds.has(s.analysis.sha256)).map((s) => s.analysis.sha256)).size,
      messages: new Set(keys.filter((k) => !messages.get(k))).size,
    });
    const party = (await trx('parties').where({ id: partyId }).first('next_bates')) as { next_bates: number | string };
    let nextBates = Number(party.next_bates);
    const itemRows: unknown[][] = [];
    const messageRows: unknown[][] = [];
    const fingerprintRows: unknown[][] = [];
    const deliveryRows = new Map<string, unknown[]>();
    const attribution = new AttributionBatch(caseId, partyId);
    const sampleRows: unknown[][] = [];
    let exactDuplicates = 0;

    samples.forEach((s, i) => {
      const a = s.analysis;
      const key = keys[i]!;
      let itemId = itemIds.get(a.sha256);
      const duplicate = itemId !== undefined;
      if (itemId === undefined) itemId = ids.item();
      let message = messages.get(key);
      if (!message) {
        message = { id: ids.message(), identity: a.identity };
        messages.set(key, message);
        messageRows.push([
          message.id,
          caseId,
          key,
          messageKeyHash(key),
          a.messageId,
          a.identity,
          a.fromAddress,
          a.subject,
          a.date,
          itemId,
        ]);
        attribution.message(message.id, itemId);
        // A copy the reader had seen lately comes without a fingerprint (repeats.ts): a new message all the same.
        const fp = a.fingerprintDeferred ? safeFingerprint(s.bytes, a.subject, a.bodyOffset) : a.campaignFingerprint;
        if (fp !== undefined) fingerprintRows.push([message.id, caseId, fp && Buffer.from(fp)]);
      }
      if (duplicate) {
        exactDuplicates += 1;
      } else {
        itemIds.set(a.sha256, itemId);
        const location = this.pack.append(a.sha256, s.bytes);
        itemRows.push([
          itemId,
          caseId,
          a.sha256,
          compactKey(a.sha256),
          formatBates(this.target.batesPrefix, nextBates++),
          partyId,
          acquisitionId,
          a.size,
          location.pack,
          location.offset,
          message.id,
          a.date,
          a.parseError,
        ]);
        attribution.item(itemId, a.attribution, a.date);
      }
      const deliveryKey = `${message.id}\n${a.recipient}`;
      if (!deliveryRows.has(deliveryKey)) {
        deliveryRows.set(deliveryKey, [message.id, a.recipient, caseId, a.recipientSource, itemId]);
        attribution.delivery(message.id, itemId, a.recipient);
      }
      attribution.sample(itemId);
      sampleRows.push([
        caseId,
        acquisitionId,
        itemId,
        bounded(s.locator),
        s.envelopeSender === null ? null : boundedKey(s.envelopeSender, MAX_ADDRESS_LENGTH),
        s.wrapperLocator === null ? null : (this.wrapperIds.get(s.wrapperLocator) ?? null),
        duplicate,
        message.id,
        a.recipient,
      ]);
    });

    // Before the inserts: it needs to know which deliveries the case already has.
    await attribution.write(trx);
    // The bytes are durable before the transaction that counts them commits.
    this.pack.flush();

    await bulkInsert(trx, 'items', ITEM_COLUMNS, itemRows);
    await bulkInsert(trx, 'messages', MESSAGE_COLUMNS, messageRows);
    await bulkInsert(trx, 'message_fingerprints', FINGERPRINT_COLUMNS, fingerprintRows);
    await bulkInsert(trx, 'deliveries', DELIVERY_COLUMNS, [...deliveryRows.values()], ['message_id', 'recipient']);
    await bulkInsert(trx, 'samples', SAMPLE_COLUMNS, sampleRows);
    await bulkInsert(
      trx,
      'rejections',
      REJECTION_COLUMNS,
      rejections.map((r) => [caseId, acquisitionId, bounded(r.locator), r.reason, r.size, r.sha256]),
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
