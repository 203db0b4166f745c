/**
 * HTML to text (server/mail/text/html-text.ts) on the HTML of real spam templates: tables of
 * tracking links, hidden <style> and <script>, comments that hide hash-busters, character
 * references, and hostile markup (unclosed tags and comments, huge inputs) that must stay linear.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities, htmlToText } from '../../../server/mail/text/html-text.ts';

const TEMPLATE = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><title>Offre</title><style>.x{display:none}</style></head>
<body><!-- 8f3a9c1d hash-buster -->
<table><tr><td><a href="http://track.offres.example/c?u=1&amp;m=8f3a">F&eacute;licitations&nbsp;!</a></td></tr>
<tr><td><img src='http://cdn.offres.example/banner.png' alt=banner></td></tr></table>
<p>Vous avez gagn&#233; &#x20AC;1&nbsp;000<br>Cliquez <A HREF=http://offres.example/r>ici</A></p>
<script>document.write('x')</script><form action="http://phish.example/login"></form>
</body></html>`;

describe('htmlToText', () => {
  it('gives the text a reader sees: head, style, script, comments and declarations dropped, references decoded', () => {
    const { text } = htmlToText(TEMPLATE);
    const words = text.split(/\s+/).filter(Boolean).join(' ');
    assert.equal(words, 'Félicitations ! Vous avez gagné €1 000 Cliquez ici');
    assert.ok(!text.includes('8f3a9c1d'), 'a comment is not text');
    assert.ok(!text.includes('display'), 'nor is a style sheet');
  });

  it('lists link targets in order (href, src, action; any quoting), references decoded', () => {
    assert.deepEqual(htmlToText(TEMPLATE).links, [
      'http://track.offres.example/c?u=1&m=8f3a',
      'http://cdn.offres.example/banner.png',
      'http://offres.example/r',
      'http://phish.example/login',
    ]);
  });

  it('makes block tags line breaks and inline tags spaces', () => {
    assert.equal(htmlToText('<div>un</div><div>deux<b>trois</b></div>').text, '\nun\n\ndeux trois \n');
  });

  it('survives unclosed comments, scripts and tags, and stays fast on a hostile 1 MB page', () => {
    assert.equal(htmlToText('avant <!-- jamais fermé <a href="http://x.example">lien</a>').text.trim(), 'avant');
    assert.equal(htmlToText('texte <script>while(1){}').text.trim(), 'texte');
    assert.deepEqual(htmlToText('<a href="http://x.example/a"').links, ['http://x.example/a']);
    const hostile = '<a href=x '.repeat(100_000) + '<!-- '.repeat(20_000) + '&#'.repeat(50_000);
    const t0 = performance.now();
    htmlToText(hostile);
    assert.ok(performance.now() - t0 < 5000, 'linear in the input');
  });
});

describe('decodeEntities', () => {
  it('decodes named, decimal and hex references, with or without the semicolon', () => {
    assert.equal(decodeEntities('&eacute;t&eacute; &amp; hiver &#8364; &#x20ac &lt;b&gt;'), 'été & hiver € € <b>');
  });

  it('keeps the case of a named letter (&Eacute; is É) and reads legacy capitals (&AMP;) as their lower-case names', () => {
    assert.equal(decodeEntities('&Eacute;T&Eacute; &Agrave; &eacute;t&eacute; &AMP; &LT;b&GT;'), 'ÉTÉ À été & <b>');
  });

  it('keeps unknown names as written and makes out-of-range or surrogate code points a space', () => {
    assert.equal(decodeEntities('&madeup; &#x110000; &#xD800; &#0;'), '&madeup;      ');
  });
});
