/**
 * A physical file (depth 0): read once, hashed while read, its content dispatched. Small files
 * are read whole with synchronous calls (the fast path for directories of many .eml files);
 * larger ones are streamed. A depth-0 file that could be read always gets its 'file' event,
 * even when its content is rejected, so that the acquisition hash covers every byte received.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, read, readSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { ChunkReader, Meter } from './chunk-reader.ts';
import { messageEvents, readContent } from './content.ts';
import { fileRead, rejected } from './events.ts';
import type { SourceEvent } from './events.ts';
import { describeError } from '../../errors.ts';
import { Rejection, asRejection, fsErrorReason } from './rejection.ts';
import { SNIFF_BYTES, sniff } from './sniff.ts';
import type { ContentKind } from './sniff.ts';
import { openZipBuffer, openZipFd, readZipEntries } from './zip-archive.ts';
import type { Position, ReadContext } from './zip-archive.ts';

/** Files up to this size are read in one call; larger ones are streamed in STREAM_CHUNK_BYTES. */
const WHOLE_READ_BYTES = 8 * 1024 * 1024;
const STREAM_CHUNK_BYTES = 1024 * 1024;

/** O_NONBLOCK: opening a FIFO must not hang (it is then refused after fstat). */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

export interface InputFileOptions {
  /** Refuse a symbolic link at the last path component (set for files found by a directory walk). */
  noFollow: boolean;
}

/**
 * The events of one physical file. A small file is read, hashed and closed before this returns,
 * and its events come as an array (the fast path, without generator overhead); a large file comes
 * as a generator that owns the open descriptor, which must be iterated to the end or returned.
 */
export function readInputFile(
  path: string,
  locator: string,
  context: Omit<ReadContext, 'budget'>,
  options: InputFileOptions,
): SourceEvent[] | AsyncGenerator<SourceEvent> {
  let fd: number;
  try {
    fd = openSync(path, options.noFollow ? OPEN_FLAGS | constants.O_NOFOLLOW : OPEN_FLAGS);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return [
      rejected(locator, code === 'ELOOP' ? 'symbolic link not followed' : `cannot open file: ${fsErrorReason(err)}`),
    ];
  }
  const readContext: ReadContext = { ...context, budget: { extractedBytes: 0, entries: 0 } };
  const position: Position = { locator, depth: 0, layers: 0 };
  let streamed = false;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return [rejected(locator, `not a regular file (${fileKind(stats)})`)];
    if (stats.size > WHOLE_READ_BYTES) {
      streamed = true;
      return guarded(readStreamed(fd, position, readContext), locator);
    }
    let bytes: Buffer;
    try {
      bytes = readWhole(fd, stats.size);
    } catch (err) {
      return [rejected(locator, `cannot read file: ${fsErrorReason(err)}`)];
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const kind = sniff(bytes.subarray(0, SNIFF_BYTES));
    if (kind === 'message' && bytes.length > 0 && bytes.length <= context.limits.maxMessageBytes) {
      // The hot path: one .eml.
      const events = messageEvents(bytes, locator, null, readContext);
      for (const e of events) if (e.type === 'sample' && e.bytes === bytes) e.sha256 = sha256; // hashed once, here
      events.push(fileRead(locator, 0, bytes.length, sha256));
      return events;
    }
    return guarded(readLoaded(bytes, sha256, kind, position, readContext), locator);
  } catch (err) {
    return [rejected(locator, `unexpected error: ${describeError(err)}`)];
  } finally {
    if (!streamed) closeSync(fd);
  }
}

/** Never expected (every reader rejects what it cannot read); one bad input must not stop the rest. */
async function* guarded(events: AsyncGenerator<SourceEvent>, locator: string): AsyncGenerator<SourceEvent> {
  try {
    yield* events;
  } catch (err) {
    yield rejected(locator, `unexpected error: ${describeError(err)}`);
  }
}

/** The file's `size` bytes (as fstat saw them), fewer if it shrank meanwhile; like readFileSync. */
function readWhole(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const n = readSync(fd, buf, length, size - length, null);
    if (n === 0) break;
    length += n;
  }
  return length === size ? buf : buf.subarray(0, length);
}

async function* readLoaded(
  bytes: Buffer,
  sha256: string,
  kind: ContentKind,
  position: Position,
  context: ReadContext,
): AsyncGenerator<SourceEvent> {
  const { locator } = position;
  try {
    if (kind === 'zip') {
      const zipfile = await openZipBuffer(bytes).catch((err: unknown) => {
        throw asRejection(err, 'corrupt ZIP archive');
      });
      yield* readZipEntries(zipfile, { ...position, layers: 1 }, context, readContent);
    } else {
      yield* readContent(ChunkReader.of(bytes), position, context);
    }
  } catch (err) {
    yield rejected(locator, asRejection(err, 'unreadable content').reason, bytes.length, sha256);
  }
  yield fileRead(locator, 0, bytes.length, sha256);
}

async function* readStreamed(fd: number, position: Position, context: ReadContext): AsyncGenerator<SourceEvent> {
  const { locator } = position;
  const head = Buffer.alloc(SNIFF_BYTES);
  try {
    readSync(fd, head, 0, SNIFF_BYTES, 0);
  } catch (err) {
    closeSync(fd);
    yield rejected(locator, `cannot read file: ${fsErrorReason(err)}`);
    return;
  }
  const meter = new Meter();
  const source = new ChunkReader(meter.wrap(chunksOf(fd)));
  let fdOwnedByZip = false;
  try {
    let failure: Rejection | null = null;
    if (sniff(head) === 'zip') {
      // ZIP needs random access: hash the file in one sequential pass, then read the archive
      // from the same descriptor (the same inode, whatever happens to the path meanwhile).
      try {
        await source.drain();
      } catch (err) {
        yield rejected(locator, `cannot read file: ${fsErrorReason(err)}`);
        return;
      }
      try {
        const zipfile = await openZipFd(fd).catch((err: unknown) => {
          throw asRejection(err, 'corrupt ZIP archive');
        });
        fdOwnedByZip = true; // yauzl closes the descriptor when the archive is closed
        yield* readZipEntries(zipfile, { ...position, layers: 1 }, context, readContent);
      } catch (err) {
        failure = asRejection(err, 'corrupt ZIP archive');
      }
    } else {
      try {
        yield* readContent(source, position, context);
      } catch (err) {
        failure = asRejection(err, 'unreadable content');
      }
      try {
        await source.drain(); // the rest of a rejected file is still hashed, not parsed
      } catch (err) {
        yield rejected(locator, `cannot read file: ${fsErrorReason(err)}`);
        return;
      }
    }
    const sha256 = meter.digest();
    if (failure !== null) yield rejected(locator, failure.reason, meter.size, sha256);
    yield fileRead(locator, 0, meter.size, sha256);
  } finally {
    if (!fdOwnedByZip) closeSync(fd);
  }
}

/**
 * The descriptor's bytes from offset 0, in STREAM_CHUNK_BYTES chunks. Not an fs.ReadStream: a
 * ReadStream closes its descriptor when destroyed, even with `autoClose: false`, asynchronously,
 * after we have closed it ourselves and the number may already belong to the next file opened.
 */
async function* chunksOf(fd: number): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(STREAM_CHUNK_BYTES);
    const n = await new Promise<number>((resolve, reject) => {
      read(fd, chunk, 0, STREAM_CHUNK_BYTES, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
    });
    if (n === 0) return;
    position += n;
    yield n === STREAM_CHUNK_BYTES ? chunk : chunk.subarray(0, n);
  }
}

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  if (stats.isSymbolicLink()) return 'symbolic link';
  return 'unknown type';
}
