import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSpamcaseError } from '../../../server/errors.ts';
import { DEFAULT_LIMITS } from '../../../server/ingest/sources/index.ts';
import { resolveLimits } from '../../../server/ingest/sources/limits.ts';
import type { SourceLimits } from '../../../server/ingest/sources/limits.ts';

describe('source limits', () => {
  it('default to the named constants and may be lowered', () => {
    assert.deepEqual(resolveLimits(undefined), DEFAULT_LIMITS);
    const lowered = resolveLimits({ maxMessageBytes: 100, maxCompressionRatio: 2.5 });
    assert.equal(lowered.maxMessageBytes, 100);
    assert.equal(lowered.maxCompressionRatio, 2.5);
    assert.equal(lowered.maxArchiveDepth, DEFAULT_LIMITS.maxArchiveDepth);
  });

  it('can never be raised or switched off', () => {
    const refused: Array<Partial<SourceLimits>> = [
      { maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes + 1 },
      { maxArchiveDepth: 0 },
      { maxArchiveEntries: -1 },
      { maxArchiveTotalBytes: Number.POSITIVE_INFINITY },
      { maxCompressionRatio: Number.NaN },
      { maxMimeDepth: 1.5 },
      { maxNestedZipBytes: '10' as unknown as number },
      { noSuchLimit: 1 } as unknown as Partial<SourceLimits>,
    ];
    for (const limits of refused) {
      assert.throws(
        () => resolveLimits(limits),
        (err: unknown) => isSpamcaseError(err, 'INVALID_INPUT'),
        JSON.stringify(limits),
      );
    }
  });
});
