/**
 * Charsets (server/mail/text/charset.ts) as spam declares them: windows-1252 labelled iso-8859-1,
 * KOI8-R, Shift_JIS, GB2312, quoted and odd-cased labels, and the hostile ones (UTF-7, unknown).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCharset } from '../../../server/mail/text/charset.ts';

describe('decodeCharset', () => {
  it('reads UTF-8, and bytes invalid in UTF-8 as U+FFFD, never throwing', () => {
    assert.equal(decodeCharset(Buffer.from('Prêt à 0 % — offre', 'utf8'), 'UTF-8'), 'Prêt à 0 % — offre');
    assert.equal(decodeCharset(Buffer.from([0x61, 0xff, 0x62]), 'utf-8'), 'a\uFFFDb');
  });

  it('reads iso-8859-1 and us-ascii as windows-1252 (curly quotes, euro and dashes of Outlook spam)', () => {
    const bytes = Buffer.from([0x93, 0x47, 0x72, 0x61, 0x74, 0x75, 0x69, 0x74, 0x94, 0x20, 0x80, 0x20, 0x96, 0xe9]);
    for (const label of ['iso-8859-1', '"ISO-8859-1"', 'us-ascii', 'Windows-1252', 'cp1252'])
      assert.equal(decodeCharset(bytes, label), '“Gratuit” € –é', label);
    assert.equal(decodeCharset(bytes, undefined), '“Gratuit” € –é', 'no charset is us-ascii');
  });

  it('reads the charsets of Russian, Japanese and Chinese spam', () => {
    assert.equal(decodeCharset(Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), 'koi8-r'), 'Привет');
    assert.equal(
      decodeCharset(Buffer.from([0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd]), 'Shift_JIS'),
      'こんにちは',
    );
    assert.equal(decodeCharset(Buffer.from([0xc4, 0xe3, 0xba, 0xc3]), 'gb2312'), '你好');
    assert.equal(decodeCharset(Buffer.from([0xe9, 0xe8]), 'iso-8859-15'), 'éè');
  });

  it('refuses UTF-7 (it can smuggle markup) and reads an unknown label as latin1, one character per byte', () => {
    const utf7 = Buffer.from('+ADw-script+AD4-alert(1)+ADw-/script+AD4-');
    assert.equal(decodeCharset(utf7, 'UTF-7'), utf7.toString('latin1'));
    assert.equal(decodeCharset(Buffer.from([0x41, 0xe9, 0xff]), 'x-made-up-charset'), 'Aéÿ');
    assert.equal(decodeCharset(Buffer.from([0x41, 0xe9]), '   '), 'Aé', 'a blank label is us-ascii');
  });

  it('stays correct after many distinct hostile labels (the decoder cache is bounded)', () => {
    for (let i = 0; i < 500; i++) decodeCharset(Buffer.from('x'), `x-junk-${i}`);
    assert.equal(decodeCharset(Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), 'KOI8-R'), 'Привет');
    assert.equal(decodeCharset(Buffer.from([0x41, 0xe9]), 'x-junk-499'), 'Aé');
  });
});
