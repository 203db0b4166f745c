import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RECEIVED_HOPS, parseReceived, parseReceivedChain } from '../../../server/mail/trace/received.ts';

const pick = (v: string) => {
  const h = parseReceived(v);
  return { ip: h.ip, rdns: h.rdns, helo: h.helo, by: h.by, kind: h.kind };
};

test('Postfix: helo, reverse name and IP in parentheses', () => {
  assert.deepEqual(
    pick(
      'from BAY0-OMC2-S34.bay0.hotmail.com (bay0-omc2-s34.bay0.hotmail.com [65.54.246.134]) by mx1.laposte.net (Postfix) with ESMTP id 3F for <a@laposte.net>; Wed, 07 Dec 2005 10:37:53 +0100',
    ),
    {
      ip: '65.54.246.134',
      rdns: 'bay0-omc2-s34.bay0.hotmail.com',
      helo: 'bay0-omc2-s34.bay0.hotmail.com',
      by: 'mx1.laposte.net',
      kind: 'postfix',
    },
  );
  assert.deepEqual(
    pick(
      'from www.virtex-sametime.nl (unknown [212.19.228.225]) by mail.netnoteinc.com (Postfix) with ESMTP id 4; Thu, 28 Jun 2001 04:04:17 +0100',
    ),
    {
      ip: '212.19.228.225',
      rdns: null,
      helo: 'www.virtex-sametime.nl',
      by: 'mail.netnoteinc.com',
      kind: 'postfix',
    },
  );
});

test('sendmail: user@ before the reverse name, "(may be forged)", and helo ([ip]) without a reverse name', () => {
  assert.deepEqual(
    pick(
      'from lugh.tuatha.org (root@lugh.tuatha.org [194.125.145.45]) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id g72; Fri, 2 Aug 2002 22:52:32 +0100',
    ),
    {
      ip: '194.125.145.45',
      rdns: 'lugh.tuatha.org',
      helo: 'lugh.tuatha.org',
      by: 'dogma.slashnull.org',
      kind: 'sendmail',
    },
  );
  assert.equal(
    pick(
      'from mail1.insuranceiq.com (host66.insuranceiq.com [65.217.159.66] (may be forged)) by dogma.slashnull.org (8.11.6/8.11.6)',
    ).rdns,
    'host66.insuranceiq.com',
  );
  assert.deepEqual(
    pick(
      'from mandark.labs.netnoteinc.com ([213.105.180.140]) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id g2; Wed',
    ),
    {
      ip: '213.105.180.140',
      rdns: null,
      helo: 'mandark.labs.netnoteinc.com',
      by: 'dogma.slashnull.org',
      kind: 'sendmail',
    },
  );
});

test('Exim: reverse name first, helo= inside the parentheses', () => {
  assert.deepEqual(
    pick(
      'from mail.example.org ([198.51.100.23] helo=liar.example.com) by mx.example.net with esmtp (Exim 4.50) id 1E; Mon, 5 Dec 2005',
    ),
    {
      ip: '198.51.100.23',
      rdns: 'mail.example.org',
      helo: 'liar.example.com',
      by: 'mx.example.net',
      kind: 'exim',
    },
  );
  assert.deepEqual(pick('from [198.51.100.24] (helo=friend) by mx.example.net with smtp (Exim 4.69)'), {
    ip: '198.51.100.24',
    rdns: null,
    helo: 'friend',
    by: 'mx.example.net',
    kind: 'exim',
  });
});

test('qmail: (HELO name) and a bare IP in parentheses; "invoked from network" has no client', () => {
  assert.deepEqual(
    pick(
      'from unknown (HELO anther.webhostingtotalk.com) (167.109.193.100) by rly-xw01.otpalo.com with smtp; 06 Jan 2000',
    ),
    {
      ip: '167.109.193.100',
      rdns: null,
      helo: 'anther.webhostingtotalk.com',
      by: 'rly-xw01.otpalo.com',
      kind: 'qmail',
    },
  );
  assert.deepEqual(pick('(qmail 23451 invoked from network); 27 Mar 2002 05:38:00 -0000'), {
    ip: null,
    rdns: null,
    helo: null,
    by: null,
    kind: 'qmail',
  });
});

test('Exchange and webmail: Microsoft SMTPSVC, "mail pickup service", "from [ip] ... with http"', () => {
  assert.deepEqual(
    pick(
      'from eth.net ([202.9.145.10] RDNS failed) by extmail01.eth.net with Microsoft SMTPSVC(5.0.2195.1600); Wed, 1 Aug 2001',
    ),
    {
      ip: '202.9.145.10',
      rdns: null,
      helo: 'eth.net',
      by: 'extmail01.eth.net',
      kind: 'exchange',
    },
  );
  assert.equal(
    pick('from mail pickup service by hotmail.com with Microsoft SMTPSVC; Wed, 07 Dec 2005').kind,
    'webmail',
  );
  assert.equal(pick('from mail pickup service by hotmail.com with Microsoft SMTPSVC; Wed, 07 Dec 2005').ip, null);
  assert.deepEqual(
    pick('from [208.35.53.2] by ws1-2.us4.outblaze.com with http for inconsolable@japan.com; Fri, 17 May 2002'),
    { ip: '208.35.53.2', rdns: null, helo: null, by: 'ws1-2.us4.outblaze.com', kind: 'webmail' },
  );
});

test('IPv6 literals and IPv4-mapped addresses', () => {
  assert.equal(
    pick('from mail.example.org (mail.example.org [IPv6:2001:DB8:0:0::25]) by mx.example.net (Postfix)').ip,
    '2001:db8::25',
  );
  assert.equal(
    pick('from mail.example.org (mail.example.org [IPv6:::ffff:198.51.100.7]) by mx.example.net (Postfix)').ip,
    '198.51.100.7',
  );
  assert.equal(pick('from x ([::ffff:203.0.113.9]) by y').ip, '203.0.113.9');
});

test('garbage and hostile values give a hop with nulls, never an exception', () => {
  for (const junk of [
    '',
    ';;;;',
    'from',
    'by',
    '(((((',
    'from [999.1.1.1] by x',
    'from x (y [1.2.3.4.5]) by',
    'x'.repeat(100_000),
    'from \u0000\u0001 by \uFFFD',
    'from ) ( ] [ by ( with )',
  ]) {
    const h = parseReceived(junk);
    assert.ok(h.ip === null || typeof h.ip === 'string');
  }
  assert.equal(pick('from [999.1.1.1] by x').ip, null);
  assert.equal(pick('from x (y [010.1.1.1]) by z').ip, null, 'leading zeros are refused, not guessed');
});

test(`a chain of 1,000 Received lines reads the first ${MAX_RECEIVED_HOPS} and says how many it left`, () => {
  const lines = Array.from(
    { length: 1000 },
    (_, i) => `from h${i}.example.org (h${i}.example.org [198.51.100.${i % 250}]) by r${i}.example.net (Postfix)`,
  );
  const t0 = Date.now();
  const chain = parseReceivedChain(lines);
  assert.equal(chain.hops.length, MAX_RECEIVED_HOPS);
  assert.equal(chain.truncated, 1000 - MAX_RECEIVED_HOPS);
  assert.ok(Date.now() - t0 < 2000);
});
