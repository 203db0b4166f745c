/**
 * MIME walking (server/mail/mime/mime-entity.ts) on real structures: a forwarded report's
 * multipart/mixed, CRLF and LF line ends, quoted boundaries with specials, truncated bodies, and
 * hostile input (no blank line, a boundary that prefixes another, a part bomb).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  locateEntity,
  parseContentType,
  readHeaderFields,
  splitMultipart,
} from '../../../server/mail/mime/mime-entity.ts';

const REPORT = [
  'From: abuse-report@laposte.net',
  'Content-Type: multipart/mixed;',
  '\tboundary="----=_Part_1234_5678.1697270000000"',
  'MIME-Version: 1.0',
  '',
  'This is a multi-part message in MIME format.',
  '------=_Part_1234_5678.1697270000000',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Signalement de spam.',
  '------=_Part_1234_5678.1697270000000',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment; filename="spam.eml"',
  '',
  'From: promo@offres.example',
  'Subject: Gagnez',
  '',
  'Cliquez ici.',
  '------=_Part_1234_5678.1697270000000--',
  'epilogue ignored',
].join('\r\n');

const slice = (buf: Buffer, [s, e]: [number, number]) => buf.toString('latin1', s, e);

describe('locateEntity', () => {
  it('splits header and body at the first empty line, CRLF or LF', () => {
    for (const eol of ['\r\n', '\n']) {
      const buf = Buffer.from(`Subject: x${eol}To: a@b.example${eol}${eol}body${eol}`);
      const e = locateEntity(buf, 0, buf.length, 1024);
      assert.equal(buf.toString('latin1', e.bodyStart, e.end), `body${eol}`);
      assert.equal(buf.toString('latin1', e.start, e.headerEnd), `Subject: x${eol}To: a@b.example${eol}`);
    }
  });

  it('gives an empty header when the entity starts with a blank line, and an empty body when no blank line is in reach', () => {
    const bare = Buffer.from('\r\njust a body');
    assert.deepEqual(locateEntity(bare, 0, bare.length, 1024), { start: 0, headerEnd: 0, bodyStart: 2, end: 11 + 2 });
    const noBlank = Buffer.from(`Subject: x\n${'X-Junk: y\n'.repeat(200)}\nbody`);
    const e = locateEntity(noBlank, 0, noBlank.length, 512);
    assert.equal(e.bodyStart, noBlank.length, 'the blank line lies past the limit: no body read');
    assert.equal(e.headerEnd, 512);
  });
});

describe('readHeaderFields', () => {
  it('unfolds the wanted fields, lower-cases their names and keeps the first of a repeat', () => {
    const buf = Buffer.from(REPORT);
    const e = locateEntity(buf, 0, buf.length, 4096);
    const fields = readHeaderFields(buf, e.start, e.headerEnd, new Set(['content-type', 'from']));
    assert.deepEqual(
      [...fields],
      [
        ['from', 'abuse-report@laposte.net'],
        ['content-type', 'multipart/mixed; boundary="----=_Part_1234_5678.1697270000000"'],
      ],
    );
    const twice = Buffer.from('Content-Type: text/html\nCONTENT-TYPE: text/plain\n');
    assert.equal(readHeaderFields(twice, 0, twice.length, new Set(['content-type'])).get('content-type'), 'text/html');
  });
});

describe('parseContentType', () => {
  it('reads type, quoted and plain parameters, comments and escapes', () => {
    const t = parseContentType('Text/HTML (comment); Charset="ISO-8859-1"; format=flowed; name="a \\"b\\".html"');
    assert.equal(t.mimeType, 'text/html');
    assert.deepEqual(
      [...t.params],
      [
        ['charset', 'ISO-8859-1'],
        ['format', 'flowed'],
        ['name', 'a "b".html'],
      ],
    );
  });

  it('keeps a boundary case-sensitive, and refuses a type that is not type/subtype', () => {
    assert.equal(parseContentType('multipart/alternative; BOUNDARY=AbC').params.get('boundary'), 'AbC');
    assert.equal(parseContentType('text').mimeType, '');
    assert.equal(parseContentType('<script>/x').mimeType, '');
    assert.equal(parseContentType(undefined).mimeType, '');
  });
});

describe('splitMultipart', () => {
  const buf = Buffer.from(REPORT);
  const e = locateEntity(buf, 0, buf.length, 4096);
  const boundary = parseContentType(
    readHeaderFields(buf, e.start, e.headerEnd, new Set(['content-type'])).get('content-type'),
  ).params.get('boundary')!;

  it('gives each part without the line break before the next delimiter; preamble and epilogue dropped', () => {
    const parts = splitMultipart(buf, e.bodyStart, e.end, boundary, 32);
    assert.equal(parts.length, 2);
    assert.equal(slice(buf, parts[0]!), 'Content-Type: text/plain; charset=utf-8\r\n\r\nSignalement de spam.');
    assert.match(slice(buf, parts[1]!), /^Content-Type: message\/rfc822\r\n[\s\S]*\r\n\r\nCliquez ici\.$/);
  });

  it('ends the last part of a truncated body at the end, and stops at maxParts', () => {
    const cut = Buffer.from(REPORT.slice(0, REPORT.indexOf('Cliquez ici.') + 7));
    const parts = splitMultipart(cut, e.bodyStart, cut.length, boundary, 32);
    assert.equal(parts.length, 2);
    assert.match(slice(cut, parts[1]!), /Cliquez$/);
    assert.equal(splitMultipart(buf, e.bodyStart, e.end, boundary, 1).length, 1);
    const bomb = Buffer.from(`${'--b\n\n'.repeat(10_000)}--b--\n`);
    assert.equal(splitMultipart(bomb, 0, bomb.length, 'b', 32).length, 32);
  });

  it('does not take a longer boundary that starts with this one, or a delimiter inside a line, as a delimiter', () => {
    const text = 'pre\n--ab\npart one --ab inside\n--abc\nstill one\n--ab--\n';
    const b = Buffer.from(text);
    assert.deepEqual(
      splitMultipart(b, 0, b.length, 'ab', 32).map((p) => slice(b, p)),
      ['part one --ab inside\n--abc\nstill one'],
    );
  });

  it('gives no parts for an empty, over-long or absent boundary', () => {
    assert.deepEqual(splitMultipart(buf, e.bodyStart, e.end, '', 32), []);
    assert.deepEqual(splitMultipart(buf, e.bodyStart, e.end, 'x'.repeat(201), 32), []);
    assert.deepEqual(splitMultipart(buf, e.bodyStart, e.end, 'not-there', 32), []);
  });
});
