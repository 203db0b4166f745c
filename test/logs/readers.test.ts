import assert from 'node:assert/strict';
import test from 'node:test';
import { readLines } from '../../server/logs/acquire.ts';
import type { Attempt } from '../../server/logs/attempt.ts';
import { MAX_LOG_LINE_BYTES } from '../../server/logs/limits.ts';
import { EximReader } from '../../server/logs/exim.ts';
import { syslogYear, ZoneClock } from '../../server/logs/log-time.ts';
import { PostfixReader } from '../../server/logs/postfix.ts';

const paris = new ZoneClock('Europe/Paris');
const REF = Date.UTC(2005, 11, 8, 12); // file modified 2005-12-08

function readAll(reader: { read(l: string, n: number, e: (a: Attempt) => void): boolean }, lines: string[]) {
  const attempts: Attempt[] = [];
  const unknown: number[] = [];
  lines.forEach((l, i) => {
    if (!reader.read(l, i + 1, (a) => attempts.push(a))) unknown.push(i + 1);
  });
  return { attempts, unknown };
}

test('syslog year: the latest year not more than a day after the file time (a December line read in January is last year)', () => {
  assert.equal(syslogYear(12, 31, Date.UTC(2006, 0, 2)), 2005);
  assert.equal(syslogYear(1, 2, Date.UTC(2006, 0, 2)), 2006);
  assert.equal(syslogYear(1, 3, Date.UTC(2006, 0, 2, 1)), 2006);
  assert.equal(syslogYear(1, 4, Date.UTC(2006, 0, 2)), 2005);
});

test('zone clock: Paris winter is UTC+1, summer UTC+2, and the repeated autumn hour takes its first instant', () => {
  assert.equal(new Date(paris.toUtc(2005, 12, 1, 10, 0, 0)).toISOString(), '2005-12-01T09:00:00.000Z');
  assert.equal(new Date(paris.toUtc(2005, 7, 1, 10, 0, 0)).toISOString(), '2005-07-01T08:00:00.000Z');
  assert.equal(new Date(paris.toUtc(2005, 10, 30, 2, 30, 0)).toISOString(), '2005-10-30T00:30:00.000Z');
});

test('postfix: a NOQUEUE refusal for an unknown user, a policy refusal, and a queued message delivered over LMTP', () => {
  const { attempts, unknown } = readAll(new PostfixReader(paris, REF), [
    'Dec  1 10:00:00 mx1 postfix/smtpd[4321]: connect from bay0-omc1-s10.bay0.hotmail.com[65.54.245.110]',
    'Dec  1 10:00:01 mx1 postfix/smtpd[4321]: NOQUEUE: reject: RCPT from bay0-omc1-s10.bay0.hotmail.com[65.54.245.110]: 550 5.1.1 <jean.nobody@laposte.net>: Recipient address rejected: User unknown in virtual mailbox table; from=<x123@hotmail.com> to=<jean.nobody@laposte.net> proto=ESMTP helo=<BAY0-OMC1-S10.bay0.hotmail.com>',
    'Dec  1 10:00:01 mx1 postfix/smtpd[4321]: NOQUEUE: reject: RCPT from unknown[82.120.5.9]: 554 5.7.1 Service unavailable; Client host [82.120.5.9] blocked using bl.spamcop.net; from=<a@b.example> to=<jean@laposte.net> proto=SMTP helo=<pc>',
    'Dec  1 10:00:02 mx1 postfix/smtpd[4321]: 3F2A11C0D5: client=bay0-omc1-s10.bay0.hotmail.com[65.54.245.110]',
    'Dec  1 10:00:02 mx1 postfix/cleanup[4400]: 3F2A11C0D5: message-id=<BAY101-F1ABC@phx.gbl>',
    'Dec  1 10:00:02 mx1 postfix/qmgr[220]: 3F2A11C0D5: from=<X123@hotmail.com>, size=4321, nrcpt=1 (queue active)',
    'Dec  1 10:00:03 mx1 postfix/lmtp[4500]: 3F2A11C0D5: to=<marie.durand.7@laposte.net>, relay=mailstore3.laposte.net[10.10.1.3]:2003, delay=1.2, delays=0.1/0/0.1/1, dsn=2.1.5, status=sent (250 2.1.5 Ok)',
    'Dec  1 10:00:03 mx1 postfix/qmgr[220]: 3F2A11C0D5: removed',
    'Dec  1 10:00:04 mx1 postfix/smtpd[4321]: disconnect from bay0-omc1-s10.bay0.hotmail.com[65.54.245.110]',
    'garbage \u0000 line',
    'Dec  1 10:00:05 mx1 sshd[1]: Accepted publickey for root',
    // Refused before any recipient: understood, not attempts (an attempt is one recipient of one transaction).
    'Dec  1 10:00:06 mx1 postfix/smtpd[4322]: NOQUEUE: reject: CONNECT from unknown[82.120.5.9]: 554 5.7.1 Service unavailable; Client host [82.120.5.9] blocked using zen.spamhaus.org; proto=SMTP',
    'Dec  1 10:00:07 mx1 postfix/smtpd[4322]: NOQUEUE: reject: MAIL from unknown[82.120.5.9]: 553 5.1.8 <a@nowhere.invalid>: Sender address rejected: Domain not found; from=<a@nowhere.invalid> proto=ESMTP helo=<pc>',
  ]);
  assert.deepEqual(unknown, [10, 11]);
  assert.equal(attempts.length, 3);
  assert.deepEqual(attempts[0], {
    line: 2,
    at: '2005-12-01T09:00:01.000Z',
    clientIp: '65.54.245.110',
    clientName: 'bay0-omc1-s10.bay0.hotmail.com',
    helo: 'BAY0-OMC1-S10.bay0.hotmail.com',
    sender: 'x123@hotmail.com',
    recipient: 'jean.nobody@laposte.net',
    result: 'refused-unknown-user',
    queueId: null,
    messageId: null,
    statusText:
      '550 5.1.1 <jean.nobody@laposte.net>: Recipient address rejected: User unknown in virtual mailbox table',
  });
  assert.equal(attempts[1]!.result, 'refused-policy');
  assert.equal(attempts[1]!.clientName, null);
  assert.deepEqual(
    { ...attempts[2], statusText: undefined },
    {
      line: 7,
      at: '2005-12-01T09:00:03.000Z',
      clientIp: '65.54.245.110',
      clientName: 'bay0-omc1-s10.bay0.hotmail.com',
      helo: null,
      sender: 'x123@hotmail.com',
      recipient: 'marie.durand.7@laposte.net',
      result: 'delivered',
      queueId: '3F2A11C0D5',
      messageId: 'BAY101-F1ABC@phx.gbl',
      statusText: undefined,
    },
  );
});

test('postfix: bounced and deferred reports, and an RFC 3339 timestamp with its own offset', () => {
  const { attempts, unknown } = readAll(new PostfixReader(paris, REF), [
    '2005-12-02T10:00:00.123456+01:00 mx1 postfix/smtp[77]: 9BC2D3E4F5: to=<a@example.org>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=5.4.4, status=bounced (Host or domain name not found)',
    'Dec  2 10:00:00 mx1 postfix/smtp[77]: 9BC2D3E4F5: to=<b@example.org>, orig_to=<b@alias.example>, relay=mx.example.org[192.0.2.1]:25, delay=300, delays=0/0/300/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.1]:25: Connection timed out)',
  ]);
  assert.deepEqual(unknown, []);
  assert.deepEqual(
    attempts.map((a) => [a.at, a.result, a.recipient]),
    [
      ['2005-12-02T09:00:00.000Z', 'bounced', 'a@example.org'],
      ['2005-12-02T09:00:00.000Z', 'deferred', 'b@example.org'],
    ],
  );
});

test('exim: arrival with recipients, deliveries, a bounce, a deferral and a refused RCPT', () => {
  const { attempts, unknown } = readAll(new EximReader(paris), [
    '2005-12-01 10:00:00 1EhXyZ-0001Ab-Cd <= x123@hotmail.com H=bay0-omc1-s10.bay0.hotmail.com (BAY0-OMC1-S10.bay0.hotmail.com) [65.54.245.110] P=esmtp S=4321 id=BAY101-F1ABC@phx.gbl for jean@laposte.net paul@laposte.net',
    '2005-12-01 10:00:01 1EhXyZ-0001Ab-Cd => jean@laposte.net R=local_user T=local_delivery',
    '2005-12-01 10:00:01 1EhXyZ-0001Ab-Cd ** paul@laposte.net R=local_user T=local_delivery: Mailbox quota exceeded',
    '2005-12-01 10:00:01 1EhXyZ-0001Ab-Cd Completed',
    '2005-12-01 10:00:02 H=(pc) [82.120.5.9] F=<a@b.example> rejected RCPT <nobody@laposte.net>: Unknown user',
    '2005-12-01 10:00:03 +0000 1EhXz0-0001Ac-Ce == c@example.org R=dnslookup T=remote_smtp defer (-44): SMTP error from remote mail server after RCPT TO:<c@example.org>: 451 try later',
    '2005-12-01 10:00:04 SMTP connection from [82.120.5.9] lost',
    '2005-12-01 nonsense',
  ]);
  assert.deepEqual(unknown, [8]);
  assert.deepEqual(
    attempts.map((a) => [a.line, a.at, a.result, a.recipient, a.clientIp, a.sender, a.messageId]),
    [
      [
        1,
        '2005-12-01T09:00:00.000Z',
        'accepted',
        'jean@laposte.net',
        '65.54.245.110',
        'x123@hotmail.com',
        'BAY101-F1ABC@phx.gbl',
      ],
      [
        1,
        '2005-12-01T09:00:00.000Z',
        'accepted',
        'paul@laposte.net',
        '65.54.245.110',
        'x123@hotmail.com',
        'BAY101-F1ABC@phx.gbl',
      ],
      [
        2,
        '2005-12-01T09:00:01.000Z',
        'delivered',
        'jean@laposte.net',
        '65.54.245.110',
        'x123@hotmail.com',
        'BAY101-F1ABC@phx.gbl',
      ],
      [
        3,
        '2005-12-01T09:00:01.000Z',
        'bounced',
        'paul@laposte.net',
        '65.54.245.110',
        'x123@hotmail.com',
        'BAY101-F1ABC@phx.gbl',
      ],
      [5, '2005-12-01T09:00:02.000Z', 'refused-unknown-user', 'nobody@laposte.net', '82.120.5.9', 'a@b.example', null],
      [6, '2005-12-01T10:00:03.000Z', 'deferred', 'c@example.org', null, null, null],
    ],
  );
  assert.equal(attempts[0]!.helo, 'BAY0-OMC1-S10.bay0.hotmail.com');
  assert.equal(attempts[0]!.clientName, 'bay0-omc1-s10.bay0.hotmail.com');
  assert.equal(attempts[3]!.statusText, 'Mailbox quota exceeded');
});

test('log bytes: UTF-8 read as UTF-8 (whole text or line by line), a line that is not UTF-8 as latin1, a long line cut between characters', () => {
  const refusal = (sender: string, rcpt: string) =>
    `Dec  1 10:00:01 mx1 postfix/smtpd[4321]: NOQUEUE: reject: RCPT from unknown[82.120.5.9]: 550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown; from=<${sender}> to=<${rcpt}> proto=ESMTP helo=<pc>\n`;
  const read = (text: Buffer) => {
    const attempts: Attempt[] = [];
    const totals = readLines(text, new PostfixReader(paris, REF), (a) => attempts.push(a));
    return { totals, got: attempts.map((a) => [a.sender, a.recipient]) };
  };
  // An SMTPUTF8 sender and recipient: c3 a9 is é in UTF-8 (latin1 read it as Ã©).
  const utf8Line = Buffer.from(refusal('andré@exemple.fr', 'jérôme@laposte.net'), 'utf8');
  assert.deepEqual(
    utf8Line.subarray(utf8Line.indexOf('from=<') + 10, utf8Line.indexOf('from=<') + 12),
    Buffer.from([0xc3, 0xa9]),
  );
  assert.deepEqual(read(utf8Line).got, [['andré@exemple.fr', 'jérôme@laposte.net']]);
  // A latin1 line (e9 alone is not UTF-8) beside UTF-8 ones: each line decoded as it reads.
  const latin1Line = Buffer.from(refusal('andré@exemple.fr', 'zoé@laposte.net'), 'latin1');
  const garbled = Buffer.from([...Buffer.from(refusal('x@b.example', 'a@laposte.net').slice(0, 60)), 0xff, 0xfe, 0x0a]);
  const mixed = read(Buffer.concat([utf8Line, latin1Line, garbled, utf8Line]));
  assert.deepEqual(mixed.got, [
    ['andré@exemple.fr', 'jérôme@laposte.net'],
    ['andré@exemple.fr', 'zoé@laposte.net'],
    ['andré@exemple.fr', 'jérôme@laposte.net'],
  ]);
  assert.deepEqual(mixed.totals, { lines: 4, unknownLines: 1, longLines: 0 });
  // A UTF-8 line over the limit is cut before the character the limit falls in, never inside it.
  const lines: string[] = [];
  const long = Buffer.from(`a${'é'.repeat(MAX_LOG_LINE_BYTES)}\nnext\n`, 'utf8');
  const totals = readLines(long, { read: (l) => (lines.push(l), true) }, () => undefined);
  assert.deepEqual(totals, { lines: 2, unknownLines: 1, longLines: 1 });
  assert.equal(lines[0], `a${'é'.repeat(MAX_LOG_LINE_BYTES / 2 - 1)}`);
  assert.equal(lines[1], 'next');
});
