/**
 * A generated corpus as one ZIP upload, with its exact counts (test/corpus/generate.ts): enough
 * messages that an upload job works for seconds. Generated once per test process. Not a test file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { buildZip } from '../ingest/sources/zip-writer.ts';
import { tempDir } from './databases.ts';

const made = new Map<string, Promise<{ zip: Buffer; truth: CorpusTruth }>>();

export function corpusZip(messages: number, seed = 21): Promise<{ zip: Buffer; truth: CorpusTruth }> {
  const key = `${messages}:${seed}`;
  let p = made.get(key);
  if (!p) {
    p = (async () => {
      const out = path.join(tempDir('spamcase-upload-corpus-'), 'corpus');
      const truth = await generateCorpus({ out, messages, seed, layout: 'eml' });
      const files = (fs.readdirSync(out, { recursive: true }) as string[]).filter((f) => f.endsWith('.eml')).sort();
      const zip = buildZip(files.map((f) => ({ name: f, data: fs.readFileSync(path.join(out, f)) })));
      return { zip, truth };
    })();
    made.set(key, p);
  }
  return p;
}
