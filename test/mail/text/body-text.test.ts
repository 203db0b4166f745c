/**
 * The readable text of a message (server/mail/text/body-text.ts) from real MIME structures:
 * multipart/alternative with a quoted-printable text part and a base64 HTML part in another
 * charset, attachments and images skipped, and the limits of text/limits.ts against hostile
 * messages (a part bomb, nesting past the depth, 100 MB of base64).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractBodyText } from '../../../server/mail/text/body-text.ts';
import { MAX_DEPTH, MAX_PARTS, MAX_TEXT_CHARS } from '../../../server/mail/text/limits.ts';

const html = '<p>F&eacute;licitations, vous avez gagn&eacute;</p>';
const SPAM = [
  'Received: from [203.0.113.7] by mx.laposte.net; Tue, 14 Oct 2025 09:12:44 +0200',
  'From: promo@offres.example',
  'Subject: Gagnez',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="mixed-1"',
  '',
  '--mixed-1',
  'Content-Type: multipart/alternative; boundary="alt-2"',
  '',
  '--alt-2',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'F=C3=A9licitations, vous avez gagn=C3=A9 un t=C3=A9l=C3=A9phone=',
  ' !',
  '--alt-2',
  'Content-Type: text/html; charset="iso-8859-1"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from(`${html}<p>Caf\xe9 offert</p>`, 'latin1').toString('base64'),
  '--alt-2--',
  '--mixed-1',
  'Content-Type: text/plain; name="conditions.txt"',
  'Content-Disposition: attachment; filename="conditions.txt"',
  '',
  'not content',
  '--mixed-1',
  'Content-Type: image/png',
  'Content-Transfer-Encoding: base64',
  '',
  'iVBORw0KGgo=',
  '--mixed-1--',
  '',
].join('\r\n');

describe('extractBodyText', () => {
  it('decodes the text and HTML parts of a multipart message, skipping attachments and images', () => {
    const t = extractBodyText(Buffer.from(SPAM, 'latin1'));
    assert.deepEqual(t.plain, ['Félicitations, vous avez gagné un téléphone !']);
    assert.deepEqual(t.html, [`${html}<p>Café offert</p>`]);
  });

  it('reads a message without Content-Type as text/plain us-ascii (windows-1252 in practice)', () => {
    const t = extractBodyText(Buffer.from('From: a@b.example\nSubject: x\n\nPrix : 10 \x80\n', 'latin1'));
    assert.deepEqual(t, { plain: ['Prix : 10 €\n'], html: [] });
  });

  it('gives whatever text could be read from broken MIME, never throwing', () => {
    const noBoundary = 'Content-Type: multipart/mixed\n\n--x\n\nlost\n';
    assert.deepEqual(extractBodyText(Buffer.from(noBoundary)), { plain: [], html: [] });
    const truncated = SPAM.slice(0, SPAM.indexOf('un t=C3=A9l'));
    assert.deepEqual(extractBodyText(Buffer.from(truncated)).plain, ['Félicitations, vous avez gagné ']);
    assert.deepEqual(extractBodyText(Buffer.alloc(0)), { plain: [''], html: [] });
  });

  it(`visits at most ${MAX_PARTS} parts and follows multipart nesting at most ${MAX_DEPTH} deep`, () => {
    const bomb = `Content-Type: multipart/mixed; boundary=b\n\n${'--b\nContent-Type: text/plain\n\nx\n'.repeat(5000)}--b--\n`;
    assert.equal(extractBodyText(Buffer.from(bomb)).plain.length, MAX_PARTS - 1, 'the top entity counts as one');
    let nested = 'Content-Type: text/plain\n\ndeep text';
    for (let d = 20; d > 0; d--)
      nested = `Content-Type: multipart/mixed; boundary=n${d}\n\n--n${d}\n${nested}\n--n${d}--`;
    assert.deepEqual(extractBodyText(Buffer.from(nested)).plain, []);
    let shallow = 'Content-Type: text/plain\n\nshallow text';
    for (let d = MAX_DEPTH; d > 0; d--)
      shallow = `Content-Type: multipart/mixed; boundary=n${d}\n\n--n${d}\n${shallow}\n--n${d}--`;
    assert.deepEqual(extractBodyText(Buffer.from(shallow)).plain, ['shallow text']);
  });

  it(`keeps at most ${MAX_TEXT_CHARS} characters of a 100 MB base64 body, quickly`, () => {
    const head = 'From: a@b.example\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    const body = Buffer.alloc(100 * 1024 * 1024, 'QUFBQUFB\r\n');
    const t0 = performance.now();
    const t = extractBodyText(Buffer.concat([Buffer.from(head), body]));
    assert.ok(performance.now() - t0 < 5000);
    assert.equal(t.plain.join('').length, MAX_TEXT_CHARS);
    assert.match(t.plain[0]!, /^A+$/);
  });
});
