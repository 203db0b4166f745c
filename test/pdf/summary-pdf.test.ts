/**
 * The PDF summary of a real case (generated corpus with known truth, ingested by two plaintiffs),
 * read back with outside tools: every figure in pdftotext's output equals the report JSON, in
 * English and in French; qpdf --check passes; no page is blank; no word leaves the margins; the
 * same data renders to the same bytes.
 */
import assert from 'node:assert/strict';
import { storageTest } from '../helpers/databases.ts';
import { caseReport } from '../../server/report/counts.ts';
import { gatherSummaryData } from '../../server/pdf/gather.ts';
import { renderSummaryPdf } from '../../server/pdf/render.ts';
import { loadPdfTemplate } from '../../server/pdf/template.ts';
import type { Lang } from '../../server/pdf/types.ts';
import { flat, fmt, ingestTwoPlaintiffs } from './case-fixture.ts';
import { outlineTitles, pageInk, pdfInfo, pdfText, pdfWords, qpdfCheck } from './pdf-readers.ts';

const LABELS: Record<Lang, Record<string, string>> = {
  en: {
    acquisitions: 'Acquisitions',
    samples: 'Samples (as harvested)',
    exactDuplicates: 'Exact duplicates',
    items: 'Items (unique bytes)',
    messages: 'Messages',
    deliveries: 'Deliveries',
    deliveriesWithUnknownRecipient: 'Deliveries with unknown recipient',
    accounts: 'Sender accounts',
    rejected: 'Rejected inputs (not email)',
    parseErrors: 'Items with a parse error',
  },
  fr: {
    acquisitions: 'Collectes',
    samples: 'Échantillons (tels que collectés)',
    exactDuplicates: 'Doublons exacts',
    items: 'Pièces (octets uniques)',
    messages: 'Messages',
    deliveries: 'Remises',
    deliveriesWithUnknownRecipient: 'Remises à destinataire inconnu',
    accounts: 'Comptes expéditeurs',
    rejected: 'Entrées rejetées (pas des courriels)',
    parseErrors: "Pièces avec une erreur d'analyse",
  },
};

storageTest(
  'the PDF summary states every figure of the report, in English and in French, and passes outside checks',
  async (env) => {
    const { caseId, truth } = await ingestTwoPlaintiffs(env);
    const report = await caseReport(env.ctx.db.knex, 'lpn-2006');
    // The report is right to begin with (the corpus knows the truth).
    assert.equal(report.deliveries, truth.deliveries);
    assert.equal(report.samples, truth.samples);

    const data = await gatherSummaryData(env.ctx, caseId, {
      organization: 'Laposte SA',
      jurisdiction: 'Tribunal judiciaire de Paris',
    });
    assert.deepEqual(data.report, report);
    // The timeline counts deliveries per plaintiff exactly as the report does.
    for (const p of report.parties) {
      const series = data.timeline.find((t) => t.party === p.name)!;
      assert.equal(series.days.reduce((a, [, n]) => a + n, 0) + series.undated, p.deliveries, p.name);
    }
    assert.equal(data.accounts?.total, truth.accounts);
    // As of an earlier custody event: its time and hash, and only the events up to it.
    const earlier = await gatherSummaryData(env.ctx, caseId, { asOfSeq: 2 });
    assert.equal(earlier.asOf.seq, 2);
    assert.deepEqual(
      earlier.custody.events.map((e) => e.seq),
      [1, 2],
    );
    assert.equal(earlier.custody.finalHash, earlier.custody.events[1]!.hash);
    await assert.rejects(gatherSummaryData(env.ctx, caseId, { asOfSeq: 999 }), /has no custody event 999/);
    assert.equal(data.accounts?.rows[0]?.deliveries, truth.topAccounts[0]!.deliveries);

    for (const lang of ['en', 'fr'] as const) {
      const pdf = await renderSummaryPdf(data, { lang });
      const again = await renderSummaryPdf(data, { lang });
      assert.ok(pdf.equals(again), `${lang}: two renders of the same data give identical bytes`);

      const check = qpdfCheck(pdf);
      assert.ok(check.ok, check.output);
      assert.match(check.output, /No syntax or stream encoding errors/);

      const info = pdfInfo(pdf);
      const pages = Number(info.Pages);
      assert.ok(pages >= 5, `${lang}: ${pages} pages`);
      assert.equal(info.Author, 'Laposte SA');
      assert.match(info.Title!, /Laposte\.net and MSN Hotmail v\. Does 1-20/);
      assert.equal(
        new Date(info.CreationDate!).toISOString().slice(0, 19),
        data.asOf.at.slice(0, 19),
        'creation date is the custody event the data is as of',
      );

      const text = flat(pdfText(pdf));
      const L = LABELS[lang];
      for (const [key, label] of Object.entries(L)) {
        const value = report[key as keyof typeof report] as number;
        assert.ok(
          text.includes(`${label} ${fmt(lang, value)} `),
          `${lang}: "${label} ${fmt(lang, value)}" in the counts table`,
        );
      }
      if (lang === 'en') {
        assert.ok(
          text.includes(
            `The plaintiffs harvested ${fmt(lang, report.samples)} samples in ${fmt(lang, report.acquisitions)} acquisitions.`,
          ),
        );
        assert.ok(text.includes(`${fmt(lang, report.exactDuplicates)} of them were exact duplicates`));
        assert.ok(
          text.includes(
            `leaving ${fmt(lang, report.items)} items. These items are ${fmt(lang, report.messages)} distinct messages, which reached recipient mailboxes ${fmt(lang, report.deliveries)} times`,
          ),
        );
        assert.ok(text.includes(`dated from ${report.firstDate!.slice(0, 10)} to ${report.lastDate!.slice(0, 10)}`));
        assert.ok(
          text.includes(
            `Case total ${fmt(lang, report.samples)} ${fmt(lang, report.items)} ${fmt(lang, report.deliveries)} ${report.firstDate!.slice(0, 10)} ${report.lastDate!.slice(0, 10)}`,
          ),
        );
      } else {
        assert.ok(
          text.includes(
            `Les demandeurs ont collecté ${fmt(lang, report.samples)} échantillons au cours de ${fmt(lang, report.acquisitions)} collectes.`,
          ),
        );
        assert.ok(
          text.includes(
            `laisse ${fmt(lang, report.items)} pièces. Ces pièces correspondent à ${fmt(lang, report.messages)} messages distincts, remis ${fmt(lang, report.deliveries)} fois`,
          ),
        );
        assert.ok(
          text.includes(
            `Total de l'affaire ${fmt(lang, report.samples)} ${fmt(lang, report.items)} ${fmt(lang, report.deliveries)}`,
          ),
        );
      }
      for (const p of report.parties) {
        assert.ok(
          new RegExp(
            `${p.name.replace('.', '\\.')} ${p.batesPrefix} ${fmt(lang, p.samples)} ${fmt(lang, p.items)} ${fmt(lang, p.deliveries)} \\d{4}-\\d\\d-\\d\\d \\d{4}-\\d\\d-\\d\\d`,
          ).test(text),
          `${lang}: row of ${p.name}`,
        );
      }
      for (const a of data.acquisitions)
        assert.ok(text.includes(a.sourceSha256!), `${lang}: hash of acquisition ${a.id}`);
      for (const a of truth.topAccounts.slice(0, 3))
        assert.ok(text.includes(`${a.address} ${fmt(lang, a.deliveries)} `), `${lang}: top account ${a.address}`);
      assert.ok(text.includes(data.custody.finalHash), 'final custody hash');
      assert.ok(text.includes(lang === 'en' ? 'is intact' : 'elle est intacte'));
      assert.ok(
        text.includes(lang === 'en' ? 'Tribunal judiciaire de Paris' : 'Juridiction : Tribunal judiciaire de Paris'),
      );
      assert.ok(
        text.includes(
          lang === 'en' ? 'Declaration of the custodian of records' : 'Déclaration du gardien des documents',
        ),
      );
      assert.ok(
        text.includes(lang === 'en' ? 'Does 1 through n' : 'X et autres'),
        'no defendants yet: the caption names Does',
      );

      // Absent sections are absent, not empty.
      const titles = outlineTitles(pdf);
      const sectionsEn = [
        '1. Summary',
        '2. Method',
        '3. Accounts and originating IP addresses',
        '4. Campaigns',
        '5. Timeline',
        '7. Chain of custody',
        'Declaration of the custodian of records',
      ];
      const sectionsFr = [
        '1. Synthèse',
        '2. Méthode',
        "3. Comptes et adresses IP d'origine",
        '4. Campagnes',
        '5. Chronologie',
        '7. Chaîne de conservation',
        'Déclaration du gardien des documents',
      ];
      for (const s of lang === 'en' ? sectionsEn : sectionsFr)
        assert.ok(titles.includes(s), `${lang}: bookmark "${s}" in ${JSON.stringify(titles)}`);
      assert.ok(!titles.some((t) => /Damages|Dommages/.test(t)), `${lang}: no damages section without a rule set`);
      // The largest campaign's exemplar is quoted by its Bates number (the full list is campaigns.csv).
      assert.ok(text.includes(data.campaigns!.rows[0]!.exemplar.bates), `${lang}: exemplar of the largest campaign`);

      // Running header and "Page X of Y" on the pages after the caption.
      for (let page = 2; page <= pages; page++) {
        const pageText = flat(pdfText(pdf, page));
        assert.ok(
          pageText.startsWith(' Laposte.net and MSN Hotmail v. Does 1-20') ||
            pageText.startsWith('Laposte.net and MSN Hotmail v. Does 1-20'),
          `${lang} page ${page} header`,
        );
        assert.ok(
          pageText.includes(lang === 'en' ? `Page ${page} of ${pages}` : `Page ${page} sur ${pages}`),
          `${lang} page ${page} footer`,
        );
      }

      const layout = loadPdfTemplate(lang).layout;
      const ink = pageInk(pdf, layout.margins);
      assert.equal(ink.length, pages);
      ink.forEach((share, i) => assert.ok(share > 0.002, `${lang}: page ${i + 1} is not blank (${share})`));

      const { pages: sizes, words } = pdfWords(pdf);
      for (const wd of words) {
        const size = sizes[wd.page - 1]!;
        assert.ok(
          wd.xMin >= layout.margins.left - 1 && wd.xMax <= size.width - layout.margins.right + 1,
          `${lang}: "${wd.text}" on page ${wd.page} is inside the side margins (${wd.xMin}-${wd.xMax})`,
        );
        assert.ok(
          wd.yMin >= 24 && wd.yMax <= size.height - 24,
          `${lang}: "${wd.text}" on page ${wd.page} is on the page (${wd.yMin}-${wd.yMax})`,
        );
      }
    }
  },
  { timeout: 300_000 },
);
