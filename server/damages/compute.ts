/**
 * Damages arithmetic. Input: counted violations per plaintiff, per defendant and per violation
 * category (ViolationCountRow, the shape attribution's violationCounts returns). Output: exact
 * amounts in minor units (BigInt), per claim (one plaintiff against one defendant), per plaintiff,
 * per defendant, per category, in three columns: low, claimed, max.
 *
 * Order of operations, for each claim, each rule and each column (docs/DAMAGES.md):
 *   1. units   = the claim's count of the rule's unit over the rows of the rule's category
 *                (fixed: 1 when the claim has at least one delivery; attempt: the claim's logged
 *                attempts no harvested item matched, of the rule's `attempts` filter)
 *   2. base    = units × amount per unit
 *   3. capped  = min(base, cap)                       (a rule's cap is per claim)
 *   4. amount  = capped × every multiplier's factor   (multipliers come after caps, in file order)
 *   claim total = sum of its rules' amounts; every other total is a sum of claim totals.
 * Sensitivity rows are units × amount, without caps or multipliers.
 */
import { SpamcaseError } from '../errors.ts';
import { countToBigInt, minBig } from './money.ts';
import {
  COLUMNS,
  type Allocation,
  type AttemptFilter,
  type Category,
  type Column,
  type RuleSet,
  type Triple,
  type Unit,
} from './rule-set.ts';
import type { ViolationCountRow } from '../attribution/queries.ts';
import type { PartyOverlap } from '../report/overlap.ts';
import {
  attemptFilters,
  filtered,
  filteredUnion,
  zeroOutcomes,
  type AttemptCountRow,
  type AttemptSource,
  type OutcomeCounts,
} from './attempt-counts.ts';

/**
 * One line of counted violations, as attribution counts them (server/attribution/queries.ts
 * violationCounts): party = plaintiff name; defendant null = accounts not grouped into a
 * defendant; headerFalsity = attribution found false or misleading header information.
 */
export type { ViolationCountRow };

export type Money = Triple<bigint>;
export type ViolationCategory = Exclude<Category, 'all'>;

export interface UnitCounts {
  deliveries: number;
  messages: number;
  accounts: number;
  days: number;
}

export interface LineResult {
  rule: string;
  label: string;
  /** The rule's French label (null: the English one). */
  labelFr: string | null;
  source: string;
  applies: Category;
  unit: Unit;
  /** unit attempt: which attempts it counts. */
  attempts: AttemptFilter | null;
  units: number;
  perUnit: Money;
  base: Money;
  cap: Money | null;
  capSource: string | null;
  capped: Triple<boolean>;
  afterCap: Money;
  factors: Array<{ id: string; label: string; source: string; factor: Triple<number> }>;
  amount: Money;
  /**
   * Under the shared allocation, when the units are not whole: units = numerator / denominator
   * (reduced), and base = floor(numerator × amount per unit / denominator) in cents.
   */
  unitsShare: Share | null;
}

/** A fraction of deliveries: numerator / denominator, reduced. */
export interface Share {
  numerator: number;
  denominator: number;
}

export interface ClaimResult {
  plaintiff: string;
  defendant: string | null;
  counts: Record<ViolationCategory, UnitCounts>;
  /** Deliveries per number of plaintiffs that harvested them (the shared allocation splits each; else all under 1). */
  holders: Record<ViolationCategory, Map<number, number>>;
  /** Attempts in this plaintiff's logs from this defendant's senders that no harvested item matched, per outcome. */
  attempts: OutcomeCounts;
  /** Of those, the ones the rule set counts (any of its attempt filters, each once); 0 without attempt units. */
  attemptUnits: number;
  lines: LineResult[];
  total: Money;
}

export interface Subtotal {
  name: string | null;
  counts: UnitCounts;
  total: Money;
}

export interface SensitivityResult {
  id: string;
  label: string;
  labelFr: string | null;
  source: string;
  applies: Category;
  unit: Unit;
  attempts: AttemptFilter | null;
  amount: bigint;
  units: number;
  total: bigint;
  byClaim: Array<{ plaintiff: string; defendant: string | null; units: number; total: bigint }>;
}

/** Something the reader of the exhibit must know, in both languages of the method text. */
export interface DamagesWarning {
  en: string;
  fr: string;
}

/** How deliveries that several plaintiffs harvested were claimed, with the figures the method text states. */
export interface AllocationResult extends Allocation {
  /** Who harvested what, for the whole case (null when not given: a computation without the case). */
  overlap: PartyOverlap | null;
  /** Deliveries claimed, summed over the claims (each-in-full: more than the deliveries when plaintiffs overlap). */
  claimedDeliveries: number;
  /**
   * each-in-full: the sum of the claims, the amount for the same deliveries counted once (each claimed by its
   * first harvester) and, per column, whether the joint total was capped to it. Null for the other rules.
   */
  jointCap: { sumOfClaims: Money; once: Money; onceDeliveries: number; capped: Triple<boolean> } | null;
  /**
   * shared: per plaintiff, the deliveries claimed as a fraction (sum of 1/holders), how many it claims
   * in full (no other plaintiff harvested them) and how many in part. Null for the other rules.
   */
  shares: Array<{ plaintiff: string; claimed: Share; full: number; partial: number }> | null;
}

export interface DamagesResult {
  ruleSet: RuleSet;
  allocation: AllocationResult;
  defendantFilter: string | null;
  claims: ClaimResult[];
  byPlaintiff: Subtotal[];
  byDefendant: Subtotal[];
  byCategory: Array<{ category: Category; total: Money }>;
  counts: UnitCounts;
  total: Money;
  sensitivity: SensitivityResult[];
  warnings: DamagesWarning[];
  /**
   * The rule set counts attempts (a `unit: attempt` rule or sensitivity row): its filters, the unmatched
   * attempts (of the selected defendant, when one is) per outcome and those counted (any filter, each once), and
   * where they came from. Null otherwise.
   */
  attempts: {
    filters: AttemptFilter[];
    outcomes: OutcomeCounts;
    counted: number;
    source: AttemptSource;
  } | null;
}

export interface ComputeOptions {
  /** Only this defendant's claims (name, compared case-insensitively). */
  defendant?: string;
  /** The case's party overlap, stated in the method text. */
  overlap?: PartyOverlap;
  /** The case's counts, distinct over the whole case (the method text's "Counted"); default: summed over claims. */
  caseCounts?: UnitCounts;
  /** each-in-full: the counts with every delivery claimed once (by its first harvester), for the joint cap. */
  onceRows?: readonly ViolationCountRow[];
  /** The case's unmatched attempts per plaintiff and defendant (attempt-counts.ts), for rule sets counting attempts. */
  attemptRows?: readonly AttemptCountRow[];
  attemptSource?: AttemptSource;
}

const UNIT_FIELD: Record<Exclude<Unit, 'fixed' | 'attempt'>, keyof UnitCounts> = {
  delivery: 'deliveries',
  message: 'messages',
  account: 'accounts',
  day: 'days',
};
const ZERO_COUNTS = (): UnitCounts => ({ deliveries: 0, messages: 0, accounts: 0, days: 0 });
const zeroMoney = (): Money => ({ low: 0n, claimed: 0n, max: 0n });

function addCounts(into: UnitCounts, add: UnitCounts): void {
  for (const k of ['deliveries', 'messages', 'accounts', 'days'] as const) {
    const sum = into[k] + add[k];
    if (!Number.isSafeInteger(sum))
      throw new SpamcaseError('LIMIT_EXCEEDED', `${k} count exceeds ${Number.MAX_SAFE_INTEGER}`);
    into[k] = sum;
  }
}

function addMoney(into: Money, add: Money): void {
  for (const c of COLUMNS) into[c] += add[c];
}

function unitsFor(claim: ClaimResult, applies: Category, unit: Unit, attempts: AttemptFilter | null): number {
  const counts = claim.counts;
  if (unit === 'attempt') return filtered(claim.attempts, attempts ?? 'all');
  const cats: ViolationCategory[] = applies === 'all' ? ['header-falsity', 'other'] : [applies];
  if (unit === 'fixed') return cats.some((c) => counts[c].deliveries > 0) ? 1 : 0;
  return cats.reduce((n, c) => n + counts[c][UNIT_FIELD[unit]], 0);
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));

/** Σ deliveries / holders over the given holder counts, exactly: [numerator, denominator]. */
function shareOf(maps: Array<Map<number, number>>): [bigint, bigint] {
  let den = 1n;
  for (const m of maps) for (const h of m.keys()) den = (den * BigInt(h)) / gcd(den, BigInt(h));
  let num = 0n;
  for (const m of maps) for (const [h, d] of m) num += (BigInt(d) * den) / BigInt(h);
  const g = gcd(num, den) || 1n;
  return [num / g, den / g];
}

function deliveryShare(claim: ClaimResult, applies: Category): [bigint, bigint] {
  const cats: ViolationCategory[] = applies === 'all' ? ['header-falsity', 'other'] : [applies];
  return shareOf(cats.map((c) => claim.holders[c]));
}

/** A claim's deliveries as a fraction (the shared allocation: Σ 1/holders; else a whole number). */
export function claimDeliveries(claim: ClaimResult): Share {
  const [num, den] = shareOf([claim.holders['header-falsity'], claim.holders.other]);
  return { numerator: Number(num), denominator: Number(den) };
}

function claimKey(plaintiff: string, defendant: string | null): string {
  return JSON.stringify([plaintiff, defendant]);
}

export function computeDamages(
  ruleSet: RuleSet,
  rows: readonly ViolationCountRow[],
  opts: ComputeOptions = {},
): DamagesResult {
  const warnings: DamagesWarning[] = [];
  for (const [i, row] of rows.entries()) {
    for (const k of ['deliveries', 'messages', 'accounts', 'days'] as const)
      countToBigInt(row[k], `counts row ${i + 1} (${row.party}) ${k}`);
  }
  const filters = attemptFilters(ruleSet);
  if (filters.length > 0 && (opts.attemptRows === undefined || opts.attemptSource === undefined))
    throw new SpamcaseError(
      'USAGE',
      `rule set ${ruleSet.name} counts attempts: the case's attempt counts are needed (gatherAttemptCounts)`,
    );
  const allAttemptRows = filters.length > 0 ? (opts.attemptRows ?? []) : [];
  for (const [i, row] of allAttemptRows.entries())
    for (const [k, v] of Object.entries(row.outcomes)) countToBigInt(v, `attempt row ${i + 1} (${row.party}) ${k}`);
  let selected = rows;
  let selectedAttempts = allAttemptRows;
  if (opts.defendant !== undefined) {
    const wanted = opts.defendant.trim().toLowerCase();
    selected = rows.filter((r) => r.defendant !== null && r.defendant.toLowerCase() === wanted);
    selectedAttempts = allAttemptRows.filter((r) => r.defendant !== null && r.defendant.toLowerCase() === wanted);
    if (selected.length === 0 && selectedAttempts.length === 0) {
      const names = [
        ...new Set([...rows, ...allAttemptRows].map((r) => r.defendant).filter((d): d is string => d !== null)),
      ];
      throw new SpamcaseError(
        'INVALID_INPUT',
        `no defendant named "${opts.defendant}" in this case (defendants: ${names.length > 0 ? names.join(', ') : 'none yet'})`,
      );
    }
  }

  // Group rows into claims: one plaintiff against one defendant (or against the ungrouped accounts).
  const claimsByKey = new Map<string, ClaimResult>();
  const claimOf = (plaintiff: string, defendant: string | null): ClaimResult => {
    const key = claimKey(plaintiff, defendant);
    let claim = claimsByKey.get(key);
    if (!claim) {
      claim = {
        plaintiff,
        defendant,
        counts: { 'header-falsity': ZERO_COUNTS(), other: ZERO_COUNTS() },
        holders: { 'header-falsity': new Map(), other: new Map() },
        attempts: zeroOutcomes(),
        attemptUnits: 0,
        lines: [],
        total: zeroMoney(),
      };
      claimsByKey.set(key, claim);
    }
    return claim;
  };
  for (const row of selected) {
    const claim = claimOf(row.party, row.defendant);
    const category = row.headerFalsity ? 'header-falsity' : 'other';
    addCounts(claim.counts[category], row);
    const h = row.holders ?? 1;
    claim.holders[category].set(h, (claim.holders[category].get(h) ?? 0) + row.deliveries);
  }
  // A claim may hold attempts and no delivery: a defendant whose senders were only logged, never harvested; but
  // attempts the rule set counts none of (a claim of refusals under a rule for delivered attempts) make no claim.
  const caseOutcomes = zeroOutcomes();
  for (const row of selectedAttempts) {
    for (const [k, v] of Object.entries(row.outcomes) as Array<[keyof OutcomeCounts, number]>) caseOutcomes[k] += v;
    if (filteredUnion(row.outcomes, filters) === 0 && !claimsByKey.has(claimKey(row.party, row.defendant))) continue;
    const claim = claimOf(row.party, row.defendant);
    for (const [k, v] of Object.entries(row.outcomes) as Array<[keyof OutcomeCounts, number]>) claim.attempts[k] += v;
  }
  for (const claim of claimsByKey.values()) claim.attemptUnits = filteredUnion(claim.attempts, filters);
  const claims = [...claimsByKey.values()].sort(
    (a, b) =>
      a.plaintiff.localeCompare(b.plaintiff, 'en') ||
      (a.defendant === null ? 1 : b.defendant === null ? -1 : a.defendant.localeCompare(b.defendant, 'en')),
  );

  for (const rule of ruleSet.rules) {
    if (
      rule.applies === 'all' &&
      (rule.unit === 'account' || rule.unit === 'day') &&
      claims.some(
        (c) =>
          c.counts['header-falsity'][UNIT_FIELD[rule.unit as 'account']] > 0 &&
          c.counts.other[UNIT_FIELD[rule.unit as 'account']] > 0,
      )
    ) {
      warnings.push({
        en: `rule ${rule.id} counts ${rule.unit === 'account' ? 'accounts' : 'days'} in each violation category separately: one seen in both categories is counted twice`,
        fr: `la règle ${rule.id} compte les ${rule.unit === 'account' ? 'comptes' : 'jours'} séparément dans chaque catégorie de violation : un ${rule.unit === 'account' ? 'compte' : 'jour'} présent dans les deux est compté deux fois`,
      });
    }
  }

  for (const claim of claims) {
    for (const rule of ruleSet.rules) {
      let units = unitsFor(claim, rule.applies, rule.unit, rule.attempts);
      // Deliveries several plaintiffs share (allocation shared): units = Σ 1/holders, exactly.
      const [num, den] = rule.unit === 'delivery' ? deliveryShare(claim, rule.applies) : [BigInt(units), 1n];
      if (den > 1n) units = Number(num) / Number(den);
      const factors = ruleSet.multipliers.filter((m) => m.rules === null || m.rules.includes(rule.id));
      const line: LineResult = {
        rule: rule.id,
        label: rule.label,
        labelFr: rule.labelFr,
        source: rule.source,
        applies: rule.applies,
        unit: rule.unit,
        attempts: rule.attempts,
        units,
        perUnit: { ...rule.amount },
        base: zeroMoney(),
        cap: rule.cap ? { ...rule.cap.amount } : null,
        capSource: rule.cap?.source ?? null,
        capped: { low: false, claimed: false, max: false },
        afterCap: zeroMoney(),
        factors: factors.map((m) => ({ id: m.id, label: m.label, source: m.source, factor: { ...m.factor } })),
        amount: zeroMoney(),
        unitsShare: den > 1n ? { numerator: Number(num), denominator: Number(den) } : null,
      };
      for (const c of COLUMNS) {
        // A fraction of a cent (a share of a delivery) is dropped, never rounded up.
        line.base[c] = (num * rule.amount[c]) / den;
        line.afterCap[c] = rule.cap ? minBig(line.base[c], rule.cap.amount[c]) : line.base[c];
        line.capped[c] = line.afterCap[c] < line.base[c];
        line.amount[c] = factors.reduce((acc, m) => acc * BigInt(m.factor[c]), line.afterCap[c]);
      }
      claim.lines.push(line);
      addMoney(claim.total, line.amount);
    }
  }

  const subtotal = (pick: (c: ClaimResult) => string | null): Subtotal[] => {
    const map = new Map<string, Subtotal>();
    for (const claim of claims) {
      const name = pick(claim);
      const key = JSON.stringify(name);
      let s = map.get(key);
      if (!s) map.set(key, (s = { name, counts: ZERO_COUNTS(), total: zeroMoney() }));
      addCounts(s.counts, claim.counts['header-falsity']);
      addCounts(s.counts, claim.counts.other);
      addMoney(s.total, claim.total);
    }
    return [...map.values()];
  };

  const byCategory: DamagesResult['byCategory'] = [];
  for (const category of ['header-falsity', 'other', 'all'] as const) {
    if (!ruleSet.rules.some((r) => r.applies === category)) continue;
    const total = zeroMoney();
    for (const claim of claims)
      for (const line of claim.lines) if (line.applies === category) addMoney(total, line.amount);
    byCategory.push({ category, total });
  }

  const counts = ZERO_COUNTS();
  const total = zeroMoney();
  for (const claim of claims) {
    addCounts(counts, claim.counts['header-falsity']);
    addCounts(counts, claim.counts.other);
    addMoney(total, claim.total);
  }

  const sensitivity: SensitivityResult[] = ruleSet.sensitivity.map((s) => {
    const byClaim = claims.map((c) => {
      const whole = unitsFor(c, s.applies, s.unit, s.attempts);
      const [num, den] = s.unit === 'delivery' ? deliveryShare(c, s.applies) : [BigInt(whole), 1n];
      const units = den > 1n ? Number(num) / Number(den) : whole;
      return { plaintiff: c.plaintiff, defendant: c.defendant, units, total: (num * s.amount) / den };
    });
    return {
      id: s.id,
      label: s.label,
      labelFr: s.labelFr,
      source: s.source,
      applies: s.applies,
      unit: s.unit,
      attempts: s.attempts,
      amount: s.amount,
      units:
        ruleSet.allocation.rule === 'shared' && s.unit === 'delivery'
          ? ((): number => {
              const [num, den] = shareOf(
                claims.flatMap((c) =>
                  (s.applies === 'all' ? (['header-falsity', 'other'] as const) : [s.applies]).map((k) => c.holders[k]),
                ),
              );
              return Number(num) / Number(den);
            })()
          : byClaim.reduce((n, c) => n + c.units, 0),
      total: byClaim.reduce((n, c) => n + c.total, 0n),
      byClaim,
    };
  });

  const allocation: AllocationResult = {
    ...ruleSet.allocation,
    overlap: opts.overlap ?? null,
    claimedDeliveries: counts.deliveries,
    jointCap: null,
    shares: null,
  };
  if (ruleSet.allocation.rule === 'shared') {
    const per = new Map<string, ClaimResult[]>();
    for (const c of claims) per.set(c.plaintiff, [...(per.get(c.plaintiff) ?? []), c]);
    allocation.shares = [...per].map(([plaintiff, cs]) => {
      const maps = cs.flatMap((c) => [c.holders['header-falsity'], c.holders.other]);
      const [num, den] = shareOf(maps);
      let full = 0;
      let partial = 0;
      for (const m of maps)
        for (const [h, d] of m) {
          if (h === 1) full += d;
          else partial += d;
        }
      return { plaintiff, claimed: { numerator: Number(num), denominator: Number(den) }, full, partial };
    });
    // Every share of a delivery summed over the plaintiffs: each delivery once.
    const [num, den] = shareOf(claims.flatMap((c) => [c.holders['header-falsity'], c.holders.other]));
    allocation.claimedDeliveries = Number(num / den);
  }
  let sensitivityRows = sensitivity;
  let caseCounts = counts;
  if (ruleSet.allocation.rule === 'each-in-full' && opts.onceRows !== undefined) {
    // The joint total never exceeds the amount for the deliveries counted once; the sensitivity rows
    // and the case's counts use that once-only counting too.
    const once = computeDamages(
      { ...ruleSet, allocation: { ...ruleSet.allocation, rule: 'first-harvester' } },
      opts.onceRows,
      {
        ...(opts.defendant === undefined ? {} : { defendant: opts.defendant }),
        ...(opts.attemptRows === undefined ? {} : { attemptRows: opts.attemptRows }),
        ...(opts.attemptSource === undefined ? {} : { attemptSource: opts.attemptSource }),
      },
    );
    const sumOfClaims = { ...total };
    const capped = { low: false, claimed: false, max: false };
    for (const c of COLUMNS) {
      capped[c] = once.total[c] < total[c];
      total[c] = minBig(total[c], once.total[c]);
    }
    allocation.jointCap = { sumOfClaims, once: once.total, onceDeliveries: once.counts.deliveries, capped };
    sensitivityRows = once.sensitivity;
    caseCounts = once.counts;
  }
  if (opts.caseCounts !== undefined) caseCounts = opts.caseCounts;

  return {
    ruleSet,
    allocation,
    defendantFilter: opts.defendant ?? null,
    claims,
    byPlaintiff: subtotal((c) => c.plaintiff),
    byDefendant: subtotal((c) => c.defendant),
    byCategory,
    counts: caseCounts,
    total,
    sensitivity: sensitivityRows,
    warnings,
    attempts:
      filters.length > 0 && opts.attemptSource !== undefined
        ? { filters, outcomes: caseOutcomes, counted: filteredUnion(caseOutcomes, filters), source: opts.attemptSource }
        : null,
  };
}

export type { Column };
