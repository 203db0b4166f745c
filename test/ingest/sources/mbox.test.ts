import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { MboxSplitter } from '../../../server/ingest/sources/mbox-splitter.ts';
import { FIXTURES, collect, outline, rejections, samples, tempDir } from './helpers.ts';

const MBOXRD_ENTRIES = [
  {
    locator: 'mboxrd.mbox#1',
    envelopeSender: 'spammer@bulk.example',
    text:
      'Return-Path: <spammer@bulk.example>\nFrom: spammer@bulk.example\nTo: trap1@plaintiff.example\nSubject: first\n' +
      'Message-ID: <m1@bulk.example>\n\nHello\nFrom the desk of the director\n>From a quoted reply\n>>From deeper\n',
  },
  {
    locator: 'mboxrd.mbox#2',
    envelopeSender: 'MAILER-DAEMON',
    text: 'From: spammer@bulk.example\nSubject: second\nMessage-ID: <m2@bulk.example>\n\nBody two\n>Fromage is not a quoted From line\n',
  },
  { locator: 'mboxrd.mbox#3', envelopeSender: null, text: 'Subject: third\n\nLast body\n' },
];

function summary(
  events: Awaited<ReturnType<typeof collect>>,
): Array<{ locator: string; envelopeSender: string | null; text: string }> {
  return samples(events).map((e) => ({
    locator: e.locator,
    envelopeSender: e.envelopeSender,
    text: e.bytes.toString(),
  }));
}

describe('mbox', () => {
  it('splits an mboxrd file, unquotes >+From lines, drops the blank line before each separator', async () => {
    const events = await collect(join(FIXTURES, 'mboxrd.mbox'));
    assert.deepEqual(summary(events), MBOXRD_ENTRIES);
    const raw = readFileSync(join(FIXTURES, 'mboxrd.mbox'));
    assert.deepEqual(events.at(-1), {
      type: 'file',
      locator: 'mboxrd.mbox',
      depth: 0,
      size: raw.length,
      sha256: createHash('sha256').update(raw).digest('hex'),
    });
  });

  it('unquotes mboxo >From lines and reads <addr> envelope senders', async () => {
    const events = await collect(join(FIXTURES, 'mboxo.mbox'));
    assert.deepEqual(summary(events), [
      {
        locator: 'mboxo.mbox#1',
        envelopeSender: 'bulk@spam.example',
        text: 'From: bulk@spam.example\nSubject: mboxo one\n\nDear friend,\nFrom now on you can earn money.\n',
      },
      {
        locator: 'mboxo.mbox#2',
        envelopeSender: 'bulk@spam.example',
        text: 'From: bulk@spam.example\nSubject: mboxo two\n\nFrom here on, everything is free.\n',
      },
    ]);
  });

  it('splits an mbox with CRLF line ends the same way', async () => {
    const dir = tempDir();
    const path = join(dir, 'crlf.mbox');
    writeFileSync(path, readFileSync(join(FIXTURES, 'mboxrd.mbox'), 'latin1').replace(/\n/g, '\r\n'), 'latin1');
    const events = await collect(path);
    assert.deepEqual(
      summary(events),
      MBOXRD_ENTRIES.map((e) => ({
        ...e,
        locator: e.locator.replace('mboxrd', 'crlf'),
        text: e.text.replace(/\n/g, '\r\n'),
      })),
    );
  });

  it("reads a gzip'd mbox: locators on the .gz name, file event over the compressed bytes", async () => {
    const dir = tempDir();
    const path = join(dir, 'box.mbox.gz');
    const gz = gzipSync(readFileSync(join(FIXTURES, 'mboxrd.mbox')));
    writeFileSync(path, gz);
    const events = await collect(path);
    assert.deepEqual(
      summary(events),
      MBOXRD_ENTRIES.map((e) => ({ ...e, locator: e.locator.replace('mboxrd.mbox', 'box.mbox.gz') })),
    );
    assert.deepEqual(events.at(-1), {
      type: 'file',
      locator: 'box.mbox.gz',
      depth: 0,
      size: gz.length,
      sha256: createHash('sha256').update(gz).digest('hex'),
    });
  });

  it("reads a gzip'd .eml as one sample", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'one.eml.gz'), gzipSync('Subject: gz\n\nbody\n'));
    const events = await collect(join(dir, 'one.eml.gz'));
    assert.deepEqual(outline(events), ['sample one.eml.gz', 'file one.eml.gz']);
    assert.equal(samples(events)[0]?.bytes.toString(), 'Subject: gz\n\nbody\n');
  });

  it('rejects an entry over maxMessageBytes and an empty entry; the others go on', async () => {
    const dir = tempDir();
    const path = join(dir, 'mixed.mbox');
    const big = `Subject: big\n\n${'y'.repeat(300)}\n`;
    writeFileSync(
      path,
      `From a@x Mon\nSubject: small\n\n1\n\nFrom b@x Mon\n${big}\nFrom c@x Mon\n\nFrom d@x Mon\nSubject: last\n\n4\n`,
    );
    const events = await collect(path, { unwrapForwards: false, limits: { maxMessageBytes: 200 } });
    assert.deepEqual(
      rejections(events).map((e) => [e.locator, e.reason, e.size]),
      [
        ['mixed.mbox#2', 'message larger than 200 bytes (maxMessageBytes)', big.length],
        ['mixed.mbox#3', 'empty mbox entry', 0],
      ],
    );
    assert.deepEqual(
      samples(events).map((e) => [e.locator, e.bytes.toString()]),
      [
        ['mixed.mbox#1', 'Subject: small\n\n1\n'],
        ['mixed.mbox#4', 'Subject: last\n\n4\n'],
      ],
    );
  });

  it('streams an mbox larger than the whole-read size with the same result as in one piece', async () => {
    const dir = tempDir();
    const path = join(dir, 'large.mbox');
    const parts: string[] = [];
    for (let i = 1; i <= 6000; i++) {
      parts.push(
        `From s${i}@bulk.example Thu Dec  1 10:00:00 2005\nSubject: n${i}\n\n${'line of spam text\n'.repeat(100)}>From quoted ${i}\n\n`,
      );
    }
    writeFileSync(path, parts.join(''));
    let count = 0;
    for (const event of await collect(path)) {
      if (event.type !== 'sample') continue;
      count += 1;
      assert.equal(event.locator, `large.mbox#${count}`);
      assert.equal(event.envelopeSender, `s${count}@bulk.example`);
      assert.equal(
        event.bytes.toString(),
        `Subject: n${count}\n\n${'line of spam text\n'.repeat(100)}From quoted ${count}\n`,
      );
    }
    assert.equal(count, 6000);
  });
});

describe('MboxSplitter', () => {
  it('gives the same entries whatever the chunk boundaries', () => {
    const input = Buffer.concat([
      readFileSync(join(FIXTURES, 'mboxrd.mbox')),
      Buffer.from('From x@y Mon\r\nSubject: crlf\r\n\r\n>>From q\r\n\r\nFrom <> Tue\n\nFrom z@y Wed\nno final newline'),
    ]);
    const split = (size: number): string => {
      const splitter = new MboxSplitter(10_000);
      const entries = [];
      for (let i = 0; i < input.length; i += size) entries.push(...splitter.push(input.subarray(i, i + size)));
      entries.push(...splitter.end());
      return JSON.stringify(entries.map((e) => [e.number, e.envelopeSender, e.size, e.bytes?.toString()]));
    };
    const whole = split(input.length);
    assert.match(whole, /"Subject: crlf\\r\\n\\r\\n>From q\\r\\n"/);
    assert.match(whole, /\[6,"z@y",16,"no final newline"\]/);
    for (let size = 1; size <= 64; size++) assert.equal(split(size), whole, `chunk size ${size}`);
  });
});
