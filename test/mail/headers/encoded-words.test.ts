import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEncodedWords } from '../../../server/mail/headers/index.ts';

describe('decodeEncodedWords', () => {
  it('returns text without "=?" unchanged', () => {
    assert.equal(decodeEncodedWords('Life Insurance - Why Pay More?'), 'Life Insurance - Why Pay More?');
  });
  it('decodes Q and B words in any charset and joins adjacent words', () => {
    assert.equal(decodeEncodedWords('=?iso-8859-1?Q?Sitting_Bull_=FCber_alles?='), 'Sitting Bull über alles');
    assert.equal(decodeEncodedWords('=?utf-8?B?4oKsIDEwMA==?= =?utf-8?Q?_today?='), '€ 100 today');
    assert.equal(decodeEncodedWords('=?koi8-r?B?8NLJ18XU?='), 'Привет');
  });
  it('reads an unknown charset as latin1 and reports it', () => {
    const problems: string[] = [];
    assert.equal(decodeEncodedWords('=?x-no-such-charset?Q?Caf=E9?=', problems), 'Café');
    assert.deepEqual(problems, ['unknown charset in encoded word (read as latin1)']);
  });
  it('refuses UTF-7, which smuggles markup, and reads it as latin1', () => {
    const problems: string[] = [];
    assert.equal(decodeEncodedWords('=?utf-7?Q?+ADw-script+AD4-?=', problems), '+ADw-script+AD4-');
    assert.deepEqual(problems, ['unknown charset in encoded word (read as latin1)']);
  });
  it('replaces a decoded NUL byte and reports it', () => {
    const problems: string[] = [];
    assert.equal(decodeEncodedWords('=?utf-8?Q?a=00b?=', problems), 'a\uFFFDb');
    assert.deepEqual(problems, ['NUL byte in encoded word']);
  });
  it('leaves malformed words as written', () => {
    assert.equal(decodeEncodedWords('=?utf-8?X?abc?= =?utf-8?Q?unclosed'), '=?utf-8?X?abc?= =?utf-8?Q?unclosed');
  });
});
