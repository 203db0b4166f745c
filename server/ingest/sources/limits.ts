/**
 * Limits against hostile input. Each default is a named constant with the reason for its value.
 * Options may only lower a limit: a missing, larger, zero, negative or non-numeric value never
 * switches a limit off (larger or invalid values are refused with INVALID_INPUT).
 */
import { SpamcaseError } from '../../errors.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Providers cap mail at 25-50 MB (150 MB on some Exchange setups is rare); base64 adds a third. One message is held in
 * memory at a time.
 */
export const MAX_MESSAGE_BYTES = 64 * MiB;
/**
 * Archive layers (ZIP or gzip) opened inside each other. A real export is at most upload.zip > user.zip > box.mbox.gz;
 * bombs nest deeper.
 */
export const MAX_ARCHIVE_DEPTH = 4;
/**
 * Archive entries read out of one input file, all nesting levels together, so that a quine or a 42.zip-style fan-out
 * stops early.
 */
export const MAX_ARCHIVE_ENTRIES = 1_000_000;
/**
 * Bytes decompressed out of one input file (ZIP members and gzip streams, all levels together). A legit 16 GiB mbox
 * should be split.
 */
export const MAX_ARCHIVE_TOTAL_BYTES = 16 * GiB;
/**
 * Decompressed/compressed bytes of one entry or gzip stream. Mail compresses 3-20x, repetitive HTML spam up to ~100x;
 * deflate's ceiling (~1032x) is what bombs use.
 */
export const MAX_COMPRESSION_RATIO = 200;
/**
 * Below this many decompressed bytes the ratio is not checked: a tiny file of repeated characters has a high ratio and
 * is harmless.
 */
export const RATIO_GRACE_BYTES = 1 * MiB;
/**
 * A ZIP found inside an archive needs random access, so it is held in memory; bigger ones must be extracted and
 * ingested directly.
 */
export const MAX_NESTED_ZIP_BYTES = 256 * MiB;
/**
 * Multipart nesting followed when looking for inner messages (postal-mime stops at a similar depth); real reports nest
 * 2-3 deep.
 */
export const MAX_MIME_DEPTH = 16;
/**
 * MIME parts looked at in one message when looking for inner messages; bounds the work on a message made of thousands
 * of empty parts.
 */
export const MAX_MIME_PARTS = 1_000;
/**
 * Bytes scanned for the end of a header section; real header sections are a few KiB, spam with huge headers is cut
 * here.
 */
export const MAX_HEADER_BYTES = 1 * MiB;

export interface SourceLimits {
  maxMessageBytes: number;
  maxArchiveDepth: number;
  maxArchiveEntries: number;
  maxArchiveTotalBytes: number;
  maxCompressionRatio: number;
  ratioGraceBytes: number;
  maxNestedZipBytes: number;
  maxMimeDepth: number;
  maxMimeParts: number;
  maxHeaderBytes: number;
}

export const DEFAULT_LIMITS: Readonly<SourceLimits> = Object.freeze({
  maxMessageBytes: MAX_MESSAGE_BYTES,
  maxArchiveDepth: MAX_ARCHIVE_DEPTH,
  maxArchiveEntries: MAX_ARCHIVE_ENTRIES,
  maxArchiveTotalBytes: MAX_ARCHIVE_TOTAL_BYTES,
  maxCompressionRatio: MAX_COMPRESSION_RATIO,
  ratioGraceBytes: RATIO_GRACE_BYTES,
  maxNestedZipBytes: MAX_NESTED_ZIP_BYTES,
  maxMimeDepth: MAX_MIME_DEPTH,
  maxMimeParts: MAX_MIME_PARTS,
  maxHeaderBytes: MAX_HEADER_BYTES,
});

/**
 * The defaults, lowered where `overrides` asks. A value that is not a positive integer
 * (ratio: positive number) or is above the default is refused: an option can never
 * switch a limit off or raise it.
 */
export function resolveLimits(overrides: Partial<SourceLimits> | undefined): SourceLimits {
  const limits: SourceLimits = { ...DEFAULT_LIMITS };
  if (overrides === undefined) return limits;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides) as [string, unknown][]) {
    if (value === undefined) continue;
    if (!Object.hasOwn(DEFAULT_LIMITS, key)) {
      problems.push(`unknown limit ${key}`);
      continue;
    }
    const name = key as keyof SourceLimits;
    const max = DEFAULT_LIMITS[name];
    const valid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value > 0 &&
      (name === 'maxCompressionRatio' || Number.isInteger(value));
    if (!valid) problems.push(`${name} must be a positive number, got ${String(value)}`);
    else if (value > max) problems.push(`${name} may only be lowered (default ${max}), got ${value}`);
    else limits[name] = value;
  }
  if (problems.length > 0) {
    throw new SpamcaseError('INVALID_INPUT', `invalid source limits: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return limits;
}
