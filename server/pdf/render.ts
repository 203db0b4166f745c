/**
 * renderSummaryPdf: the summary a lawyer attaches to a complaint, from a SummaryData snapshot.
 * Reproducible: the PDF's dates come from the custody event the data is "as of" and pdfkit derives
 * the file ID from the document info, so the same data renders to the same bytes.
 */
import PDFDocument from 'pdfkit';
import { registerFonts } from './fonts.ts';
import { cellText, contentWidth, ensureSpace, paragraph, table, type Column, type Doc } from './draw.ts';
import { chartModel, drawChart } from './chart.ts';
import { isoDay, isoMinute, loadPdfTemplate, Wording, type PdfLayout } from './template.ts';
import { anyHidden, safeLine, safeParagraph, MAX_EXCERPT_CHARS } from './safe-text.ts';
import type { Lang, SummaryData, SummaryTopList } from './types.ts';

/** Campaign exemplars printed in full (the table lists the top campaigns). */
export const MAX_EXEMPLARS = 10;
/** Latest custody events listed one by one (all of them are counted by kind). */
export const CUSTODY_EVENTS_SHOWN = 20;

interface R {
  lang: Lang;
  doc: Doc;
  w: Wording;
  l: PdfLayout;
  data: SummaryData;
  /** The evidence printed holds a control, direction or invisible character: the method says what its marker means. */
  hiddenMarks: boolean;
}

function heading(r: R, title: string, opts: { newPage?: boolean } = {}): void {
  if (opts.newPage) r.doc.addPage();
  else {
    ensureSpace(r.doc, r.l.headingSize * 2 + r.l.bodySize * 6);
    r.doc.y += r.l.bodySize * 0.5;
  }
  r.doc.outline.addItem(title);
  paragraph(r.doc, title, { size: r.l.headingSize, weight: 'bold', color: r.l.accent, gap: r.l.bodySize * 0.4 });
}

function subheading(r: R, title: string): void {
  ensureSpace(r.doc, r.l.bodySize * 8);
  paragraph(r.doc, title, { size: r.l.bodySize + 1, weight: 'bold', gap: r.l.bodySize * 0.3 });
}

function text(
  r: R,
  s: string,
  opts: { align?: 'left' | 'center' | 'justify'; size?: number; weight?: 'regular' | 'bold' | 'mono' } = {},
): void {
  paragraph(r.doc, s, { size: opts.size ?? r.l.bodySize, align: opts.align ?? 'justify', weight: opts.weight });
}

function grid(r: R, columns: Column[], rows: string[][], opts: { boldLastRow?: boolean } = {}): void {
  table(r.doc, columns, rows, { size: r.l.tableSize, rule: r.l.rule, headerFill: r.l.headerFill }, opts);
}

function defendantsLine(r: R): string[] {
  const d = r.data.defendants;
  if (!d || d.length === 0) return [r.w.s('captionDoes')];
  return d.map((x) => safeLine(x.name, 120));
}

function captionPage(r: R): void {
  const { doc, w, l, data } = r;
  doc.addPage();
  doc.outline.addItem(w.s('documentTitle'));
  doc.y = doc.page.margins.top + 40;
  paragraph(doc, safeLine(data.case.title, 200), {
    size: l.titleSize,
    weight: 'bold',
    align: 'center',
    color: l.accent,
    gap: l.bodySize * 1.5,
  });
  paragraph(doc, w.s('captionPlaintiffs'), { size: l.bodySize, weight: 'bold', align: 'center', gap: 2 });
  for (const p of data.plaintiffs)
    paragraph(doc, safeLine(p.name, 120), { size: l.bodySize + 2, align: 'center', gap: 2 });
  doc.y += l.bodySize;
  paragraph(doc, w.s('captionVersus'), { size: l.bodySize + 2, align: 'center', gap: l.bodySize });
  paragraph(doc, w.s('captionDefendants'), { size: l.bodySize, weight: 'bold', align: 'center', gap: 2 });
  for (const d of defendantsLine(r)) paragraph(doc, d, { size: l.bodySize + 2, align: 'center', gap: 2 });
  doc.y += l.bodySize * 2;
  if (data.jurisdiction)
    paragraph(doc, w.s('captionJurisdiction', { jurisdiction: safeLine(data.jurisdiction, 200) }), {
      size: l.bodySize + 1,
      align: 'center',
    });
  doc.y += l.bodySize * 2;
  paragraph(doc, w.s('documentTitle'), { size: l.headingSize + 2, weight: 'bold', align: 'center', gap: l.bodySize });
  paragraph(doc, w.s('captionAsOf', { date: isoMinute(data.asOf.at), seq: data.asOf.seq }), {
    size: l.bodySize,
    align: 'center',
  });
  if (data.organization)
    paragraph(doc, w.s('captionProducedBy', { organization: safeLine(data.organization, 200) }), {
      size: l.bodySize,
      align: 'center',
    });
  paragraph(doc, w.s('captionCase', { slug: data.case.slug }), { size: l.bodySize, align: 'center' });
  doc.y += l.bodySize;
  if (data.bundle) {
    paragraph(doc, w.s('captionBundle', { identifier: safeLine(data.bundle.identifier, 200) }), {
      size: l.bodySize,
      align: 'center',
      gap: 2,
    });
    paragraph(doc, w.s('captionManifest', { hash: '' }), { size: l.bodySize, align: 'center', gap: 2 });
    paragraph(doc, safeLine(data.bundle.manifestSha256, 64), { size: l.bodySize - 1, weight: 'mono', align: 'center' });
    signerFingerprintCaption(r);
  } else {
    paragraph(doc, w.s('captionNoBundle'), { size: l.bodySize, align: 'center' });
  }
}

/** The signer certificate's SHA-256 fingerprint on the cover, in two lines that fit the page. */
function signerFingerprintCaption(r: R): void {
  const { doc, w, l, data } = r;
  const print = data.bundle?.signerFingerprint;
  if (!print) return;
  doc.y += l.bodySize * 0.5;
  paragraph(doc, w.s('captionSignerFingerprint'), { size: l.bodySize, align: 'center', gap: 2 });
  const hex = safeLine(print, 95);
  paragraph(doc, hex.slice(0, 47), { size: l.bodySize - 1, weight: 'mono', align: 'center', gap: 1 });
  paragraph(doc, hex.slice(48), { size: l.bodySize - 1, weight: 'mono', align: 'center' });
}

function summarySection(r: R): void {
  const { w, data } = r;
  const rep = data.report;
  heading(r, w.s('sectionSummary'), { newPage: true });
  const sentences = [
    rep.firstDate
      ? w.s('summarySpan', { first: isoDay(rep.firstDate), last: isoDay(rep.lastDate) })
      : w.s('summaryNoDates'),
    w.s('summaryCounts', {
      samples: w.int(rep.samples),
      acquisitions: w.int(rep.acquisitions),
      exactDuplicates: w.int(rep.exactDuplicates),
      items: w.int(rep.items),
      messages: w.int(rep.messages),
      deliveries: w.int(rep.deliveries),
      unknown: w.int(rep.deliveriesWithUnknownRecipient),
    }),
    w.s('summaryAccounts', { accounts: w.int(data.accounts?.total ?? rep.accounts) }),
  ];
  if (data.originatingIps) sentences.push(w.s('summaryIps', { ips: w.int(data.originatingIps.total) }));
  if (data.campaigns)
    sentences.push(
      data.campaigns.total === 1
        ? w.s('summaryCampaignsOne')
        : w.s('summaryCampaigns', { campaigns: w.int(data.campaigns.total) }),
    );
  if (data.defendants) sentences.push(w.s('summaryDefendants', { defendants: w.int(data.defendants.length) }));
  sentences.push(w.s('summaryRejected', { rejected: w.int(rep.rejected), parseErrors: w.int(rep.parseErrors) }));
  text(r, sentences.join(' '));

  subheading(r, w.s('countsTitle'));
  const rows: Array<[string, number]> = [
    [w.s('rowAcquisitions'), rep.acquisitions],
    [w.s('rowSamples'), rep.samples],
    [w.s('rowExactDuplicates'), rep.exactDuplicates],
    [w.s('rowItems'), rep.items],
    [w.s('rowMessages'), rep.messages],
    [w.s('rowDeliveries'), rep.deliveries],
    [w.s('rowUnknown'), rep.deliveriesWithUnknownRecipient],
    [w.s('rowAccounts'), data.accounts?.total ?? rep.accounts],
  ];
  if (data.originatingIps) rows.push([w.s('rowIps'), data.originatingIps.total]);
  if (data.campaigns) rows.push([w.s('rowCampaigns'), data.campaigns.total]);
  if (data.defendants) rows.push([w.s('rowDefendants'), data.defendants.length]);
  rows.push([w.s('rowRejected'), rep.rejected], [w.s('rowParseErrors'), rep.parseErrors]);
  grid(
    r,
    [
      { header: w.s('colWhat'), share: 0.7 },
      { header: w.s('colCount'), share: 0.3, align: 'right' },
    ],
    rows.map(([k, v]) => [k, w.int(v)]),
  );

  subheading(r, w.s('perPartyTitle'));
  text(r, w.s('summaryPerParty'));
  const span = new Map(
    data.timeline.map((t) => [t.party, t.days.length > 0 ? [t.days[0]![0], t.days[t.days.length - 1]![0]] : ['', '']]),
  );
  const partyRows = rep.parties.map((p) => {
    const s = span.get(p.name) ?? ['', ''];
    return [safeLine(p.name, 120), p.batesPrefix, w.int(p.samples), w.int(p.items), w.int(p.deliveries), s[0]!, s[1]!];
  });
  partyRows.push([
    w.s('rowCaseTotal'),
    '',
    w.int(rep.samples),
    w.int(rep.items),
    w.int(rep.deliveries),
    isoDay(rep.firstDate),
    isoDay(rep.lastDate),
  ]);
  grid(
    r,
    [
      { header: w.s('colPlaintiff'), share: 0.29 },
      { header: w.s('colBates'), share: 0.1 },
      { header: w.s('colSamples'), share: 0.13, align: 'right' },
      { header: w.s('colItems'), share: 0.11, align: 'right' },
      { header: w.s('colDeliveries'), share: 0.13, align: 'right' },
      { header: w.s('colFirst'), share: 0.12, align: 'right' },
      { header: w.s('colLast'), share: 0.12, align: 'right' },
    ],
    partyRows,
    { boldLastRow: true },
  );
}

/** Joint plaintiffs: the party x party table of deliveries both harvested, with each one's exclusive count. */
function overlapSection(r: R): void {
  const { w, data } = r;
  const o = data.report.overlap;
  if (o.parties.length < 2) return;
  subheading(r, w.s('overlapTitle'));
  text(r, w.s('overlapText', { deliveries: w.int(o.caseDeliveries), several: w.int(o.heldBySeveral) }));
  const share = 0.7 / (o.parties.length + 1);
  grid(
    r,
    [
      { header: w.s('colPlaintiff'), share: 0.3 },
      ...o.parties.map((p) => ({ header: safeLine(p.batesPrefix, 16), share, align: 'right' as const })),
      { header: w.s('colExclusive'), share, align: 'right' },
    ],
    o.parties.map((p, i) => [safeLine(p.name, 120), ...o.both[i]!.map((v) => w.int(v)), w.int(p.exclusive)]),
  );
}

function methodSection(r: R): void {
  const { w, data } = r;
  heading(r, w.s('sectionMethod'));
  text(r, w.s('methodAcquisition'));
  text(r, w.s('methodDedup'));
  text(r, w.s('methodDeliveries'));
  for (const p of data.attributionMethod?.[r.lang] ?? [w.s('methodAttribution')]) text(r, safeParagraph(p, 4000));
  if (r.hiddenMarks) text(r, w.s('methodHiddenMarks'));
  if (data.damages) {
    text(r, w.s('methodDamages', { ruleSet: safeLine(data.damages.ruleSet, 120) }));
    for (const p of data.damages.method[r.lang]) text(r, safeParagraph(p, 4000));
  }
  subheading(r, w.s('acquisitionsTitle'));
  if (data.acquisitionsTotal > data.acquisitions.length)
    text(r, w.s('acquisitionsMore', { shown: w.int(data.acquisitions.length), total: w.int(data.acquisitionsTotal) }));
  grid(
    r,
    [
      { header: w.s('colNo'), share: 0.06, align: 'right' },
      { header: w.s('colPlaintiff'), share: 0.17 },
      { header: w.s('colMethod'), share: 0.13 },
      { header: w.s('colOperator'), share: 0.2 },
      { header: w.s('colStarted'), share: 0.2 },
      { header: w.s('colSamples'), share: 0.11, align: 'right' },
      { header: w.s('colNewItems'), share: 0.13, align: 'right' },
    ],
    data.acquisitions.map((a) => [
      String(a.id),
      safeLine(a.party, 120),
      w.name('methodNames', a.method),
      safeLine(a.operator, 120),
      isoMinute(a.startedAt).replace(' UTC', ''),
      w.int(a.samples),
      w.int(a.newItems),
    ]),
  );
  grid(
    r,
    [
      { header: w.s('colNo'), share: 0.06, align: 'right' },
      { header: w.s('colSource'), share: 0.26 },
      { header: w.s('colSha256'), share: 0.68, weight: 'mono' },
    ],
    data.acquisitions.map((a) => [String(a.id), safeLine(a.source, 300), a.sourceSha256 ?? '']),
  );
}

function topList(r: R, list: SummaryTopList, kind: 'accounts' | 'ips'): void {
  const { w } = r;
  subheading(r, w.s(kind === 'accounts' ? 'accountsTitle' : 'ipsTitle'));
  text(
    r,
    w.s(kind === 'accounts' ? 'accountsMore' : 'ipsMore', {
      shown: w.int(list.rows.length),
      total: w.int(list.total),
      csv: list.csvName,
    }),
  );
  const withDefendant = list.rows.some((x) => x.defendant !== null);
  const columns: Column[] = [
    { header: w.s('colNo'), share: 0.05, align: 'right' },
    { header: w.s(kind === 'accounts' ? 'colAccount' : 'colIp'), share: withDefendant ? 0.27 : 0.35 },
    { header: w.s('colDeliveries'), share: 0.11, align: 'right' },
    { header: w.s('colRecipients'), share: 0.13, align: 'right' },
    { header: w.s('colFirstSeen'), share: 0.12, align: 'right' },
    { header: w.s('colLastSeen'), share: 0.12, align: 'right' },
    { header: w.s('colEvidence'), share: 0.12 },
  ];
  if (withDefendant) columns.push({ header: w.s('colDefendant'), share: 0.08 });
  const rows = list.rows.map((x, i) => {
    const row = [
      String(i + 1),
      safeLine(x.key, 200),
      w.int(x.deliveries),
      w.int(x.recipients),
      isoDay(x.firstSeen),
      isoDay(x.lastSeen),
      safeLine(x.evidence, 60),
    ];
    if (withDefendant) row.push(safeLine(x.defendant ?? '', 60));
    return row;
  });
  grid(r, columns, rows);
}

function accountsSection(r: R): void {
  const { w, data } = r;
  if (!data.accounts && !data.originatingIps && !data.defendants && !data.subpoena && !data.logs) return;
  heading(r, w.s('sectionAccounts'));
  if (data.accounts) topList(r, data.accounts, 'accounts');
  if (data.originatingIps) topList(r, data.originatingIps, 'ips');
  if (data.defendants && data.defendants.length > 0) {
    subheading(r, w.s('defendantsTitle'));
    grid(
      r,
      [
        { header: w.s('colName'), share: 0.46 },
        { header: w.s('colAccounts'), share: 0.18, align: 'right' },
        { header: w.s('colIps'), share: 0.18, align: 'right' },
        { header: w.s('colDeliveries'), share: 0.18, align: 'right' },
      ],
      data.defendants.map((d) => [safeLine(d.name, 120), w.int(d.accounts), w.int(d.ips), w.int(d.deliveries)]),
    );
  }
  subpoenaLists(r);
  logsLists(r);
}

/** Inside section 3: what the providers' own mail server logs saw, per account and originating IP. */
function logsLists(r: R): void {
  const { w, data } = r;
  const logs = data.logs;
  if (!logs) return;
  const t = logs.totals;
  subheading(r, w.s('logsTitle'));
  text(
    r,
    w.s('logsSummary', {
      files: w.int(t.logFiles),
      lines: w.int(t.lines),
      unknown: w.int(t.unknownLines),
      attempts: w.int(t.attempts),
      refusedUnknown: w.int(t.refusedUnknownUsers),
      refusedPolicy: w.int(t.refusedPolicy),
      delivered: w.int(t.delivered),
      bounced: w.int(t.bounced),
      matched: w.int(t.matchedSamples),
    }),
  );
  for (const kind of ['accounts', 'ips'] as const) {
    const list = logs[kind];
    if (list.rows.length === 0) continue;
    subheading(
      r,
      w.s(kind === 'accounts' ? 'logsAccountsTitle' : 'logsIpsTitle', {
        shown: w.int(list.rows.length),
        total: w.int(list.total),
      }),
    );
    grid(
      r,
      [
        { header: w.s('colNo'), share: 0.05, align: 'right' },
        { header: w.s(kind === 'accounts' ? 'colAccount' : 'colIp'), share: 0.35 },
        { header: w.s('colAttempts'), share: 0.1, align: 'right' },
        { header: w.s('colRefusedUnknown'), share: 0.1, align: 'right' },
        { header: w.s('colRefusedPolicy'), share: 0.1, align: 'right' },
        { header: w.s('colDelivered'), share: 0.1, align: 'right' },
        { header: w.s('colBounced'), share: 0.1, align: 'right' },
        { header: w.s('colMatched'), share: 0.1, align: 'right' },
      ],
      list.rows.map((x, i) => [
        String(i + 1),
        safeLine(x.key, 200),
        w.int(x.attempts),
        w.int(x.refusedUnknownUsers),
        w.int(x.refusedPolicy),
        w.int(x.delivered),
        w.int(x.bounced),
        w.int(x.matchedSamples),
      ]),
    );
  }
}

/** Inside section 3: whom to subpoena, with the owner data set named (subpoena lists in full in the bundle). */
function subpoenaLists(r: R): void {
  const { w, l, data, doc } = r;
  const s = data.subpoena;
  if (!s) return;
  subheading(r, w.s('subpoenaTitle'));
  paragraph(
    doc,
    w.s('subpoenaNote', {
      ownerData: s.ownerData,
      networksCsv: 'subpoena-networks.csv',
      accountsCsv: 'subpoena-accounts.csv',
    }),
    { size: l.bodySize, gap: l.bodySize * 0.5 },
  );
  if (s.operators.length > 0) {
    paragraph(doc, w.s('subpoenaOperators', { shown: w.int(s.operators.length), total: w.int(s.operatorsTotal) }), {
      size: l.bodySize,
      weight: 'bold',
      gap: 2,
    });
    grid(
      r,
      [
        { header: w.s('colAs'), share: 0.1 },
        { header: w.s('colNetworkOperator'), share: 0.38 },
        { header: w.s('colIps'), share: 0.08, align: 'right' },
        { header: w.s('colDeliveries'), share: 0.12, align: 'right' },
        { header: w.s('colFirstSeen'), share: 0.16 },
        { header: w.s('colLastSeen'), share: 0.16 },
      ],
      s.operators.map((o) => [
        o.asn || '-',
        safeLine(o.name, 80),
        w.int(o.ips),
        w.int(o.deliveries),
        (o.firstSeen ?? '').slice(0, 10),
        (o.lastSeen ?? '').slice(0, 10),
      ]),
    );
  }
  if (s.providers.length > 0) {
    paragraph(doc, w.s('subpoenaProviders', { shown: w.int(s.providers.length), total: w.int(s.providersTotal) }), {
      size: l.bodySize,
      weight: 'bold',
      gap: 2,
    });
    grid(
      r,
      [
        { header: w.s('colProvider'), share: 0.4 },
        { header: w.s('colAccounts'), share: 0.14, align: 'right' },
        { header: w.s('colDeliveries'), share: 0.14, align: 'right' },
        { header: w.s('colFirstSeen'), share: 0.16 },
        { header: w.s('colLastSeen'), share: 0.16 },
      ],
      s.providers.map((p) => [
        safeLine(p.provider, 80),
        w.int(p.accounts),
        w.int(p.deliveries),
        (p.firstSeen ?? '').slice(0, 10),
        (p.lastSeen ?? '').slice(0, 10),
      ]),
    );
  }
}

function campaignsSection(r: R): void {
  const { w, l, data, doc } = r;
  const c = data.campaigns;
  if (!c) return;
  heading(r, w.s('sectionCampaigns'));
  text(r, w.s('campaignsIntro', { shown: w.int(c.rows.length), total: w.int(c.total), csv: c.csvName }));
  grid(
    r,
    [
      { header: w.s('colCampaign'), share: 0.1, align: 'right' },
      { header: w.s('colMessages'), share: 0.12, align: 'right' },
      { header: w.s('colDeliveries'), share: 0.12, align: 'right' },
      { header: w.s('colAccounts'), share: 0.1, align: 'right' },
      { header: w.s('colFirst'), share: 0.11, align: 'right' },
      { header: w.s('colLast'), share: 0.11, align: 'right' },
      { header: w.s('exemplarSubject', { subject: '' }).replace(/[:\s]+$/, ''), share: 0.34 },
    ],
    c.rows.map((x) => [
      String(x.number),
      w.int(x.messages),
      w.int(x.deliveries),
      w.int(x.accounts),
      isoDay(x.firstDate),
      isoDay(x.lastDate),
      safeLine(x.exemplar.subject, 200),
    ]),
  );
  for (const x of c.rows.slice(0, MAX_EXEMPLARS)) {
    ensureSpace(doc, l.bodySize * 9);
    paragraph(doc, w.s('exemplarTitle', { number: x.number, bates: safeLine(x.exemplar.bates, 40) }), {
      size: l.bodySize,
      weight: 'bold',
      gap: 2,
    });
    paragraph(
      doc,
      w.s('exemplarLine', {
        date: isoMinute(x.exemplar.date) || w.s('none'),
        sender: safeLine(x.exemplar.sender, 200) || w.s('none'),
      }),
      { size: l.bodySize - 1, gap: 2 },
    );
    paragraph(doc, w.s('exemplarSubject', { subject: safeLine(x.exemplar.subject, 300) || w.s('none') }), {
      size: l.bodySize - 1,
      gap: 2,
    });
    const excerpt = safeParagraph(x.exemplar.excerpt, MAX_EXCERPT_CHARS);
    if (excerpt) {
      paragraph(doc, w.s('exemplarExcerpt'), { size: l.bodySize - 1, gap: 1 });
      paragraph(doc, excerpt, { size: l.smallSize + 1, indent: 12, color: '#333333' });
    }
  }
}

function timelineSection(r: R): void {
  const { w, l, data, doc } = r;
  heading(r, w.s('sectionTimeline'));
  const model = chartModel(data.timeline);
  if (!model) text(r, w.s('timelineEmpty'));
  else {
    text(r, model.bucketDays === 1 ? w.s('timelineIntro') : w.s('timelineBucket', { days: model.bucketDays }));
    ensureSpace(doc, l.chartHeight);
    drawChart(
      doc,
      { ...model, series: model.series.map((s) => ({ ...s, party: safeLine(s.party, 80) })) },
      {
        height: l.chartHeight,
        size: l.smallSize,
        colors: l.seriesColors,
        rule: l.rule,
        axisLabel: w.s('axisDeliveries'),
        formatInt: (n) => w.int(n),
      },
    );
  }
  for (const s of data.timeline)
    if (s.undated > 0) text(r, w.s('timelineUndated', { undated: w.int(s.undated), party: safeLine(s.party, 120) }));
}

function damagesSection(r: R): void {
  const { w, data } = r;
  const d = data.damages;
  if (!d) return;
  heading(r, w.s('sectionDamages'));
  text(r, w.s('damagesIntro', { ruleSet: safeLine(d.ruleSet, 120) }));
  const m = (n: number) => w.money(n, d.currency);
  const shareText = (f: { numerator: number; denominator: number }) => {
    const whole = Math.floor(f.numerator / f.denominator);
    const rest = f.numerator % f.denominator;
    return rest === 0 ? w.int(whole) : `${whole === 0 ? '' : `${w.int(whole)} `}${rest}/${f.denominator}`;
  };
  // A rule set counting logged attempts gets their column, after the violations (harvested deliveries).
  const attempts = d.attempts === true;
  const rows = d.rows.map((x) => [
    safeLine(x.plaintiff, 80),
    x.defendant === null ? w.s('ungrouped') : safeLine(x.defendant, 80),
    x.violationsShare ? shareText(x.violationsShare) : w.int(x.violations),
    ...(attempts ? [w.int(x.attempts ?? 0)] : []),
    m(x.low),
    m(x.claimed),
    m(x.max),
  ]);
  rows.push([
    w.s('rowTotal'),
    '',
    // Shares of one delivery add up to whole deliveries over the plaintiffs.
    w.int(Math.round(d.rows.reduce((a, x) => a + x.violations, 0) * 1e6) / 1e6),
    ...(attempts ? [w.int(d.rows.reduce((a, x) => a + (x.attempts ?? 0), 0))] : []),
    m(d.totals.low),
    m(d.totals.claimed),
    m(d.totals.max),
  ]);
  grid(
    r,
    [
      { header: w.s('colPlaintiff'), share: attempts ? 0.12 : 0.15 },
      { header: w.s('colDefendant'), share: 0.15 },
      { header: w.s('colViolations'), share: 0.1, align: 'right' },
      ...(attempts ? [{ header: w.s('colAttemptsNotHarvested'), share: 0.24, align: 'right' as const }] : []),
      { header: w.s('colLow'), share: attempts ? 0.13 : 0.2, align: 'right' },
      { header: w.s('colClaimed'), share: attempts ? 0.13 : 0.2, align: 'right' },
      { header: w.s('colMax'), share: attempts ? 0.13 : 0.2, align: 'right' },
    ],
    rows,
    { boldLastRow: true },
  );
}

function custodySection(r: R): void {
  const { w, l, data } = r;
  const c = data.custody;
  heading(r, w.s('sectionCustody'));
  text(r, w.s('custodyIntro', { total: w.int(c.total) }));
  paragraph(r.doc, c.finalHash, { size: l.bodySize, weight: 'mono', align: 'center' });
  text(r, c.chainIntact ? w.s('custodyIntact') : w.s('custodyBroken'));
  const byAction = new Map<string, { n: number; first: string; last: string }>();
  for (const e of c.events) {
    const a = byAction.get(e.action);
    if (a) {
      a.n++;
      a.last = e.at;
    } else byAction.set(e.action, { n: 1, first: e.at, last: e.at });
  }
  subheading(r, w.s('custodyByAction'));
  grid(
    r,
    [
      { header: w.s('colAction'), share: 0.34 },
      { header: w.s('colCount'), share: 0.18, align: 'right' },
      { header: w.s('colFirst'), share: 0.24, align: 'right' },
      { header: w.s('colLast'), share: 0.24, align: 'right' },
    ],
    [...byAction].map(([action, a]) => [
      w.name('actionNames', action),
      w.int(a.n),
      isoMinute(a.first),
      isoMinute(a.last),
    ]),
  );
  subheading(r, w.s('custodyLatest'));
  grid(
    r,
    [
      { header: w.s('colSeq'), share: 0.05, align: 'right' },
      { header: w.s('colAt'), share: 0.17 },
      { header: w.s('colAction'), share: 0.18 },
      { header: w.s('colActor'), share: 0.18 },
      { header: w.s('colHash'), share: 0.42, weight: 'mono' },
    ],
    c.events
      .slice(-CUSTODY_EVENTS_SHOWN)
      .map((e) => [
        String(e.seq),
        isoMinute(e.at).replace(' UTC', ''),
        w.name('actionNames', e.action),
        safeLine(e.actor, 120),
        e.hash,
      ]),
  );
}

function declarationPage(r: R): void {
  const { w, l, data, doc } = r;
  heading(r, w.s('sectionDeclaration'), { newPage: true });
  doc.y += l.bodySize;
  for (const p of w.list('declarationBody', {
    organization: safeLine(data.organization, 200) || '____________________',
    seq: data.asOf.seq,
    at: isoMinute(data.asOf.at),
    hash: data.asOf.hash,
  })) {
    text(r, p);
  }
  doc.y += l.bodySize * 3;
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  for (const label of w.list('signatureLines')) {
    ensureSpace(doc, l.bodySize * 4);
    const y = doc.y + l.bodySize * 2;
    cellText(doc, label, left, y - l.bodySize * 0.9, width * 0.3, { size: l.bodySize });
    doc
      .save()
      .lineWidth(0.6)
      .moveTo(left + width * 0.3, y)
      .lineTo(left + width, y)
      .stroke('#000000')
      .restore();
    doc.y = y + l.bodySize * 1.5;
  }
}

/** Running header (the case caption) and "Page X of Y" on every page but the caption page. */
function decoratePages(r: R): void {
  const { doc, w, l, data } = r;
  const range = doc.bufferedPageRange();
  const total = range.count;
  for (let i = range.start; i < range.start + total; i++) {
    doc.switchToPage(i);
    const left = doc.page.margins.left;
    const width = contentWidth(doc);
    const savedBottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    if (i > range.start) {
      const headerY = doc.page.margins.top - l.smallSize * 3;
      cellText(doc, w.s('runningHeader', { title: safeLine(data.case.title, 200) }), left, headerY, width * 0.6, {
        size: l.smallSize,
        color: '#444444',
      });
      cellText(doc, w.s('runningHeaderRight'), left + width * 0.6, headerY, width * 0.4, {
        size: l.smallSize,
        align: 'right',
        color: '#444444',
      });
      doc
        .save()
        .lineWidth(0.4)
        .moveTo(left, headerY + l.smallSize * 1.6)
        .lineTo(left + width, headerY + l.smallSize * 1.6)
        .stroke(l.rule)
        .restore();
    }
    const footerY = doc.page.height - savedBottom + l.smallSize * 2;
    cellText(doc, w.s('pageOf', { page: i - range.start + 1, pages: total }), left, footerY, width, {
      size: l.smallSize,
      align: 'center',
      color: '#444444',
    });
    doc.page.margins.bottom = savedBottom;
  }
}

export async function renderSummaryPdf(data: SummaryData, opts: { lang: Lang }): Promise<Buffer> {
  const template = loadPdfTemplate(opts.lang);
  const w = new Wording(template);
  const l = template.layout;
  const at = new Date(data.asOf.at);
  const title = `${w.s('documentTitle')}: ${safeLine(data.case.title, 200)}`;
  const doc = new PDFDocument({
    size: l.pageSize,
    margins: l.margins,
    bufferPages: true,
    autoFirstPage: false,
    compress: true,
    lang: template.lang,
    displayTitle: true,
    info: {
      Title: title,
      Author: safeLine(data.organization, 200) || 'spamcase',
      Subject: w.s('subject', { title: safeLine(data.case.title, 200) }),
      Keywords: w.s('keywords'),
      Creator: 'spamcase',
      Producer: 'spamcase (pdfkit)',
      CreationDate: at,
      ModDate: at,
    },
  }) as Doc;
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  registerFonts(doc);
  const r: R = { lang: opts.lang, doc, w, l, data, hiddenMarks: anyHidden(data) };
  captionPage(r);
  summarySection(r);
  overlapSection(r);
  methodSection(r);
  accountsSection(r);
  campaignsSection(r);
  timelineSection(r);
  damagesSection(r);
  custodySection(r);
  declarationPage(r);
  decoratePages(r);
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
