import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, progressLine, ttyProgress } from '../../server/cli/progress.ts';

test('progress shows messages/s, count and bytes on a terminal and nothing when piped', () => {
  const written: string[] = [];
  const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const p = ttyProgress(tty)!;
  p.update({ source: '/x', samples: 12_345, rejected: 2, bytes: 45 * 1024 * 1024, elapsedMs: 1_000 });
  p.done();
  assert.equal(written[0], '\r\x1b[2K12,345 samples, 45.0 MiB, 12,345 msg/s, 2 rejected');
  assert.equal(written[1], '\r\x1b[2K');
  assert.equal(ttyProgress({ isTTY: false } as unknown as NodeJS.WriteStream), null);
  assert.equal(formatBytes(512), '512 B');
  assert.equal(
    progressLine({ source: '/x', samples: 0, rejected: 0, bytes: 2048, elapsedMs: 0 }),
    '0 samples, 2.0 KiB, 0 msg/s, 0 rejected',
  );
});
