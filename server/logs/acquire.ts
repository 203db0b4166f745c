/**
 * A mail server log acquired as evidence: its exact bytes (plain or gzip, as given) stored once in
 * the case's write-once pack store, an acquisition with its custody events like any harvest, the
 * provenance (server, declared time zone, rotation name, the year reference of syslog timestamps),
 * then the attempts read from it, all in one transaction: a crash leaves the log unread, never half
 * read. The same content already read for the same server (maillog.1 gzip'd into maillog.2.gz by
 * the next rotation) is recorded and stored but adds no attempt.
 */
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { storeDir } from '../context.ts';
import { appendCustodyEvent } from '../custody/chain.ts';
import { markInterruptedAcquisitions, ownerColumns } from '../cases/acquisition-owners.ts';
import { bulkInsert, sqliteRowWriter } from '../db/bulk-insert.ts';
import { SpamcaseError } from '../errors.ts';
import { messageIdKey, messageKeyHash } from '../mail/keys.ts';
import { PACK_SEGMENT_MAX_BYTES, PackWriter } from '../store/pack-store.ts';
import type { Attempt, LineReader } from './attempt.ts';
import { ExchangeReader } from './exchange.ts';
import { EximReader } from './exim.ts';
import { ATTEMPT_BATCH_ROWS, MAX_LOG_LINE_BYTES } from './limits.ts';
import { isTimeZone, ZoneClock } from './log-time.ts';
import { PostfixReader } from './postfix.ts';
import { SendmailReader } from './sendmail.ts';

export const LOG_FORMATS = ['postfix', 'exim', 'sendmail', 'exchange'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogAcquisitionOptions {
  caseId: number;
  caseSlug: string;
  partyId: number;
  partyName: string;
  server: string;
  timeZone: string;
  /** Decided from the first lines when not given. */
  format?: LogFormat;
  /** The latest time a syslog line can be (default: the file's modification time). */
  yearReference?: Date;
  onProgress?: (p: { lines: number; bytes: number; elapsedMs: number }) => void;
}

export interface LogAcquisitionSummary {
  acquisitionId: number;
  logFileId: number;
  source: string;
  rotationName: string;
  format: LogFormat;
  sha256: string;
  bytes: number;
  lines: number;
  unknownLines: number;
  longLines: number;
  attempts: number;
  sameContentAs: number | null;
}

const ATTEMPT_COLUMNS = [
  'case_id',
  'log_file_id',
  'line',
  'at',
  'server',
  'client_ip',
  'client_name',
  'helo',
  'sender',
  'recipient',
  'result',
  'queue_id',
  'message_id',
  'message_key_hash',
  'status_text',
] as const;

const EXIM_STAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;
/** The syslog tag of a Sendmail line: `sendmail[123]: `, `sm-mta[123]: `, `sm-msp-queue[123]: `. */
const SENDMAIL_TAG = / (?:sendmail|sm-[a-z-]+)\[\d+\]: /;
const POSTFIX_TAG = / postfix[^/\s]*\/[a-z-]+\[\d+\]: /;

/** The text of a log as stored: gunzip'd when it starts with the gzip magic. */
export function logText(bytes: Buffer): Buffer {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? zlib.gunzipSync(bytes) : bytes;
}

/**
 * The format from the first 50 lines: an Exchange tracking log by its `#Software: Microsoft
 * Exchange` or `#Log-type: Message Tracking Log` header; Exim by its dated stamps; in syslog,
 * Sendmail when more lines carry its tag than Postfix's; else Postfix.
 */
export function detectFormat(text: Buffer): LogFormat {
  const head = text
    .subarray(0, 64 * 1024)
    .toString('latin1')
    .split('\n', 50);
  if (
    head.some((l) => /^(?:\u00ef\u00bb\u00bf)?#(?:Software: Microsoft Exchange|Log-type: Message Tracking Log)/.test(l))
  )
    return 'exchange';
  const exim = head.filter((l) => EXIM_STAMP.test(l)).length;
  if (exim > head.length / 2) return 'exim';
  const sendmail = head.filter((l) => SENDMAIL_TAG.test(l)).length;
  const postfix = head.filter((l) => POSTFIX_TAG.test(l)).length;
  return sendmail > postfix ? 'sendmail' : 'postfix';
}

export function lineReader(format: LogFormat, clock: ZoneClock, yearReferenceMs: number): LineReader {
  switch (format) {
    case 'exim':
      return new EximReader(clock);
    case 'sendmail':
      return new SendmailReader(clock, yearReferenceMs);
    case 'exchange':
      return new ExchangeReader();
    default:
      return new PostfixReader(clock, yearReferenceMs);
  }
}

/** A character read from a byte over 0x7f (latin1). */
const HIGH_BYTE = /[\u0080-\u00ff]/;

export interface LineTotals {
  lines: number;
  unknownLines: number;
  longLines: number;
}

/**
 * Reads every line of `text` with `reader`, handing attempts to `onAttempt`. A line over
 * MAX_LOG_LINE_BYTES is cut there (at a character boundary when it is UTF-8) and counted as long.
 * Bytes are decoded as UTF-8 when they are valid UTF-8 (an SMTPUTF8 sender, an Exchange subject),
 * checked once for the whole text, else line by line (a line with a byte over 0x7f): a line that is
 * not valid UTF-8 is read as latin1 (each byte one character), so no byte sequence is ever refused.
 * The stored raw log keeps the bytes as they were.
 */
export function readLines(
  text: Buffer,
  reader: LineReader,
  onAttempt: (a: Attempt) => void,
  /** Lines before this text in its file: readers are given line numbers in the file. */
  linesBefore = 0,
): LineTotals {
  let lines = 0;
  let unknownLines = 0;
  let longLines = 0;
  let start = 0;
  const utf8 = isUtf8(text);
  while (start < text.length) {
    let end = text.indexOf(10, start);
    if (end < 0) end = text.length;
    lines += 1;
    let stop = end > start && text[end - 1] === 13 ? end - 1 : end;
    // A CRLF line (Windows servers: Exchange) is whole; only a line cut at the limit is long.
    const long = stop - start > MAX_LOG_LINE_BYTES;
    if (long) {
      longLines += 1;
      stop = start + MAX_LOG_LINE_BYTES;
      // Not inside a UTF-8 character: back to its first byte.
      for (let k = 0; k < 3 && (text[stop]! & 0xc0) === 0x80; k++) stop -= 1;
    }
    let line = text.toString(utf8 ? 'utf8' : 'latin1', start, stop);
    // Text not all UTF-8: a line with a byte over 0x7f is UTF-8 when its own bytes are.
    if (!utf8 && HIGH_BYTE.test(line) && isUtf8(text.subarray(start, stop))) line = text.toString('utf8', start, stop);
    if (!reader.read(line, linesBefore + lines, onAttempt) || long) unknownLines += 1;
    start = end + 1;
  }
  return { lines, unknownLines, longLines };
}

export async function acquireLogFile(
  ctx: Context,
  file: string,
  options: LogAcquisitionOptions,
): Promise<LogAcquisitionSummary> {
  if (!isTimeZone(options.timeZone))
    throw new SpamcaseError('INVALID_INPUT', `unknown time zone ${options.timeZone} (an IANA name: Europe/Paris)`, {
      field: 'tz',
    });
  const source = path.resolve(file);
  let bytes: Buffer;
  let mtime: Date;
  try {
    const st = fs.statSync(source);
    if (st.size > PACK_SEGMENT_MAX_BYTES)
      throw new SpamcaseError(
        'LIMIT_EXCEEDED',
        `${source}: ${st.size} bytes, over the ${PACK_SEGMENT_MAX_BYTES} a store segment holds: split it or gzip it`,
      );
    bytes = fs.readFileSync(source);
    mtime = st.mtime;
  } catch (err) {
    if (err instanceof SpamcaseError) throw err;
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read log ${source}: ${(err as NodeJS.ErrnoException).code}`, {
      cause: err,
    });
  }
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const text = logText(bytes);
  const contentSha256 = text === bytes ? sha256 : crypto.createHash('sha256').update(text).digest('hex');
  const format = options.format ?? detectFormat(text);
  const yearReference = options.yearReference ?? mtime;
  const rotationName = path.basename(source);
  const started = ctx.clock();
  const startedMs = Date.now();

  // A log acquisition is one transaction (a killed one leaves no row); message ingests killed before it are
  // stored as interrupted here too, as at every ingest's start.
  await markInterruptedAcquisitions(ctx);
  const writer = new PackWriter(storeDir(ctx, options.caseSlug));
  try {
    return await ctx.db.knex.transaction(async (trx) => {
      const [row] = (await trx('acquisitions').insert(
        {
          case_id: options.caseId,
          party_id: options.partyId,
          method: 'log',
          source_name: source,
          operator: ctx.actor,
          started_at: started.toISOString(),
          status: 'running',
          ...ownerColumns(),
        },
        ['id'],
      )) as Array<{ id: number } | number>;
      const acquisitionId = typeof row === 'object' ? Number(row.id) : Number(row);
      const provenance = {
        server: options.server,
        timeZone: options.timeZone,
        rotationName,
        format,
        yearReference: yearReference.toISOString(),
        yearReferenceSource: options.yearReference ? 'given' : 'file-mtime',
      };
      await appendCustodyEvent(trx, {
        caseId: options.caseId,
        caseSlug: options.caseSlug,
        at: started,
        actor: ctx.actor,
        action: 'acquisition-started',
        details: { acquisition: acquisitionId, party: options.partyName, method: 'log', source, ...provenance },
      });
      const same = (await trx('log_files')
        .where({ case_id: options.caseId, content_sha256: contentSha256, server: options.server })
        .orderBy('id')
        .first('id')) as { id: number } | undefined;
      const location = writer.append(sha256, bytes);
      writer.flush();
      const [fileRow] = (await trx('log_files').insert(
        {
          case_id: options.caseId,
          party_id: options.partyId,
          acquisition_id: acquisitionId,
          server: options.server,
          time_zone: options.timeZone,
          rotation_name: rotationName,
          format,
          sha256,
          content_sha256: contentSha256,
          size: bytes.length,
          pack: location.pack,
          pack_offset: location.offset,
          year_reference: provenance.yearReference,
          year_reference_source: provenance.yearReferenceSource,
          lines: 0,
          unknown_lines: 0,
          long_lines: 0,
          attempts: 0,
          same_content_as: same ? Number(same.id) : null,
        },
        ['id'],
      )) as Array<{ id: number } | number>;
      const logFileId = typeof fileRow === 'object' ? Number(fileRow.id) : Number(fileRow);

      let attempts = 0;
      let totals: LineTotals = { lines: 0, unknownLines: 0, longLines: 0 };
      if (!same) {
        const r = await storeAttempts(trx, text, lineReader(format, new ZoneClock(options.timeZone), +yearReference), {
          caseId: options.caseId,
          logFileId,
          server: options.server,
          onProgress: options.onProgress
            ? (lines, offset) => options.onProgress!({ lines, bytes: offset, elapsedMs: Date.now() - startedMs })
            : undefined,
        });
        attempts = r.attempts;
        totals = r;
      }
      await trx('log_files').where({ id: logFileId }).update({
        lines: totals.lines,
        unknown_lines: totals.unknownLines,
        long_lines: totals.longLines,
        attempts,
      });
      const finished = ctx.clock();
      await trx('acquisitions').where({ id: acquisitionId }).update({
        status: 'complete',
        finished_at: finished.toISOString(),
        source_sha256: sha256,
        source_bytes: bytes.length,
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
          sourceSha256: sha256,
          sourceBytes: bytes.length,
          contentSha256,
          ...provenance,
          lines: totals.lines,
          unknownLines: totals.unknownLines,
          longLines: totals.longLines,
          attempts,
          sameContentAs: same ? Number(same.id) : null,
        },
      });
      return {
        acquisitionId,
        logFileId,
        source,
        rotationName,
        format,
        sha256,
        bytes: bytes.length,
        ...totals,
        attempts,
        sameContentAs: same ? Number(same.id) : null,
      };
    });
  } finally {
    writer.close();
  }
}

/**
 * Reads the lines and inserts their attempts. On SQLite each attempt's values go straight onto a
 * prepared multi-row statement as the reader hands it over (SqliteRowWriter: nothing held per
 * row); on PostgreSQL the rows of each 4 MiB slice go in unnest statements of ATTEMPT_BATCH_ROWS.
 */
export async function storeAttempts(
  trx: Knex.Transaction,
  text: Buffer,
  reader: LineReader,
  target: { caseId: number; logFileId: number; server: string; onProgress?: (lines: number, offset: number) => void },
): Promise<LineTotals & { attempts: number }> {
  // Lines are read synchronously a slice at a time, the rows of each slice inserted before the next.
  const SLICE = 4 * 1024 * 1024;
  let attempts = 0;
  const totals: LineTotals = { lines: 0, unknownLines: 0, longLines: 0 };
  const { caseId, logFileId, server } = target;
  const direct = await sqliteRowWriter(trx, 'attempts', ATTEMPT_COLUMNS);
  let rows: unknown[][] = [];
  // A message's attempts mostly follow each other (its recipients, its later deliveries): the
  // SHA-256 of its key is taken once for a run of the same Message-ID.
  let lastMessageId: string | null = null;
  let lastHash: number | null = null;
  const keyHash = (messageId: string | null): number | null => {
    if (messageId === null) return null;
    if (messageId !== lastMessageId) {
      lastMessageId = messageId;
      lastHash = messageKeyHash(messageIdKey(messageId));
    }
    return lastHash;
  };
  /** One attempt's values in ATTEMPT_COLUMNS order, appended to `out` (the prepared statement's values or a row). */
  const put = (out: unknown[], a: Attempt): void => {
    out.push(
      caseId,
      logFileId,
      a.line,
      a.at,
      server,
      a.clientIp,
      a.clientName,
      a.helo,
      a.sender,
      a.recipient,
      a.result,
      a.queueId,
      a.messageId,
      keyHash(a.messageId),
      a.statusText,
    );
  };
  const emit = direct
    ? (a: Attempt): void => {
        put(direct.values, a);
        direct.endRow();
        attempts += 1;
      }
    : (a: Attempt): void => {
        const row: unknown[] = [];
        put(row, a);
        rows.push(row);
        attempts += 1;
      };
  const flush = async (): Promise<void> => {
    for (let i = 0; i < rows.length; i += ATTEMPT_BATCH_ROWS)
      await bulkInsert(trx, 'attempts', ATTEMPT_COLUMNS, rows.slice(i, i + ATTEMPT_BATCH_ROWS));
    rows = [];
  };
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + SLICE);
    if (end < text.length) {
      const nl = text.indexOf(10, end);
      end = nl < 0 ? text.length : nl + 1;
    }
    // Line numbers run on across slices: a reader may hand over a line it read in an earlier slice.
    const t = readLines(text.subarray(start, end), reader, emit, totals.lines);
    totals.lines += t.lines;
    totals.unknownLines += t.unknownLines;
    totals.longLines += t.longLines;
    await flush();
    target.onProgress?.(totals.lines, end);
    start = end;
  }
  // What the reader still held (refusals awaiting a later line, a record open at the end).
  reader.finish?.(emit);
  await flush();
  direct?.finish();
  return { ...totals, attempts };
}
