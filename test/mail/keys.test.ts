/**
 * The counting keys (server/mail/keys.ts, docs/COUNTING.md), one test per rule. Inputs are read
 * from real header sections with the parser ingest uses, hostile ones included, so a test fails
 * when a key would count one email twice or two emails once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizedBodyHash, parseHeaders } from '../../server/mail/headers/index.ts';
import {
  boundedKey,
  compactKey,
  contentKey,
  deliveryRecipient,
  MAX_ADDRESS_LENGTH,
  MAX_LOCATOR_LENGTH,
  MAX_MESSAGE_KEY_LENGTH,
  messageIdentity,
  messageIdKey,
  messageKeyHash,
  normalizeRecipient,
  rawKey,
} from '../../server/mail/keys.ts';

/** One spam as captured at two hops: the second copy has more trace fields and CRLF line ends. */
const AT_FIRST_HOP = [
  'Received: from smtp-out.wanadoo.fr (smtp-out.wanadoo.fr [193.252.22.60])',
  '\tby mx1.laposte.net (Postfix) with ESMTP id 4F2A1C0042 for <jean.dupont@laposte.net>;',
  '\tTue, 14 Oct 2025 09:12:44 +0200 (CEST)',
  'From: "Service Client" <Promo@Offres-Exclusives.example>',
  'To: jean.dupont@laposte.net',
  'Subject: =?UTF-8?B?Vm90cmUgY2FkZWF1IHZvdXMgYXR0ZW5kIQ==?=',
  'Date: Tue, 14 Oct 2025 09:12:40 +0200',
  'Message-ID: <20251014071240.4F2A1C0042@Offres-Exclusives.EXAMPLE>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Bonjour,  ',
  'Cliquez ici : http://offres-exclusives.example/c/8f3a',
  '',
  '',
].join('\n');
const AT_SECOND_HOP = [
  'Delivered-To: jean.dupont@laposte.net',
  'Received: from mx1.laposte.net (mx1.laposte.net [160.92.124.66])',
  '\tby mbox3.laposte.net with LMTP; Tue, 14 Oct 2025 09:12:45 +0200',
  AT_FIRST_HOP.replace('Bonjour,  ', 'Bonjour,'),
]
  .join('\n')
  .replace(/\n/g, '\r\n');

function identityOf(raw: string): string {
  const h = parseHeaders(Buffer.from(raw));
  return messageIdentity(h.from[0]?.address.toLowerCase() ?? null, h.subject, h.date ?? h.dateRaw);
}

function contentKeyOf(raw: string): string {
  const bytes = Buffer.from(raw);
  const h = parseHeaders(bytes);
  return contentKey(identityOf(raw), normalizedBodyHash(bytes, h.bodyOffset));
}

describe('counting keys (docs/COUNTING.md)', () => {
  it('identity (rule 2): the same for both hops of one message; From, Subject or Date changes it', () => {
    const first = identityOf(AT_FIRST_HOP);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(identityOf(AT_SECOND_HOP), first, 'trace fields and line ends are not part of identity');
    // The encoded-word Subject is compared decoded: the same text written plainly is the same message.
    assert.equal(
      identityOf(AT_FIRST_HOP.replace(/^Subject: .*$/m, 'Subject: Votre cadeau vous attend!  ')),
      first,
      'decoded and trimmed',
    );
    // A spam tool reusing one Message-ID on another email: From, Subject or Date differ.
    assert.notEqual(identityOf(AT_FIRST_HOP.replace('Promo@', 'promo2@')), first);
    assert.notEqual(identityOf(AT_FIRST_HOP.replace(/^Subject: .*$/m, 'Subject: Dernier rappel')), first);
    assert.notEqual(identityOf(AT_FIRST_HOP.replace('09:12:40 +0200', '09:12:41 +0200')), first);
    // The same instant written in another zone is the same Date.
    assert.equal(identityOf(AT_FIRST_HOP.replace('09:12:40 +0200', '07:12:40 +0000')), first);
    // The address's case does not matter (callers lower-case it); the display name is not part of it.
    assert.equal(identityOf(AT_FIRST_HOP.replace('"Service Client" <Promo@', '<PROMO@')), first);
  });

  it('identity (rule 2): a Date that does not parse is compared as written; a hostile 1 MiB Subject still keys', () => {
    const bad = AT_FIRST_HOP.replace(/^Date: .*$/m, 'Date: mardi 14 octobre, le matin');
    const badAtSecondHop = AT_SECOND_HOP.replace(/^Date: .*$/m, 'Date: mardi 14 octobre, le matin');
    assert.equal(identityOf(badAtSecondHop), identityOf(bad), 'the same unreadable Date at both hops');
    assert.notEqual(identityOf(bad), identityOf(AT_FIRST_HOP));
    assert.notEqual(identityOf(bad), identityOf(bad.replace('le matin', 'le soir')));
    const huge = AT_FIRST_HOP.replace(/^Subject: .*$/m, `Subject: ${'GAGNEZ '.repeat(150_000)}`);
    assert.match(identityOf(huge), /^[0-9a-f]{64}$/);
    // No From, no Subject, no Date: still one identity, the same for every such message.
    assert.equal(messageIdentity(null, null, null), messageIdentity(null, null, null));
    assert.equal(messageIdentity(null, '  ', null), messageIdentity(null, null, null));
  });

  it('content key (rule 2): identity and the normalized body; equal across hops, different for another body', () => {
    const key = contentKeyOf(AT_FIRST_HOP);
    assert.match(key, /^c:[0-9a-f]{64}$/);
    assert.equal(contentKeyOf(AT_SECOND_HOP), key, 'CRLF, trailing blanks and blank lines at the end are ignored');
    assert.notEqual(contentKeyOf(AT_FIRST_HOP.replace('/c/8f3a', '/c/8f3b')), key, 'one character of the body');
    assert.notEqual(contentKeyOf(AT_FIRST_HOP.replace('Promo@', 'promo2@')), key, 'same body, other identity');
    // Inner whitespace is content: a relay does not change it.
    assert.notEqual(contentKeyOf(AT_FIRST_HOP.replace('Cliquez ici', 'Cliquez  ici')), key);
  });

  it('Message-ID key (rule 2): the normalized Message-ID, bounded, and never equal to a content or raw key', () => {
    const id = parseHeaders(Buffer.from(AT_FIRST_HOP)).messageId!;
    assert.equal(messageIdKey(id), 'm:20251014071240.4F2A1C0042@offres-exclusives.example');
    const again = parseHeaders(
      Buffer.from(AT_SECOND_HOP.replace('Offres-Exclusives.EXAMPLE>', 'offres-exclusives.example> (MTA)')),
    );
    assert.equal(messageIdKey(again.messageId!), messageIdKey(id), 'domain case and comments do not count');
    const otherLocal = parseHeaders(Buffer.from(AT_FIRST_HOP.replace('4F2A1C0042@', '4f2a1c0042@'))).messageId!;
    assert.notEqual(messageIdKey(otherLocal), messageIdKey(id), 'the local part is opaque: its case is kept');
    // Hostile: a Message-ID that imitates the other key kinds stays a Message-ID key.
    const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const imitation = parseHeaders(Buffer.from(`Message-ID: <raw:${sha}>\nFrom: a@b.example\n\nx`)).messageId!;
    assert.notEqual(messageIdKey(imitation), rawKey(sha));
    assert.ok(!messageIdKey(`c:${sha}`).startsWith('c:'));
    // Hostile: 4,000-character Message-IDs that share their first 3,000 characters stay apart, within the column.
    const a = messageIdKey(`${'x'.repeat(3000)}${'a'.repeat(1000)}@spam.example`);
    const b = messageIdKey(`${'x'.repeat(3000)}${'b'.repeat(1000)}@spam.example`);
    assert.ok(a.length <= MAX_MESSAGE_KEY_LENGTH && b.length <= MAX_MESSAGE_KEY_LENGTH);
    assert.notEqual(a, b);
  });

  it('raw key (rule 2): bytes with no header to read are their own message, keyed by their SHA-256', () => {
    const sha = 'b0401f3fde0f6ddff45408fe11a9bfefd6024fb6014676ef9a3ea3949c41097e';
    assert.equal(rawKey(sha), `raw:${sha}`);
    assert.notEqual(rawKey(sha), rawKey(sha.replace(/e$/, 'f')));
  });

  it('recipient (rule 3): lower-cased and trimmed; a hostile over-long address is bounded and stays distinct', () => {
    assert.equal(normalizeRecipient('  Jean.Dupont@LaPoste.NET \t'), 'jean.dupont@laposte.net');
    const long = (c: string) => `${c.repeat(4000)}@laposte.net`;
    const a = normalizeRecipient(long('a'));
    assert.equal(a.length, MAX_ADDRESS_LENGTH);
    assert.notEqual(a, normalizeRecipient(`${'a'.repeat(3999)}b@laposte.net`));
    assert.equal(normalizeRecipient(long('A')), a, 'case-insensitive before bounding');
  });

  it('delivery recipient (rule 3): Delivered-To (topmost), else X-Original-To, else envelope, else the single To/Cc', () => {
    const recipientOf = (header: string, envelopeRecipient: string | null = null) => {
      const h = parseHeaders(Buffer.from(`${header}\nFrom: promo@offres.example\nSubject: x\n\nbody\n`));
      return deliveryRecipient({
        deliveredTo: h.deliveredTo,
        xOriginalTo: h.xOriginalTo,
        envelopeRecipient,
        toAndCc: [...h.to, ...h.cc].map((a) => a.address),
      });
    };
    const all = [
      'Delivered-To: Marie@Free.fr',
      'Delivered-To: postmaster@free.fr',
      'X-Original-To: alias-marie@free.fr',
      'To: liste-diffusion@free.fr',
    ].join('\n');
    assert.deepEqual(recipientOf(all, 'envelope@free.fr'), { recipient: 'marie@free.fr', source: 'delivered-to' });
    const noDt = all.replace(/^Delivered-To: .*\n/gm, '');
    assert.deepEqual(recipientOf(noDt, 'envelope@free.fr'), {
      recipient: 'alias-marie@free.fr',
      source: 'x-original-to',
    });
    const toOnly = noDt.replace(/^X-Original-To: .*\n/m, '');
    assert.deepEqual(recipientOf(toOnly, ' Envelope@Free.fr '), { recipient: 'envelope@free.fr', source: 'envelope' });
    assert.deepEqual(recipientOf(toOnly), { recipient: 'liste-diffusion@free.fr', source: 'to' });
    // An empty Delivered-To above a real one is skipped, not taken as "unknown".
    assert.deepEqual(recipientOf('Delivered-To: \nDelivered-To: Top@Free.fr'), {
      recipient: 'top@free.fr',
      source: 'delivered-to',
    });
  });

  it('delivery recipient (rule 3): one mailbox in To and Cc counts once; two, none or a group is unknown, never guessed', () => {
    const recipientOf = (header: string) => {
      const h = parseHeaders(Buffer.from(`${header}\nFrom: promo@offres.example\n\nbody\n`));
      return deliveryRecipient({
        deliveredTo: h.deliveredTo,
        xOriginalTo: h.xOriginalTo,
        envelopeRecipient: null,
        toAndCc: [...h.to, ...h.cc].map((a) => a.address),
      });
    };
    assert.deepEqual(recipientOf('To: "Jean" <Jean.Dupont@LaPoste.net>\nCc: jean.dupont@laposte.net'), {
      recipient: 'jean.dupont@laposte.net',
      source: 'to',
    });
    const unknown = { recipient: '', source: 'unknown' };
    assert.deepEqual(recipientOf('To: jean.dupont@laposte.net, marie@free.fr'), unknown);
    assert.deepEqual(recipientOf('To: undisclosed-recipients:;'), unknown);
    assert.deepEqual(recipientOf('To: "Jean Dupont" <>'), unknown);
    assert.deepEqual(recipientOf('Subject: no recipient at all'), unknown);
  });

  it('bounded keys: short values pass unchanged; long ones fit the column, keep their head, and never collide', () => {
    assert.equal(boundedKey('mbox/2025-10.mbox#1234', MAX_LOCATOR_LENGTH), 'mbox/2025-10.mbox#1234');
    const exact = 'd'.repeat(MAX_LOCATOR_LENGTH);
    assert.equal(boundedKey(exact, MAX_LOCATOR_LENGTH), exact);
    const member = `archive.zip!${'dossier/'.repeat(100)}message.eml`;
    const bounded = boundedKey(member, MAX_LOCATOR_LENGTH);
    assert.equal(bounded.length, MAX_LOCATOR_LENGTH);
    assert.ok(bounded.startsWith('archive.zip!dossier/dossier/'));
    assert.match(bounded, /…sha256:[0-9a-f]{64}$/);
    assert.notEqual(boundedKey(member.replace('message.eml', 'message2.eml'), MAX_LOCATOR_LENGTH), bounded);
    assert.equal(boundedKey(member, MAX_LOCATOR_LENGTH), bounded, 'the same value bounds the same way every time');
  });

  it('bounded keys: a hostile name of emoji is never cut inside a character (the database would store U+FFFD)', () => {
    // A ZIP member name of astral characters, odd-aligned so the cut falls between the two halves
    // of one. A lone surrogate is stored as U+FFFD by both drivers, so the key read back would not
    // equal the key computed and a re-ingest would record the sample again.
    for (const name of [`a${'😀'.repeat(400)}.eml`, `${'😀'.repeat(400)}.eml`, `ab${'𝔘'.repeat(1000)}`]) {
      const key = boundedKey(name, MAX_LOCATOR_LENGTH);
      assert.equal(
        Buffer.from(key, 'utf8').toString('utf8'),
        key,
        `survives the round trip through UTF-8: ${JSON.stringify(key.slice(520, 532))}`,
      );
      assert.ok(key.length <= MAX_LOCATOR_LENGTH);
      assert.match(key, /…sha256:[0-9a-f]{64}$/);
    }
  });

  it('compact keys: the first 52 bits of a SHA-256, as stored in the index (values pinned: existing databases hold them)', () => {
    // sha256 of the empty string, and of a message key, computed outside Node (sha256sum).
    assert.equal(compactKey('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'), 4005573543169985);
    assert.equal(messageKeyHash('m:0123456789.A1B2@mail.example.com'), 3100631178797302);
    assert.equal(compactKey('f'.repeat(64)), 2 ** 52 - 1);
    assert.ok(Number.isSafeInteger(compactKey('f'.repeat(64))));
    assert.equal(compactKey('0'.repeat(64)), 0);
    // Not unique on its own: two digests sharing 13 hex digits share their compact key.
    assert.equal(compactKey(`e3b0c44298fc1${'0'.repeat(51)}`), compactKey(`e3b0c44298fc1${'f'.repeat(51)}`));
  });
});
