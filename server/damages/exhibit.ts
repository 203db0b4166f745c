/**
 * The damages exhibit in three shapes: JSON (report --json, the web API), CSV rows (damages.csv in
 * the evidence bundle, `damages --csv`; written by server/csv/) and a readable table (`damages`).
 * Amounts leave as plain decimal strings ("1000000.00"), never as JSON numbers, so no consumer can round them.
 */
import { CURRENCIES, formatCount, formatMoney, formatShare, formatUnits, toDecimalString, type Lang } from './money.ts';
import { methodText } from './method-text.ts';
import type { DamagesResult, Money } from './compute.ts';

type MoneyJson = { low: string; claimed: string; max: string };

export function damagesJson(result: DamagesResult, lang: Lang = 'en') {
  const rs = result.ruleSet;
  const digits = CURRENCIES[rs.currency].digits;
  const m = (v: Money): MoneyJson => ({
    low: toDecimalString(v.low, digits),
    claimed: toDecimalString(v.claimed, digits),
    max: toDecimalString(v.max, digits),
  });
  return {
    ruleSet: {
      name: rs.name,
      title: rs.title,
      jurisdiction: rs.jurisdiction,
      source: rs.source,
      file: rs.file,
      sha256: rs.sha256,
    },
    currency: rs.currency,
    defendant: result.defendantFilter,
    allocation: {
      rule: result.allocation.rule,
      fromRuleSet: result.allocation.written,
      source: result.allocation.source,
      domains: result.allocation.domains,
      claimedDeliveries: result.allocation.claimedDeliveries,
      overlap: result.allocation.overlap,
      jointCap: result.allocation.jointCap
        ? {
            sumOfClaims: m(result.allocation.jointCap.sumOfClaims),
            once: m(result.allocation.jointCap.once),
            onceDeliveries: result.allocation.jointCap.onceDeliveries,
            capped: result.allocation.jointCap.capped,
          }
        : null,
    },
    counts: result.counts,
    // A rule set counting logged attempts: the unmatched attempts per outcome, those counted, and their logs.
    attempts: result.attempts,
    total: m(result.total),
    byPlaintiff: result.byPlaintiff.map((s) => ({ plaintiff: s.name, counts: s.counts, total: m(s.total) })),
    byDefendant: result.byDefendant.map((s) => ({ defendant: s.name, counts: s.counts, total: m(s.total) })),
    byCategory: result.byCategory.map((c) => ({ category: c.category, total: m(c.total) })),
    claims: result.claims.map((c) => ({
      plaintiff: c.plaintiff,
      defendant: c.defendant,
      counts: c.counts,
      ...(result.attempts === null ? {} : { attempts: c.attempts, attemptUnits: c.attemptUnits }),
      total: m(c.total),
      lines: c.lines.map((l) => ({
        rule: l.rule,
        // In the reader's language, as the method text names the rule.
        label: lang === 'fr' ? (l.labelFr ?? l.label) : l.label,
        source: l.source,
        category: l.applies,
        unit: l.unit,
        attempts: l.attempts,
        units: l.units,
        perUnit: m(l.perUnit),
        base: m(l.base),
        cap: l.cap ? m(l.cap) : null,
        capSource: l.capSource,
        capped: l.capped,
        multipliers: l.factors.map((f) => ({ id: f.id, source: f.source, factor: f.factor })),
        amount: m(l.amount),
      })),
    })),
    sensitivity: result.sensitivity.map((s) => ({
      id: s.id,
      label: s.label,
      source: s.source,
      unit: s.unit,
      attempts: s.attempts,
      perUnit: toDecimalString(s.amount, digits),
      units: s.units,
      total: toDecimalString(s.total, digits),
    })),
    warnings: result.warnings.map((w) => w[lang]),
    method: methodText(result, lang),
  };
}

export type DamagesJson = ReturnType<typeof damagesJson>;

export const DAMAGES_CSV_HEADER = [
  'row',
  'plaintiff',
  'defendant',
  'category',
  'rule',
  'source',
  'unit',
  'units',
  'per_unit_low',
  'per_unit_claimed',
  'per_unit_max',
  'cap_claimed',
  'capped',
  'multiplier_max',
  'low',
  'claimed',
  'max',
  'currency',
] as const;

/** The `unit` column of damages.csv: `attempt:<filter>` for an attempt unit (which attempts it counted). */
function csvUnit(unit: string, attempts: string | null): string {
  return attempts === null ? unit : `${unit}:${attempts}`;
}

/**
 * damages.csv: a header, one `line` row per claim and rule, one `claim` total per claim, one
 * `sensitivity` row per comparison amount, and the `total`. A defendant left empty means accounts
 * not assigned to a defendant. Every amount is a plain decimal in the rule set's currency.
 */
export function damagesCsv(result: DamagesResult): string[][] {
  const rs = result.ruleSet;
  const digits = CURRENCIES[rs.currency].digits;
  const d = (v: bigint) => toDecimalString(v, digits);
  const rows: string[][] = [[...DAMAGES_CSV_HEADER]];
  for (const c of result.claims) {
    for (const l of c.lines) {
      const factorMax = l.factors.reduce((acc, f) => acc * f.factor.max, 1);
      const capped = (['low', 'claimed', 'max'] as const).filter((col) => l.capped[col]).join('+');
      rows.push([
        'line',
        c.plaintiff,
        c.defendant ?? '',
        l.applies,
        l.rule,
        l.source,
        csvUnit(l.unit, l.attempts),
        l.unitsShare ? `${l.unitsShare.numerator}/${l.unitsShare.denominator}` : String(l.units),
        d(l.perUnit.low),
        d(l.perUnit.claimed),
        d(l.perUnit.max),
        l.cap ? d(l.cap.claimed) : '',
        capped,
        String(factorMax),
        d(l.amount.low),
        d(l.amount.claimed),
        d(l.amount.max),
        rs.currency,
      ]);
    }
    rows.push([
      'claim',
      c.plaintiff,
      c.defendant ?? '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      d(c.total.low),
      d(c.total.claimed),
      d(c.total.max),
      rs.currency,
    ]);
  }
  for (const s of result.sensitivity) {
    rows.push([
      'sensitivity',
      '',
      '',
      s.applies,
      s.id,
      s.source,
      csvUnit(s.unit, s.attempts),
      String(s.units),
      '',
      d(s.amount),
      '',
      '',
      '',
      '',
      '',
      d(s.total),
      '',
      rs.currency,
    ]);
  }
  const cap = result.allocation.jointCap;
  if (cap !== null) {
    // each-in-full: the sum of the claims, then the joint total is capped at the once-counted amount.
    rows.push(
      [
        'sum-of-claims',
        ...Array<string>(5).fill(''),
        'delivery',
        String(result.allocation.claimedDeliveries),
        ...Array<string>(6).fill(''),
        d(cap.sumOfClaims.low),
        d(cap.sumOfClaims.claimed),
        d(cap.sumOfClaims.max),
        rs.currency,
      ],
      [
        'joint-cap',
        '',
        '',
        '',
        '',
        'each delivery once, claimed by its first harvester',
        'delivery',
        String(cap.onceDeliveries),
        ...Array<string>(6).fill(''),
        d(cap.once.low),
        d(cap.once.claimed),
        d(cap.once.max),
        rs.currency,
      ],
    );
  }
  rows.push([
    'total',
    '',
    '',
    '',
    '',
    rs.source,
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    '',
    d(result.total.low),
    d(result.total.claimed),
    d(result.total.max),
    rs.currency,
  ]);
  return rows;
}

export function formatDamagesTable(result: DamagesResult, lang: Lang = 'en'): string {
  const rs = result.ruleSet;
  const money = (v: bigint) => formatMoney(v, rs.currency, lang);
  const head =
    lang === 'fr'
      ? ['demandeur', 'défendeur', 'règle', 'unités', 'bas', 'demandé', 'maximum']
      : ['plaintiff', 'defendant', 'rule', 'units', 'low', 'claimed', 'maximum'];
  const none = lang === 'fr' ? '(non rattaché)' : '(unassigned)';
  const rows: string[][] = [head];
  for (const c of result.claims) {
    for (const l of c.lines)
      rows.push([
        c.plaintiff,
        c.defendant ?? none,
        `${l.rule}${(['low', 'claimed', 'max'] as const).some((x) => l.capped[x]) ? (lang === 'fr' ? ' (plafond)' : ' (cap)') : ''}`,
        l.unitsShare ? formatShare(l.unitsShare.numerator, l.unitsShare.denominator, lang) : formatCount(l.units, lang),
        money(l.amount.low),
        money(l.amount.claimed),
        money(l.amount.max),
      ]);
  }
  rows.push([
    '',
    '',
    lang === 'fr' ? 'TOTAL' : 'TOTAL',
    '',
    money(result.total.low),
    money(result.total.claimed),
    money(result.total.max),
  ]);
  const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = [
    `${lang === 'fr' ? (rs.titleFr ?? rs.title) : rs.title} — ${rs.source}`,
    `${rs.file} (sha256 ${rs.sha256})`,
    '',
  ];
  for (const r of rows)
    lines.push(
      r
        .map((v, i) => (i >= 3 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  if (result.sensitivity.length > 0) {
    lines.push('');
    for (const s of result.sensitivity)
      lines.push(
        `${lang === 'fr' ? 'comparaison' : 'sensitivity'} ${s.id}: ${money(s.amount)} × ${formatUnits(s.units, lang)} = ${money(s.total)}`,
      );
  }
  lines.push('', ...methodText(result, lang));
  return lines.join('\n');
}
