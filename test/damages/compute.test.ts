/**
 * Hand-computed damages under each shipped rule set: caps, trebling, the five-fold fine for a legal
 * person, lump sums, several plaintiffs and defendants, zero deliveries, and counts of ten million
 * and beyond 2^53 cents (no overflow, no rounding drift). Expected figures are worked out by hand
 * in the comments, not by the code under test.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { computeDamages, type Money, type ViolationCountRow } from '../../server/damages/compute.ts';
import { damagesCsv, damagesJson } from '../../server/damages/exhibit.ts';
import { csvText, EVIDENCE_CSV } from '../../server/csv/write.ts';
import { methodText } from '../../server/damages/method-text.ts';
import { loadRuleSet, parseRuleSet, RULES_DIR } from '../../server/damages/rule-set.ts';

const NBSP = '\u00a0';
const usd = (dollars: string): bigint => {
  const [w, f = ''] = dollars.replace(/,/g, '').split('.');
  return BigInt(w!) * 100n + BigInt(f.padEnd(2, '0'));
};
const money = (low: string, claimed: string, max: string): Money => ({
  low: usd(low),
  claimed: usd(claimed),
  max: usd(max),
});
const row = (
  party: string,
  defendant: string | null,
  headerFalsity: boolean,
  deliveries: number,
  messages = deliveries,
  accounts = 1,
  days = 1,
): ViolationCountRow => ({
  party,
  defendant,
  headerFalsity,
  deliveries,
  messages,
  accounts,
  days,
});

const CASE_ROWS: ViolationCountRow[] = [
  row('Laposte.net', 'Doe 1', true, 1_000),
  row('Laposte.net', 'Doe 1', false, 50_000),
  row('Laposte.net', 'Doe 2', false, 40),
  row('MSN Hotmail', 'Doe 1', true, 3),
  row('MSN Hotmail', null, false, 7),
];

test('CAN-SPAM: $100 per header-falsity delivery, $25 per other delivery capped at $1,000,000 per claim, trebled in the maximum column', () => {
  const r = computeDamages(loadRuleSet('us-can-spam-isp'), CASE_ROWS);
  // Laposte.net v. Doe 1: 1,000 × $100 = $100,000; 50,000 × $25 = $1,250,000 → cap $1,000,000.
  // Claimed $1,100,000; maximum (×3 after the cap) $3,300,000; low $0 (the statute says "up to").
  const [lpnDoe1, lpnDoe2, msnDoe1, msnNone] = r.claims;
  assert.deepEqual([lpnDoe1!.plaintiff, lpnDoe1!.defendant], ['Laposte.net', 'Doe 1']);
  assert.deepEqual(
    lpnDoe1!.lines.map((l) => [l.rule, l.units]),
    [
      ['header-falsity', 1_000],
      ['other', 50_000],
    ],
  );
  assert.deepEqual(lpnDoe1!.lines[1]!.base, money('0', '1250000', '1250000'));
  assert.deepEqual(lpnDoe1!.lines[1]!.capped, { low: false, claimed: true, max: true });
  assert.deepEqual(lpnDoe1!.lines[1]!.amount, money('0', '1000000', '3000000'));
  assert.deepEqual(lpnDoe1!.total, money('0', '1100000', '3300000'));
  // Laposte.net v. Doe 2: 40 × $25 = $1,000; ×3 = $3,000.
  assert.deepEqual(lpnDoe2!.total, money('0', '1000', '3000'));
  // MSN v. Doe 1: 3 × $100 = $300; ×3 = $900. MSN v. unassigned accounts: 7 × $25 = $175; ×3 = $525.
  assert.deepEqual(msnDoe1!.total, money('0', '300', '900'));
  assert.deepEqual([msnNone!.defendant, msnNone!.total], [null, money('0', '175', '525')]);
  // Totals: claimed 1,100,000 + 1,000 + 300 + 175 = 1,101,475; maximum 3,300,000 + 3,000 + 900 + 525 = 3,304,425.
  assert.deepEqual(r.total, money('0', '1101475', '3304425'));
  assert.deepEqual(
    r.byPlaintiff.map((p) => [p.name, p.total.claimed, p.counts.deliveries]),
    [
      ['Laposte.net', usd('1101000'), 51_040],
      ['MSN Hotmail', usd('475'), 10],
    ],
  );
  assert.deepEqual(
    r.byDefendant.map((d) => [d.name, d.total.claimed]),
    [
      ['Doe 1', usd('1100300')],
      ['Doe 2', usd('1000')],
      [null, usd('175')],
    ],
  );
  // Per category: header falsity 100,000 + 300; other 1,000,000 + 1,000 + 175.
  assert.deepEqual(
    r.byCategory.map((c) => [c.category, c.total.claimed, c.total.max]),
    [
      ['header-falsity', usd('100300'), usd('300900')],
      ['other', usd('1001175'), usd('3003525')],
    ],
  );
  // Sensitivity: 51,050 deliveries × $50 = $2,552,500; × $0.50 = $25,525.
  assert.deepEqual(
    r.sensitivity.map((s) => [s.id, s.units, s.total]),
    [
      ['facebook-50', 51_050, usd('2552500')],
      ['nominal-0-50', 51_050, usd('25525')],
    ],
  );
  assert.equal(r.counts.deliveries, 51_050);
});

test('CAN-SPAM cap boundary: 40,000 other deliveries reach $1,000,000 exactly and are not marked capped; 40,001 are', () => {
  const rs = loadRuleSet('us-can-spam-isp');
  const at = computeDamages(rs, [row('P', 'D', false, 40_000)]).claims[0]!.lines[1]!;
  assert.deepEqual([at.amount.claimed, at.capped.claimed], [usd('1000000'), false]);
  const over = computeDamages(rs, [row('P', 'D', false, 40_001)]).claims[0]!.lines[1]!;
  assert.deepEqual(
    [over.base.claimed, over.amount.claimed, over.capped.claimed],
    [usd('1000025'), usd('1000000'), true],
  );
});

test('California § 17529.5: $1,000 per delivery up to $1,000,000 per claim; low column $100 each up to $100,000', () => {
  const r = computeDamages(loadRuleSet('us-ca-bpc-17529-5'), [
    row('A', 'D', true, 1_000),
    row('A', 'D', false, 500),
    row('A', 'E', false, 999),
  ]);
  // A v. D: 1,500 × $1,000 = $1,500,000 → $1,000,000; low 1,500 × $100 = $150,000 → $100,000.
  assert.deepEqual(r.claims[0]!.total, money('100000', '1000000', '1000000'));
  assert.deepEqual(r.claims[0]!.lines[0]!.capped, { low: true, claimed: true, max: true });
  // A v. E: 999 × $1,000 = $999,000; low $99,900; under both caps.
  assert.deepEqual(r.claims[1]!.total, money('99900', '999000', '999000'));
  assert.deepEqual(r.total, money('199900', '1999000', '1999000'));
  assert.deepEqual(
    r.byCategory.map((c) => c.category),
    ['all'],
  );
});

test('France R. 10-1: up to 750 € per communication; five times for a legal person', () => {
  const rs = loadRuleSet('fr-cpce-r10-1');
  const r = computeDamages(rs, [row('Laposte.net', 'Doe 1', false, 3)]);
  // 3 × 750 = 2,250 € claimed; maximum 3 × 750 × 5 = 11,250 €.
  assert.deepEqual(r.total, money('0', '2250', '11250'));
  // The same file with the defendant pleaded as a legal person: claimed factor 5 → 11,250 €.
  const text = fs
    .readFileSync(`${RULES_DIR}/fr-cpce-r10-1.yaml`, 'utf8')
    .replace('factor: { low: 1, claimed: 1, max: 5 }', 'factor: { low: 1, claimed: 5, max: 5 }');
  assert.deepEqual(
    computeDamages(parseRuleSet(text, 'legal-person.yaml'), [row('Laposte.net', 'Doe 1', false, 3)]).total,
    money('0', '11250', '11250'),
  );
  const fr = methodText(r, 'fr');
  assert.ok(
    fr.includes(
      'Barème : France, article R. 10-1 du CPCE (contravention de la 4e classe par communication) (Code des postes et des communications électroniques, art. R. 10-1 et L. 34-5 ; code pénal, art. 131-13 et 131-41). Montants en EUR, calculés exactement en centimes, sans arrondi.',
    ),
    fr.join('\n'),
  );
  assert.ok(
    fr.some((p) =>
      p.startsWith(
        `Règle « Amende de la 4e classe par communication en violation de l’article L. 34-5 » (CPCE art. R. 10-1 (pour chaque communication) ; code pénal art. 131-13, 4° (750 euros au plus)) : 750,00${NBSP}€ demandé, de 0,00${NBSP}€ à 750,00${NBSP}€ par remise`,
      ),
    ),
    fr.join('\n'),
  );
  assert.ok(
    fr.some((p) =>
      p.includes(
        `Total : 2${NBSP}250,00${NBSP}€ demandé ; 0,00${NBSP}€ en bas de fourchette ; 11${NBSP}250,00${NBSP}€ au maximum.`,
      ),
    ),
    fr.join('\n'),
  );
});

test('France civil (Paris 2004): a lump sum per claim plus an amount per message; a claim without deliveries gets no lump sum', () => {
  const rs = loadRuleSet('fr-civil-paris-2004');
  const r = computeDamages(rs, [
    row('AOL France', 'M. K.', false, 30, 12),
    row('Microsoft', 'M. K.', false, 0, 0, 0, 0),
  ]);
  // AOL v. M. K.: 22,000 € + 12 messages × 1,000 € = 34,000 €. Microsoft: no delivery, nothing.
  assert.deepEqual(
    r.claims[0]!.lines.map((l) => [l.rule, l.units, l.amount.claimed]),
    [
      ['lump-sum', 1, usd('22000')],
      ['per-message', 12, usd('12000')],
    ],
  );
  assert.deepEqual(r.claims[1]!.total, money('0', '0', '0'));
  assert.deepEqual(r.total, money('0', '34000', '34000'));
});

test('zero deliveries: no claims, zero totals, and the method says so', () => {
  for (const name of [
    'us-can-spam-isp',
    'us-ca-bpc-17529-5',
    'fr-cpce-r10-1',
    'fr-civil-paris-2004',
    'custom-template',
  ]) {
    const r = computeDamages(loadRuleSet(name), []);
    assert.deepEqual([r.claims.length, r.total], [0, money('0', '0', '0')], name);
    assert.equal(methodText(r, 'en')[0], 'No deliveries were counted: the amount is zero.');
    assert.equal(methodText(r, 'fr')[0], 'Aucune remise n’a été comptée : le montant est nul.');
    assert.deepEqual(damagesCsv(r).at(-1)!.slice(14, 17), ['0.00', '0.00', '0.00']);
  }
});

test('ten million deliveries: exact to the cent, no overflow, no drift', () => {
  const cents = parseRuleSet(
    `title: One cent\njurisdiction: T\ncurrency: USD\nsource: S\nrules:\n  - id: cent\n    label: One cent\n    source: S\n    amount: 0.01\nsensitivity:\n  - id: half\n    label: Half\n    source: S\n    amount: 0.50\n`,
    'cent.yaml',
  );
  const r = computeDamages(cents, [row('P', 'D', false, 10_000_000)]);
  // Adding 0.01 ten million times in floating point gives 99999.99998630969; in cents it is exact.
  assert.equal(damagesJson(r).total.claimed, '100000.00');
  assert.equal(damagesJson(r).sensitivity[0]!.total, '5000000.00');
  const canSpam = computeDamages(loadRuleSet('us-can-spam-isp'), [
    row('P', 'D', true, 10_000_000),
    row('P', 'D', false, 10_000_000),
  ]);
  // 10,000,000 × $100 = $1,000,000,000 plus the capped $1,000,000; maximum × 3 = $3,003,000,000.
  assert.deepEqual(canSpam.total, money('0', '1001000000', '3003000000'));
  // Beyond 2^53: 9,007,199,254,740,991 deliveries × $0.01 = $90,071,992,547,409.91, still exact.
  const huge = computeDamages(cents, [row('P', 'D', false, Number.MAX_SAFE_INTEGER)]);
  assert.equal(damagesJson(huge).total.claimed, '90071992547409.91');
  assert.throws(
    () => computeDamages(cents, [row('P', 'D', false, Number.MAX_SAFE_INTEGER), row('P', 'D', true, 1)]),
    /exceeds/,
  );
});

test("--defendant keeps one defendant's claims; an unknown defendant is named with the ones there are", () => {
  const r = computeDamages(loadRuleSet('us-can-spam-isp'), CASE_ROWS, { defendant: 'doe 1' });
  assert.deepEqual(
    r.claims.map((c) => [c.plaintiff, c.defendant]),
    [
      ['Laposte.net', 'Doe 1'],
      ['MSN Hotmail', 'Doe 1'],
    ],
  );
  assert.deepEqual(r.total.claimed, usd('1100300'));
  assert.throws(
    () => computeDamages(loadRuleSet('us-can-spam-isp'), CASE_ROWS, { defendant: 'Doe 9' }),
    /no defendant named "Doe 9" in this case \(defendants: Doe 1, Doe 2\)/,
  );
});

test('method text and CSV tell the same story as the numbers, in English and French', () => {
  const r = computeDamages(loadRuleSet('us-can-spam-isp'), CASE_ROWS);
  const en = methodText(r, 'en');
  assert.match(
    en[0]!,
    /^Counted: 51,050 deliveries \(one message reaching one recipient mailbox\), 51,050 messages, 5 sender accounts and 5 sending days, for 2 plaintiffs and 2 defendants, plus accounts not assigned to a defendant\./,
  );
  assert.ok(
    en.includes(
      'Caps applied: Laposte.net v. Doe 1, rule other: $1,250,000.00 reduced to $1,000,000.00 (claimed, maximum columns).',
    ),
    en.join('\n'),
  );
  assert.ok(en.includes('Total: $1,101,475.00 claimed; $0.00 low; $3,304,425.00 maximum.'));
  const fr = methodText(r, 'fr');
  assert.ok(
    fr.includes(
      `Plafonds appliqués : Laposte.net c/ Doe 1, règle other : 1${NBSP}250${NBSP}000,00${NBSP}$US ramené à 1${NBSP}000${NBSP}000,00${NBSP}$US (colonnes demandé, maximum).`,
    ),
    fr.join('\n'),
  );

  const rows = damagesCsv(r);
  assert.equal(
    rows[0]!.join(','),
    'row,plaintiff,defendant,category,rule,source,unit,units,per_unit_low,per_unit_claimed,per_unit_max,cap_claimed,capped,multiplier_max,low,claimed,max,currency',
  );
  assert.deepEqual(
    rows.map((x) => x[0]),
    [
      'row',
      'line',
      'line',
      'claim',
      'line',
      'line',
      'claim',
      'line',
      'line',
      'claim',
      'line',
      'line',
      'claim',
      'sensitivity',
      'sensitivity',
      'total',
    ],
  );
  assert.deepEqual(rows[2]!.slice(1, 5).concat(rows[2]!.slice(7, 8), rows[2]!.slice(11, 17)), [
    'Laposte.net',
    'Doe 1',
    'other',
    'other',
    '50000',
    '1000000.00',
    'claimed+max',
    '3',
    '0.00',
    '1000000.00',
    '3000000.00',
  ]);
  assert.deepEqual(rows.at(-1)!.slice(14), ['0.00', '1101475.00', '3304425.00', 'USD']);
  assert.match(
    csvText(rows, EVIDENCE_CSV),
    /^row,plaintiff,.*\r\nline,Laposte\.net,Doe 1,header-falsity,header-falsity,15 U\.S\.C\. § 7706\(g\)\(3\)\(A\)\(i\) \(up to \$100 per violation\),delivery,1000,/,
  );
});

test('a rule counting accounts over both categories warns that an account in both is counted twice', () => {
  const rs = parseRuleSet(
    `title: T\njurisdiction: T\ncurrency: EUR\nsource: S\nrules:\n  - id: per-account\n    label: L\n    source: S\n    unit: account\n    amount: 10\n`,
    'acc.yaml',
  );
  const r = computeDamages(rs, [row('P', 'D', true, 5, 5, 2), row('P', 'D', false, 5, 5, 3)]);
  assert.equal(r.total.claimed, 5000n);
  assert.deepEqual(
    r.warnings.map((w) => w.en),
    [
      'rule per-account counts accounts in each violation category separately: one seen in both categories is counted twice',
    ],
  );
  assert.ok(
    methodText(r, 'fr').includes(
      'Attention : la règle per-account compte les comptes séparément dans chaque catégorie de violation : un compte présent dans les deux est compté deux fois.',
    ),
  );
});
