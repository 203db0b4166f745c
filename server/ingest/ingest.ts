/**
 * The acquisitions of an ingest: one per input path. Streams the path's samples (sources/), analyzes
 * each (analyze.ts), and group-commits them in batches (batch-writer.ts). Memory is bounded by one
 * batch, whatever the corpus size. Re-running an ingest is safe: it adds an acquisition (and its
 * custody events) and changes no count. Clustering the campaigns and recounting their sizes after
 * the acquisitions is the ingest use case's (server/usecases/ingest.ts), not this floor's.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SpamcaseError } from '../errors.ts';
import { storeDir, type Context } from '../context.ts';
import { getCase, resolveParty } from '../cases/cases.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { markInterruptedAcquisitions, ownerColumns } from '../cases/acquisition-owners.ts';
import type { SourceLimits } from './sources/index.ts';
import { readAnalyzed } from './analyzed-source.ts';
import { BatchWriter, type BatchTotals } from './batch-writer.ts';
import type { SampleBudget } from './watchdog.ts';
import { loadPartyTrust } from '../attribution/party-trust.ts';

export const ACQUISITION_METHODS = ['trap', 'report', 'feed', 'bounce', 'mailbox'] as const;
export type AcquisitionMethod = (typeof ACQUISITION_METHODS)[number];

/** Samples per group commit: one fsync and one transaction per batch. */
export const BATCH_SAMPLES = 2000;
/** Bytes per group commit, so a batch of huge messages stays small in memory. */
export const BATCH_BYTES = 32 * 1024 * 1024;

export interface IngestProgress {
  source: string;
  samples: number;
  rejected: number;
  bytes: number;
  elapsedMs: number;
}

export interface IngestOptions {
  caseSlug: string;
  party?: string;
  method: AcquisitionMethod;
  paths: string[];
  /** The mailbox every sample of these inputs was delivered to (mailbox exports with no Delivered-To). */
  envelopeRecipient?: string;
  limits?: Partial<SourceLimits>;
  /** Read and analyze in a worker thread while this thread writes (default true; false: one thread). */
  threaded?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /**
   * Fingerprint messages in the reader thread, and (the ingest use case) update the case's campaigns at the end
   * (default true; false only to measure their cost).
   */
  campaigns?: boolean;
  /**
   * Per-message time and memory budget of the reader thread (watchdog.ts; config: SPAMCASE_MESSAGE_TIME_BUDGET_MS,
   * SPAMCASE_MESSAGE_MEMORY_BUDGET_MB).
   */
  budget?: Partial<SampleBudget>;
  /**
   * What the person who brought the input said about it, kept with the acquisition and in its
   * custody event: the file name they chose (a web upload's browser file name; the server's copy
   * has another path), the custodian it came from, notes. fileName only with a single path.
   */
  provenance?: AcquisitionProvenance;
}

export interface AcquisitionProvenance {
  fileName?: string;
  custodian?: string;
  notes?: string;
}

export const CUSTODIAN_MAX = 200;
export const NOTES_MAX = 2000;
export const FILE_NAME_MAX = 255;

/**
 * A file name as a browser or a user sent it, fit to keep and show: its last path part only (a
 * browser may send C:\Users\…\x.eml, a hostile one ../../x), line breaks and tabs as spaces, at
 * most FILE_NAME_MAX characters (the middle cut, so the extension stays). Bidirectional controls and
 * invisible characters are kept as sent: pages mark them (server/hidden-text.ts).
 */
export function cleanFileName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\r\n\t]+/g, ' ').trim();
  const chars = [...base];
  const kept =
    chars.length <= FILE_NAME_MAX
      ? base
      : `${chars.slice(0, FILE_NAME_MAX - 41).join('')}…${chars.slice(-40).join('')}`;
  return kept === '' || kept === '.' || kept === '..' ? 'upload' : kept;
}

function provenanceOf(p: AcquisitionProvenance | undefined, paths: number) {
  const text = (v: string | undefined, max: number, field: string) => {
    const t = v?.trim() ?? '';
    if (t === '') return null;
    if ([...t].length > max) throw new SpamcaseError('INVALID_INPUT', `has at most ${max} characters`, { field });
    return t;
  };
  if (p?.fileName !== undefined && paths !== 1)
    throw new SpamcaseError('USAGE', 'a file name is kept for one input at a time', { field: 'fileName' });
  return {
    fileName: p?.fileName === undefined ? null : cleanFileName(p.fileName),
    custodian: text(p?.custodian, CUSTODIAN_MAX, 'custodian'),
    notes: text(p?.notes, NOTES_MAX, 'notes'),
  };
}

export interface AcquisitionSummary extends BatchTotals {
  acquisitionId: number;
  source: string;
  sourceSha256: string;
  sourceBytes: number;
}

/** One acquisition per path, in order; the case and party are resolved once. */
export async function acquire(ctx: Context, options: IngestOptions): Promise<AcquisitionSummary[]> {
  if (!(ACQUISITION_METHODS as readonly string[]).includes(options.method)) {
    throw new SpamcaseError('USAGE', `must be one of ${ACQUISITION_METHODS.join(', ')}`, { field: 'method' });
  }
  if (options.paths.length === 0)
    throw new SpamcaseError('USAGE', 'is required: name at least one file or folder', { field: 'paths' });
  const provenance = provenanceOf(options.provenance, options.paths.length);
  const record = await getCase(ctx.db.knex, options.caseSlug);
  const party = resolveParty(record, options.party);
  // Acquisitions left running by a process that is gone (killed, power loss) are stored as interrupted first.
  await markInterruptedAcquisitions(ctx);
  const summaries: AcquisitionSummary[] = [];
  for (const input of options.paths) {
    summaries.push(
      await ingestOne(
        ctx,
        {
          ...options,
          caseId: record.id,
          partyId: party.id,
          batesPrefix: party.batesPrefix,
          partyName: party.name,
          kept: provenance,
        },
        input,
      ),
    );
  }
  return summaries;
}

async function ingestOne(
  ctx: Context,
  options: IngestOptions & {
    caseId: number;
    partyId: number;
    batesPrefix: string;
    partyName: string;
    kept: ReturnType<typeof provenanceOf>;
  },
  input: string,
): Promise<AcquisitionSummary> {
  const source = path.resolve(input);
  let isFile: boolean;
  try {
    isFile = fs.statSync(source).isFile();
  } catch (err) {
    throw new SpamcaseError(
      'INPUT_UNREADABLE',
      `cannot read input ${source}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
  const started = ctx.clock();
  const envelopeRecipient = options.envelopeRecipient?.trim() || null;

  const acquisitionId = await ctx.db.knex.transaction(async (trx) => {
    const [row] = (await trx('acquisitions').insert(
      {
        case_id: options.caseId,
        party_id: options.partyId,
        method: options.method,
        source_name: source,
        operator: ctx.actor,
        started_at: started.toISOString(),
        status: 'running',
        ...ownerColumns(),
        envelope_recipient: envelopeRecipient,
        file_name: options.kept.fileName,
        custodian: options.kept.custodian,
        notes: options.kept.notes,
      },
      ['id'],
    )) as Array<{ id: number } | number>;
    const id = typeof row === 'object' ? Number(row.id) : Number(row);
    await appendCustodyEvent(trx, {
      caseId: options.caseId,
      caseSlug: options.caseSlug,
      at: started,
      actor: ctx.actor,
      action: 'acquisition-started',
      details: {
        acquisition: id,
        party: options.partyName,
        method: options.method,
        source,
        envelopeRecipient,
        // Only when given, so the events of acquisitions made without them hash as before.
        fileName: options.kept.fileName ?? undefined,
        custodian: options.kept.custodian ?? undefined,
        notes: options.kept.notes ?? undefined,
      },
    });
    return id;
  });

  const writer = new BatchWriter(ctx, {
    caseId: options.caseId,
    partyId: options.partyId,
    acquisitionId,
    batesPrefix: options.batesPrefix,
    storeDir: storeDir(ctx, options.caseSlug),
  });
  const totals: BatchTotals = {
    samples: 0,
    alreadyRecorded: 0,
    newItems: 0,
    exactDuplicates: 0,
    rejected: 0,
    wrappers: 0,
  };
  const add = (t: BatchTotals) => {
    for (const k of Object.keys(totals) as Array<keyof BatchTotals>) totals[k] += t[k];
  };
  // The acquisition's own hash: the file's SHA-256, or for a folder the SHA-256 of its manifest
  // ("<sha256>  <relative path>\n" per file, in sorted walk order), like sha256sum's output.
  const manifest = crypto.createHash('sha256');
  let firstFileSha256: string | null = null;
  let sourceBytes = 0;
  let seenBytes = 0;
  let seen = 0;
  let rejectedSeen = 0;
  const t0 = Date.now();
  let lastProgress = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (!options.onProgress || (!force && now - lastProgress < 250)) return;
    lastProgress = now;
    options.onProgress({ source, samples: seen, rejected: rejectedSeen, bytes: seenBytes, elapsedMs: now - t0 });
  };

  try {
    const events = readAnalyzed(source, {
      unwrapForwards: options.method === 'report',
      unwrapBounces: options.method === 'report' || options.method === 'bounce',
      limits: options.limits,
      envelopeRecipient,
      trust: await loadPartyTrust(ctx.db.knex, options.partyId),
      threaded: options.threaded ?? true,
      campaignFingerprints: options.campaigns ?? true,
      budget: options.budget,
    });
    for await (const event of events) {
      switch (event.type) {
        case 'file':
          if (event.depth === 0) {
            manifest.update(`${event.sha256}  ${event.locator}\n`);
            firstFileSha256 ??= event.sha256;
            sourceBytes += event.size;
          }
          continue;
        case 'wrapper':
          writer.addWrapper(event.locator, event.bytes, event.kind);
          break;
        case 'rejected':
          writer.addRejection(event.locator, event.reason, event.size, event.sha256);
          rejectedSeen += 1;
          break;
        case 'sample': {
          const a = event.analysis;
          seenBytes += event.bytes.length;
          if (a.kind === 'rejected') {
            writer.addRejection(event.locator, a.reason, a.size, a.sha256);
            rejectedSeen += 1;
          } else {
            writer.addSample({
              analysis: a,
              bytes: event.bytes,
              locator: event.locator,
              envelopeSender: event.envelopeSender,
              wrapperLocator: event.wrapperLocator,
            });
            seen += 1;
          }
          break;
        }
      }
      if (writer.pendingSamples >= BATCH_SAMPLES || writer.pendingBytes >= BATCH_BYTES) {
        add(await writer.flush());
        progress();
      }
    }
    add(await writer.flush());
    progress(true);
  } catch (err) {
    writer.close();
    await ctx.db
      .knex('acquisitions')
      .where({ id: acquisitionId })
      .update({ status: 'failed', finished_at: ctx.clock().toISOString() });
    throw err;
  }
  writer.close();

  const sourceSha256 = isFile && firstFileSha256 !== null ? firstFileSha256 : manifest.digest('hex');
  const finished = ctx.clock();
  await ctx.db.knex.transaction(async (trx) => {
    await trx('acquisitions').where({ id: acquisitionId }).update({
      status: 'complete',
      finished_at: finished.toISOString(),
      source_sha256: sourceSha256,
      source_bytes: sourceBytes,
    });
    await appendCustodyEvent(trx, {
      caseId: options.caseId,
      caseSlug: options.caseSlug,
      at: finished,
      actor: ctx.actor,
      action: 'acquired',
      details: {
        acquisition: acquisitionId,
        source,
        fileName: options.kept.fileName ?? undefined,
        sourceSha256,
        sourceBytes,
        samples: totals.samples,
        alreadyRecorded: totals.alreadyRecorded,
        newItems: totals.newItems,
        exactDuplicates: totals.exactDuplicates,
        rejected: totals.rejected,
        wrappers: totals.wrappers,
      },
    });
  });
  return { acquisitionId, source, sourceSha256, sourceBytes, ...totals };
}
