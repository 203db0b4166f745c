import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCharset } from '../../server/mail/text/charset.ts';
import { extractBodyText } from '../../server/mail/text/body-text.ts';
import { decodeEntities, htmlToText } from '../../server/mail/text/html-text.ts';
import { registrableDomain, urlHost } from '../../server/campaigns/normalize/registrable-domain.ts';
import { isHashBusterLine, maskToken, tokenize } from '../../server/campaigns/normalize/mask.ts';
import { normalizeContent, normalizeText, ownText } from '../../server/campaigns/normalize/content.ts';

const eml = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');

test('charsets: latin1, windows-1252, KOI8-R and Shift_JIS decode; UTF-7 and unknown labels read as latin1', () => {
  assert.equal(decodeCharset(Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'iso-8859-1'), 'café');
  assert.equal(decodeCharset(Buffer.from([0x80]), 'windows-1252'), '€');
  assert.equal(decodeCharset(Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), 'koi8-r'), 'Привет');
  assert.equal(decodeCharset(Buffer.from([0x82, 0xa0]), 'shift_jis'), 'あ');
  assert.equal(decodeCharset(Buffer.from('+ADw-script+AD4-', 'latin1'), 'utf-7'), '+ADw-script+AD4-');
  assert.equal(decodeCharset(Buffer.from([0xe9]), 'x-no-such-charset'), 'é');
  assert.equal(decodeCharset(Buffer.from([0x41]), '"UTF-8"'), 'A');
});

test('body text: multipart/alternative with quoted-printable plain and base64 html parts, attachment skipped', () => {
  const html = Buffer.from('<p>Caf\u00e9 offer</p>', 'utf8').toString('base64');
  const raw = eml(
    'From: a@b.c\nSubject: x\nContent-Type: multipart/mixed; boundary="outer"\n\n--outer\nContent-Type: multipart/alternative; boundary=inner\n\n' +
      '--inner\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 of=\nfer\n' +
      `--inner\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n${html}\n--inner--\n` +
      '--outer\nContent-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\nsecret attachment\n--outer--\n',
  );
  const body = extractBodyText(raw);
  assert.deepEqual(
    body.plain.map((t) => t.trim()),
    ['Café offer'],
  );
  assert.deepEqual(body.html, ['<p>Café offer</p>']);
});

test('body text: a message without Content-Type is text/plain; a binary part is skipped', () => {
  assert.deepEqual(extractBodyText(eml('Subject: x\n\nhello there\n')).plain, ['hello there\r\n']);
  assert.deepEqual(extractBodyText(eml('Content-Type: image/gif\n\nGIF89a')), { plain: [], html: [] });
});

test('body text: hostile input is bounded (deep nesting, thousands of parts, 20 MB of base64)', () => {
  let nested = 'Content-Type: multipart/mixed; boundary=b0\n\n';
  for (let d = 1; d < 200; d++) nested += `--b${d - 1}\nContent-Type: multipart/mixed; boundary=b${d}\n\n`;
  nested += '--b199\nContent-Type: text/plain\n\ndeep\n';
  assert.deepEqual(extractBodyText(eml(nested)).plain, []);
  const many =
    'Content-Type: multipart/mixed; boundary=x\n\n' +
    '--x\nContent-Type: text/plain\n\nword\n'.repeat(5000) +
    '--x--\n';
  assert.ok(extractBodyText(eml(many)).plain.length <= 32);
  const big = Buffer.concat([
    Buffer.from('Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n'),
    Buffer.alloc(20 * 1024 * 1024, 0x41),
  ]);
  const t0 = performance.now();
  const text = extractBodyText(big).plain.join('');
  assert.ok(text.length <= 128 * 1024);
  assert.ok(performance.now() - t0 < 2000, 'bounded work');
});

test('HTML: tags, comments, script and style removed, entities decoded, link targets kept', () => {
  const h = htmlToText(
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><html><head><title>t</title><style>p{}</style></head><body><script>alert(1)</script><!-- 8f7s6d --><p>Caf&eacute; &amp; &#x263A; &#8364;5</p><a href="http://x.example.com/a?b=1&amp;c=2">click</a><img src=\'http://img.example.net/i.gif\'></body></html>',
  );
  assert.equal(h.text.replace(/\s+/g, ' ').trim(), 'Café & ☺ €5 click');
  assert.deepEqual(h.links, ['http://x.example.com/a?b=1&c=2', 'http://img.example.net/i.gif']);
  assert.equal(decodeEntities('&bogus; &#0; &#xD800;'), '&bogus;    ');
  assert.equal(htmlToText('<scr<script>ipt>x').text.includes('<'), false);
});

test('registrable domain: subdomains and ports dropped, two-level country registries kept, IPs whole', () => {
  assert.equal(registrableDomain('click.mail.Example.COM.'), 'example.com');
  assert.equal(registrableDomain('a.b.example.co.uk'), 'example.co.uk');
  assert.equal(registrableDomain('shop.example.com.br'), 'example.com.br');
  assert.equal(registrableDomain('www.example.de'), 'example.de');
  assert.equal(registrableDomain('192.168.10.20'), '192.168.10.20');
  assert.equal(urlHost('http://user@Promo.Example.com:8080/x'), 'promo.example.com');
  assert.equal(urlHost('www.example.org/path'), 'www.example.org');
  assert.equal(urlHost('not a url'), null);
});

test('masking: numbers, mixed letters and digits, long runs and vowel-less runs; real words kept', () => {
  assert.deepEqual(['2006', 'x7', 'k3x9q21', 'a'.repeat(25), 'xkqzvbrtp', 'viagra', 'rendez', 'été'].map(maskToken), [
    '#',
    '#',
    '*',
    '*',
    '*',
    'viagra',
    'rendez',
    'été',
  ]);
  assert.deepEqual(tokenize('Hello, WORLD! Été 2006 ☺ 北京'), ['hello', 'world', 'été', '2006', '北京']);
  assert.equal(isHashBusterLine(['*', 'plume']), true);
  assert.equal(isHashBusterLine(['buy', 'now', '#']), false);
  assert.equal(
    isHashBusterLine(['*', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']),
    false,
    'prose with one random token is kept',
  );
});

test('normalized text: case folded, whitespace collapsed, links reduced to their domain, hash-buster lines dropped', () => {
  const domains = new Set<string>();
  const tokens = normalizeText(
    'BUY   Cheap\tMeds now!!\nVisit http://x7k.pharma-deals.com/r/8s7d?id=99 or mail sales@mx.pharma-deals.com\nqz8x7w6v5u4t3s plume\nOrder 3 boxes',
    domains,
  );
  assert.deepEqual(tokens, [
    'buy',
    'cheap',
    'meds',
    'now',
    'visit',
    'pharma-deals.com',
    'or',
    'mail',
    'pharma-deals.com',
    'order',
    '#',
    'boxes',
  ]);
  assert.deepEqual([...domains], ['pharma-deals.com']);
});

test('normalized content: the text and HTML forms of one mail give the same body tokens; the subject is masked', () => {
  const text = eml(
    'Subject: Win 500 EUR now\nContent-Type: text/plain\n\nDear Marie,\nYou won a prize. Claim it at http://a1.win-big.com/x now.\n',
  );
  const html = eml(
    'Subject: Win 800 EUR now\nContent-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n<p>Dear Marie,</p>\n<p>You won a prize. Claim it at http://zz.win-big.com/y now.</p>=\n\n',
  );
  const a = normalizeContent(text, 'Win 500 EUR now');
  const b = normalizeContent(html, 'Win 800 EUR now');
  assert.deepEqual(a.body, b.body);
  assert.deepEqual(a.subject, ['win', '#', 'eur', 'now']);
  assert.deepEqual(a.subject, b.subject);
  assert.deepEqual(a.domains, ['win-big.com']);
});

test('a reply is compared by its own words: quoted lines ("> ", Supercite "RH> ") and the signature are left out', () => {
  // Two real-shaped replies from SpamAssassin's easy-ham (the FoRK list): each quotes the other.
  const first = eml(
    'Subject: Re: politics\nContent-Type: text/plain\n\nGregory wrote:\n\n>The problem is that politics have gotten so muddied\n>nowadays, that shouting down rallies has become common.\n\nWhat a load of crap. Politics are somehow more muddy now?\n\nOwen\n-- \nOwen Byrne, http://www.example.org/\n',
  );
  const second = eml(
    'Subject: Re: politics\nContent-Type: text/plain\n\nOwen Byrne wrote:\n\n> What a load of crap. Politics are somehow more muddy now?\nRH> Owen\n\nIt is an observation, not a judgement.\nGreg\n',
  );
  assert.deepEqual(normalizeContent(first, 'Re: politics').body, [
    'gregory',
    'wrote',
    'what',
    'a',
    'load',
    'of',
    'crap',
    'politics',
    'are',
    'somehow',
    'more',
    'muddy',
    'now',
    'owen',
  ]);
  assert.deepEqual(normalizeContent(second, 'Re: politics').body, [
    'owen',
    'byrne',
    'wrote',
    'it',
    'is',
    'an',
    'observation',
    'not',
    'a',
    'judgement',
    'greg',
  ]);
  // Nothing but quotes (a spam dressed as a reply): kept whole, so it still has content to compare.
  assert.equal(
    ownText('> Buy cheap pills\n> at http://pills.example/\n'),
    '> Buy cheap pills\n> at http://pills.example/\n',
  );
  // Text with no quote and no signature is returned as it is; "x > y" inside a line is not a quote.
  assert.equal(ownText('Price 5 > 3 today\nsee you'), 'Price 5 > 3 today\nsee you');
});

test('the fingerprint fast path gives the same tokens as the readable path, on 300 real SpamAssassin spams', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { DEFAULT_TEMPLATE_DIR } = await import('../corpus/templates.ts');
  const { contentHashes } = await import('../../server/campaigns/normalize/token-hashes.ts');
  const { fnv1a } = await import('../../server/campaigns/features.ts');
  const { parseHeaders } = await import('../../server/mail/headers/index.ts');
  const dir = join(DEFAULT_TEMPLATE_DIR, 'spam-2');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .slice(0, 300);
  let tokens = 0;
  for (const f of files) {
    const raw = readFileSync(join(dir, f));
    const subject = parseHeaders(raw).subject;
    const slow = normalizeContent(raw, subject);
    const fast = contentHashes(raw, subject);
    assert.deepEqual(fast.body, slow.body.map(fnv1a), f);
    assert.deepEqual(fast.domains, slow.domains, f);
    assert.deepEqual(fast.subject, slow.subject, f);
    tokens += slow.body.length;
  }
  assert.ok(tokens > 30000, `${tokens} tokens compared`);
});
