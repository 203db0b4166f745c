/** The whole SpamAssassin corpus (6,046 real spam and ham messages) through parseHeaders. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { looksLikeEmail, normalizedBodyHash, parseHeaders } from '../../../server/mail/headers/index.ts';
import { CORPUS_GROUPS, corpusFiles, corpusMessage, stripMboxFromLine } from './load-samples.ts';

describe('SpamAssassin corpus', () => {
  it('parses every spam and ham message without throwing, each looking like an email', () => {
    let count = 0;
    for (const group of CORPUS_GROUPS) {
      for (const file of corpusFiles(group)) {
        const raw = stripMboxFromLine(fs.readFileSync(file));
        assert.deepEqual(looksLikeEmail(raw), { ok: true }, file);
        const p = parseHeaders(raw);
        assert.ok(p.fields.length > 0, file);
        assert.ok(p.bodyOffset > 0 && p.bodyOffset <= raw.length, file);
        assert.match(normalizedBodyHash(raw, p.bodyOffset), /^[0-9a-f]{64}$/);
        count++;
      }
    }
    assert.equal(count, 6046);
  });

  it('reads spam-1/00001: Message-ID, Subject, From, envelope, Date with a -1600 zone', () => {
    const p = parseHeaders(corpusMessage('spam-1', '00001'));
    assert.equal(p.messageId, '0103c1042001882DD_IT7@dd_it7');
    assert.equal(p.subject, 'Life Insurance - Why Pay More?');
    assert.deepEqual(p.from, [{ address: '12a1mailbot1@web.de', name: '' }]);
    assert.deepEqual(p.to, [{ address: 'dcek1a1@netsgo.com', name: '' }]);
    assert.equal(p.returnPath, '12a1mailbot1@web.de');
    assert.deepEqual(p.deliveredTo, ['zzzz@localhost.spamassassin.taint.org']);
    assert.equal(p.dateRaw, 'Wed, 21 Aug 2002 20:31:57 -1600');
    assert.equal(p.date, '2002-08-22T12:31:57.000Z');
    assert.equal(p.received.length, 4);
    assert.equal(p.fields.length, 14);
    assert.equal(p.bodyOffset, 1011);
    assert.deepEqual(p.problems, []);
  });

  it('reads spam-2/00080: a From with two "@" and a Sender that differs', () => {
    const p = parseHeaders(corpusMessage('spam-2', '00080'));
    assert.deepEqual(p.from, [{ address: 'ndtuftrzzsglsvnz@uksyz@21cn.com', name: '' }]);
    assert.deepEqual(p.sender, [{ address: 'Otto191@earthlink.net', name: '' }]);
    assert.equal(p.messageId, 'B0000163834@mail.yj.co.kr');
    assert.equal(p.date, '2001-07-28T03:07:43.000Z');
  });

  it('reads spam-2/00208: a quoted local part holding "@"', () => {
    const p = parseHeaders(corpusMessage('spam-2', '00208'));
    assert.deepEqual(p.from, [{ address: '"salestoner@bol.com.br"@dogma.slashnull.org', name: '' }]);
    assert.equal(p.returnPath, 'salestoner@bol.com.br');
  });

  it('reads spam-2/00030: From "" <> has no address, Return-Path <> is the null sender', () => {
    const p = parseHeaders(corpusMessage('spam-2', '00030'));
    assert.deepEqual(p.from, []);
    assert.equal(p.returnPath, '');
    assert.deepEqual(p.problems, ['no address in From']);
  });

  it('reads spam-2/00712: no Message-ID, a repeated Return-Path', () => {
    const p = parseHeaders(corpusMessage('spam-2', '00712'));
    assert.equal(p.messageId, null);
    assert.deepEqual(p.from, [{ address: 'hdtrade@dreamwiz.com', name: 'Paul smith' }]);
    assert.deepEqual(p.problems, ['repeated Return-Path header', 'no Message-ID']);
  });

  it('reads spam-1/00068: a Date that does not parse stays raw', () => {
    const p = parseHeaders(corpusMessage('spam-1', '00068'));
    assert.equal(p.date, null);
    assert.equal(p.dateRaw, 'Sun, 25 Aug 2002 19:21:44 01800');
    assert.equal(p.to.length, 7);
    assert.equal(p.cc.length, 6);
    assert.deepEqual(p.problems, ['unparseable Date']);
  });

  it('reads spam-1/00082: X-Originating-IP', () => {
    assert.deepEqual(parseHeaders(corpusMessage('spam-1', '00082')).xOriginatingIp, ['208.164.180.11']);
  });

  it('reads hard-ham-1/00039: ISO-2022-JP encoded words in Subject and display name', () => {
    const p = parseHeaders(corpusMessage('hard-ham-1', '00039'));
    assert.equal(p.subject, '日本語の件名（サブジェクト）　スパムメールではありません！');
    assert.deepEqual(p.from, [{ address: 'hito@opentext.com', name: '伊東 仁' }]);
  });

  it('reads easy-ham-1/02026: a raw latin1 "£" in the Subject', () => {
    const p = parseHeaders(corpusMessage('easy-ham-1', '02026'));
    assert.equal(p.subject, 'Gambler wins £7,000 - and spends it all on horse shiat');
    assert.deepEqual(p.problems, ['8-bit bytes in header', '8-bit header bytes that are not UTF-8 (read as latin1)']);
  });

  it('reads easy-ham-2/00001 (a file with no mbox "From " line): two Delivered-To, topmost first', () => {
    const p = parseHeaders(corpusMessage('easy-ham-2', '00001'));
    assert.deepEqual(p.deliveredTo, ['yyyy@localhost.netnoteinc.com', 'exmh-workers@listman.spamassassin.taint.org']);
    assert.deepEqual(p.from, [{ address: 'kre@munnari.oz.au', name: 'Robert Elz' }]);
    assert.equal(p.received.length, 10);
  });
});
