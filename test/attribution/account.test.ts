import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_FACTS } from '../../server/attribution/record.ts';
import { resolveAccount } from '../../server/attribution/account.ts';
import type { AttributionFacts } from '../../server/attribution/facts.ts';
import { compileTrust } from '../../server/attribution/trust.ts';
import { isBounceAddress } from '../../server/attribution/verp.ts';

const none = compileTrust({ relays: [], authservIds: [] });
const facts = (f: Partial<AttributionFacts>): AttributionFacts => ({ ...EMPTY_FACTS, ...f });

test('the provider header wins when the provider handed the message over, and a different From is a conflict', () => {
  const r = resolveAccount(
    facts({ xOriginatingEmail: 'x123@hotmail.com', returnPath: 'x123@hotmail.com', from: 'service@paypal.com' }),
    'microsoft',
    none,
    null,
  );
  assert.equal(r.account, 'x123@hotmail.com');
  assert.equal(r.rank, 'provider');
  assert.equal(r.provider, 'microsoft');
  assert.deepEqual(r.conflicts, ['From says service@paypal.com, X-Originating-Email says x123@hotmail.com']);
  assert.equal(r.falseSender, true);
});

test('a provider header is only claimed when another provider (or nobody known) relayed the message', () => {
  const r = resolveAccount(facts({ xOriginatingEmail: 'x123@hotmail.com', from: 'x9@yahoo.com' }), null, none, null);
  assert.equal(r.account, 'x9@yahoo.com');
  assert.equal(r.rank, 'from');
  assert.equal(r.candidates[0]!.rank, 'claimed');
  assert.match(r.conflicts.join('\n'), /X-Originating-Email claims x123@hotmail.com/);
});

test('Return-Path ranks above From unless it is a bounce address', () => {
  assert.equal(
    resolveAccount(facts({ returnPath: 'real@example.org', from: 'fake@example.com' }), null, none, null).account,
    'real@example.org',
  );
  assert.equal(
    resolveAccount(
      facts({ returnPath: 'bounce-8812-jean=laposte.net@lists.example.org', from: 'news@example.org' }),
      null,
      none,
      null,
    ).account,
    'news@example.org',
  );
  assert.equal(
    resolveAccount(facts({ returnPath: '', from: 'news@example.org' }), null, none, null).account,
    'news@example.org',
  );
});

test('bounce-style envelope senders: VERP, SRS, BATV, list bounce addresses', () => {
  for (const a of [
    'bounce-123-jean=laposte.net@m.example.com',
    'list-bounces+jean=laposte.net@lists.example.org',
    'SRS0=HHH=TT=example.org=alice@fwd.example.net',
    'prvs=1234abcd=alice@example.org',
    'fork-admin@xent.com',
    'owner-cypherpunks@ssz.com',
    'news-4f9a0c2e7b1d9e@mailer.example.com',
    'mailer-daemon@x.org',
  ]) {
    assert.equal(isBounceAddress(a), true, a);
  }
  for (const a of [
    'x123@hotmail.com',
    'john.smith@example.org',
    'sat@niederhasli.ch',
    'hgreene6g87@hotmail.com',
    'babegirl2u473666p42@z.com',
  ])
    assert.equal(isBounceAddress(a), false, a);
});

test('a verified DKIM i= attributes; d= covering the From domain promotes the From; without verification nothing changes', () => {
  const f = facts({
    from: 'promo@shop.example',
    returnPath: 'x@elsewhere.example',
    dkim: [{ d: 'shop.example', i: null, s: 's1' }],
  });
  assert.equal(
    resolveAccount(f, null, none, null).account,
    'x@elsewhere.example',
    'an unverified signature is not evidence',
  );
  const d = resolveAccount(f, null, none, {
    result: 'pass',
    domain: 'shop.example',
    identity: null,
    keyFingerprint: 'sha256:ab',
  });
  assert.equal(d.account, 'promo@shop.example');
  assert.equal(d.rank, 'dkim');
  const i = resolveAccount(f, null, none, {
    result: 'pass',
    domain: 'shop.example',
    identity: 'sender7@shop.example',
    keyFingerprint: null,
  });
  assert.equal(i.account, 'sender7@shop.example');
  assert.equal(
    resolveAccount(f, null, none, { result: 'fail', domain: 'shop.example', identity: null, keyFingerprint: null })
      .rank,
    'return-path',
  );
});

test('Authentication-Results count only from a trusted authserv-id', () => {
  const f = facts({
    from: 'promo@shop.example',
    returnPath: 'x@elsewhere.example',
    authResults: [
      {
        authservId: 'mx.laposte.net',
        results: [{ method: 'dkim', result: 'pass', props: { 'header.d': 'shop.example' } }],
      },
    ],
  });
  assert.equal(resolveAccount(f, null, none, null).rank, 'return-path', 'untrusted: ignored');
  const trusted = compileTrust({ relays: [], authservIds: ['mx.laposte.net'] });
  const r = resolveAccount(f, null, trusted, null);
  assert.equal(r.account, 'promo@shop.example');
  assert.equal(r.rank, 'dkim');
});

test('no usable address at all gives no account, and says so', () => {
  const r = resolveAccount(facts({}), null, none, null);
  assert.equal(r.account, null);
  assert.equal(r.evidence, 'no usable sender address');
});
