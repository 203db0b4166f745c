import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeEmail } from '../../../server/mail/headers/index.ts';
import { corpusMessage, fixture } from './load-samples.ts';

describe('looksLikeEmail', () => {
  it('accepts a real message', () => {
    assert.deepEqual(looksLikeEmail(corpusMessage('spam-1', '00001')), { ok: true });
    assert.deepEqual(looksLikeEmail(fixture('crlf.eml')), { ok: true });
  });
  it('accepts a truncated message that starts with header lines', () => {
    assert.deepEqual(looksLikeEmail(fixture('truncated-no-blank-line.eml')), { ok: true });
  });
  it('decides by content: JSON, HTML and other text whose fields are not message fields are not email', () => {
    const cases: [string, string][] = [
      ['{"id": 1, "from": "a@b.c"}\n', 'not an email: looks like JSON'],
      ['{\n  "From": "a@b.c",\n  "Subject": "hi"\n}\n', 'not an email: looks like JSON'],
      ['[{"from": "a@b.c"}]\n', 'not an email: looks like JSON'],
      ['<!DOCTYPE html>\n<html><body>x</body></html>\n', 'not an email: looks like HTML or XML'],
      [
        'name: spamcase\nversion: 1\nunits: [a, b]\n',
        'not an email: no message header field (From, Date, Subject, Received, Message-ID...) in its header section',
      ],
    ];
    for (const [text, reason] of cases)
      assert.deepEqual(looksLikeEmail(Buffer.from(text)), { ok: false, reason }, text);
  });
  it('accepts a header section whose first field is unknown when a message field follows', () => {
    assert.deepEqual(looksLikeEmail(Buffer.from('Foo: bar\nX-Spam: yes\n\nbody\n')), { ok: true });
    assert.deepEqual(looksLikeEmail(Buffer.from('Foo: bar\n folded\nSubject: hi\n')), { ok: true });
    // A message field after the blank line is body, not header.
    assert.equal(looksLikeEmail(Buffer.from('Foo: bar\n\nSubject: hi\n')).ok, false);
  });
  it('rejects an empty file', () => {
    assert.deepEqual(looksLikeEmail(Buffer.alloc(0)), { ok: false, reason: 'empty file' });
  });
  it('names well-known binary formats', () => {
    const cases: Array<[number[], string]> = [
      [[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46], 'not an email: looks like a JPEG image'],
      [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00], 'not an email: looks like a PNG image'],
      [[...Buffer.from('GIF89a'), 0x01, 0x00], 'not an email: looks like a GIF image'],
      [[...Buffer.from('%PDF-1.4\n')], 'not an email: looks like a PDF document'],
      [[0x50, 0x4b, 0x03, 0x04, 0x14, 0x00], 'not an email: looks like a ZIP archive'],
      [[0x1f, 0x8b, 0x08, 0x00], 'not an email: looks like a gzip archive'],
      [[0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01], 'not an email: looks like an ELF executable'],
      [[0x4d, 0x5a, 0x90, 0x00, 0x03], 'not an email: looks like a Windows executable'],
      [
        [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
        'not an email: looks like an OLE file (Outlook .msg or old Office document)',
      ],
    ];
    for (const [bytes, reason] of cases) assert.deepEqual(looksLikeEmail(Buffer.from(bytes)), { ok: false, reason });
  });
  it('rejects text that does not start with a header field', () => {
    assert.deepEqual(looksLikeEmail(fixture('no-header.eml')), {
      ok: false,
      reason: 'not an email: no header field at the start',
    });
    assert.deepEqual(looksLikeEmail(Buffer.from('\nFrom: a@b.c\n')), {
      ok: false,
      reason: 'not an email: no header field at the start (starts with a blank line)',
    });
    assert.deepEqual(looksLikeEmail(Buffer.from(' folded: continuation first\n')), {
      ok: false,
      reason: 'not an email: no header field at the start',
    });
  });
  it('says so when the mbox "From " line was left in', () => {
    assert.deepEqual(
      looksLikeEmail(Buffer.from('From 12a1mailbot1@web.de  Thu Aug 22 13:17:22 2002\nReturn-Path: <a@b.c>\n')),
      {
        ok: false,
        reason: 'not an email: starts with an mbox "From " line (split the mbox first)',
      },
    );
  });
  it('accepts a message after a UTF-8 byte order mark', () => {
    assert.deepEqual(looksLikeEmail(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture('lf.eml')])), { ok: true });
  });
});
