/**
 * The chain walk (docs/ATTRIBUTION.md section 2): which lines are believed, the hand-off and the
 * origin, on real trace lines; and hostile lines that must not move the origin.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReceived } from '../../server/mail/trace/received.ts';
import { compileTrust } from '../../server/attribution/trust.ts';
import { walkChain } from '../../server/attribution/walk.ts';
import { parseProviders, providerTable } from '../../server/attribution/providers.ts';

const chain = (...lines: string[]) => lines.map(parseReceived);
const PARTY = compileTrust({ relays: ['party.example', '81.2.69.0/28'], authservIds: [] });
const xoip = (value: string, name = 'X-Originating-IP') => [{ name, value }];

test('a HELO literal is never the client: the address the server saw is, and the difference is a signal', () => {
  const w = walkChain(
    chain(
      'from [192.168.1.2] (dsl-host.example [81.2.69.160]) by mx1.party.example (Postfix) with ESMTP id 4F; Mon, 6 Jan 2025 10:00:00 +0000',
      'from relay.innocent.example ([8.8.8.8]) by dsl-host.example with SMTP; Mon, 6 Jan 2025 09:59:58 +0000',
    ),
    [],
    PARTY,
  );
  assert.equal(w.handoff!.ip, '81.2.69.160');
  assert.equal(w.origin!.ip, '81.2.69.160', 'the line the spammer wrote is not believed');
  assert.equal(w.origin!.at, '2025-01-06T10:00:00.000Z');
  assert.deepEqual(
    w.hops.map((h) => [h.role, h.believed]),
    [
      ['origin', true],
      ['not-believed', false],
    ],
  );
  assert.equal(w.beliefStoppedLine, 2);
  assert.match(
    w.signals.join('\n'),
    /HELO literal 192\.168\.1\.2 differs from the address the server saw, 81\.2\.69\.160/,
  );
});

test("fetchmail, POP3, IMAP and getmail lines are the recipient's own fetch: skipped, and said so", () => {
  const w = walkChain(
    chain(
      'from localhost (localhost [127.0.0.1]) by phobos.labs.netnoteinc.com (Postfix) with ESMTP id 1; Thu, 22 Aug 2002 12:00:01 +0100',
      'from mail.example.net [193.120.211.219] by localhost with POP3 (fetchmail-5.9.0) for jm@localhost (single-drop); Thu, 22 Aug 2002 12:00:00 +0100',
      'from sender.example (sender.example [82.120.5.9]) by mail.example.net (8.11.6/8.11.6) with ESMTP id g7; Thu, 22 Aug 2002 11:59:00 +0100',
    ),
    [],
    compileTrust({ relays: ['example.net'], authservIds: [] }),
  );
  assert.deepEqual(
    w.hops.map((h) => h.role),
    ['internal', 'fetch', 'origin'],
  );
  assert.match(w.hops[1]!.why, /recipient's own retrieval \(POP3\)/);
  assert.equal(w.handoff!.ip, '82.120.5.9', "not the recipient's mailbox server 193.120.211.219");
  assert.match(w.signals.join('\n'), /retrieval by the recipient skipped/);
  for (const line of [
    'from imap.example.org [81.2.69.170] by localhost with IMAP (fetchmail-6.3.26) for <u@localhost> (single-drop)',
    'from pop.example.org by localhost with POP3 (getmail 4.47)',
    'from imap.gmail.com by localhost with IMAPS (getmail4)',
  ])
    assert.equal(parseReceived(line).retrieval, true, line);
});

test("a provider's relay hands over: the provider's own lines are believed down to its user's client", () => {
  const yahoo = chain(
    'from n1.bullet.mail.re1.yahoo.com (n1.bullet.mail.re1.yahoo.com [68.142.237.71]) by mx1.party.example (Postfix) with SMTP id 9; Tue, 7 Jan 2025 08:00:05 +0000',
    'from [69.147.65.148] by n1.bullet.mail.re1.yahoo.com with NNFMP; 07 Jan 2025 08:00:04 -0000',
    'from [82.120.44.5] by web57501.mail.re1.yahoo.com via HTTP; Tue, 07 Jan 2025 00:00:03 PST',
  );
  const w = walkChain(yahoo, xoip('82.120.44.5', 'X-Yahoo-Post-IP'), PARTY);
  assert.deepEqual(w.handoff, {
    ip: '68.142.237.71',
    host: 'n1.bullet.mail.re1.yahoo.com',
    provider: 'yahoo',
    line: 1,
    at: '2025-01-07T08:00:05.000Z',
  });
  assert.equal(w.origin!.ip, '82.120.44.5');
  assert.equal(w.origin!.source, 'received');
  assert.equal(w.origin!.line, 3);
  assert.equal(w.origin!.provider, 'yahoo');
  assert.deepEqual(
    w.hops.map((h) => [h.role, h.writtenBy]),
    [
      ['hand-off', 'party'],
      ['provider', 'yahoo'],
      ['origin', 'yahoo'],
    ],
  );
  // Hotmail: a pickup service records no client; its X-Originating-IP is its record of the user.
  const hotmail = walkChain(
    chain(
      'from bay0-omc2-s34.bay0.hotmail.com (bay0-omc2-s34.bay0.hotmail.com [65.54.246.134]) by mx1.party.example (Postfix) with ESMTP id 3; Wed, 07 Dec 2005 10:37:53 +0100',
      'from mail pickup service by hotmail.com with Microsoft SMTPSVC; Wed, 07 Dec 2005 01:33:19 -0800',
    ),
    xoip('[201.19.156.246]'),
    PARTY,
  );
  assert.equal(hotmail.handoff!.ip, '65.54.246.134');
  assert.equal(hotmail.origin!.ip, '201.19.156.246');
  assert.equal(hotmail.origin!.source, 'provider-header');
  assert.equal(hotmail.origin!.at, '2005-12-07T09:33:19.000Z');
});

test('authenticated submission (ESMTPA, ESMTPSA, LMTPA) at the provider is where the sender handed the message in', () => {
  const w = walkChain(
    chain(
      'from mout.gmx.net (mout.gmx.net [212.227.17.21]) by mx1.party.example (Postfix) with ESMTPS id 5; Wed, 8 Jan 2025 12:00:02 +0000',
      'from [192.168.0.10] ([86.201.7.7]) by mail.gmx.com (mrgmx104 [212.227.17.168]) with ESMTPSA (Nemesis) id 1MA; Wed, 08 Jan 2025 13:00:01 +0100',
    ),
    xoip('86.201.7.7'),
    PARTY,
  );
  assert.equal(w.handoff!.provider, 'gmx');
  assert.equal(w.origin!.ip, '86.201.7.7', 'never the HELO literal 192.168.0.10');
  assert.match(w.origin!.evidence, /ESMTPSA: authenticated submission/);
  assert.match(w.signals.join('\n'), /HELO literal 192\.168\.0\.10/);
  for (const p of ['ESMTPA', 'ESMTPSA', 'LMTPA', 'esmtpsa'])
    assert.equal(parseReceived(`from pc ([82.120.5.9]) by smtp.example.org with ${p} id x`).authenticated, true, p);
  assert.equal(parseReceived('from pc ([82.120.5.9]) by smtp.example.org with ESMTP id x').authenticated, false);
});

test('hostile: lines claiming the party relay or a provider from below the hand-off are forged and never move the origin', () => {
  const w = walkChain(
    chain(
      'from spammer (dsl.example [82.120.5.9]) by mx1.party.example (Postfix) with ESMTP id 1',
      'from x ([1.2.3.4]) by mx7.party.example (Postfix) with ESMTP id 2',
      'from [5.6.7.8] by web1.mail.yahoo.com via HTTP',
      'from [192.168.1.1] (party.example [81.2.69.1]) by relay.innocent.example',
    ),
    xoip('5.6.7.8', 'X-Yahoo-Post-IP'),
    PARTY,
  );
  assert.equal(w.origin!.ip, '82.120.5.9');
  assert.equal(w.handoff!.ip, '82.120.5.9');
  assert.deepEqual(w.forgedLines, [2, 3]);
  assert.deepEqual(
    w.hops.map((h) => h.role),
    ['origin', 'forged', 'forged', 'not-believed'],
  );
  assert.ok(w.hops.slice(1).every((h) => !h.believed));
});

test("hostile: a forged line below the provider's hand-off, not written by the provider, stops belief", () => {
  const w = walkChain(
    chain(
      'from n1.bullet.mail.re1.yahoo.com (n1.bullet.mail.re1.yahoo.com [68.142.237.71]) by mx1.party.example (Postfix)',
      'from [8.8.8.8] by relay.innocent.example with SMTP',
    ),
    xoip('82.120.44.5', 'X-Yahoo-Post-IP'),
    PARTY,
  );
  assert.equal(w.hops[1]!.role, 'not-believed');
  assert.match(w.hops[1]!.why, /not by Yahoo! Mail's servers/);
  assert.equal(
    w.origin!.ip,
    '68.142.237.71',
    "neither the forged 8.8.8.8 nor a header the provider's lines do not back",
  );
});

test('a provider line whose client is an outside machine makes that machine the origin, the header a signal', () => {
  const w = walkChain(
    chain(
      'from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41]) by mx1.party.example (Postfix)',
      'from open-relay.example (open-relay.example [82.120.9.9]) by mx.google.com with ESMTP id z3',
    ),
    xoip('86.201.1.1'),
    PARTY,
  );
  assert.equal(w.origin!.ip, '82.120.9.9');
  assert.match(w.signals.join('\n'), /X-Originating-IP 86\.201\.1\.1 differs/);
});

test('trace forms: qmail (ident@ip), [ip:port], [ip.port], lines opening "(from host [ip])", envelope-from', () => {
  const q = parseReceived(
    'from unknown (HELO mail.example.org) (joe@81.2.69.161) by mx.example.com with SMTP; 6 Jan 2025 10:00:00 -0000',
  );
  assert.equal(q.ip, '81.2.69.161');
  assert.equal(q.helo, 'mail.example.org');
  assert.equal(parseReceived('from host.example ([81.2.69.162:51234]) by mx.example.com').ip, '81.2.69.162');
  assert.equal(
    parseReceived('from host.example (host.example [81.2.69.163.51234]) by mx.example.com').ip,
    '81.2.69.163',
  );
  const opening = parseReceived('(from spammer.example [81.2.69.164]) by mx.example.com (8.12.8/8.12.8) id x');
  assert.equal(opening.ip, '81.2.69.164');
  assert.equal(opening.by, 'mx.example.com');
  const exim = parseReceived(
    'from [81.2.69.165] (helo=[10.0.0.1]) by mx.example.com with esmtpa (Exim 4.50) (envelope-from <bob@example.org>) id 1',
  );
  assert.equal(exim.ip, '81.2.69.165');
  assert.equal(exim.heloIp, '10.0.0.1');
  assert.equal(exim.envelopeFrom, 'bob@example.org');
  const qmailHeloLiteral = parseReceived('from unknown (HELO [10.1.1.1]) (82.120.5.9) by mx.example.com with SMTP');
  assert.equal(qmailHeloLiteral.ip, '82.120.5.9');
  assert.equal(qmailHeloLiteral.heloIp, '10.1.1.1');
});

test('provider files: every problem with its file, line and column; duplicates refused', () => {
  assert.throws(
    () =>
      parseProviders(
        'providers:\n  - id: Bad Id\n    name: X\n    domains: [not a domain]\n    relays: [x.example]\n    colour: red\n',
        'mine.yaml',
      ),
    (e: Error) =>
      /mine\.yaml:2:9: "id" "Bad Id" is not/.test(e.message) &&
      /mine\.yaml:\d+:\d+: "source" is required/.test(e.message) &&
      /"domains": "not a domain" is not a mail domain/.test(e.message) &&
      /unknown field "colour"/.test(e.message),
  );
  const one = 'providers:\n  - id: a\n    name: A\n    source: s\n    domains: [a.example]\n    relays: [a.example]\n';
  assert.throws(
    () => providerTable([...parseProviders(one, 'x.yaml'), ...parseProviders(one, 'y.yaml')]),
    /y\.yaml:2: provider id "a" is already defined at x\.yaml:2/,
  );
  const t = providerTable(
    parseProviders(
      'providers:\n  - id: acme\n    name: Acme Mail\n    source: our own notes\n    domains: [acme.example]\n    relays: ["out*.acme.example"]\n    client_ip_headers:\n      - {name: X-Acme-Client, source: acme docs}\n',
      'acme.yaml',
    ),
  );
  assert.equal(t.ofHost('out12.acme.example')?.id, 'acme');
  assert.equal(t.ofHost('in1.acme.example'), null);
  const w = walkChain(
    chain(
      'from out3.acme.example (out3.acme.example [82.120.1.1]) by mx1.party.example',
      'from pickup by out3.acme.example',
    ),
    [{ name: 'X-Acme-Client', value: '86.201.2.2' }],
    PARTY,
    t,
  );
  assert.equal(w.origin!.ip, '86.201.2.2');
  assert.equal(w.origin!.evidence, 'X-Acme-Client recorded by acme');
});

test('envelope sender: only a Return-Path at the top; envelope-from of a believed line; SMTPUTF8; [ufa] literals', async () => {
  const { parseHeaders } = await import('../../server/mail/headers/index.ts');
  const { extractFacts } = await import('../../server/attribution/facts.ts');
  const { attribute } = await import('../../server/attribution/attribute.ts');
  const { corpusMessage } = await import('../mail/headers/load-samples.ts');
  const of = (text: string) => attribute(extractFacts(parseHeaders(Buffer.from(text))), PARTY);
  const relay = 'Received: from a (b.example [82.120.5.9]) by mx1.party.example (Postfix) with ESMTP id 1\n';
  // A Return-Path below a Received line is the sender's text (RFC 5321 4.4): claimed, not the envelope.
  const below = of(`${relay}Return-Path: <forged@victim.example>\nFrom: real@sender.example\nSubject: s\n\nb\n`);
  assert.equal(below.account, 'real@sender.example');
  assert.deepEqual(
    below.candidates.map((c) => [c.source, c.rank]),
    [
      ['Return-Path below a Received line', 'claimed'],
      ['From', 'from'],
    ],
  );
  const top = of(`Return-Path: <env@sender.example>\n${relay}From: x@sender.example\nSubject: s\n\nb\n`);
  assert.equal(top.accountEvidence, 'return-path: Return-Path');
  // No Return-Path: the envelope-from that a believed line (the party's Exim) recorded.
  const exim = of(
    'Received: from b.example ([82.120.5.9] helo=b) by mx1.party.example with esmtp (Exim 4.50) (envelope-from <bob@sender.example>) id 1\nSubject: s\n\nb\n',
  );
  assert.equal(exim.account, 'bob@sender.example');
  assert.equal(exim.accountEvidence, 'return-path: Received (envelope-from)');
  // envelope-from in a line nobody believed is the spammer's text and not read.
  const unbelieved = of(
    `${relay}Received: from c ([82.120.5.10]) by relay.example with esmtp (envelope-from <framed@innocent.example>) id 2\nSubject: s\n\nb\n`,
  );
  assert.equal(unbelieved.account, null);
  // SMTPUTF8 (RFC 6531) senders are accounts like any other.
  assert.equal(of(`Return-Path: <用户@例子.广告>\n${relay}Subject: s\n\nb\n`).account, '用户@例子.广告');
  assert.equal(of(`Return-Path: <ñandú@correo.example>\n${relay}Subject: s\n\nb\n`).account, 'ñandú@correo.example');
  // "<zvfjenphuq@[1086695621] [ufa]>" as written in SpamAssassin corpus spam-2/00135.
  const ufa = attribute(extractFacts(parseHeaders(corpusMessage('spam-2', '00135'))), PARTY);
  assert.ok(ufa.candidates.some((c) => c.source === 'Return-Path' && c.address === 'zvfjenphuq@[1086695621]'));
});

test('templates/providers/: the shipped file loads; a folder with a broken file of staff is refused, naming it', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadProviders, PROVIDERS_DIR } = await import('../../server/attribution/providers.ts');
  const shipped = loadProviders(PROVIDERS_DIR);
  assert.ok(shipped.providers.every((p) => p.source !== '' && p.clientIpHeaders.every((h) => h.source !== '')));
  assert.deepEqual(
    ['yahoo', 'microsoft', 'google', 'aol', 'gmx', 'mailru'].map((id) => shipped.providers.some((p) => p.id === id)),
    [true, true, true, true, true, true],
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-providers-'));
  fs.copyFileSync(path.join(PROVIDERS_DIR, 'providers.yaml'), path.join(dir, 'providers.yaml'));
  fs.writeFileSync(
    path.join(dir, 'ours.yaml'),
    'providers:\n  - id: yahoo\n    name: Dup\n    source: x\n    domains: [dup.example]\n    relays: [dup.example]\n',
  );
  assert.throws(
    () => loadProviders(dir),
    /providers\.yaml:\d+: provider id "yahoo" is already defined at ours\.yaml:2/,
  );
  fs.writeFileSync(path.join(dir, 'ours.yaml'), 'providers: [\n');
  assert.throws(() => loadProviders(dir), /ours\.yaml:\d+:\d+: /);
});
