/**
 * The bundle's mail server logs (docs/BUNDLE.md, docs/LOGS.md, issue 24):
 *
 *   log_files.csv   every log file acquired: party, acquisition, server, declared time zone, rotation name,
 *                   format, SHA-256 of the bytes as acquired and of the text, size, the year reference of
 *                   its syslog timestamps, line counts, attempts, and its file under data/logs/
 *   attempts.csv    every attempt row read from them (one per log event and recipient, in id order), with
 *                   the Bates number of the harvested item it was matched to, the rule that matched it, and
 *                   that item's stored account and originating IP: the volumes recount from it alone
 *   data/logs/      each log file byte for byte as acquired (<sha256>.log, or .log.gz when it was
 *                   compressed), streamed from the store and checked against its SHA-256
 */
import crypto from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Knex } from 'knex';
import { ATTEMPTS, LOG_FILES } from '../csv/columns.ts';
import { SpamcaseError } from '../errors.ts';
import { PackReader } from '../store/pack-store.ts';
import { inScope, type ExportScope } from './scope.ts';
import type { BundleTable } from './tables.ts';
import type { ZipWriter } from './zip-writer.ts';

/** Attempt rows per page read for attempts.csv. */
const PAGE = 5000;
/** Bytes per read when a log file is copied into the bundle. */
const CHUNK = 1 << 20;

export interface LogFileRow {
  id: number;
  sha256: string;
  size: number;
  pack: string;
  offset: number;
  file: string;
  cells: Array<string | number>;
}

/** The case's log files in scope (acquired by an acquisition the bundle holds), in id order. */
export async function logFileRows(db: Knex, scope: ExportScope): Promise<LogFileRow[]> {
  const rows = (await inScope(
    db('log_files as l').join('parties as p', 'p.id', 'l.party_id').where('l.case_id', scope.caseId).orderBy('l.id'),
    'l.acquisition_id',
    scope,
  ).select('l.*', 'p.name as party', 'p.bates_prefix')) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const sha256 = String(r.sha256);
    // The text's own hash differs from the bytes' only when the file was compressed (gzip).
    const file = `logs/${sha256}${r.content_sha256 === r.sha256 ? '.log' : '.log.gz'}`;
    const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    return {
      id: Number(r.id),
      sha256,
      size: Number(r.size),
      pack: String(r.pack),
      offset: Number(r.pack_offset),
      file,
      cells: [
        Number(r.id),
        text(r.party),
        text(r.bates_prefix),
        Number(r.acquisition_id),
        text(r.server),
        text(r.time_zone),
        text(r.rotation_name),
        text(r.format),
        sha256,
        text(r.content_sha256),
        Number(r.size),
        text(r.year_reference),
        text(r.year_reference_source),
        Number(r.lines),
        Number(r.unknown_lines),
        Number(r.long_lines),
        Number(r.attempts),
        text(r.same_content_as),
        file,
      ],
    };
  });
}

export function logTables(): BundleTable[] {
  return [
    {
      name: 'log_files.csv',
      header: LOG_FILES.bundle!,
      async rows(db, scope, emit) {
        for (const f of await logFileRows(db, scope)) emit(f.cells);
      },
    },
    {
      name: 'attempts.csv',
      header: ATTEMPTS.bundle!,
      async rows(db, scope, emit) {
        const files = (await logFileRows(db, scope)).map((f) => f.id);
        if (files.length === 0) return;
        const inFiles = new Set(files);
        let after = 0;
        for (;;) {
          const rows = (await db('attempts as t')
            .leftJoin('items as i', 'i.id', 't.item_id')
            .leftJoin('item_attributions as a', 'a.item_id', 't.item_id')
            .where('t.case_id', scope.caseId)
            .andWhere('t.id', '>', after)
            .orderBy('t.id')
            .limit(PAGE)
            .select(
              't.*',
              'i.bates as matched_bates',
              'a.account as matched_account',
              'a.originating_ip as matched_ip',
            )) as Array<Record<string, unknown>>;
          if (rows.length === 0) break;
          after = Number(rows[rows.length - 1]!.id);
          const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
          for (const r of rows) {
            if (!inFiles.has(Number(r.log_file_id))) continue;
            const matched = r.item_id !== null && r.item_id !== undefined;
            emit([
              Number(r.id),
              Number(r.log_file_id),
              Number(r.line),
              text(r.at),
              text(r.server),
              text(r.client_ip),
              text(r.client_name),
              text(r.helo),
              text(r.sender),
              text(r.recipient),
              text(r.result),
              text(r.queue_id),
              text(r.message_id),
              text(r.status_text),
              matched ? text(r.matched_bates) : '',
              text(r.match_rule),
              matched ? text(r.matched_account) : '',
              matched ? text(r.matched_ip) : '',
            ]);
          }
        }
      },
    },
  ];
}

/**
 * Each log file's bytes into the bundle, once per file name, in name order: read from the store twice in
 * chunks (the SHA-256 and CRC-32, then the copy), so a log of any size costs one chunk of memory. A store whose
 * bytes no longer match the SHA-256 the index holds fails the export.
 */
export function addLogFiles(
  zip: ZipWriter,
  storeDir: string,
  files: LogFileRow[],
  member: (file: string) => string,
  addManifest: (file: string, sha256: string, size: number) => void,
): void {
  const once = new Map<string, LogFileRow>();
  for (const f of files) if (!once.has(f.file)) once.set(f.file, f);
  const reader = new PackReader(storeDir);
  const buf = Buffer.allocUnsafe(CHUNK);
  const each = (f: LogFileRow, use: (chunk: Buffer) => void) => {
    for (let done = 0; done < f.size;) {
      const chunk = buf.subarray(0, Math.min(CHUNK, f.size - done));
      reader.readInto({ pack: f.pack, offset: f.offset + done }, chunk);
      use(chunk);
      done += chunk.length;
    }
  };
  try {
    for (const [file, f] of [...once].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const hash = crypto.createHash('sha256');
      let crc = 0;
      each(f, (chunk) => {
        hash.update(chunk);
        crc = crc32(chunk, crc);
      });
      if (hash.digest('hex') !== f.sha256)
        throw new SpamcaseError(
          'STORE_CORRUPT',
          `stored bytes of log file ${f.id} do not match their SHA-256 (run spamcase fsck)`,
        );
      zip.beginMember(member(file), f.size, crc);
      each(f, (chunk) => zip.writeData(chunk));
      zip.endMember();
      addManifest(file, f.sha256, f.size);
    }
  } finally {
    reader.close();
  }
}
