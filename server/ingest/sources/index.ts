/**
 * Sources: any input path (file, directory, maildir, mbox, ZIP, gzip) to a stream of samples
 * with provenance. A "sample" is one message as harvested. See README.md.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { SpamcaseError } from '../../errors.ts';
import { listDirectory, walkDirectory } from './directory-walk.ts';
import type { SourceEvent } from './events.ts';
import { readInputFile } from './input-file.ts';
import { resolveLimits } from './limits.ts';
import type { SourceLimits } from './limits.ts';
import { escapeName } from './locator.ts';
import { fsErrorReason } from './rejection.ts';

export { DEFAULT_LIMITS } from './limits.ts';
export type { SourceLimits } from './limits.ts';
export type { SourceEvent, WrapperKind } from './events.ts';

export interface SourceOptions {
  /** True for acquisitions by 'report': attached messages (forwards) are unwrapped. ARF reports always are. */
  unwrapForwards: boolean;
  /**
   * True for acquisitions by 'report' or 'bounce': delivery status notifications are unwrapped (only those
   * that are structurally reports). Defaults to `unwrapForwards`.
   */
  unwrapBounces?: boolean;
  /** May only lower limits; a larger or invalid value is refused (INVALID_INPUT). */
  limits?: Partial<SourceLimits>;
}

/**
 * The events of everything under `path`, in a deterministic order. Throws INPUT_UNREADABLE when
 * `path` does not exist or is a directory that cannot be listed, INVALID_INPUT for bad limits;
 * everything else that cannot be read becomes a 'rejected' event.
 */
export async function* readSource(path: string, options: SourceOptions): AsyncGenerator<SourceEvent> {
  const context = {
    limits: resolveLimits(options.limits),
    unwrapForwards: options.unwrapForwards,
    unwrapBounces: options.unwrapBounces ?? options.unwrapForwards,
  };
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (err) {
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read input ${path}: ${fsErrorReason(err)}`, {
      cause: err,
      details: { path },
    });
  }
  if (!isDirectory) {
    const events = readInputFile(path, escapeName(basename(path)), context, { noFollow: false });
    if (Array.isArray(events)) {
      for (const event of events) yield event;
    } else {
      yield* events;
    }
    return;
  }
  let entries;
  try {
    entries = listDirectory(path);
  } catch (err) {
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read directory ${path}: ${fsErrorReason(err)}`, {
      cause: err,
      details: { path },
    });
  }
  yield* walkDirectory(path, entries, context);
}
