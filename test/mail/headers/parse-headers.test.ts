import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeaders } from '../../../server/mail/headers/index.ts';
import { fixture } from './load-samples.ts';

describe('parseHeaders', () => {
  it('reads every fact of a well-formed message (CRLF)', () => {
    const p = parseHeaders(fixture('crlf.eml'));
    assert.equal(p.fields.length, 10);
    assert.equal(p.bodyOffset, 537);
    assert.equal(p.messageId, 'ABC.123@mail.spammer.example');
    assert.equal(p.date, '2002-08-22T12:17:21.000Z');
    assert.equal(p.dateRaw, 'Thu, 22 Aug 2002 14:17:21 +0200');
    assert.deepEqual(p.from, [{ address: 'x123@hotmail.com', name: 'PayPal Security' }]);
    assert.deepEqual(p.to, [{ address: 'trap1@plaintiff.example', name: '' }]);
    assert.equal(p.returnPath, 'x123@hotmail.com');
    assert.deepEqual(p.deliveredTo, ['trap1@plaintiff.example']);
    assert.equal(p.subject, 'Your account is € locked - act now');
    assert.equal(p.received.length, 1);
    assert.deepEqual(p.problems, []);
  });

  it('reads the same facts from the LF copy and from the copy captured at another hop', () => {
    const crlf = parseHeaders(fixture('crlf.eml'));
    const lf = parseHeaders(fixture('lf.eml'));
    const hop = parseHeaders(fixture('second-hop.eml'));
    for (const p of [lf, hop]) {
      assert.equal(p.messageId, crlf.messageId);
      assert.equal(p.subject, crlf.subject);
      assert.equal(p.date, crlf.date);
      assert.deepEqual(p.from, crlf.from);
    }
    assert.deepEqual(hop.deliveredTo, ['archive@plaintiff.example']);
    assert.deepEqual(hop.xOriginalTo, ['trap1@plaintiff.example']);
    assert.equal(hop.received.length, 2);
    assert.ok(hop.received[0]?.startsWith('from inbound.plaintiff.example'), 'topmost Received first');
  });

  it('uses the first of repeated single-valued fields, reports each, and concatenates To and Cc', () => {
    const p = parseHeaders(fixture('repeated-from.eml'));
    assert.deepEqual(p.from, [{ address: 'first@example.com', name: '' }]);
    assert.equal(p.subject, 'one');
    assert.equal(p.messageId, 'rep@example.com');
    assert.deepEqual(
      p.to.map((a) => a.address),
      ['a@example.com', 'b@example.com', 'c@example.com'],
    );
    assert.deepEqual(
      p.cc.map((a) => a.address),
      ['d@example.com', 'e@example.com'],
    );
    assert.deepEqual(
      p.fields.filter((f) => f.key === 'from').map((f) => f.value),
      ['first@example.com', 'second@example.org'],
    );
    assert.deepEqual(p.problems, ['repeated From header', 'repeated Subject header', 'repeated Message-ID header']);
  });

  it('reads provider trace fields: null sender, originating IP and email, DKIM, authentication results', () => {
    const p = parseHeaders(fixture('provider-trace.eml'));
    assert.equal(p.returnPath, '');
    assert.deepEqual(p.xOriginatingIp, ['203.0.113.7']);
    assert.deepEqual(p.xOriginatingEmail, ['x123@hotmail.com']);
    assert.deepEqual(p.dkimSignatures, [
      {
        d: 'hotmail.com',
        i: 'x123@hotmail.com',
        s: 'Selector1',
        raw: 'v=1; a=rsa-sha256; c=relaxed/relaxed; d=Hotmail.COM;\ts=Selector1; i=x123@HOTMAIL.com;\tb=dGVzdA==',
      },
    ]);
    assert.deepEqual(p.authenticationResults, ['mx.plaintiff.example; spf=pass smtp.mailfrom=hotmail.com']);
    assert.deepEqual(p.from, [{ address: 'x123@hotmail.com', name: 'John' }]);
    assert.deepEqual(p.to, []);
    assert.deepEqual(p.problems, []);
  });

  it('reads an unknown charset as latin1, in the Subject and in display names, and reports it once', () => {
    const p = parseHeaders(fixture('bogus-charset.eml'));
    assert.equal(p.subject, 'Café+ADw-script+AD4-');
    assert.deepEqual(p.from, [{ address: 'jose@example.com', name: 'José' }]);
    assert.deepEqual(p.problems, ['unknown charset in encoded word (read as latin1)']);
  });

  it('reads raw 8-bit headers: UTF-8 as UTF-8, anything else as latin1', () => {
    const utf8 = parseHeaders(fixture('eight-bit-utf8.eml'));
    assert.equal(utf8.subject, 'Café crème');
    assert.deepEqual(utf8.from, [{ address: 'jose@example.com', name: 'José' }]);
    assert.deepEqual(utf8.problems, ['8-bit bytes in header']);
    const latin1 = parseHeaders(fixture('eight-bit-latin1.eml'));
    assert.equal(latin1.subject, 'Café crème');
    assert.deepEqual(latin1.problems, [
      '8-bit bytes in header',
      '8-bit header bytes that are not UTF-8 (read as latin1)',
    ]);
  });

  it('keeps what a truncated message has and says it is truncated', () => {
    const raw = fixture('truncated-no-blank-line.eml');
    const p = parseHeaders(raw);
    assert.equal(p.bodyOffset, raw.length);
    assert.equal(p.subject, 'cut sho');
    assert.equal(p.returnPath, 'x123@hotmail.com');
    assert.deepEqual(p.problems, ['no blank line after the header section (truncated?)', 'no Message-ID', 'no Date']);
  });

  it('gives an empty result for input with no header, and only says so', () => {
    const p = parseHeaders(fixture('no-header.eml'));
    assert.equal(p.bodyOffset, 0);
    assert.deepEqual(p.fields, []);
    assert.equal(p.messageId, null);
    assert.equal(p.subject, null);
    assert.deepEqual(p.problems, ['no header field at the start of the message']);
  });

  it('reports NUL bytes, long lines and mixed line ends alongside the facts', () => {
    assert.deepEqual(parseHeaders(fixture('nul-byte.eml')).problems, ['NUL byte in header section']);
    assert.equal(parseHeaders(fixture('nul-byte.eml')).subject, 'free\uFFFDmoney');
    assert.deepEqual(parseHeaders(fixture('long-line.eml')).problems, ['header line longer than 998 octets']);
    assert.deepEqual(parseHeaders(fixture('mixed-line-ends.eml')).problems, [
      'mixed CRLF and LF line ends in header section',
    ]);
  });

  it('reports a missing From, Message-ID and Date, and ones that do not parse', () => {
    assert.deepEqual(parseHeaders(Buffer.from('Subject: x\n\n')).problems, ['no From', 'no Message-ID', 'no Date']);
    assert.deepEqual(parseHeaders(Buffer.from('From: "" <>\nMessage-ID: <>\nDate: soon\n\n')).problems, [
      'no address in From',
      'empty Message-ID',
      'unparseable Date',
    ]);
  });

  it('never throws on hostile input, and stays fast on a 1 MiB field', () => {
    const started = process.hrtime.bigint();
    const hostile = [
      Buffer.from(`To: ${'<"(,@'.repeat(200_000)}\n\n`),
      Buffer.from(`From: ${'=?x?Q?a?= '.repeat(90_000)}\nSubject: ${'=?utf-8?B?'.repeat(50_000)}\n\n`),
      Buffer.from(`Subject: a\n${' \n'.repeat(400_000)}\n`),
      Buffer.from('\0\0\0\r\r\r\n\n\n'),
      Buffer.from(':\n:\n: :\n\n'),
    ];
    // deterministic pseudo-random header-ish bytes
    let seed = 42;
    const alphabet = Buffer.from('From:To:Subject:Date:<>()"@,;:.=?\\ \t\r\n\0\xe9\x80abc', 'latin1');
    for (let k = 0; k < 300; k++) {
      const bytes = Buffer.alloc(200 + (k % 50) * 10);
      for (let j = 0; j < bytes.length; j++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        bytes[j] = alphabet[seed % alphabet.length] as number;
      }
      hostile.push(bytes);
    }
    for (const raw of hostile) {
      const p = parseHeaders(raw);
      assert.ok(p.bodyOffset >= 0 && p.bodyOffset <= raw.length);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    assert.ok(seconds < 5, `hostile inputs took ${seconds.toFixed(2)} s`);
  });
});
