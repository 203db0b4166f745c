/**
 * Child process of pack-store-processes.test.ts: waits for a common start time, then opens
 * `writers` PackWriters one after another on the same store, each appending and flushing a few
 * blobs, and prints where each blob went (one JSON line). Several of these at once are several
 * ingest processes (or machines) appending to one case's store.
 */
import { PackWriter, sha256Hex } from '../../server/store/pack-store.ts';

const [dir, tag, writersText, startAtText] = process.argv.slice(2);
if (!dir || !tag || !writersText || !startAtText)
  throw new Error('usage: pack-writer-child.ts DIR TAG WRITERS START_AT_MS');
while (Date.now() < Number(startAtText)) {
  /* spin until the common start: the writers of every process then roll segments at once */
}
const out: Array<{ writer: string; sha256: string; pack: string; offset: number; size: number }> = [];
for (let k = 0; k < Number(writersText); k++) {
  const w = new PackWriter(dir);
  const writer = `${tag}/${k}`;
  for (let j = 0; j < 3; j++) {
    const bytes = Buffer.from(
      `From: ${tag}@hotmail.com\nSubject: writer ${writer} blob ${j}\n\n${'x'.repeat(100 * j)}\n`,
    );
    const sha256 = sha256Hex(bytes);
    out.push({ writer, sha256, ...w.append(sha256, bytes) });
    if (j === 1) w.flush();
  }
  w.close();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
