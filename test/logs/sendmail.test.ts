/**
 * The Sendmail reader on lines as sendmail 8.12-8.18 writes them to syslog (the equates of
 * sendmail 4th ed. ch. 14.6): a queued message from a Hotmail relay delivered locally and to a
 * mailertable relay, RCPT refusals logged before the transaction's from= line, check_relay and
 * check_mail refusals, a deferral, a bounce with its DSN, garbled and cut lines, the line limit.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { detectFormat, readLines } from '../../server/logs/acquire.ts';
import type { Attempt } from '../../server/logs/attempt.ts';
import { MAX_LOG_LINE_BYTES } from '../../server/logs/limits.ts';
import { ZoneClock } from '../../server/logs/log-time.ts';
import { SendmailReader, sendmailEquates } from '../../server/logs/sendmail.ts';

const paris = new ZoneClock('Europe/Paris');
const REF = Date.UTC(2005, 11, 8, 12); // file modified 2005-12-08

function readAll(lines: string[]) {
  const reader = new SendmailReader(paris, REF);
  const attempts: Attempt[] = [];
  const unknown: number[] = [];
  lines.forEach((l, i) => {
    if (!reader.read(l, i + 1, (a) => attempts.push(a))) unknown.push(i + 1);
  });
  reader.finish((a) => attempts.push(a));
  return { attempts, unknown };
}

test('sendmail equates: stat= and reject= take the rest of the line, commas and all', () => {
  assert.deepEqual(
    Object.fromEntries(
      sendmailEquates(
        'to=<a@example.org>,<b@example.org>, delay=00:05:00, xdelay=00:00:30, mailer=esmtp, pri=120321, relay=mx.example.org. [192.0.2.1], dsn=4.0.0, stat=Deferred: Connection refused by mx.example.org., retrying',
      )!,
    ),
    {
      to: '<a@example.org>,<b@example.org>',
      delay: '00:05:00',
      xdelay: '00:00:30',
      mailer: 'esmtp',
      pri: '120321',
      relay: 'mx.example.org. [192.0.2.1]',
      dsn: '4.0.0',
      stat: 'Deferred: Connection refused by mx.example.org., retrying',
    },
  );
  assert.equal(sendmailEquates('lost input channel from [82.120.5.9] to MTA after rcpt'), null);
});

test('format: a syslog file of mostly sendmail lines is Sendmail, of mostly postfix lines Postfix', () => {
  const sm =
    'Dec  1 10:00:02 mx3 sm-mta[12346]: jB190006012345: to=<m@laposte.net>, delay=00:00:00, mailer=local, pri=34321, dsn=2.0.0, stat=Sent';
  const pf = 'Dec  1 10:00:03 mx1 postfix/qmgr[220]: 3F2A11C0D5: removed';
  const sshd = 'Dec  1 10:00:04 mx1 sshd[1]: Accepted publickey for root';
  assert.equal(detectFormat(Buffer.from([sm, sm, pf, sshd, sshd].join('\n'))), 'sendmail');
  assert.equal(detectFormat(Buffer.from([sm, pf, pf, sshd].join('\n'))), 'postfix');
  assert.equal(detectFormat(Buffer.from([sshd.replace('sshd', 'sendmail')].join('\n'))), 'sendmail');
});

test('sendmail: a queued message from a relay, delivered to a local mailbox and by esmtp, with refusals of its session', () => {
  const { attempts, unknown } = readAll([
    'Dec  1 10:00:00 mx3 sm-mta[12345]: jB190006012345: ruleset=check_rcpt, arg1=<jean.nobody@laposte.net>, relay=bay0-omc1-s10.bay0.hotmail.com [65.54.245.110], reject=550 5.1.1 <jean.nobody@laposte.net>... User unknown',
    'Dec  1 10:00:01 mx3 sm-mta[12345]: jB190006012345: <paul.nobody@laposte.net>... User unknown',
    'Dec  1 10:00:02 mx3 sm-mta[12345]: jB190006012345: from=<X123@hotmail.com>, size=4321, class=0, nrcpts=2, msgid=<BAY101-F1ABC@phx.gbl>, proto=ESMTP, daemon=MTA, relay=bay0-omc1-s10.bay0.hotmail.com [65.54.245.110]',
    'Dec  1 10:00:02 mx3 sm-mta[12346]: jB190006012345: to=<marie@laposte.net>, delay=00:00:00, xdelay=00:00:00, mailer=local, pri=34321, dsn=2.0.0, stat=Sent',
    'Dec  1 10:00:03 mx3 sm-mta[12346]: jB190006012345: to=<anne@wanadoo.fr>,<luc@wanadoo.fr>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=124321, relay=smtp-in.orange.fr. [193.252.22.65], dsn=2.0.0, stat=Sent (jB190103001234 Message accepted for delivery)',
    'Dec  1 09:59:59 mx3 sm-mta[12345]: NOQUEUE: connect from bay0-omc1-s10.bay0.hotmail.com [65.54.245.110]',
    'Dec  1 10:00:04 mx3 sm-mta[12345]: STARTTLS=server, relay=bay0-omc1-s10.bay0.hotmail.com [65.54.245.110], version=TLSv1/SSLv3, verify=NO, cipher=RC4-MD5, bits=128/128',
  ]);
  assert.deepEqual(unknown, []);
  assert.deepEqual(
    attempts.map((a) => [a.line, a.at, a.result, a.recipient, a.sender, a.clientIp, a.messageId, a.statusText]),
    [
      [
        1,
        '2005-12-01T09:00:00.000Z',
        'refused-unknown-user',
        'jean.nobody@laposte.net',
        'x123@hotmail.com',
        '65.54.245.110',
        null,
        '550 5.1.1 <jean.nobody@laposte.net>... User unknown',
      ],
      [
        2,
        '2005-12-01T09:00:01.000Z',
        'refused-unknown-user',
        'paul.nobody@laposte.net',
        'x123@hotmail.com',
        '65.54.245.110',
        null,
        'User unknown',
      ],
      [
        4,
        '2005-12-01T09:00:02.000Z',
        'delivered',
        'marie@laposte.net',
        'x123@hotmail.com',
        '65.54.245.110',
        'BAY101-F1ABC@phx.gbl',
        null,
      ],
      [
        5,
        '2005-12-01T09:00:03.000Z',
        'delivered',
        'anne@wanadoo.fr',
        'x123@hotmail.com',
        '65.54.245.110',
        'BAY101-F1ABC@phx.gbl',
        'jB190103001234 Message accepted for delivery',
      ],
      [
        5,
        '2005-12-01T09:00:03.000Z',
        'delivered',
        'luc@wanadoo.fr',
        'x123@hotmail.com',
        '65.54.245.110',
        'BAY101-F1ABC@phx.gbl',
        'jB190103001234 Message accepted for delivery',
      ],
    ],
  );
  assert.ok(attempts.every((a) => a.queueId === 'jB190006012345' && a.clientName === 'bay0-omc1-s10.bay0.hotmail.com'));
});

test('sendmail: check_relay and check_mail refusals read without an attempt, a policy RCPT refusal, deferred, bounced with its DSN, queued', () => {
  const { attempts, unknown } = readAll([
    'Dec  2 09:59:58 mx3 sm-mta[2001]: jB28xw0b002001: ruleset=check_relay, arg1=host-82-120-5-9.dyn.example.net, arg2=82.120.5.9, relay=host-82-120-5-9.dyn.example.net [82.120.5.9] (may be forged), reject=554 5.7.1 Rejected 82.120.5.9 found in bl.spamcop.net',
    'Dec  2 09:59:59 mx3 sm-mta[2002]: NOQUEUE: ruleset=check_relay, arg1=[82.120.5.10], arg2=82.120.5.10, relay=[82.120.5.10], reject=553 5.3.0 Rejected - see http://www.spamhaus.org/',
    'Dec  2 10:00:00 mx3 sm-mta[2003]: jB28xw0b002003: ruleset=check_mail, arg1=<a@nowhere.invalid>, relay=pc.example.net [198.51.100.7], reject=553 5.1.8 <a@nowhere.invalid>... Domain of sender address a@nowhere.invalid does not exist',
    'Dec  2 10:00:00 mx3 sm-mta[2004]: jB28xw0b002004: ruleset=check_rcpt, arg1=<x@elsewhere.example>, relay=pc.example.net [198.51.100.7], reject=550 5.7.1 <x@elsewhere.example>... Relaying denied',
    'Dec  2 10:00:01 mx3 sm-mta[2004]: jB28xw0b002004: from=<spam@pc.example.net>, size=0, class=0, nrcpts=0, proto=SMTP, daemon=MTA, relay=pc.example.net [198.51.100.7]',
    'Dec  2 10:00:02 mx3 sm-mta[2005]: jB2900a1002005: from=<news@list.example>, size=2211, class=0, nrcpts=3, msgid=<20051202090002.GA7@list.example>, proto=ESMTP, daemon=MTA, relay=list.example [192.0.2.40]',
    'Dec  2 10:05:02 mx3 sm-mta[2006]: jB2900a1002005: to=<c@example.org>, delay=00:05:00, xdelay=00:05:00, mailer=esmtp, pri=122211, relay=mx.example.org. [192.0.2.1], dsn=4.0.0, stat=Deferred: Connection refused by mx.example.org.',
    'Dec  2 10:05:03 mx3 sm-mta[2006]: jB2900a1002005: to=<old@example.org>, delay=00:05:01, xdelay=00:00:01, mailer=esmtp, pri=122211, relay=mx.example.org. [192.0.2.1], dsn=5.1.1, stat=User unknown',
    'Dec  2 10:05:03 mx3 sm-mta[2006]: jB2900a1002005: jB2905a3002006: DSN: User unknown',
    'Dec  2 10:05:04 mx3 sm-mta[2006]: jB2905a3002006: to=<news@list.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=list.example. [192.0.2.40], dsn=2.0.0, stat=Sent (OK id=1EiA3b-0004Xy-Ab)',
    'Dec  2 10:05:05 mx3 sm-mta[2006]: jB2900a1002005: to=<q@example.com>, delay=00:05:03, mailer=esmtp, pri=122211, stat=queued',
    // Refused before any envelope id was given: no from= line will name the sender.
    'Dec  2 10:06:00 mx3 sm-mta[2007]: NOQUEUE: ruleset=check_rcpt, arg1=<anne.nobody@laposte.net>, relay=[82.120.5.11], reject=550 5.1.1 <anne.nobody@laposte.net>... User unknown',
  ]);
  assert.deepEqual(unknown, []);
  assert.deepEqual(
    attempts.map((a) => [a.line, a.result, a.recipient, a.sender, a.clientIp, a.clientName]),
    [
      [4, 'refused-policy', 'x@elsewhere.example', 'spam@pc.example.net', '198.51.100.7', 'pc.example.net'],
      [7, 'deferred', 'c@example.org', 'news@list.example', '192.0.2.40', 'list.example'],
      [8, 'bounced', 'old@example.org', 'news@list.example', '192.0.2.40', 'list.example'],
      [11, 'accepted', 'q@example.com', 'news@list.example', '192.0.2.40', 'list.example'],
      [12, 'refused-unknown-user', 'anne.nobody@laposte.net', null, '82.120.5.11', null],
    ],
  );
  // check_relay and check_mail refusals (lines 1-3) name no recipient: understood, not attempts,
  // as Postfix's `reject: CONNECT` and Exim's `rejected MAIL` are not.
  assert.equal(attempts[1]!.statusText, 'Deferred: Connection refused by mx.example.org.');
  assert.equal(attempts[2]!.statusText, 'User unknown');
  assert.equal(attempts[0]!.statusText, '550 5.7.1 <x@elsewhere.example>... Relaying denied');
});

test('sendmail: garbled, cut and foreign lines are not understood; a refusal whose from= never came is handed over at the end', () => {
  const { attempts, unknown } = readAll([
    'Dec  3 10:00:00 mx3 sm-mta[3001]: jB390000003001: to=<a@laposte.net>, delay=00:00:00, mail',
    'Dec  3 10:00:00 mx3 sm-mta[3001]: jB390000003001: from=',
    'Dec  3 10:00:01 mx3 postfix/smtpd[1]: connect from unknown[82.120.5.9]',
    'Dec 33 10:00:00 mx3 sm-mta[3001]: jB390000003001: to=<a@laposte.net>, stat=Sent',
    '\u00e9\u00e8 garbled',
    'Dec  3 10:00:02 mx3 sm-mta[3002]: jB390002003002: <ghost@laposte.net>... User unknown',
    'Dec  3 10:00:03 mx3 sm-mta[3002]: jB390002003002: <ghost@laposte.net>... Something new',
  ]);
  assert.deepEqual(unknown, [1, 2, 3, 4, 5, 7]);
  assert.deepEqual(
    attempts.map((a) => [a.line, a.result, a.recipient, a.sender, a.queueId]),
    [[6, 'refused-unknown-user', 'ghost@laposte.net', null, 'jB390002003002']],
  );
});

test('sendmail: a line over the limit is cut and counted long and unknown; its neighbours are read', () => {
  const long = `Dec  4 10:00:00 mx3 sm-mta[4001]: jB490000004001: to=<a@laposte.net>, ctladdr=<${'x'.repeat(MAX_LOG_LINE_BYTES)}>, delay=00:00:00, mailer=local, pri=30000, dsn=2.0.0, stat=Sent`;
  const text = Buffer.from(
    [
      'Dec  4 10:00:00 mx3 sm-mta[4001]: jB490000004001: from=<s@example.net>, size=100, class=0, nrcpts=2, msgid=<m1@example.net>, proto=ESMTP, daemon=MTA, relay=relay.example.net [192.0.2.9]',
      long,
      'Dec  4 10:00:01 mx3 sm-mta[4001]: jB490000004001: to=<b@laposte.net>, delay=00:00:01, xdelay=00:00:01, mailer=local, pri=30000, dsn=2.0.0, stat=Sent',
      '',
    ].join('\n'),
    'latin1',
  );
  const attempts: Attempt[] = [];
  const totals = readLines(text, new SendmailReader(paris, REF), (a) => attempts.push(a));
  assert.deepEqual(totals, { lines: 3, unknownLines: 1, longLines: 1 });
  assert.deepEqual(
    attempts.map((a) => [a.line, a.recipient, a.messageId]),
    [[3, 'b@laposte.net', 'm1@example.net']],
  );
});
