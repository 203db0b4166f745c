/**
 * Several processes appending to one case's store at once (several ingest processes, or several
 * machines on a shared data root): each writer creates its segment with O_EXCL, taking the next
 * free number when another process got there first, so no two writers ever share a segment, and
 * every blob reads back byte for byte from a segment that holds exactly its writer's records.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../server/config.ts';
import { listSegments, readBlob, scanSegment, sha256Hex } from '../../server/store/pack-store.ts';
import { tempDir } from '../helpers/databases.ts';

const run = promisify(execFile);

test(
  'four processes rolling segments at the same moment never share one, and every blob reads back',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const processes = 4;
    const writers = 25;
    const startAt = Date.now() + 4000; // after every child has loaded
    const outputs = await Promise.all(
      Array.from({ length: processes }, (_, p) =>
        run(process.execPath, [
          '--import',
          'tsx',
          path.join(PROJECT_ROOT, 'test', 'store', 'pack-writer-child.ts'),
          dir,
          `p${p}`,
          String(writers),
          String(startAt),
        ]),
      ),
    );
    const blobs = outputs.flatMap(
      (o) =>
        JSON.parse(o.stdout) as Array<{ writer: string; sha256: string; pack: string; offset: number; size: number }>,
    );
    assert.equal(blobs.length, processes * writers * 3);

    // One segment per writer, never shared.
    const writerOf = new Map<string, string>();
    for (const b of blobs) {
      const owner = writerOf.get(b.pack);
      assert.ok(owner === undefined || owner === b.writer, `${b.pack} written by ${owner} and ${b.writer}`);
      writerOf.set(b.pack, b.writer);
    }
    assert.equal(writerOf.size, processes * writers);
    assert.deepEqual(listSegments(dir), [...writerOf.keys()].sort());

    // Every blob reads back exactly; every segment scans clean and holds its writer's three records.
    for (const b of blobs) assert.equal(sha256Hex(readBlob(dir, b)), b.sha256);
    for (const pack of listSegments(dir)) {
      const records: string[] = [];
      const scan = scanSegment(dir, pack, (r) => {
        assert.equal(r.actualSha256, r.declaredSha256, `${pack} offset ${r.offset}`);
        records.push(r.actualSha256);
      });
      assert.equal(scan.problem, null, pack);
      assert.deepEqual(
        records,
        blobs.filter((b) => b.pack === pack).map((b) => b.sha256),
      );
    }
  },
);
