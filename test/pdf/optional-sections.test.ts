/**
 * The optional sections (originating IPs, defendants, campaigns, damages, bundle) on top of a real
 * ingested case. Their source parts are built on other branches, so their data is constructed
 * here in the shapes those parts return; hostile campaign subjects (scripts, right-to-left text,
 * emoji, NUL, bidi overrides, a 10,000-character subject) must render safely, and a long table
 * must break across pages with its header repeated.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestEnv } from '../helpers/databases.ts';
import { gatherSummaryData } from '../../server/pdf/gather.ts';
import { renderSummaryPdf } from '../../server/pdf/render.ts';
import { loadPdfTemplate } from '../../server/pdf/template.ts';
import type { SummaryAccountRow, SummaryCampaign, SummaryData } from '../../server/pdf/types.ts';
import { fmt, flat, ingestTwoPlaintiffs } from './case-fixture.ts';
import { outlineTitles, pageInk, pdfInfo, pdfText, pdfWords, qpdfCheck } from './pdf-readers.ts';

const HOSTILE_SUBJECTS = [
  'Привет, лучшие цены на часы',
  'Γειά σου: φθηνά φάρμακα',
  '限时优惠 立即购买',
  'عرض خاص لفترة محدودة',
  'Hot deal 🔥💊 act now 👍🏽',
  'NUL\u0000here <script>alert(1)</script>',
  'invoice\u202Egpj.exe\u202C attached',
  'x'.repeat(10_000),
];

function ipRows(n: number): SummaryAccountRow[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `198.51.${Math.floor(i / 250)}.${i % 250}`,
    deliveries: 10_000 - i,
    messages: 5_000 - i,
    recipients: 900 - (i % 900),
    firstSeen: '2005-12-01T08:00:00.000Z',
    lastSeen: '2006-01-31T20:00:00.000Z',
    evidence: 'received',
    defendant: i % 3 === 0 ? 'Doe 1' : null,
  }));
}

function campaigns(): SummaryCampaign[] {
  return HOSTILE_SUBJECTS.map((subject, i) => ({
    number: i + 1,
    messages: 1000 - i,
    deliveries: 2500 - i,
    accounts: 40 - i,
    firstDate: '2005-12-02T00:00:00.000Z',
    lastDate: '2006-01-30T00:00:00.000Z',
    exemplar: {
      bates: `LPN-${String(i + 1).padStart(7, '0')}`,
      date: '2005-12-02T10:11:12.000Z',
      subject,
      sender: i === 5 ? 'evil\u0000@spam.example' : `sender${i}@hotmail.com`,
      excerpt: i === 7 ? 'y'.repeat(50_000) : `Dear friend,\n${subject}\n\nClick here: http://spam.example/${i}`,
    },
  }));
}

function withSections(data: SummaryData): SummaryData {
  return {
    ...data,
    originatingIps: { total: 4321, rows: ipRows(150), csvName: 'ips.csv' },
    defendants: [
      { name: 'Doe 1', accounts: 12, ips: 3, deliveries: 34_567 },
      { name: 'Doe 2 (زبون)', accounts: 5, ips: 1, deliveries: 890 },
    ],
    attributionMethod: {
      en: ['Accounts are attributed by verified DKIM first, then Return-Path, then header From.'],
      fr: ["Les comptes sont attribués d'abord par DKIM vérifié, puis Return-Path, puis l'en-tête From."],
    },
    campaigns: { total: 57, rows: campaigns(), csvName: 'campaigns.csv' },
    damages: {
      ruleSet: 'can-spam-2003',
      currency: 'USD',
      rows: [
        {
          plaintiff: 'Laposte.net',
          defendant: 'Doe 1',
          violations: 1_234_567,
          low: 123_456_700,
          claimed: 30_864_175_000,
          max: 92_592_525_000,
        },
        {
          plaintiff: 'MSN Hotmail',
          defendant: null,
          violations: 890,
          low: 89_000,
          claimed: 22_250_000,
          max: 66_750_000,
        },
      ],
      totals: { low: 123_545_700, claimed: 30_886_425_000, max: 92_659_275_000 },
      method: {
        en: [
          'Each delivery is one violation. The statutory amount is $25 per violation, trebled for aggravated violations.',
        ],
        fr: [
          'Chaque remise est une infraction. Le montant légal est de 25 $ par infraction, triplé pour les infractions aggravées.',
        ],
      },
    },
    bundle: { identifier: 'spamcase-lpn-2006-export-3', manifestSha256: 'ab'.repeat(32) },
  };
}

test(
  'optional sections render from their data; hostile subjects stay safe; long tables repeat their header',
  { timeout: 300_000 },
  async () => {
    const { env, cleanup } = await createTestEnv('sqlite');
    try {
      const { caseId } = await ingestTwoPlaintiffs(env, 120);
      const base = await gatherSummaryData(env.ctx, caseId, { organization: 'Laposte SA' });
      const data = withSections(base);
      for (const lang of ['en', 'fr'] as const) {
        const pdf = await renderSummaryPdf(data, { lang });
        assert.ok((await renderSummaryPdf(data, { lang })).equals(pdf), 'reproducible with every section');
        const check = qpdfCheck(pdf);
        assert.ok(check.ok, check.output);
        const pages = Number(pdfInfo(pdf).Pages);
        const text = flat(pdfText(pdf));

        // Caption: defendants by name, bundle identifier and tag manifest hash.
        const caption = flat(pdfText(pdf, 1));
        assert.ok(caption.includes('Doe 1') && caption.includes('Doe 2'), 'defendants named on the caption');
        assert.ok(!caption.includes('Does 1 through n') && !caption.includes('X et autres'));
        assert.ok(caption.includes('spamcase-lpn-2006-export-3') && caption.includes('ab'.repeat(32)));

        // Figures of every optional section.
        assert.ok(
          text.includes(
            lang === 'en'
              ? `sent from ${fmt(lang, 4321)} originating IP addresses`
              : `depuis ${fmt(lang, 4321)} adresses IP d'origine`,
          ),
        );
        assert.ok(
          text.includes(lang === 'en' ? `form ${fmt(lang, 57)} campaigns` : `forment ${fmt(lang, 57)} campagnes`),
        );
        assert.ok(text.includes('ips.csv') && text.includes('campaigns.csv'));
        const single = flat(
          pdfText(await renderSummaryPdf({ ...data, campaigns: { ...data.campaigns!, total: 1 } }, { lang })),
        );
        assert.ok(
          single.includes(lang === 'en' ? 'They form one campaign of' : 'Ils forment une campagne au'),
          'one campaign, in the singular',
        );
        assert.ok(
          text.includes(`198.51.0.0 ${fmt(lang, 10_000)} ${fmt(lang, 900)} 2005-12-01 2006-01-31`),
          'first IP row',
        );
        assert.ok(text.includes(`Doe 1 ${fmt(lang, 12)} ${fmt(lang, 3)} ${fmt(lang, 34_567)}`), 'defendant row');
        assert.ok(
          text.includes(lang === 'en' ? 'verified DKIM first' : "d'abord par DKIM vérifié"),
          "attribution's method text, in the document's language, replaces the header-From paragraph",
        );
        assert.ok(
          !text.includes(
            lang === 'en' ? 'distinct addresses of the From header' : "adresses distinctes de l'en-tête From",
          ),
        );
        assert.ok(
          text.includes(lang === 'en' ? 'trebled for aggravated violations' : 'triplé pour les infractions aggravées'),
          "the rule set's method text in the document's language",
        );
        const money =
          lang === 'en'
            ? ['USD 1,234,567.00', 'USD 308,641,750.00', 'USD 926,592,750.00']
            : ['1 234 567,00 USD', '308 641 750,00 USD', '926 592 750,00 USD'];
        for (const m of money)
          assert.ok(
            text.includes(m),
            `${lang}: amount ${m} in ${text.slice(text.indexOf(lang === 'en' ? '6. Damages' : '6. Dommages'), text.indexOf(lang === 'en' ? '6. Damages' : '6. Dommages') + 600)}`,
          );
        const total =
          lang === 'en'
            ? 'Total 1,235,457 USD 1,235,457.00 USD 308,864,250.00 USD 926,592,750.00'
            : 'Total 1 235 457 1 235 457,00 USD 308 864 250,00 USD 926 592 750,00 USD';
        assert.ok(text.includes(total), `${lang}: damages total row "${total}"`);

        // Hostile subjects: every script shows, controls never pass: each is the marker the pages show.
        for (const fragment of ['Привет', 'Γειά', '限时优惠', '🔥', 'LPN-0000008'])
          assert.ok(text.includes(fragment), `${lang}: "${fragment}" is in the text`);
        assert.ok(/[\u0600-\u06FF\uFB50-\uFEFF]{3}/.test(text), 'Arabic letters are in the text');
        assert.ok(
          text.includes('NUL⟦U+0000⟧here <script>alert(1)</script>'),
          'NUL shown as its marker, markup printed as text',
        );
        assert.ok(
          text.includes('invoice⟦U+202E⟧gpj.exe⟦U+202C⟧'),
          'bidi override shown as its marker, text not reordered',
        );
        assert.ok(
          text.includes(
            lang === 'en' ? 'A mark such as ⟦U+202E⟧ in a subject' : 'Une marque telle que ⟦U+202E⟧ dans un objet',
          ),
          `${lang}: the method says what the marker means`,
        );
        const raw = pdfText(pdf);
        // pdftotext itself wraps right-to-left text it extracts in RLE (U+202B) ... PDF (U+202C).
        const bad = /[\u0000-\u0008\u202A\u202D\u202E\u2066-\u2069]/.exec(raw);
        assert.equal(
          bad,
          null,
          `no control or bidi character reaches the PDF text: ${JSON.stringify(bad ? raw.slice(Math.max(0, bad.index - 40), bad.index + 40) : '')}`,
        );
        assert.ok(!text.includes('x'.repeat(400)), 'the 10,000-character subject is cut');

        // The 150 IPs span pages; every page that holds IP rows carries the table header.
        let ipPages = 0;
        for (let page = 1; page <= pages; page++) {
          const pageText = pdfText(pdf, page);
          if (!/^\s*\d+\s+198\.51\./m.test(pageText)) continue;
          ipPages++;
          assert.match(
            pageText,
            lang === 'en'
              ? /No\.\s+Originating IP\s+Deliveries\s+Recipients/
              : /N°\s+IP d'origine\s+Remises\s+Destinataires/,
            `${lang} page ${page} repeats the header: ${pageText.slice(0, 600)}`,
          );
        }
        assert.ok(ipPages >= 2, `the IP table breaks across pages (${ipPages})`);

        const titles = outlineTitles(pdf);
        for (const s of lang === 'en' ? ['4. Campaigns', '6. Damages'] : ['4. Campagnes', '6. Dommages-intérêts'])
          assert.ok(titles.includes(s), `${lang}: bookmark ${s}`);

        const layout = loadPdfTemplate(lang).layout;
        pageInk(pdf, layout.margins).forEach((share, i) =>
          assert.ok(share > 0.002, `${lang}: page ${i + 1} is not blank`),
        );
        const { pages: sizes, words } = pdfWords(pdf);
        for (const wd of words) {
          const size = sizes[wd.page - 1]!;
          assert.ok(
            wd.xMin >= layout.margins.left - 1 && wd.xMax <= size.width - layout.margins.right + 1,
            `${lang}: "${wd.text.slice(0, 40)}" page ${wd.page} inside the margins (${wd.xMin}-${wd.xMax})`,
          );
          assert.ok(
            wd.yMin >= 24 && wd.yMax <= size.height - 24,
            `${lang}: "${wd.text.slice(0, 40)}" page ${wd.page} on the page`,
          );
        }
      }
    } finally {
      await cleanup();
    }
  },
);
