/**
 * exportBundle: the case as of one custody event, written as a signed BagIt bag inside a ZIP.
 *
 * Lifecycle: resolve the scope (as-of event) → load the signing key (fail before writing
 * anything) → write `<out>.<random>.partial` (O_EXCL): tag files, every item byte for byte (each
 * re-hashed against the index as it is copied), the index tables spooled then copied, custody log,
 * summary PDF (optional), bag-info, manifests, signature, timestamp → central directory, fsync →
 * re-read the whole file (CRC-32 equals what was written, central directory intact, member count)
 * → in the transaction that records the export and its custody event: rename to `<out>`, fsync
 * the folder, commit. Any failure removes the partial file (and the renamed file when the commit
 * fails): nothing that looks like a finished bundle is ever left, and a failed export is never
 * signed under the final name. A process killed mid-way (SIGKILL, power loss) cannot clean up: its
 * `.partial` file and spool folder carry the host and process id, and the next export into the same
 * folder removes those whose process is gone; `spamcase verify` refuses a `.partial` file by name.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Knex } from 'knex';
import type { Config } from '../config.ts';
import type { Context } from '../context.ts';
import { storeDir } from '../context.ts';
import { appendCustodyEvent, canonicalJson } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';
import { PackReader } from '../store/pack-store.ts';
import { loadSigner } from '../signing/keys.ts';
import { signDetached } from '../signing/cms.ts';
import { fetchTimestamp } from '../signing/timestamp.ts';
import { csvRow, datRow, DAT_BOM, type Cell } from './csv.ts';
import { itemColumns, type ItemColumns } from './item-columns.ts';
import { BATCH_BYTES, ItemHasher, type HashedBatch } from './item-hasher.ts';
import { bundleReadme } from './readme-text.ts';
import { inScope, resolveScope, type ExportScope } from './scope.ts';
import { Spool } from './spool.ts';
import { evidenceTables, wrapperBytes, wrapperRows } from './evidence-tables.ts';
import { WRAPPERS } from '../csv/columns.ts';
import { addLogFiles, logFileRows, logTables } from './log-tables.ts';
import { BUNDLE_TABLES, damagesTables, labelsTables, subpoenaTables, type BundleTable } from './tables.ts';
import { ZipWriter } from './zip-writer.ts';
import { centralEntries, locateCentralDirectory } from './zip-reader.ts';
import type { ExportStage } from '../config.ts';
import { ITEMS } from '../csv/columns.ts';

/** Items per database page while writing the payload. */
const ITEM_PAGE = 1000;

/** items.csv's columns (server/csv/columns.ts: the same names everywhere). */
export const ITEMS_CSV_HEADER = ITEMS.bundle!;
export const DAT_HEADER = [
  'BEGBATES',
  'ENDBATES',
  'NATIVEPATH',
  'SHA256HASH',
  'MD5HASH',
  'FILESIZE',
  'FROM',
  'TO',
  'DATESENT',
  'SUBJECT',
  'CUSTODIAN',
  'FILENAME',
];

/** What the summary PDF may state about the bundle it goes into (see docs/BUNDLE.md). */
export interface BundleInfo {
  identifier: string;
  caseSlug: string;
  title: string;
  asOfSeq: number;
  asOfHash: string;
  asOfAt: string;
  items: number;
  organization: string;
  signer: string;
  signerFingerprint: string;
  /** SHA-256 of manifest-sha256.txt as it is before the data/summary.pdf line is added (its last line). */
  manifestWithoutSummarySha256: string;
}

export interface ExportOptions {
  out: string;
  signing: Config['signing'];
  organization: string;
  tsaUrl?: string | null;
  /** Export as of this custody event (default: the latest). */
  asOfSeq?: number;
  extraTables?: readonly BundleTable[];
  summaryPdf?: (info: BundleInfo) => Promise<Buffer>;
  /** Called (and awaited) as each stage starts: progress for a caller; EXPORT_STAGES in config.ts lists them. */
  onStage?: (stage: ExportStage) => void | Promise<void>;
  /**
   * Rows of subpoena-networks.csv sorted in memory at a time before a sorted run is spilled to the spool folder
   * (default NETWORK_RUN_ROWS, server/attribution/subpoena.ts). The bytes do not depend on it: tests make it small
   * to spill and merge several runs on a small case.
   */
  networkRunRows?: number;
}

export interface ExportResult {
  file: string;
  identifier: string;
  sha256: string;
  bytes: number;
  items: number;
  payloadFiles: number;
  payloadBytes: number;
  entries: number;
  asOfSeq: number;
  asOfHash: string;
  signer: string;
  signerFingerprint: string;
  timestamp: string | null;
  warnings: string[];
}

export function bundleIdentifier(scope: Pick<ExportScope, 'caseSlug' | 'asOf'>): string {
  return `${scope.caseSlug}-e${scope.asOf.seq}-${scope.asOf.hash.slice(0, 12)}`;
}

interface ItemRow {
  id: number | string;
  bates: string;
  sha256: string;
  size: number | string;
  pack: string;
  pack_offset: number | string;
  date: string | null;
  first_acquisition_id: number | string;
  parse_error: string | null;
  from_address: string | null;
  subject: string | null;
}

export async function exportBundle(ctx: Context, caseSlug: string, opts: ExportOptions): Promise<ExportResult> {
  const knex = ctx.db.knex;
  const scope = await resolveScope(knex, caseSlug, opts.asOfSeq);
  const signer = loadSigner(opts.signing);
  const signerCert = new crypto.X509Certificate(signer.certDer);
  const signerName = signerCert.subject.replace(/\n/g, ', ');
  const out = path.resolve(opts.out);
  if (fs.existsSync(out))
    throw new SpamcaseError('INVALID_INPUT', `${out} already exists: a bundle is never overwritten`);
  const dir = path.dirname(out);
  fs.mkdirSync(dir, { recursive: true });
  removeAbandonedLeftovers(dir, path.basename(out));
  const owner = `${leftoverHost()}-${process.pid}`;
  const partial = path.join(dir, `.${path.basename(out)}.${owner}-${crypto.randomBytes(6).toString('hex')}.partial`);
  const spoolDir = fs.mkdtempSync(path.join(dir, `.${path.basename(out)}.spool-${owner}-`));
  const stage = async (name: ExportStage) => {
    await opts.onStage?.(name);
  };
  let renamed = false;
  const warnings: string[] = [];
  if (scope.running.length > 0) {
    warnings.push(
      `acquisition(s) ${scope.running.join(', ')} are still marked running (in progress, or killed on a host that has not looked since): a later export as of the same event may hold more items`,
    );
  }
  if (scope.interrupted.length > 0) {
    warnings.push(
      `acquisition(s) ${scope.interrupted.join(', ')} were interrupted (their process ended before they finished): the samples they stored are in this bundle; ingesting the same input again adds the rest`,
    );
  }
  const identifier = bundleIdentifier(scope);
  const root = `${identifier}/`;
  const reader = new PackReader(storeDir(ctx, caseSlug));
  const hasher = new ItemHasher();
  let fd: number | null = fs.openSync(partial, 'wx', 0o644);
  let started: ZipWriter | null = null;
  try {
    const zip = new ZipWriter(fd, scope.asOf.at, path.join(spoolDir, 'central-directory'));
    started = zip;
    const tagFiles = new Map<string, Buffer>();
    const addTag = (name: string, data: Buffer) => {
      tagFiles.set(name, data);
      zip.addBuffer(root + name, data);
    };
    addTag('bagit.txt', Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'));
    addTag(
      'README.txt',
      Buffer.from(
        bundleReadme({
          identifier,
          caseSlug,
          title: scope.title,
          asOfSeq: scope.asOf.seq,
          asOfHash: scope.asOf.hash,
          organization: opts.organization,
          timestamped: !!opts.tsaUrl,
          summary: !!opts.summaryPdf,
        }),
      ),
    );
    addTag('signer-cert.pem', Buffer.from(signer.certPem));

    const manifest = new Spool(path.join(spoolDir, 'manifest'));
    let payloadFiles = 0;
    let payloadBytes = 0;
    const addManifest = (name: string, sha256: string, size: number) => {
      manifest.write(`${sha256}  data/${name}\n`);
      payloadFiles += 1;
      payloadBytes += size;
    };

    // 1. Items, byte for byte, with items.csv and the load file spooled alongside.
    const itemsCsv = new Spool(path.join(spoolDir, 'items.csv'));
    itemsCsv.write(csvRow([...ITEMS_CSV_HEADER]));
    const dat = new Spool(path.join(spoolDir, 'loadfile.dat'));
    dat.write(DAT_BOM + datRow(DAT_HEADER));
    let items = 0;
    // Items are read in batches into one buffer each and hashed (CRC-32, SHA-256, MD5) by a worker
    // thread while this thread queries the next page and reads the next batch; a batch is written
    // (ZIP member, manifest line, items.csv and load file rows) once its hashes are back, in order.
    interface Batch {
      rows: ItemRow[];
      samples: Map<number, { originalName: string; recipients: Set<string> }>;
      columns: Map<number, ItemColumns>;
      hashed: Promise<HashedBatch>;
    }
    const inflight: Batch[] = [];
    const writeBatch = (b: Batch, h: HashedBatch) => {
      let off = 0;
      for (let i = 0; i < b.rows.length; i++) {
        const r = b.rows[i]!;
        const id = Number(r.id);
        const size = Number(r.size);
        const bytes = h.bytes.subarray(off, off + size);
        off += size;
        const sha256 = h.sha256[i]!;
        if (sha256 !== r.sha256)
          throw new SpamcaseError(
            'STORE_CORRUPT',
            `item ${r.bates}: stored bytes hash to ${sha256}, the index says ${r.sha256} (run spamcase fsck)`,
          );
        const md5 = h.md5[i]!;
        const file = `items/${r.bates}_${r.sha256}.eml`;
        zip.addBuffer(`${root}data/${file}`, bytes, h.crcs[i]!);
        addManifest(file, sha256, size);
        const acq = scope.acquisitions.get(Number(r.first_acquisition_id))!;
        const s = b.samples.get(id);
        const col = b.columns.get(id);
        const recipients = s
          ? [...s.recipients]
              .filter((x) => x !== '')
              .sort()
              .join('; ')
          : '';
        itemsCsv.write(
          csvRow([
            r.bates,
            file,
            sha256,
            md5,
            size,
            acq.party,
            acq.id,
            acq.method,
            acq.source,
            s?.originalName ?? '',
            col?.account ?? '',
            col?.originatingIp ?? '',
            col?.handoffIp ?? '',
            recipients,
            r.date,
            r.from_address,
            r.subject,
            col?.campaign ?? '',
            r.parse_error,
          ]),
        );
        dat.write(
          datRow([
            r.bates,
            r.bates,
            `items\\${r.bates}_${r.sha256}.eml`,
            sha256,
            md5,
            size,
            r.from_address,
            recipients,
            r.date,
            r.subject,
            acq.party,
            s?.originalName ?? '',
          ]),
        );
        items += 1;
      }
      hasher.release(h.bytes);
    };
    const drain = async (keep: number) => {
      while (inflight.length > keep) {
        const b = inflight.shift()!;
        writeBatch(b, await b.hashed);
      }
    };
    // Global bounds of the primary key (answered from the index ends); pages outside the case are empty.
    const lo0 = Number(((await knex('items').min({ v: 'id' }).first()) as { v: number | string | null }).v ?? 1);
    const maxId = Number(((await knex('items').max({ v: 'id' }).first()) as { v: number | string | null }).v ?? 0);
    // Pages are ranges of the primary key (ids are assigned in ingest order), so each page is one
    // index range scan; "+case_id" keeps SQLite from choosing the case index and sorting the case.
    for (let lo = lo0 - 1; lo < maxId; lo += ITEM_PAGE) {
      const page = (await inScope(
        knex('items as i')
          .join('messages as m', 'm.id', 'i.message_id')
          .where('i.id', '>', lo)
          .where('i.id', '<=', lo + ITEM_PAGE)
          .whereRaw('+i.case_id = ?', [scope.caseId]),
        'i.first_acquisition_id',
        scope,
      )
        .orderBy('i.id')
        .select(
          'i.id',
          'i.bates',
          'i.sha256',
          'i.size',
          'i.pack',
          'i.pack_offset',
          'i.date',
          'i.first_acquisition_id',
          'i.parse_error',
          'm.from_address',
          'm.subject',
        )) as ItemRow[];
      if (page.length === 0) continue;
      const ids = page.map((r) => Number(r.id));
      const samples = await samplesOf(knex, scope, ids);
      const columns = await itemColumns(
        knex,
        scope.caseId,
        page.map((r) => ({ id: Number(r.id) })),
      );
      for (let start = 0; start < page.length;) {
        // One batch: consecutive items up to BATCH_BYTES (at least one item, however large).
        let end = start;
        let total = 0;
        while (end < page.length && (end === start || total + Number(page[end]!.size) <= BATCH_BYTES))
          total += Number(page[end++]!.size);
        const rows = page.slice(start, end);
        const buf = hasher.buffer(total);
        let off = 0;
        for (const r of rows) {
          const size = Number(r.size);
          reader.readInto({ pack: r.pack, offset: Number(r.pack_offset) }, buf.subarray(off, off + size));
          off += size;
        }
        inflight.push({
          rows,
          samples,
          columns,
          hashed: hasher.hash(
            buf,
            rows.map((r) => Number(r.size)),
          ),
        });
        start = end;
        // Two batches in the worker's hands while this thread prepares the next one.
        await drain(2);
      }
      await stage('items');
    }
    await drain(0);
    reader.close();

    // 2. The index tables and the custody log, in a fixed order.
    const addSpool = (name: string, spool: Spool) => {
      const { sha256, size } = spool.copyInto(zip, `${root}data/${name}`);
      addManifest(name, sha256, size);
    };
    await stage('tables');
    addSpool('items.csv', itemsCsv);
    addSpool('loadfile.dat', dat);
    for (const table of [
      ...BUNDLE_TABLES,
      ...subpoenaTables(storeDir(ctx, caseSlug), { tmpDir: spoolDir, runRows: opts.networkRunRows }),
      ...evidenceTables(storeDir(ctx, caseSlug)),
      ...(await damagesTables(knex, scope)),
      ...(await labelsTables(knex, scope)),
      ...logTables(),
      ...(opts.extraTables ?? []),
    ]) {
      const spool = new Spool(path.join(spoolDir, table.name.replace(/\//g, '_')));
      if (table.body !== undefined) spool.write(table.body);
      else if (table.jsonl) await table.rows(knex, scope, (cells: Cell[]) => spool.write(`${String(cells[0])}\n`));
      else {
        spool.write(csvRow(table.header));
        await table.rows(knex, scope, (cells: Cell[]) => spool.write(csvRow(cells)));
      }
      addSpool(table.name, spool);
    }
    // The wrappers (ARF reports, forwards, bounces unwrapped at ingest): their list, then their bytes.
    const wrappers = await wrapperRows(knex, scope);
    const wrapperList = new Spool(path.join(spoolDir, 'wrappers.csv'));
    wrapperList.write(csvRow(WRAPPERS.bundle!));
    const wrapperFiles = new Map<string, (typeof wrappers)[number]>();
    for (const w of wrappers) {
      const file = `wrappers/${w.sha256}.eml`;
      wrapperList.write(csvRow([w.acquisition, w.locator, w.kind, w.sha256, w.size, file]));
      if (!wrapperFiles.has(file)) wrapperFiles.set(file, w);
    }
    addSpool('wrappers.csv', wrapperList);
    for (const [file, w] of [...wrapperFiles].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const bytes = wrapperBytes(storeDir(ctx, caseSlug), w);
      zip.addBuffer(`${root}data/${file}`, bytes);
      addManifest(file, crypto.createHash('sha256').update(bytes).digest('hex'), bytes.length);
    }
    // The mail server logs the attempts were read from, byte for byte (log_files.csv names them).
    addLogFiles(
      zip,
      storeDir(ctx, caseSlug),
      await logFileRows(knex, scope),
      (file) => `${root}data/${file}`,
      addManifest,
    );
    const custody = new Spool(path.join(spoolDir, 'custody.jsonl'));
    for (const e of scope.events) custody.write(`${canonicalJson(e)}\n`);
    addSpool('custody.jsonl', custody);

    // 3. The summary PDF: it can state the manifest as it is before its own line (its last).
    const manifestWithoutSummarySha256 = manifest.sha256();
    await stage('pdf');
    if (opts.summaryPdf) {
      const pdf = await opts.summaryPdf({
        identifier,
        caseSlug,
        title: scope.title,
        asOfSeq: scope.asOf.seq,
        asOfHash: scope.asOf.hash,
        asOfAt: scope.asOf.at,
        items,
        organization: opts.organization,
        signer: signerName,
        signerFingerprint: signerCert.fingerprint256,
        manifestWithoutSummarySha256,
      });
      zip.addBuffer(`${root}data/summary.pdf`, pdf);
      addManifest('summary.pdf', crypto.createHash('sha256').update(pdf).digest('hex'), pdf.length);
    }

    // 4. Tag files, manifests, signature, timestamp.
    const bagInfo = [
      `Source-Organization: ${oneLine(opts.organization)}`,
      `External-Identifier: ${identifier}`,
      `Bagging-Date: ${scope.asOf.at.slice(0, 10)}`,
      `Payload-Oxum: ${payloadBytes}.${payloadFiles}`,
      `Internal-Sender-Description: ${oneLine(scope.title)}`,
      'Bag-Software-Agent: spamcase (https://www.npmjs.com/package/spamcase)',
      `Spamcase-Case: ${caseSlug}`,
      `Spamcase-As-Of-Event: ${scope.asOf.seq} ${scope.asOf.hash}`,
      `Spamcase-Items: ${items}`,
      `Spamcase-Manifest-Without-Summary-SHA256: ${manifestWithoutSummarySha256}`,
      `Spamcase-Signer-SHA256-Fingerprint: ${signerCert.fingerprint256}`,
      '',
    ].join('\n');
    addTag('bag-info.txt', Buffer.from(bagInfo));
    const manifestCopy = manifest.copyInto(zip, `${root}manifest-sha256.txt`);
    const tagLines = [...tagFiles.entries()].map(
      ([name, data]) => [name, crypto.createHash('sha256').update(data).digest('hex')] as const,
    );
    tagLines.push(['manifest-sha256.txt', manifestCopy.sha256]);
    tagLines.sort(([a], [b]) => (a < b ? -1 : 1));
    const tagManifest = Buffer.from(tagLines.map(([name, sha]) => `${sha}  ${name}\n`).join(''));
    zip.addBuffer(`${root}tagmanifest-sha256.txt`, tagManifest);
    await stage('sign');
    // Signing time: the as-of event's time, so that the same export gives the same bytes (docs/BUNDLE.md).
    const signature = signDetached(tagManifest, signer, new Date(scope.asOf.at));
    zip.addBuffer(`${root}tagmanifest-sha256.txt.p7s`, signature);
    let timestamp: string | null = null;
    if (opts.tsaUrl) {
      const reply = await fetchTimestamp(opts.tsaUrl, signature);
      zip.addBuffer(`${root}tagmanifest-sha256.txt.p7s.tsr`, reply);
      timestamp = ctx.clock().toISOString();
    }
    await stage('finish');
    const bytes = zip.finish();
    const written = zip.digest();
    const writtenCrc = zip.crc32();
    const entries = zip.entryCount;
    fs.closeSync(fd);
    fd = null;

    // 5. Re-read what is on disk before it counts.
    const reread = rereadCheck(partial, entries);
    if (reread !== writtenCrc)
      throw new SpamcaseError('STORE_CORRUPT', `the bundle read back from ${partial} differs from what was written`);

    const result: ExportResult = {
      file: out,
      identifier,
      sha256: written,
      bytes,
      items,
      payloadFiles,
      payloadBytes,
      entries,
      asOfSeq: scope.asOf.seq,
      asOfHash: scope.asOf.hash,
      signer: signerName,
      signerFingerprint: signerCert.fingerprint256,
      timestamp,
      warnings,
    };
    // The bundle gets its final name inside the transaction that records it: killed before the
    // commit, there is no record and (unless killed in the commit itself) no file under that name.
    await recordExport(ctx, scope, result, async () => {
      await stage('rename');
      fs.renameSync(partial, out);
      renamed = true;
      fsyncDir(dir);
    });
    return result;
  } catch (err) {
    started?.abort();
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(partial, { force: true });
    if (renamed) fs.rmSync(out, { force: true });
    throw err;
  } finally {
    reader.close();
    await hasher.close();
    fs.rmSync(spoolDir, { recursive: true, force: true });
  }
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

async function samplesOf(
  knex: Knex,
  scope: ExportScope,
  itemIds: number[],
): Promise<Map<number, { originalName: string; recipients: Set<string> }>> {
  const rows = (await inScope(knex('samples').whereIn('item_id', itemIds), 'acquisition_id', scope)
    .orderBy('id')
    .select('item_id', 'acquisition_id', 'locator', 'recipient')) as Array<{
    item_id: number | string;
    acquisition_id: number | string;
    locator: string;
    recipient: string;
  }>;
  const result = new Map<number, { originalName: string; recipients: Set<string> }>();
  for (const r of rows) {
    const id = Number(r.item_id);
    let entry = result.get(id);
    if (!entry) {
      const acq = scope.acquisitions.get(Number(r.acquisition_id));
      entry = { originalName: r.locator === '' ? (acq?.source ?? '') : r.locator, recipients: new Set() };
      result.set(id, entry);
    }
    entry.recipients.add(r.recipient);
  }
  return result;
}

/**
 * Read the whole archive back: its CRC-32 (compared with the CRC-32 of what was written, whose
 * SHA-256 was computed on the way out: a second SHA-256 pass would only slow export down), and its
 * central directory lists every member.
 */
function rereadCheck(file: string, entries: number): number {
  const fd = fs.openSync(file, 'r');
  try {
    // Counted as a stream: a million entries are never held at once.
    let members = 0;
    for (const _member of centralEntries(fd, locateCentralDirectory(fd))) members += 1;
    if (members !== entries)
      throw new SpamcaseError('STORE_CORRUPT', `${file}: ${members} members read back, ${entries} written`);
    let crc = 0;
    const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      crc = crc32(buf.subarray(0, n), crc);
      pos += n;
    }
    return crc;
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** This machine's name as it appears in leftover names (no dots or slashes). */
function leftoverHost(): string {
  return (
    os
      .hostname()
      .replace(/[^A-Za-z0-9_]/g, '_')
      .slice(0, 64) || 'host'
  );
}

/**
 * Remove the `.partial` files and spool folders of earlier exports to `<dir>/<base>` that were
 * killed (their process, on this host, is gone). Those of a live process, or of another host
 * sharing the folder, are left alone.
 */
export function removeAbandonedLeftovers(dir: string, base: string): string[] {
  const host = leftoverHost();
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  const prefix = `.${base}.`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const m = /^(?:spool-)?(.+)-(\d+)-[0-9A-Za-z]+(?:\.partial)?$/.exec(rest);
    if (!m || m[1] !== host || processAlive(Number(m[2]))) continue;
    if (!rest.endsWith('.partial') && !rest.startsWith('spool-')) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function recordExport(
  ctx: Context,
  scope: ExportScope,
  r: ExportResult,
  beforeCommit: () => Promise<void>,
): Promise<void> {
  const now = ctx.clock();
  await ctx.db.knex.transaction(async (trx) => {
    await trx('exports').insert({
      case_id: scope.caseId,
      identifier: r.identifier,
      file_name: r.file,
      sha256: r.sha256,
      bytes: r.bytes,
      as_of_seq: r.asOfSeq,
      as_of_hash: r.asOfHash,
      items: r.items,
      signer: r.signer.slice(0, 500),
      signer_fingerprint: r.signerFingerprint,
      timestamp: r.timestamp,
      actor: ctx.actor,
      created_at: now.toISOString(),
    });
    await appendCustodyEvent(trx, {
      caseId: scope.caseId,
      caseSlug: scope.caseSlug,
      at: now,
      actor: ctx.actor,
      action: 'exported',
      details: {
        identifier: r.identifier,
        file: path.basename(r.file),
        sha256: r.sha256,
        bytes: r.bytes,
        items: r.items,
        asOf: r.asOfSeq,
        signerFingerprint: r.signerFingerprint,
        timestamped: r.timestamp !== null,
      },
    });
    await beforeCommit();
  });
}

export interface ExportRecord {
  id: number;
  identifier: string;
  fileName: string;
  sha256: string;
  bytes: number;
  asOfSeq: number;
  items: number;
  signer: string;
  timestamped: boolean;
  actor: string;
  createdAt: string;
}

/** Earlier exports of a case, newest first (for the web UI and `spamcase exports`). */
export async function listExports(db: Knex, caseId: number): Promise<ExportRecord[]> {
  const rows = (await db('exports').where({ case_id: caseId }).orderBy('id', 'desc')) as Array<
    Record<string, string | number | null>
  >;
  return rows.map((r) => ({
    id: Number(r.id),
    identifier: String(r.identifier),
    fileName: String(r.file_name),
    sha256: String(r.sha256),
    bytes: Number(r.bytes),
    asOfSeq: Number(r.as_of_seq),
    items: Number(r.items),
    signer: String(r.signer),
    timestamped: r.timestamp !== null,
    actor: String(r.actor),
    createdAt: String(r.created_at),
  }));
}
