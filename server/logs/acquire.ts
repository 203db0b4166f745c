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
import { once } from 'node:events';
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
import { PACK_SEGMENT_MAX_BYTES, packDir, PackWriter } from '../store/pack-store.ts';
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

/** Bytes read from a log or its stored copy at a time. */
const CHUNK_BYTES = 1024 * 1024;
/** A line's bytes held across chunks before it is read as long (its first MAX_LOG_LINE_BYTES + 1 kept). */
const CARRY_MAX_BYTES = 1024 * 1024;
/** Bytes of the text kept for `detectFormat`. */
const HEAD_BYTES = 64 * 1024;

export interface OpenedLog {
  fd: number;
  size: number;
  mtime: Date;
  /** SHA-256 of the file's bytes as given. */
  sha256: string;
  /** It starts with the gzip magic: its text is its gunzip'd content. */
  gzip: boolean;
  /** SHA-256 of the text (the bytes themselves when not gzip). */
  contentSha256: string;
  /** The text's first HEAD_BYTES. */
  head: Buffer;
}

/** `size` bytes of an open file from `start`, CHUNK_BYTES at a time (each chunk a Buffer of its own). */
async function* fileChunks(fd: number, start: number, size: number, what: string): AsyncGenerator<Buffer> {
  let done = 0;
  while (done < size) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size - done));
    const n = fs.readSync(fd, buf, 0, buf.length, start + done);
    if (n === 0) throw new SpamcaseError('INPUT_UNREADABLE', `${what} ended after ${done} of its ${size} bytes`);
    done += n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}

/** A stored blob's bytes, CHUNK_BYTES at a time, from its pack segment. */
async function* blobChunks(segment: string, offset: number, size: number): AsyncGenerator<Buffer> {
  const fd = fs.openSync(segment, 'r');
  try {
    yield* fileChunks(fd, offset, size, `the stored log in ${path.basename(segment)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The text of a log from its bytes: gunzip'd, a stream at a time, when it is gzip (every member of
 * a concatenated gzip, as gunzip reads them). A file that starts as gzip but is not (cut short,
 * damaged) is INPUT_UNREADABLE. `onRaw` sees each chunk of the bytes themselves.
 */
export async function* logTextChunks(
  raw: AsyncIterable<Buffer>,
  gzip: boolean,
  onRaw?: (chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  if (!gzip) {
    for await (const chunk of raw) {
      onRaw?.(chunk);
      yield chunk;
    }
    return;
  }
  const gunzip = zlib.createGunzip({ chunkSize: CHUNK_BYTES });
  const feeding = (async () => {
    for await (const chunk of raw) {
      onRaw?.(chunk);
      if (!gunzip.write(chunk)) await once(gunzip, 'drain');
    }
    gunzip.end();
  })();
  feeding.catch((err: unknown) => gunzip.destroy(err as Error));
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
    await feeding;
  } catch (err) {
    if (err instanceof SpamcaseError) throw err;
    throw new SpamcaseError('INPUT_UNREADABLE', `not a readable gzip file: ${(err as Error).message}`, { cause: err });
  } finally {
    gunzip.destroy();
  }
}

/**
 * Opens a log and reads it once: SHA-256 of its bytes and of its text, its text's head. LIMIT_EXCEEDED
 * past a pack segment's size; INPUT_UNREADABLE when it cannot be read or its gzip is damaged.
 */
export async function openLog(source: string): Promise<OpenedLog> {
  let fd: number;
  try {
    fd = fs.openSync(source, 'r');
  } catch (err) {
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read log ${source}: ${(err as NodeJS.ErrnoException).code}`, {
      cause: err,
    });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SpamcaseError('INPUT_UNREADABLE', `cannot read log ${source}: not a file`);
    if (st.size > PACK_SEGMENT_MAX_BYTES)
      throw new SpamcaseError(
        'LIMIT_EXCEEDED',
        `${source}: ${st.size} bytes, over the ${PACK_SEGMENT_MAX_BYTES} a store segment holds: split it or gzip it`,
      );
    const magic = Buffer.alloc(2);
    const gzip = fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    const raw = crypto.createHash('sha256');
    const content = gzip ? crypto.createHash('sha256') : raw;
    const head: Buffer[] = [];
    let headBytes = 0;
    for await (const chunk of logTextChunks(fileChunks(fd, 0, st.size, source), gzip, (c) => raw.update(c))) {
      if (gzip) content.update(chunk);
      if (headBytes < HEAD_BYTES) {
        head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
        headBytes += head.at(-1)!.length;
      }
    }
    const sha256 = raw.digest('hex');
    return {
      fd,
      size: st.size,
      mtime: st.mtime,
      sha256,
      gzip,
      contentSha256: gzip ? content.digest('hex') : sha256,
      head: Buffer.concat(head),
    };
  } catch (err) {
    fs.closeSync(fd);
    if (err instanceof SpamcaseError) throw err;
    throw new SpamcaseError(
      'INPUT_UNREADABLE',
      `cannot read log ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
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
  // The file is read three times, 1 MiB at a time, never held whole: hashed (and its text's head
  // kept for the format), copied into the store (hashed again: a file changed in between is
  // refused), then its stored copy read for attempts. Memory stays flat in the file's size.
  const input = await openLog(source);
  try {
    return await acquireOpenedLog(ctx, source, input, options);
  } finally {
    fs.closeSync(input.fd);
  }
}

async function acquireOpenedLog(
  ctx: Context,
  source: string,
  input: OpenedLog,
  options: LogAcquisitionOptions,
): Promise<LogAcquisitionSummary> {
  const { fd, size, mtime, sha256, gzip, contentSha256 } = input;
  const format = options.format ?? detectFormat(input.head);
  const yearReference = options.yearReference ?? mtime;
  const rotationName = path.basename(source);
  const started = ctx.clock();
  const startedMs = Date.now();

  // A log acquisition is one transaction (a killed one leaves no row); message ingests killed before it are
  // stored as interrupted here too, as at every ingest's start.
  await markInterruptedAcquisitions(ctx);
  const store = storeDir(ctx, options.caseSlug);
  const writer = new PackWriter(store);
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
      const location = writer.appendFromFile(sha256, fd, size);
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
          size,
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
        const text = logTextChunks(blobChunks(path.join(packDir(store), location.pack), location.offset, size), gzip);
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
        source_bytes: size,
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
          sourceBytes: size,
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
        bytes: size,
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
 * Reads the lines and inserts their attempts, a chunk of text at a time (a line cut between chunks
 * is read whole; past CARRY_MAX_BYTES without a line end only its first MAX_LOG_LINE_BYTES + 1 bytes
 * are kept, enough to read it as the long line it is). On SQLite each attempt's values go straight
 * onto a prepared multi-row statement as the reader hands it over (SqliteRowWriter: nothing held
 * per row); on PostgreSQL the rows of each chunk go in unnest statements of ATTEMPT_BATCH_ROWS,
 * sent while the next chunk is read (the server inserts on the other core), at most one chunk's
 * rows waiting.
 */
export async function storeAttempts(
  trx: Knex.Transaction,
  text: AsyncIterable<Buffer>,
  reader: LineReader,
  target: { caseId: number; logFileId: number; server: string; onProgress?: (lines: number, offset: number) => void },
): Promise<LineTotals & { attempts: number }> {
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
  let sending: Promise<void> = Promise.resolve();
  const send = async (): Promise<void> => {
    await sending;
    const batch = rows;
    rows = [];
    sending = (async () => {
      for (let i = 0; i < batch.length; i += ATTEMPT_BATCH_ROWS)
        await bulkInsert(trx, 'attempts', ATTEMPT_COLUMNS, batch.slice(i, i + ATTEMPT_BATCH_ROWS));
    })();
    // Awaited before the next batch or at the end; never an unhandled rejection in between.
    sending.catch(() => undefined);
  };
  const read = (buf: Buffer): void => {
    const t = readLines(buf, reader, emit, totals.lines);
    totals.lines += t.lines;
    totals.unknownLines += t.unknownLines;
    totals.longLines += t.longLines;
  };
  let carry: Buffer | null = null;
  /** Inside a line already cut to its first bytes (in `carry`): its bytes up to its end are not kept. */
  let skipping = false;
  let offset = 0;
  for await (const chunk of text) {
    offset += chunk.length;
    let buf = chunk;
    if (skipping) {
      const nl = buf.indexOf(10);
      if (nl < 0) continue;
      buf = buf.subarray(nl);
      skipping = false;
    }
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      carry = carry ? Buffer.concat([carry, buf]) : Buffer.from(buf);
      if (carry.length > CARRY_MAX_BYTES) {
        carry = Buffer.from(carry.subarray(0, MAX_LOG_LINE_BYTES + 1));
        skipping = true;
      }
      continue;
    }
    let from = 0;
    if (carry) {
      const first = buf.indexOf(10);
      read(Buffer.concat([carry, buf.subarray(0, first + 1)]));
      carry = null;
      from = first + 1;
    }
    if (from < last + 1) read(buf.subarray(from, last + 1));
    if (last + 1 < buf.length) carry = Buffer.from(buf.subarray(last + 1));
    if (!direct) await send();
    target.onProgress?.(totals.lines, offset);
  }
  // The last line, when the text does not end with a line end.
  if (carry) read(carry);
  // What the reader still held (refusals awaiting a later line, a record open at the end).
  reader.finish?.(emit);
  if (!direct) {
    await send();
    await sending;
  }
  direct?.finish();
  return { ...totals, attempts };
}
