import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HEADER_FIELDS, MAX_HEADER_SECTION_BYTES, splitHeaderSection } from '../../../server/mail/headers/index.ts';
import { fixture } from './load-samples.ts';

const LF_FIELDS = [
  { name: 'Return-Path', key: 'return-path', value: '<x123@hotmail.com>' },
  { name: 'Delivered-To', key: 'delivered-to', value: 'trap1@plaintiff.example' },
  {
    name: 'Received',
    key: 'received',
    value:
      'from mx.plaintiff.example (mx.plaintiff.example [192.0.2.10])\tby inbound.plaintiff.example with ESMTP id 4F2A1; Thu, 22 Aug 2002 13:17:22 +0100',
  },
  { name: 'From', key: 'from', value: '"PayPal Security" <x123@hotmail.com>' },
  { name: 'To', key: 'to', value: 'trap1@plaintiff.example' },
  {
    name: 'Subject',
    key: 'subject',
    value: '=?utf-8?Q?Your_account_is_=E2=82=AC_locked?=  =?utf-8?B?IC0gYWN0IG5vdw==?=',
  },
  { name: 'Date', key: 'date', value: 'Thu, 22 Aug 2002 14:17:21 +0200' },
  { name: 'Message-ID', key: 'message-id', value: '<ABC.123@Mail.Spammer.EXAMPLE>' },
  { name: 'MIME-Version', key: 'mime-version', value: '1.0' },
  { name: 'Content-Type', key: 'content-type', value: 'text/plain; charset=us-ascii' },
];

describe('splitHeaderSection', () => {
  it('splits LF fields, unfolds continuation lines and finds the body', () => {
    assert.deepEqual(splitHeaderSection(fixture('lf.eml')), { fields: LF_FIELDS, bodyOffset: 524, problems: [] });
  });

  it('gives the same fields for CRLF line ends, with the body offset after CRLF CRLF', () => {
    assert.deepEqual(splitHeaderSection(fixture('crlf.eml')), { fields: LF_FIELDS, bodyOffset: 537, problems: [] });
  });

  it('reports mixed CRLF and LF line ends and still splits every field', () => {
    const s = splitHeaderSection(fixture('mixed-line-ends.eml'));
    assert.deepEqual(
      s.fields.map((f) => [f.key, f.value]),
      [
        ['from', 'a@example.com'],
        ['to', 'b@example.com'],
        ['subject', 'mixed'],
        ['message-id', '<m@example.com>'],
        ['date', 'Thu, 22 Aug 2002 14:17:21 +0200'],
      ],
    );
    assert.equal(s.bodyOffset, 124);
    assert.deepEqual(s.problems, ['mixed CRLF and LF line ends in header section']);
  });

  it('replaces a NUL byte in a value with U+FFFD and reports it', () => {
    const s = splitHeaderSection(fixture('nul-byte.eml'));
    assert.equal(s.fields[1]?.value, 'free\uFFFDmoney');
    assert.deepEqual(s.problems, ['NUL byte in header section']);
  });

  it('reports a line over 998 octets and keeps its whole value', () => {
    const s = splitHeaderSection(fixture('long-line.eml'));
    assert.equal(s.fields[1]?.value, 'A'.repeat(1200));
    assert.deepEqual(s.problems, ['header line longer than 998 octets']);
  });

  it('reads 8-bit bytes that are valid UTF-8 as UTF-8', () => {
    const s = splitHeaderSection(fixture('eight-bit-utf8.eml'));
    assert.deepEqual(
      s.fields.slice(0, 2).map((f) => f.value),
      ['José <jose@example.com>', 'Café crème'],
    );
    assert.deepEqual(s.problems, ['8-bit bytes in header']);
  });

  it('reads 8-bit bytes that are not UTF-8 as latin1, losing none', () => {
    const s = splitHeaderSection(fixture('eight-bit-latin1.eml'));
    assert.deepEqual(
      s.fields.slice(0, 2).map((f) => f.value),
      ['José <jose@example.com>', 'Café crème'],
    );
    assert.deepEqual(s.problems, ['8-bit bytes in header', '8-bit header bytes that are not UTF-8 (read as latin1)']);
  });

  it('keeps every field of a truncated message with no blank line; the body offset is the end', () => {
    const raw = fixture('truncated-no-blank-line.eml');
    const s = splitHeaderSection(raw);
    assert.deepEqual(
      s.fields.map((f) => f.value),
      ['<x123@hotmail.com>', 'x123@hotmail.com', 'trap1@plaintiff.example', 'cut sho'],
    );
    assert.equal(s.bodyOffset, raw.length);
    assert.deepEqual(s.problems, ['no blank line after the header section (truncated?)']);
  });

  it('treats input that does not start with a header field as all body', () => {
    assert.deepEqual(splitHeaderSection(fixture('no-header.eml')), {
      fields: [],
      bodyOffset: 0,
      problems: ['no header field at the start of the message'],
    });
  });

  it('treats a leading blank line as an empty header section', () => {
    assert.deepEqual(splitHeaderSection(Buffer.from('\r\nbody\r\n')), {
      fields: [],
      bodyOffset: 2,
      problems: ['no header field at the start of the message'],
    });
  });

  it('reports empty input', () => {
    assert.deepEqual(splitHeaderSection(Buffer.alloc(0)), { fields: [], bodyOffset: 0, problems: ['empty input'] });
  });

  it('skips a UTF-8 byte order mark and reports it', () => {
    const s = splitHeaderSection(Buffer.from('\ufeffSubject: hi\n\nbody'));
    assert.deepEqual(s.fields, [{ name: 'Subject', key: 'subject', value: 'hi' }]);
    assert.equal(s.bodyOffset, 16); // 3 (BOM) + 12 + 1
    assert.deepEqual(s.problems, ['UTF-8 byte order mark before the header section']);
  });

  it('skips a line that is not a header field, with its continuation lines', () => {
    const s = splitHeaderSection(fixture('malformed-line.eml'));
    assert.deepEqual(
      s.fields.map((f) => f.key),
      ['from', 'subject', 'message-id', 'date'],
    );
    assert.deepEqual(s.problems, ['header line that is not a header field (skipped)']);
  });

  it('accepts whitespace before the colon (obsolete syntax) and keeps the name as written', () => {
    const s = splitHeaderSection(Buffer.from('SUBJECT : hi\nX-Empty:\n\n'));
    assert.deepEqual(s.fields, [
      { name: 'SUBJECT', key: 'subject', value: 'hi' },
      { name: 'X-Empty', key: 'x-empty', value: '' },
    ]);
  });

  it('stops at 1 MiB of header section, reports it, and starts the body there', () => {
    const line = `X-Filler: ${'x'.repeat(987)}\n`; // 998 octets
    const raw = Buffer.from(
      `Subject: big\n${line.repeat(Math.ceil(MAX_HEADER_SECTION_BYTES / line.length) + 10)}\nbody\n`,
    );
    const s = splitHeaderSection(raw);
    assert.equal(s.bodyOffset, 1_047_913); // 13 + 1,050 x 998: the end of the last whole line within 1 MiB
    assert.equal(s.fields.length, 1_051);
    assert.deepEqual(s.problems, ['header section larger than 1 MiB']);
  });

  it(`lists at most ${MAX_HEADER_FIELDS} fields and reports the rest`, () => {
    const raw = Buffer.from(`${'A: 1\n'.repeat(MAX_HEADER_FIELDS + 5)}\nbody`);
    const s = splitHeaderSection(raw);
    assert.equal(s.fields.length, 10_000);
    assert.equal(s.bodyOffset, 50_026);
    assert.deepEqual(s.problems, ['more than 10000 header fields (the rest are not listed)']);
  });
});
