/**
 * The readers' per-line shortcuts (issue 24, speed): a syslog stamp's instant reused for the lines
 * of the same second, Sendmail equates split without a regular expression, Exim stamps and
 * Exchange times and Message-IDs converted once per run of equal values, a run of one Message-ID
 * hashed once on store. Each is checked where it could go wrong: another clock, year reference,
 * offset or column order for the same text; values with `, ` in them; a Message-ID coming back
 * after another one or none.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { createCase } from '../../server/cases/cases.ts';
import { readLines } from '../../server/logs/acquire.ts';
import type { Attempt } from '../../server/logs/attempt.ts';
import { ExchangeReader } from '../../server/logs/exchange.ts';
import { EximReader } from '../../server/logs/exim.ts';
import { ZoneClock } from '../../server/logs/log-time.ts';
import { sendmailEquates } from '../../server/logs/sendmail.ts';
import { parseSyslogFrame } from '../../server/logs/syslog-line.ts';
import { messageIdKey, messageKeyHash } from '../../server/mail/keys.ts';
import { ingestLogs } from '../../server/usecases/logs.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

const paris = new ZoneClock('Europe/Paris');
const utc = new ZoneClock('UTC');
const JAN_2006 = Date.UTC(2006, 0, 2);
const DEC_2006 = Date.UTC(2006, 11, 8);

test('syslog frame: the same stamp under another clock or year reference is another instant; tags of every shape', () => {
  const line = 'Dec  1 10:00:00 mx1 postfix-in/smtpd[4321]: connect from unknown[82.120.5.9]';
  const iso = (l: string, clock: ZoneClock, ref: number) => {
    const f = parseSyslogFrame(l, clock, ref);
    return f === null ? null : new Date(f.at).toISOString();
  };
  assert.equal(iso(line, paris, JAN_2006), '2005-12-01T09:00:00.000Z');
  assert.equal(iso(line, paris, JAN_2006), '2005-12-01T09:00:00.000Z');
  assert.equal(iso(line, utc, JAN_2006), '2005-12-01T10:00:00.000Z');
  assert.equal(iso(line, utc, DEC_2006), '2006-12-01T10:00:00.000Z');
  assert.equal(iso(line, paris, DEC_2006), '2006-12-01T09:00:00.000Z');
  // The stamp just read, then a line that starts with it but is not a frame.
  assert.equal(parseSyslogFrame('Dec  1 10:00:00x mx1 sendmail[1]: x', paris, DEC_2006), null);
  assert.equal(parseSyslogFrame('Dec  1 10:00:00 mx1', paris, DEC_2006), null);
  assert.equal(iso('Dec  1 10:00:01 mx1 sendmail[1]: x', paris, DEC_2006), '2006-12-01T09:00:01.000Z');

  const frame = (l: string) => {
    const f = parseSyslogFrame(l, paris, DEC_2006)!;
    return { host: f.host, suite: f.suite, program: f.program, text: f.text };
  };
  assert.deepEqual(frame(line), {
    host: 'mx1',
    suite: 'postfix-in',
    program: 'smtpd',
    text: 'connect from unknown[82.120.5.9]',
  });
  assert.deepEqual(frame('Dec  1 10:00:00 mx3 sm-mta[77]: jB19006K012345: from=<a@b>'), {
    host: 'mx3',
    suite: '',
    program: 'sm-mta',
    text: 'jB19006K012345: from=<a@b>',
  });
  assert.deepEqual(frame('Dec  1 10:00:00 mx1 kernel: a/b [c]: d'), {
    host: 'mx1',
    suite: '',
    program: 'kernel',
    text: 'a/b [c]: d',
  });
  assert.deepEqual(frame('Dec  1 10:00:00 mx1 a/b/c[1]: x'), { host: 'mx1', suite: 'a/b', program: 'c', text: 'x' });
  // A slash inside the brackets is not the program's.
  assert.deepEqual(frame('Dec  1 10:00:00 mx1 prog[1/2]: x'), { host: 'mx1', suite: '', program: 'prog', text: 'x' });
  // A bracket after the tag's colon is the text's.
  assert.deepEqual(frame('Dec  1 10:00:00 mx1 post/fix: to [x]: y'), {
    host: 'mx1',
    suite: 'post',
    program: 'fix',
    text: 'to [x]: y',
  });
  assert.deepEqual(frame('2005-12-01T10:00:00.123+01:00 mx1 postfix/qmgr[9]: x'), {
    host: 'mx1',
    suite: 'postfix',
    program: 'qmgr',
    text: 'x',
  });
});

test('sendmail equates: a `, ` not followed by a key stays in the value; keys with digits and _; not equates', () => {
  const eq = (t: string) => {
    const m = sendmailEquates(t);
    return m === null ? null : Object.fromEntries(m);
  };
  assert.deepEqual(
    eq('from=<a@b.example>, size=1234, class=0, nrcpts=1, msgid=<x, y@z>, proto=ESMTP, relay=h [1.2.3.4]'),
    {
      from: '<a@b.example>',
      size: '1234',
      class: '0',
      nrcpts: '1',
      msgid: '<x, y@z>',
      proto: 'ESMTP',
      relay: 'h [1.2.3.4]',
    },
  );
  assert.deepEqual(
    eq('ruleset=check_rcpt, arg1=<r@x>, relay=x, 1bad=y, arg_2=z, reject=550 5.1.1 <r@x>... User unknown, sorry'),
    {
      ruleset: 'check_rcpt',
      arg1: '<r@x>',
      relay: 'x, 1bad=y',
      arg_2: 'z',
      reject: '550 5.1.1 <r@x>... User unknown, sorry',
    },
  );
  assert.deepEqual(eq('to=<a@x>, , delay=00:00:01, x=, stat=Sent'), {
    to: '<a@x>, ',
    delay: '00:00:01',
    x: '',
    stat: 'Sent',
  });
  assert.deepEqual(eq('a='), { a: '' });
  assert.deepEqual(eq('to=<a@x>,, =y'), { to: '<a@x>,, =y' });
  assert.equal(eq('bad key=value'), null);
  assert.equal(eq('=value'), null);
  assert.equal(eq(''), null);
  assert.equal(eq('_x=1'), null);
});

function readAll(reader: ExchangeReader | EximReader, lines: string[]) {
  const attempts: Attempt[] = [];
  readLines(Buffer.from(lines.join('\n'), 'utf8'), reader, (a) => attempts.push(a));
  if (reader instanceof ExchangeReader) reader.finish((a) => attempts.push(a));
  return attempts;
}

test('exim: lines of one second with another offset, none, or a fraction are each their own instant', () => {
  const rcpt = 'H=(pc) [82.120.5.9] F=<a@b.example> rejected RCPT <x@laposte.net>: Unknown user';
  const at = readAll(new EximReader(paris), [
    `2005-12-01 10:00:00 ${rcpt}`,
    `2005-12-01 10:00:00 +0000 ${rcpt}`,
    `2005-12-01 10:00:00 +0000 [123] ${rcpt}`,
    `2005-12-01 10:00:00 -0500 ${rcpt}`,
    `2005-12-01 10:00:00.250 -0500 ${rcpt}`,
    `2005-12-01 10:00:00.250 +0100 ${rcpt}`,
    `2005-12-01 10:00:00 [77] ${rcpt}`,
    `2005-12-01 10:00:01 ${rcpt}`,
  ]).map((a) => a.at);
  assert.deepEqual(at, [
    '2005-12-01T09:00:00.000Z',
    '2005-12-01T10:00:00.000Z',
    '2005-12-01T10:00:00.000Z',
    '2005-12-01T15:00:00.000Z',
    '2005-12-01T15:00:00.000Z',
    '2005-12-01T09:00:00.000Z',
    '2005-12-01T09:00:00.000Z',
    '2005-12-01T09:00:01.000Z',
  ]);
});

test('exchange: rows of one time and Message-ID runs, a Message-ID back after another or none, a new #Fields order (the first RECEIVE gives the later rows their client)', () => {
  const attempts = readAll(new ExchangeReader(), [
    '#Fields: date-time,event-id,recipient-address,sender-address,message-id,internal-message-id,client-ip',
    '2024-03-05T10:15:22.123Z,RECEIVE,a@x.example,s@y.example,<A@Y.EXAMPLE>,1,1.2.3.4',
    '2024-03-05T10:15:22.123Z,RECEIVE,b@x.example,s@y.example,<B@Y.example>,2,1.2.3.5',
    '2024-03-05T10:15:22.123Z,DELIVER,a@x.example,s@y.example,,1,',
    '2024-03-05T10:15:22.123Z,DELIVER,a@x.example,s@y.example,<A@Y.EXAMPLE>,1,',
    '2024-03-05T10:15:22+01:00,DELIVER,b@x.example,s@y.example,<B@Y.example>,2,',
    'not-a-time,DELIVER,b@x.example,s@y.example,<B@Y.example>,2,',
    '#Fields: event-id,message-id,date-time,recipient-address,internal-message-id',
    'DEFER,<A@Y.EXAMPLE>,2024-03-05T10:15:22.123Z,a@x.example,1',
    'DEFER,<C@Y.EXAMPLE>,2024-03-05T10:15:23Z,c@x.example,3',
  ]);
  assert.deepEqual(
    attempts.map((a) => [a.result, a.at, a.recipient, a.messageId, a.queueId, a.clientIp]),
    [
      ['accepted', '2024-03-05T10:15:22.123Z', 'a@x.example', 'A@y.example', '1', '1.2.3.4'],
      ['accepted', '2024-03-05T10:15:22.123Z', 'b@x.example', 'B@y.example', '2', '1.2.3.5'],
      ['delivered', '2024-03-05T10:15:22.123Z', 'a@x.example', null, '1', '1.2.3.4'],
      ['delivered', '2024-03-05T10:15:22.123Z', 'a@x.example', 'A@y.example', '1', '1.2.3.4'],
      ['delivered', '2024-03-05T09:15:22.000Z', 'b@x.example', 'B@y.example', '2', '1.2.3.5'],
      ['deferred', '2024-03-05T10:15:22.123Z', 'a@x.example', 'A@y.example', '1', '1.2.3.4'],
      ['deferred', '2024-03-05T10:15:23.000Z', 'c@x.example', 'C@y.example', '3', null],
    ],
  );
});

storageTest('store: each attempt row carries its own Message-ID key hash, in runs and alternating', async ({ ctx }) => {
  const dir = tempDir();
  const file = path.join(dir, 'mainlog');
  const ids = ['A@y.example', 'A@y.example', null, 'A@y.example', 'B@y.example', 'A@y.example', null];
  const lines: string[] = [];
  ids.forEach((id, i) => {
    const q = `1EhXyZ-0001A${i}-Cd`;
    lines.push(
      `2005-12-01 10:00:0${i} ${q} <= s@b.example H=(pc) [82.120.5.9] P=esmtp S=100${id === null ? '' : ` id=${id}`} for r${i}@laposte.net`,
    );
  });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  await createCase(ctx, { slug: 'c', title: 'c', parties: [{ name: 'LPN', batesPrefix: 'LPN' }] });
  await ingestLogs(ctx, { case: 'c', server: 'mx2', tz: 'Europe/Paris', paths: [file], format: 'exim' });
  const rows = (await ctx.db
    .knex('attempts')
    .orderBy('id')
    .select('recipient', 'message_id', 'message_key_hash')) as Array<{
    recipient: string;
    message_id: string | null;
    message_key_hash: number | string | null;
  }>;
  assert.deepEqual(
    rows.map((r) => [r.recipient, r.message_id, r.message_key_hash === null ? null : Number(r.message_key_hash)]),
    ids.map((id, i) => [`r${i}@laposte.net`, id, id === null ? null : messageKeyHash(messageIdKey(id))]),
  );
  assert.notEqual(messageKeyHash(messageIdKey('A@y.example')), messageKeyHash(messageIdKey('B@y.example')));
});
