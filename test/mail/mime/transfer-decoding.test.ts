/**
 * Content-Transfer-Encoding (server/mail/mime/transfer-decoding.ts) on bodies as spam tools write
 * them: base64 wrapped at 76 with CRLF, quoted-printable with soft breaks and 8-bit bytes, and the
 * broken forms mail readers accept (stray '=', bad hex, junk in base64).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeQuotedPrintable, decodeTransferEncoding } from '../../../server/mail/mime/transfer-decoding.ts';

const TEXT = 'Félicitations ! Vous avez gagné un iPhone 15. Cliquez ici : http://gagnant.example/r?id=8f3a';

describe('decodeTransferEncoding', () => {
  it('decodes base64 wrapped in CRLF lines, whatever the label case and surrounding space', () => {
    const b64 = Buffer.from(TEXT, 'utf8').toString('base64');
    const wrapped = (b64.match(/.{1,76}/g) ?? []).join('\r\n') + '\r\n';
    assert.equal(decodeTransferEncoding(Buffer.from(wrapped), ' Base64 ').toString('utf8'), TEXT);
  });

  it('skips what is not base64 (a spam tool pads with junk) instead of failing', () => {
    const b64 = Buffer.from('Offre limitée', 'utf8').toString('base64');
    const junk = `${b64.slice(0, 8)}\r\n  ***\t${b64.slice(8)}\r\n`;
    assert.equal(decodeTransferEncoding(Buffer.from(junk), 'base64').toString('utf8'), 'Offre limitée');
  });

  it('returns 7bit, 8bit, binary and unknown encodings unchanged, byte for byte', () => {
    const raw = Buffer.from([0x47, 0xe9, 0x0d, 0x0a, 0x00, 0xff]);
    for (const enc of ['7bit', '8bit', 'binary', 'x-uuencode', ''])
      assert.deepEqual(decodeTransferEncoding(raw, enc), raw);
  });
});

describe('decodeQuotedPrintable', () => {
  it('decodes =XX in either case and joins soft line breaks (LF and CRLF)', () => {
    const qp =
      'F=C3=A9licitations ! Vous avez gagn=c3=a9 un iPhone=\r\n 15. Cliquez ici :=\n http://gagnant.example/r?id=3D8f3a';
    assert.equal(
      decodeQuotedPrintable(Buffer.from(qp)).toString('utf8'),
      'Félicitations ! Vous avez gagné un iPhone 15. Cliquez ici : http://gagnant.example/r?id=8f3a',
    );
  });

  it('keeps a stray "=", bad hex and a trailing "=" as written, as readers do', () => {
    assert.equal(decodeQuotedPrintable(Buffer.from('50% =ZZ off =4')).toString('latin1'), '50% =ZZ off =4');
    assert.equal(decodeQuotedPrintable(Buffer.from('fin=')).toString('latin1'), 'fin=');
  });

  it('passes 8-bit bytes through untouched (a body declared QP but written raw)', () => {
    const raw = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x3d, 0x34, 0x31]); // "caf\xe9=41"
    assert.deepEqual(decodeQuotedPrintable(raw), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x41]));
  });
});
