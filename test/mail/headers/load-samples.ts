/** Test input: the crafted fixtures and the SpamAssassin corpus (raw messages, mbox "From " line stripped). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.join(here, '..', '..', 'fixtures', 'headers');
export const CORPUS = path.join(here, '..', '..', '..', 'node_modules', '@stdlib', 'datasets-spam-assassin', 'data');
export const CORPUS_GROUPS = ['spam-1', 'spam-2', 'easy-ham-1', 'easy-ham-2', 'hard-ham-1'] as const;

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES, name));
}

/**
 * Most corpus files start with an mbox "From " line, which callers strip before parsing; some
 * (583 of the 6,046) start directly with the header, so only a real "From " line is removed.
 */
export function stripMboxFromLine(file: Buffer): Buffer {
  if (file.subarray(0, 5).toString('latin1') !== 'From ') return file;
  const nl = file.indexOf(0x0a);
  return nl < 0 ? Buffer.alloc(0) : file.subarray(nl + 1);
}

/** The corpus message whose file name starts with `number` ("00001") in `group`. */
export function corpusMessage(group: string, number: string): Buffer {
  const dir = path.join(CORPUS, group);
  const name = fs.readdirSync(dir).find((f) => f.startsWith(`${number}.`) && f.endsWith('.txt'));
  if (name === undefined) throw new Error(`no corpus file ${group}/${number}`);
  return stripMboxFromLine(fs.readFileSync(path.join(dir, name)));
}

export function corpusFiles(group: string): string[] {
  const dir = path.join(CORPUS, group);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(dir, f));
}
