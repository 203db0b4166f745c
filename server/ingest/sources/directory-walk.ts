/**
 * Walks a directory depth-first, the entries of each directory in byte order of their names
 * (UTF-8 byte order, i.e. code point order), so that the same tree always gives the same events.
 * Regular files are read; symbolic links are not followed; anything unreadable is rejected and
 * the walk goes on. A maildir (cur/, new/, tmp/) is walked the same way.
 */
import { lstatSync, readdirSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { rejected } from './events.ts';
import type { SourceEvent } from './events.ts';
import { readInputFile } from './input-file.ts';
import { childPath } from './locator.ts';
import { fsErrorReason } from './rejection.ts';
import type { ReadContext } from './zip-archive.ts';

/** Entries of `dir`, sorted; throws what readdir throws. */
export function listDirectory(dir: string): Dirent[] {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareCodePoints(a.name, b.name));
}

/** Depth-first with an explicit stack (no generator per directory level). */
export async function* walkDirectory(
  dir: string,
  entries: Dirent[],
  context: Omit<ReadContext, 'budget'>,
): AsyncGenerator<SourceEvent> {
  const stack: Array<{ dir: string; locator: string; entries: Dirent[]; next: number }> = [
    { dir, locator: '', entries, next: 0 },
  ];
  while (stack.length > 0) {
    const level = stack[stack.length - 1] as (typeof stack)[number];
    const entry = level.entries[level.next];
    if (entry === undefined) {
      stack.pop();
      continue;
    }
    level.next += 1;
    const path = join(level.dir, entry.name);
    const locator = childPath(level.locator, entry.name);
    const kind = entryKind(entry, path);
    if (kind === 'file') {
      const events = readInputFile(path, locator, context, { noFollow: true });
      if (Array.isArray(events)) {
        for (const event of events) yield event;
      } else {
        yield* events;
      }
    } else if (kind === 'directory') {
      try {
        stack.push({ dir: path, locator, entries: listDirectory(path), next: 0 });
      } catch (err) {
        yield rejected(locator, `cannot read directory: ${fsErrorReason(err)}`);
      }
    } else {
      yield rejected(locator, kind);
    }
  }
}

/** 'file', 'directory', or the reason the entry is not read. */
function entryKind(entry: Dirent, path: string): string {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'directory';
  if (entry.isSymbolicLink()) return 'symbolic link not followed';
  if (entry.isFIFO()) return 'not a regular file (FIFO)';
  if (entry.isSocket()) return 'not a regular file (socket)';
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'not a regular file (device)';
  // Some file systems do not report the type in the directory listing.
  try {
    const stats = lstatSync(path);
    if (stats.isFile()) return 'file';
    if (stats.isDirectory()) return 'directory';
    if (stats.isSymbolicLink()) return 'symbolic link not followed';
    return 'not a regular file';
  } catch (err) {
    return `cannot read file: ${fsErrorReason(err)}`;
  }
}

/**
 * Orders names as their UTF-8 bytes would be ordered. JavaScript's `<` compares UTF-16 code
 * units, which differs for characters above U+FFFF versus U+E000-U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const cx = a.codePointAt(i) as number;
    const cy = b.codePointAt(i) as number;
    return cx < cy ? -1 : 1;
  }
  return a.length - b.length;
}
