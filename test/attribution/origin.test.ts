import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findOrigin } from '../../server/attribution/origin.ts';
import { parseReceived } from '../../server/mail/trace/received.ts';
import { compileTrust } from '../../server/attribution/trust.ts';

const chain = (...lines: string[]) => lines.map(parseReceived);
const LPN = compileTrust({ relays: ['laposte.net', '193.251.0.0/16'], authservIds: [] });
const hotmailChain = chain(
  'from mx1.laposte.net (mx1.laposte.net [193.251.214.113]) by mailstore05.laposte.net (Cyrus v2.2.12) with LMTPA id 4',
  'from BAY0-OMC2-S34.bay0.hotmail.com (bay0-omc2-s34.bay0.hotmail.com [65.54.246.134]) by mx1.laposte.net (Postfix) with ESMTP id 3',
  'from mail pickup service by hotmail.com with Microsoft SMTPSVC; Wed, 07 Dec 2005 01:33:19 -0800',
);

test("the provider's X-Originating-IP is the origin when its own server handed the message over", () => {
  const o = findOrigin(hotmailChain, ['201.19.156.246'], LPN);
  assert.equal(o.ip, '201.19.156.246');
  assert.equal(o.rank, 1);
  assert.equal(o.originHop, 1);
  assert.deepEqual(o.roles, ['party', 'hand-off', 'no-client']);
  assert.equal(o.walk.handoff!.ip, '65.54.246.134');
  assert.equal(o.walk.handoff!.provider, 'microsoft');
  assert.equal(o.walk.origin!.source, 'provider-header');
});

test('without the party trusting its relays, its own MX is the first untrusted hop (and the evidence says so)', () => {
  const none = compileTrust({ relays: [], authservIds: [] });
  const own = findOrigin(
    chain(
      'from mx1.party.example (mx1.party.example [81.2.69.200]) by store.party.example (Cyrus) with LMTP id 4',
      'from spammer.example (dsl.example [82.120.5.9]) by mx1.party.example (Postfix) with ESMTP id 3',
    ),
    [],
    none,
  );
  assert.equal(own.ip, '81.2.69.200');
  assert.match(own.evidence, /no trusted relays configured/);
  // The top line records an authenticated LMTP delivery (LMTPA): its client is the party's own, as
  // SpamAssassin holds, so even without declared relays the hand-off is Hotmail's relay.
  const lpn = findOrigin(hotmailChain, ['201.19.156.246'], none);
  assert.equal(lpn.walk.handoff!.ip, '65.54.246.134');
  assert.equal(lpn.ip, '201.19.156.246');
  assert.match(lpn.evidence, /no trusted relays configured/);
});

test('X-Originating-IP: [bogus], private or reserved is noted and never an origin', () => {
  const bogus = findOrigin(hotmailChain, ['bogus'], LPN);
  assert.equal(bogus.ip, '65.54.246.134');
  assert.deepEqual(bogus.notes, ['X-Originating-IP unreadable: "bogus"']);
  const priv = findOrigin(hotmailChain, ['192.168.1.5'], LPN);
  assert.equal(priv.ip, '65.54.246.134');
  assert.match(priv.notes[0]!, /private or reserved/);
});

test('private and loopback hops are passed, never the origin; with nothing public there is no origin', () => {
  const o = findOrigin(
    chain(
      'from localhost (localhost [127.0.0.1]) by a.example',
      'from x (y [10.1.2.3]) by b.example',
      'from z ([::1]) by c.example',
    ),
    [],
    LPN,
  );
  assert.equal(o.ip, null);
  assert.deepEqual(o.roles, ['internal', 'internal', 'internal']);
  assert.equal(o.walk.handoff, null);
});

test('a trusted relay is matched by CIDR or by its recorded reverse name, never by the HELO it claims', () => {
  const helo = findOrigin(chain('from mx9.laposte.net (unknown [82.120.5.9]) by mx1.laposte.net (Postfix)'), [], LPN);
  assert.equal(helo.ip, '82.120.5.9', 'a HELO claiming laposte.net is not trusted');
  const cidr = findOrigin(
    chain('from a (unknown [193.251.1.1]) by mx1.laposte.net (Postfix)', 'from b (b.example [82.120.5.10]) by a'),
    [],
    LPN,
  );
  assert.equal(cidr.ip, '82.120.5.10');
});

test('Received lines below the origin that claim a trusted relay or a provider the message never passed are forged', () => {
  const o = findOrigin(
    chain(
      'from spammer (dsl.example [82.120.5.9]) by mx1.laposte.net (Postfix)',
      'from x ([1.2.3.4]) by mx7.laposte.net (Postfix)',
      'from y ([5.6.7.8]) by mail.hotmail.com',
    ),
    [],
    LPN,
  );
  assert.equal(o.ip, '82.120.5.9');
  assert.deepEqual(o.forgedLines, [1, 2]);
});

test("without trusted relays configured no line is called forged: the top hop may be the party's own exchanger", () => {
  const o = findOrigin(
    chain(
      'from spammer (dsl.example [82.120.5.9]) by mx1.laposte.net (Postfix)',
      'from x ([1.2.3.4]) by mx7.laposte.net (Postfix)',
      'from y ([5.6.7.8]) by mail.hotmail.com',
    ),
    [],
    compileTrust({ relays: [], authservIds: [] }),
  );
  assert.equal(o.ip, '82.120.5.9');
  assert.deepEqual(o.forgedLines, []);
  assert.match(o.evidence, /no trusted relays configured/);
});

test('IPv4-mapped and IPv6 clients are origins like any other', () => {
  assert.equal(
    findOrigin(chain('from a (a.example [IPv6:::ffff:82.120.5.9]) by mx1.laposte.net'), [], LPN).ip,
    '82.120.5.9',
  );
  assert.equal(
    findOrigin(chain('from a (a.example [IPv6:2a01:e35::9]) by mx1.laposte.net'), [], LPN).ip,
    '2a01:e35::9',
  );
});

test('Received lines in any order: the walk always starts at the top, the party side', () => {
  const reversed = [...hotmailChain].reverse();
  const o = findOrigin(reversed, ['201.19.156.246'], LPN);
  // Reversed, the first line with a client is the hotmail relay; below it a laposte.net line is not
  // Hotmail's own submission, so Hotmail's X-Originating-IP is not used: the relay is the origin.
  assert.equal(o.originHop, 1);
  assert.equal(o.ip, '65.54.246.134');
});
