import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressList, parseReturnPath } from '../../../server/mail/headers/index.ts';

describe('parseAddressList', () => {
  it('reads a plain mailbox and lowercases only the domain', () => {
    assert.deepEqual(parseAddressList('John.Doe@Hotmail.COM'), [{ address: 'John.Doe@hotmail.com', name: '' }]);
  });

  it('reads a display name and an angle address', () => {
    assert.deepEqual(parseAddressList('"PayPal Security" <x123@hotmail.com>'), [
      { address: 'x123@hotmail.com', name: 'PayPal Security' },
    ]);
  });

  it('takes the angle address, not a display name that looks like an address', () => {
    assert.deepEqual(parseAddressList('"paypal@paypal.com" <x123@hotmail.com>'), [
      { address: 'x123@hotmail.com', name: 'paypal@paypal.com' },
    ]);
    assert.deepEqual(parseAddressList('paypal@paypal.com <x123@hotmail.com>'), [
      { address: 'x123@hotmail.com', name: 'paypal@paypal.com' },
    ]);
  });

  it('puts a quoted local part holding "@" at the domain after it', () => {
    assert.deepEqual(parseAddressList('"john@evil"@hotmail.com'), [{ address: '"john@evil"@hotmail.com', name: '' }]);
    // spam-2/00208 in the SpamAssassin corpus
    assert.deepEqual(parseAddressList('"salestoner@bol.com.br"@dogma.slashnull.org'), [
      { address: '"salestoner@bol.com.br"@dogma.slashnull.org', name: '' },
    ]);
  });

  it('drops quotes that were only syntax', () => {
    assert.deepEqual(parseAddressList('"john.doe"@Example.com'), [{ address: 'john.doe@example.com', name: '' }]);
    assert.deepEqual(parseAddressList('<"a b"@example.com>'), [{ address: '"a b"@example.com', name: '' }]);
  });

  it('uses a trailing comment as the name when there are no angle brackets', () => {
    assert.deepEqual(parseAddressList('x123@hotmail.com (John)'), [{ address: 'x123@hotmail.com', name: 'John' }]);
  });

  it('recovers a mailbox written after a name without angle brackets', () => {
    assert.deepEqual(parseAddressList('John Smith x123@hotmail.com'), [
      { address: 'x123@hotmail.com', name: 'John Smith' },
    ]);
    assert.deepEqual(parseAddressList('"John Smith" x123@hotmail.com'), [
      { address: 'x123@hotmail.com', name: 'John Smith' },
    ]);
  });

  it('flattens groups and returns nothing for an empty one', () => {
    assert.deepEqual(parseAddressList('undisclosed-recipients:;'), []);
    assert.deepEqual(parseAddressList('undisclosed-recipient: ;'), []);
    assert.deepEqual(parseAddressList('Friends: a@example.com, "B" <b@example.com>;, c@example.com'), [
      { address: 'a@example.com', name: '' },
      { address: 'b@example.com', name: 'B' },
      { address: 'c@example.com', name: '' },
    ]);
  });

  it('decodes encoded-word display names, including ones holding specials', () => {
    assert.deepEqual(parseAddressList('=?ISO-8859-1?Q?J=F8rgen_Thomsen?= <list@jth.net>'), [
      { address: 'list@jth.net', name: 'Jørgen Thomsen' },
    ]);
    assert.deepEqual(parseAddressList('=?utf-8?Q?Doe,_John:_CEO?= <ceo@example.com>'), [
      { address: 'ceo@example.com', name: 'Doe, John: CEO' },
    ]);
    assert.deepEqual(parseAddressList('"=?iso-2022-jp?B?GyRCMEtFbCEhP04bKEI=?=" <hito@opentext.com>'), [
      { address: 'hito@opentext.com', name: '伊東 仁' },
    ]);
  });

  it('keeps a bare local part as the address', () => {
    assert.deepEqual(parseAddressList('zzzz'), [{ address: 'zzzz', name: '' }]);
    assert.deepEqual(parseAddressList('<zzzz>'), [{ address: 'zzzz', name: '' }]);
  });

  it('keeps a name with no mailbox, with address ""', () => {
    assert.deepEqual(parseAddressList('John Doe'), [{ address: '', name: 'John Doe' }]);
    assert.deepEqual(parseAddressList('"John Doe"'), [{ address: '', name: 'John Doe' }]);
    assert.deepEqual(parseAddressList('John <>'), [{ address: '', name: 'John' }]);
  });

  it('returns nothing for empty or empty-bracket values', () => {
    assert.deepEqual(parseAddressList(''), []);
    assert.deepEqual(parseAddressList('"" <>'), []);
    assert.deepEqual(parseAddressList(' , ;; '), []);
  });

  it('splits lists on commas and on semicolons (Outlook style)', () => {
    assert.deepEqual(parseAddressList('a@example.com; "B, Jr." <b@example.com>, c@example.com'), [
      { address: 'a@example.com', name: '' },
      { address: 'b@example.com', name: 'B, Jr.' },
      { address: 'c@example.com', name: '' },
    ]);
  });

  it('keeps every "@" but the last in the local part (spam-2/00080)', () => {
    assert.deepEqual(parseAddressList('ndtuftrzzsglsvnz@uksyz@21cn.com'), [
      { address: 'ndtuftrzzsglsvnz@uksyz@21cn.com', name: '' },
    ]);
  });

  it('drops an obsolete source route', () => {
    assert.deepEqual(parseAddressList('<@relay1.example,@relay2.example:user@Example.com>'), [
      { address: 'user@example.com', name: '' },
    ]);
  });

  it('survives garbage: unclosed quotes, comments and brackets, stray closers', () => {
    assert.deepEqual(parseAddressList('"<Karen Duarte" <karen_duarte@emailaccount.com>'), [
      { address: 'karen_duarte@emailaccount.com', name: '<Karen Duarte' },
    ]);
    assert.deepEqual(parseAddressList('<x123@hotmail.com'), [{ address: 'x123@hotmail.com', name: '' }]);
    assert.deepEqual(parseAddressList('"unclosed <x@y.com>'), [{ address: '', name: 'unclosed <x@y.com>' }]);
    assert.deepEqual(parseAddressList('x@y.com (unclosed comment'), [{ address: 'x@y.com', name: 'unclosed comment' }]);
    assert.deepEqual(parseAddressList('a@b.com>> ))'), [{ address: 'a@b.com', name: '' }]);
    assert.deepEqual(parseAddressList('zvfjenphuq@[1086695621], [ufa]@netnoteinc.com'), [
      { address: 'zvfjenphuq@[1086695621]', name: '' },
      { address: '[ufa]@netnoteinc.com', name: '' },
    ]);
  });

  it('does not throw on hostile input', () => {
    const hostile = [
      '<'.repeat(10_000),
      '('.repeat(10_000),
      '"'.repeat(9_999),
      '@'.repeat(10_000),
      ':;,'.repeat(3_000),
      '\0\u0001=?x?Q?',
    ];
    for (const value of hostile) assert.ok(Array.isArray(parseAddressList(value)));
  });
});

describe('parseReturnPath', () => {
  it('reads the envelope sender', () => {
    assert.equal(parseReturnPath('<12a1mailbot1@Web.DE>'), '12a1mailbot1@web.de');
  });
  it('gives "" for the null sender', () => {
    assert.equal(parseReturnPath('<>'), '');
    assert.equal(parseReturnPath(' < > (bounce)'), '');
  });
  it('gives null when nothing is recoverable', () => {
    assert.equal(parseReturnPath(''), null);
  });
});
