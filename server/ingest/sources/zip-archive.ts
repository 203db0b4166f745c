/**
 * ZIP archives through yauzl (lazyEntries, validateEntrySizes). Member data is inflated here,
 * not by yauzl, so that the bomb limits see the compressed bytes consumed and the bytes produced;
 * each member's size and CRC-32 are checked against its header at the end.
 */
import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ChunkReader, Meter } from './chunk-reader.ts';
import { chargeExtracted, decompress } from './decompress.ts';
import type { InputBudget } from './decompress.ts';
import { fileRead, rejected } from './events.ts';
import type { SourceEvent } from './events.ts';
import type { SourceLimits } from './limits.ts';
import { escapeName, memberLocator } from './locator.ts';
import { Rejection, asRejection } from './rejection.ts';

/** decodeStrings off: yauzl would abort the whole archive on one unsafe name; names are checked here. */
export const ZIP_OPTIONS: yauzl.Options = {
  lazyEntries: true,
  validateEntrySizes: true,
  decodeStrings: false,
  autoClose: false,
};

const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/** Where a unit of input sits: its locator, member depth (0 = physical file), archive layers around it. */
export interface Position {
  locator: string;
  depth: number;
  layers: number;
}

export interface ReadContext {
  limits: SourceLimits;
  unwrapForwards: boolean;
  unwrapBounces: boolean;
  budget: InputBudget;
}

/** Reads a unit's bytes: sniff and dispatch (content.ts). Passed in to keep the modules acyclic. */
export type ContentReader = (
  source: ChunkReader,
  position: Position,
  context: ReadContext,
) => AsyncGenerator<SourceEvent>;

export function openZipBuffer(bytes: Buffer): Promise<ZipFile> {
  return yauzl.fromBufferPromise(bytes, ZIP_OPTIONS);
}

export function openZipFd(fd: number): Promise<ZipFile> {
  return yauzl.fromFdPromise(fd, ZIP_OPTIONS);
}

/**
 * The events of every member of an open archive (at `archive`, whose `layers` counts this
 * archive). Closes the archive. Throws a Rejection for a corrupt archive or a spent budget.
 */
/** A member made on Unix keeps its mode in the high 16 bits of the external attributes. */
const MADE_BY_UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** Fixed part of a ZIP local file header (APPNOTE 4.3.7). */
const LOCAL_HEADER_BYTES = 30;

export async function* readZipEntries(
  zipfile: ZipFile,
  archive: Position,
  context: ReadContext,
  readContent: ContentReader,
): AsyncGenerator<SourceEvent> {
  let zipError: unknown = null;
  zipfile.on('error', (err: unknown) => {
    zipError = err;
  });
  const occurrences = new Map<string, number>();
  // Overlapping entries (several central directory entries over one local file: the
  // "overlapping files" zip bomb, or one stored message counted many times) are refused: the same
  // local header twice, or a member starting inside the previous member's data.
  const localHeaders = new Set<number>();
  let previous: { start: number; end: number } | null = null;
  try {
    for (;;) {
      let entry: Entry | null;
      try {
        entry = await nextEntry(zipfile, () => zipError);
      } catch (err) {
        throw asRejection(err, 'corrupt ZIP archive');
      }
      if (entry === null) return;
      context.budget.entries += 1;
      if (context.budget.entries > context.limits.maxArchiveEntries) {
        throw new Rejection(
          `more than ${context.limits.maxArchiveEntries} archive entries (maxArchiveEntries)`,
          'input',
        );
      }
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      const occurrence = (occurrences.get(name) ?? 0) + 1;
      occurrences.set(name, occurrence);
      const locator = memberLocator(archive.locator, name, occurrence);
      if (isUnsafePath(name)) {
        yield rejected(locator, `unsafe path in archive: ${escapeName(name)}`);
        continue;
      }
      if (name.endsWith('/') || name.endsWith('\\')) continue; // a directory
      if (entry.isEncrypted()) {
        yield rejected(locator, 'encrypted archive entry');
        continue;
      }
      if (entry.versionMadeBy >> 8 === MADE_BY_UNIX && ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        yield rejected(locator, 'symbolic link in archive (not followed)');
        continue;
      }
      if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATED) {
        yield rejected(locator, `unsupported compression method ${entry.compressionMethod}`);
        continue;
      }
      const start = entry.relativeOffsetOfLocalHeader;
      const overlaps =
        localHeaders.has(start) || (previous !== null && start >= previous.start && start < previous.end);
      localHeaders.add(start);
      previous = { start, end: start + LOCAL_HEADER_BYTES + entry.compressedSize };
      if (overlaps) {
        yield rejected(
          locator,
          'overlapping archive entry: its data is shared with an earlier member (zip bomb technique)',
        );
        continue;
      }
      const member: Position = { locator, depth: archive.depth + 1, layers: archive.layers };
      yield* readMember(zipfile, entry, member, context, readContent);
    }
  } finally {
    zipfile.close();
  }
}

/** `..` segments, absolute paths (`/x`, `\x`, `C:x`), NUL, or an empty name. */
export function isUnsafePath(name: string): boolean {
  if (name === '' || name.includes('\0')) return true;
  if (name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name)) return true;
  return name.split(/[/\\]/).includes('..');
}

async function* readMember(
  zipfile: ZipFile,
  entry: Entry,
  member: Position,
  context: ReadContext,
  readContent: ContentReader,
): AsyncGenerator<SourceEvent> {
  const { limits, budget } = context;
  let raw: Readable | null = null;
  let inflated: AsyncGenerator<Buffer> | null = null;
  const meter = new Meter();
  let reader: ChunkReader | null = null;
  try {
    try {
      raw = await zipfile.openReadStreamPromise(entry, { decodeFileData: false });
    } catch (err) {
      throw asRejection(err, 'corrupt archive entry');
    }
    raw.on('error', () => {
      /* surfaced through the iteration */
    });
    let content: AsyncIterator<Buffer>;
    if (entry.compressionMethod === METHOD_DEFLATED) {
      inflated = decompress(new ChunkReader(raw[Symbol.asyncIterator]()), 'deflate-raw', budget, limits);
      content = inflated;
    } else {
      const stored = raw[Symbol.asyncIterator]();
      content = {
        next: async () => {
          const result = (await stored.next()) as IteratorResult<Buffer>;
          if (result.done !== true) chargeExtracted(budget, result.value.length, limits);
          return result;
        },
      };
    }
    let crc = 0;
    reader = new ChunkReader(
      meter.wrap(
        content,
        (chunk) => {
          crc = crc32(chunk, crc);
        },
        () => {
          if (meter.size !== entry.uncompressedSize) {
            throw new Rejection(`corrupt archive entry: ${meter.size} bytes, header says ${entry.uncompressedSize}`);
          }
          if (crc !== entry.crc32) throw new Rejection('corrupt archive entry: CRC-32 mismatch');
        },
      ),
    );
    yield* readContent(reader, member, context);
    await reader.drain();
    yield fileRead(member.locator, member.depth, meter.size, meter.digest());
  } catch (err) {
    const rejection = asRejection(err, 'corrupt archive entry');
    const complete = reader?.exhausted === true;
    const digest = complete ? meter.digest() : null;
    yield rejected(member.locator, rejection.reason, complete ? meter.size : null, digest);
    if (complete && digest !== null) yield fileRead(member.locator, member.depth, meter.size, digest);
    if (rejection.scope === 'input') throw rejection;
  } finally {
    await inflated?.return(undefined);
    raw?.destroy();
  }
}

function nextEntry(zipfile: ZipFile, pendingError: () => unknown): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const earlier = pendingError();
    if (earlier !== null) {
      reject(earlier);
      return;
    }
    const cleanup = (): void => {
      zipfile.removeListener('entry', onEntry);
      zipfile.removeListener('end', onEnd);
      zipfile.removeListener('error', onError);
    };
    const onEntry = (entry: Entry): void => {
      cleanup();
      resolve(entry);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: unknown): void => {
      cleanup();
      reject(err);
    };
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}
