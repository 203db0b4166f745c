import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accountFromHeader,
  normalizeAccount,
  providerOfDomain,
  providerOfHost,
} from '../../server/attribution/address.ts';

test('domain case is folded; different mailboxes are never merged', () => {
  assert.equal(normalizeAccount('X123@HotMail.COM')?.address, 'x123@hotmail.com');
  const dotted = normalizeAccount('john.smith@hotmail.com')!.address;
  const plain = normalizeAccount('johnsmith@hotmail.com')!.address;
  const tagged = normalizeAccount('john+spam@hotmail.com')!.address;
  assert.equal(new Set([dotted, plain, tagged]).size, 3, 'no dot or +tag folding');
  assert.notEqual(normalizeAccount('x123@hotmail.com')!.address, normalizeAccount('x123@msn.com')!.address);
});

test('provider alias groups: hotmail.com, msn.com, live.com are one provider, still different domains', () => {
  for (const d of ['hotmail.com', 'msn.com', 'live.com', 'outlook.com', 'hotmail.fr'])
    assert.equal(providerOfDomain(d), 'microsoft', d);
  assert.equal(normalizeAccount('a1@msn.com')!.provider, 'microsoft');
  assert.equal(normalizeAccount('a1@msn.com')!.domain, 'msn.com');
  assert.equal(normalizeAccount('a1@example.org')!.provider, 'example.org');
  assert.equal(providerOfHost('BAY0-OMC1-S3.bay0.hotmail.com'.toLowerCase()), 'microsoft');
  assert.equal(providerOfHost('mail1.caramail.com'), 'caramail');
  assert.equal(providerOfHost('nothotmail.com'), null, 'suffix matching stops at a label boundary');
});

test('a quoted local part holding "@" resolves to the mailbox at the last "@"', () => {
  assert.equal(accountFromHeader('"john@evil.example"@hotmail.com')?.address, '"john@evil.example"@hotmail.com');
});

test('a display name that looks like an address is not the mailbox', () => {
  assert.equal(accountFromHeader('"service@paypal.com" <x123@hotmail.com>')?.address, 'x123@hotmail.com');
  assert.equal(accountFromHeader('service@paypal.com <x124@hotmail.com>')?.address, 'x124@hotmail.com');
});

test('missing angle brackets and trailing comments still give the mailbox', () => {
  assert.equal(accountFromHeader('x125@hotmail.com (Best Offers)')?.address, 'x125@hotmail.com');
  assert.equal(accountFromHeader('Best Offers x126@hotmail.com')?.address, 'x126@hotmail.com');
  assert.equal(accountFromHeader('<x127@hotmail.com')?.address, 'x127@hotmail.com', 'unclosed bracket');
  assert.equal(accountFromHeader('x128@hotmail.com>')?.address, 'x128@hotmail.com', 'stray closing bracket');
  assert.equal(
    accountFromHeader('Jenny<x130@hotmail.com>')?.address,
    'x130@hotmail.com',
    'no space before the bracket',
  );
});

test('an encoded-word display name does not hide or replace the mailbox', () => {
  assert.equal(accountFromHeader('=?iso-8859-1?Q?Jos=E9_<fake@paypal.com>?= <x132@msn.com>')?.address, 'x132@msn.com');
  assert.equal(accountFromHeader('=?utf-8?B?UGF5UGFs?= <X129@Live.com>')?.address, 'x129@live.com');
});

test('what is not a usable mailbox gives no account', () => {
  for (const v of [
    '',
    'undisclosed-recipients:;',
    'zzzz',
    '@hotmail.com',
    'x@',
    'x@localhost',
    'x@-bad-.com',
    '"John Doe"',
  ])
    assert.equal(accountFromHeader(v), null, v);
});
