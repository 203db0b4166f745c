/**
 * The PDF's text is a published artifact: for a fixed SummaryData (every section present), the
 * text pdftotext extracts is compared with golden files, so a change of wording, figures or
 * layout is seen in review. Re-record on purpose only: SPAMCASE_UPDATE_GOLDEN=1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderSummaryPdf } from '../../server/pdf/render.ts';
import type { SummaryData } from '../../server/pdf/types.ts';
import { pdfText } from './pdf-readers.ts';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

const hash = (c: string) => c.repeat(64);

export const FIXED: SummaryData = {
  case: {
    id: 1,
    slug: 'lpn-2006',
    title: 'Laposte.net and MSN Hotmail v. Does 1-20',
    createdAt: '2006-02-01T09:00:00.000Z',
  },
  asOf: { seq: 5, at: '2006-02-03T17:30:00.000Z', hash: hash('e') },
  organization: 'Laposte SA',
  jurisdiction: 'Tribunal judiciaire de Paris',
  plaintiffs: [
    { name: 'Laposte.net', batesPrefix: 'LPN' },
    { name: 'MSN Hotmail', batesPrefix: 'MSN' },
  ],
  report: {
    case: 'lpn-2006',
    title: 'Laposte.net and MSN Hotmail v. Does 1-20',
    acquisitions: 2,
    samples: 1_250_000,
    items: 1_200_000,
    exactDuplicates: 50_000,
    messages: 900_000,
    deliveries: 1_000_000,
    deliveriesWithUnknownRecipient: 1_234,
    accounts: 20_000,
    originatingIps: 3_500,
    defendants: 0,
    itemsNotAttributed: 0,
    campaigns: 310_000,
    campaignsOfTwoOrMore: 4_100,
    messagesWithoutCampaign: 0,
    rejected: 12,
    parseErrors: 3,
    wrappers: 40,
    parties: [
      { name: 'Laposte.net', batesPrefix: 'LPN', samples: 1_000_000, items: 960_000, deliveries: 800_000 },
      { name: 'MSN Hotmail', batesPrefix: 'MSN', samples: 250_000, items: 240_000, deliveries: 200_500 },
    ],
    overlap: {
      caseDeliveries: 1_000_000,
      heldBySeveral: 500,
      parties: [
        { name: 'Laposte.net', batesPrefix: 'LPN', deliveries: 800_000, exclusive: 799_500 },
        { name: 'MSN Hotmail', batesPrefix: 'MSN', deliveries: 200_500, exclusive: 200_000 },
      ],
      both: [
        [800_000, 500],
        [500, 200_500],
      ],
    },
    firstDate: '2005-12-01T00:10:00.000Z',
    lastDate: '2005-12-03T23:50:00.000Z',
  },
  acquisitions: [
    {
      id: 1,
      party: 'Laposte.net',
      method: 'trap',
      source: 'traps-2005.mbox.gz',
      sourceSha256: hash('a'),
      sourceBytes: 4_000_000_000,
      operator: 'abuse@laposte.net',
      startedAt: '2006-02-01T10:00:00.000Z',
      finishedAt: '2006-02-01T12:00:00.000Z',
      status: 'done',
      samples: 1_000_000,
      newItems: 960_000,
      rejected: 10,
    },
    {
      id: 2,
      party: 'MSN Hotmail',
      method: 'report',
      source: 'complaints.zip',
      sourceSha256: hash('b'),
      sourceBytes: 900_000_000,
      operator: 'legal@msn.example',
      startedAt: '2006-02-02T10:00:00.000Z',
      finishedAt: '2006-02-02T11:00:00.000Z',
      status: 'done',
      samples: 250_000,
      newItems: 240_000,
      rejected: 2,
    },
  ],
  acquisitionsTotal: 2,
  accounts: {
    total: 20_000,
    csvName: 'accounts.csv',
    rows: [
      {
        key: 'x123@hotmail.com',
        deliveries: 50_000,
        messages: 45_000,
        recipients: 40_000,
        firstSeen: '2005-12-01T00:10:00.000Z',
        lastSeen: '2005-12-03T23:00:00.000Z',
        evidence: 'dkim',
        defendant: 'Doe 1',
      },
      {
        key: 'y456@hotmail.com',
        deliveries: 30_000,
        messages: 29_000,
        recipients: 25_000,
        firstSeen: '2005-12-02T00:10:00.000Z',
        lastSeen: '2005-12-03T22:00:00.000Z',
        evidence: 'return-path',
        defendant: null,
      },
    ],
  },
  originatingIps: {
    total: 300,
    csvName: 'ips.csv',
    rows: [
      {
        key: '198.51.100.7',
        deliveries: 70_000,
        messages: 60_000,
        recipients: 55_000,
        firstSeen: '2005-12-01T00:10:00.000Z',
        lastSeen: '2005-12-03T23:50:00.000Z',
        evidence: 'x-originating-ip',
        defendant: 'Doe 1',
      },
    ],
  },
  defendants: [{ name: 'Doe 1', accounts: 150, ips: 12, deliveries: 400_000 }],
  attributionMethod: {
    en: [
      'Each delivery is attributed to the account with the strongest evidence: verified DKIM, then Return-Path, then header From.',
    ],
    fr: [
      "Chaque remise est attribuée au compte dont la preuve est la plus forte : DKIM vérifié, puis Return-Path, puis l'en-tête From.",
    ],
  },
  campaigns: {
    total: 42,
    csvName: 'campaigns.csv',
    rows: [
      {
        number: 1,
        messages: 300_000,
        deliveries: 350_000,
        accounts: 900,
        firstDate: '2005-12-01T00:10:00.000Z',
        lastDate: '2005-12-03T23:50:00.000Z',
        exemplar: {
          bates: 'LPN-0000017',
          date: '2005-12-01T08:00:00.000Z',
          subject: 'Cheap watches',
          sender: 'x123@hotmail.com',
          excerpt: 'Best replica watches.\nVisit now.',
        },
      },
    ],
  },
  damages: {
    ruleSet: 'can-spam-2003',
    currency: 'USD',
    rows: [
      {
        plaintiff: 'Laposte.net',
        defendant: 'Doe 1',
        violations: 400_000,
        low: 1_000_000_000,
        claimed: 10_000_000_000,
        max: 30_000_000_000,
      },
    ],
    totals: { low: 1_000_000_000, claimed: 10_000_000_000, max: 30_000_000_000 },
    method: {
      en: ['USD 25 per violation, trebled when aggravated.'],
      fr: ['25 USD par infraction, triplés en cas de circonstances aggravantes.'],
    },
  },
  bundle: {
    identifier: 'lpn-2006-export-1',
    manifestSha256: hash('c'),
    signerFingerprint: hash('d').toUpperCase().match(/../g)!.join(':'),
  },
  timeline: [
    {
      party: 'Laposte.net',
      days: [
        ['2005-12-01', 300_000],
        ['2005-12-02', 250_000],
        ['2005-12-03', 250_000],
      ],
      undated: 0,
    },
    {
      party: 'MSN Hotmail',
      days: [
        ['2005-12-01', 100_000],
        ['2005-12-03', 100_000],
      ],
      undated: 500,
    },
  ],
  custody: {
    total: 5,
    finalHash: hash('e'),
    chainIntact: true,
    events: [
      { seq: 1, at: '2006-02-01T09:00:00.000Z', actor: 'abuse@laposte.net', action: 'case-created', hash: hash('1') },
      {
        seq: 2,
        at: '2006-02-01T10:00:00.000Z',
        actor: 'abuse@laposte.net',
        action: 'acquisition-started',
        hash: hash('2'),
      },
      { seq: 3, at: '2006-02-01T12:00:00.000Z', actor: 'abuse@laposte.net', action: 'acquired', hash: hash('3') },
      {
        seq: 4,
        at: '2006-02-02T10:00:00.000Z',
        actor: 'legal@msn.example',
        action: 'acquisition-started',
        hash: hash('4'),
      },
      { seq: 5, at: '2006-02-03T17:30:00.000Z', actor: 'legal@msn.example', action: 'acquired', hash: hash('e') },
    ],
  },
};

for (const lang of ['en', 'fr'] as const) {
  test(`the ${lang} summary's text matches its golden file`, async () => {
    const text = pdfText(await renderSummaryPdf(FIXED, { lang }));
    const file = path.join(GOLDEN, `summary-${lang}.txt`);
    if (process.env.SPAMCASE_UPDATE_GOLDEN === '1') fs.writeFileSync(file, text);
    assert.equal(
      text,
      fs.readFileSync(file, 'utf8'),
      `PDF text changed: review it, then re-record with SPAMCASE_UPDATE_GOLDEN=1 (${file})`,
    );
  });
}
