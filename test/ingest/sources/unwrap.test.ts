import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, collect, outline, samples, tempDir } from './helpers.ts';

const fixture = (name: string): string => join(FIXTURES, name);

describe('ARF report (RFC 5965)', () => {
  it('is always unwrapped: the report as wrapper, then the reported message as sample', async () => {
    const events = await collect(fixture('arf-report.eml'), { unwrapForwards: false });
    assert.deepEqual(outline(events), [
      'wrapper arf-report.eml',
      'sample arf-report.eml/rfc822[1]',
      'file arf-report.eml',
    ]);
    const wrapper = events[0];
    assert.equal(wrapper?.type === 'wrapper' && wrapper.kind, 'arf');
    assert.deepEqual(wrapper?.type === 'wrapper' && wrapper.bytes, readFileSync(fixture('arf-report.eml')));
    const [sample] = samples(events);
    assert.equal(sample?.wrapperLocator, 'arf-report.eml');
    assert.equal(sample?.envelopeSender, 'somespammer@example.net'); // Original-Mail-From
    const text = sample?.bytes.toString() ?? '';
    assert.ok(text.startsWith('Received: from mailserver.example.net\n'));
    // The part ends before the line break that belongs to the closing delimiter.
    assert.ok(text.endsWith('\n\nSpam Spam Spam\nSpam Spam Spam\nSpam Spam Spam\nSpam Spam Spam\n'));
    assert.ok(!text.includes('part1_13d'));
  });

  it('unwraps a text/rfc822-headers report inside an mbox, locator under the entry', async () => {
    const dir = tempDir();
    const report = readFileSync(fixture('arf-report.eml'), 'latin1')
      .replace('Content-Type: message/rfc822', 'Content-Type: text/rfc822-headers')
      .replace(/\nSpam Spam Spam\n(Spam Spam Spam\n)+/, '');
    writeFileSync(
      join(dir, 'reports.mbox'),
      `From fbl@feedback.example.net Fri Nov 18 13:03:10 2005\n${report}\n`,
      'latin1',
    );
    const events = await collect(join(dir, 'reports.mbox'));
    assert.deepEqual(outline(events), [
      'wrapper reports.mbox#1',
      'sample reports.mbox#1/rfc822[1]',
      'file reports.mbox',
    ]);
    assert.match(
      samples(events)[0]?.bytes.toString() ?? '',
      /^Received: [^]*Date: Thu, 17 Nov 2005 10:21:17 \+0000\n$/,
    );
  });

  it('leaves a report whose multipart is malformed (no boundary) as a sample', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'broken.eml'),
      readFileSync(fixture('arf-report.eml'), 'latin1').replace(/;\n\tboundary="[^"]*"/, ''),
      'latin1',
    );
    const events = await collect(join(dir, 'broken.eml'));
    assert.deepEqual(outline(events), ['sample broken.eml', 'file broken.eml']);
  });
});

describe('forwarded messages (message/rfc822 attachments)', () => {
  it('are unwrapped when unwrapForwards is true: one sample per attached message', async () => {
    const events = await collect(fixture('forward-as-attachment.eml'), { unwrapForwards: true });
    assert.deepEqual(outline(events), [
      'wrapper forward-as-attachment.eml',
      'sample forward-as-attachment.eml/rfc822[1]',
      'sample forward-as-attachment.eml/rfc822[2]',
      'file forward-as-attachment.eml',
    ]);
    assert.equal(events[0]?.type === 'wrapper' && events[0].kind, 'forward');
    const [first, second] = samples(events);
    assert.match(first?.bytes.toString() ?? '', /^Return-Path: <x123@hotmail.example>\n[^]*\n\nBuy cheap meds now.\n$/);
    assert.match(
      second?.bytes.toString() ?? '',
      /^Return-Path: <x124@hotmail.example>\n[^]*\n\nBuy cheaper meds now.\n$/,
    );
    assert.equal(first?.wrapperLocator, 'forward-as-attachment.eml');
    assert.equal(first?.envelopeSender, null);
  });

  it('stay one sample when unwrapForwards is false (spam that carries an attachment)', async () => {
    const events = await collect(fixture('forward-as-attachment.eml'), { unwrapForwards: false });
    assert.deepEqual(outline(events), ['sample forward-as-attachment.eml', 'file forward-as-attachment.eml']);
    assert.deepEqual(samples(events)[0]?.bytes, readFileSync(fixture('forward-as-attachment.eml')));
  });

  it('decode a base64-encoded message/rfc822 part nested in multipart/mixed', async () => {
    const events = await collect(fixture('forward-base64.eml'), { unwrapForwards: true });
    assert.deepEqual(outline(events), [
      'wrapper forward-base64.eml',
      'sample forward-base64.eml/rfc822[1]',
      'file forward-base64.eml',
    ]);
    assert.deepEqual(samples(events)[0]?.bytes, readFileSync(fixture('inner-casino.eml')));
  });

  it('decode a quoted-printable message/rfc822 part', async () => {
    const dir = tempDir();
    const message =
      'From: bob@plaintiff.example\nSubject: Fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n' +
      '--b1\nContent-Type: Message/Rfc822\nContent-Transfer-Encoding: quoted-printable\n\n' +
      'Subject: =3D?utf-8?q?Gagn=3DC3=3DA9?=3D\n\nUn tr=C3=A8s long texte qui continue =\nsur la ligne suivante.\n--b1--\n';
    writeFileSync(join(dir, 'qp.eml'), message);
    const events = await collect(join(dir, 'qp.eml'), { unwrapForwards: true });
    assert.equal(
      samples(events)[0]?.bytes.toString(),
      'Subject: =?utf-8?q?Gagn=C3=A9?=\n\nUn très long texte qui continue sur la ligne suivante.',
    );
  });
});

describe('bounces (DSN, RFC 3464)', () => {
  it('give the returned message as sample when unwrapForwards is true', async () => {
    const events = await collect(fixture('dsn-bounce.eml'), { unwrapForwards: true });
    assert.deepEqual(outline(events), [
      'wrapper dsn-bounce.eml',
      'sample dsn-bounce.eml/rfc822[1]',
      'file dsn-bounce.eml',
    ]);
    assert.equal(events[0]?.type === 'wrapper' && events[0].kind, 'bounce');
    assert.match(
      samples(events)[0]?.bytes.toString() ?? '',
      /^Received: from \[198\.51\.100\.9\][^]*Replicas at half price\.\n$/,
    );
  });

  it('stay one sample when unwrapForwards is false', async () => {
    const events = await collect(fixture('dsn-bounce.eml'), { unwrapForwards: false });
    assert.deepEqual(outline(events), ['sample dsn-bounce.eml', 'file dsn-bounce.eml']);
  });

  it('are unwrapped for a bounce acquisition (unwrapBounces), where a forward is not', async () => {
    const options = { unwrapForwards: false, unwrapBounces: true };
    assert.deepEqual(outline(await collect(fixture('dsn-bounce.eml'), options)), [
      'wrapper dsn-bounce.eml',
      'sample dsn-bounce.eml/rfc822[1]',
      'file dsn-bounce.eml',
    ]);
    assert.deepEqual(outline(await collect(fixture('forward-as-attachment.eml'), options)), [
      'sample forward-as-attachment.eml',
      'file forward-as-attachment.eml',
    ]);
  });

  it('only when structurally a report: "Undeliverable:" with an attached message stays one sample', async () => {
    const options = { unwrapForwards: false, unwrapBounces: true };
    assert.deepEqual(outline(await collect(fixture('fake-bounce.eml'), options)), [
      'sample fake-bounce.eml',
      'file fake-bounce.eml',
    ]);
  });

  it('a multipart/report without its machine-readable part stays one sample, whatever is unwrapped', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'no-status.eml'),
      readFileSync(fixture('dsn-bounce.eml'), 'latin1').replace(
        'Content-Type: message/delivery-status',
        'Content-Type: text/plain',
      ),
      'latin1',
    );
    writeFileSync(
      join(dir, 'no-feedback.eml'),
      readFileSync(fixture('arf-report.eml'), 'latin1').replace(
        'Content-Type: message/feedback-report',
        'Content-Type: text/plain',
      ),
      'latin1',
    );
    for (const unwrapForwards of [false, true]) {
      assert.deepEqual(
        outline(await collect(dir, { unwrapForwards, unwrapBounces: true })).filter((e) => !e.startsWith('file')),
        ['sample no-feedback.eml', 'sample no-status.eml'],
      );
    }
  });
});
