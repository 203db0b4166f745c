/**
 * Damages rule sets as data: YAML files in templates/damages/, validated on load. Every problem is
 * reported at once, each with the file, line and column it is on (`us-can-spam.yaml:14:11: ...`),
 * because the people who edit these files are legal staff, not programmers.
 *
 * YAML rather than JSON: staff can write comments beside an amount (why it was chosen, which
 * judgment), and the `yaml` package's LineCounter gives the position of every node. Amounts are
 * read from the source text of the scalar (never through a JavaScript float) and become BigInt
 * minor units.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { PROJECT_ROOT } from '../config.ts';
import { SpamcaseError } from '../errors.ts';
import { ATTEMPT_OUTCOMES } from '../logs/volumes.ts';
import { CURRENCIES, isCurrency, parseDecimal, type Currency } from './money.ts';

export const RULES_DIR = path.join(PROJECT_ROOT, 'templates', 'damages');

/**
 * What a rule counts: a delivery (one message to one mailbox: the default), a message, an account, a day, one fixed
 * sum per claim, or an attempt from the provider's mail server logs that matched no harvested item (`attempts:`
 * says which: ATTEMPT_FILTERS).
 */
export const UNITS = ['delivery', 'message', 'account', 'day', 'fixed', 'attempt'] as const;
export type Unit = (typeof UNITS)[number];

/**
 * Which logged attempts a `unit: attempt` rule counts (docs/DAMAGES.md, "Attempts as a unit"). Each attempt
 * has one outcome (server/logs/volumes.ts ATTEMPT_OUTCOMES); `all` is every attempt, `refused` both kinds of
 * refusal, `accepted` every attempt the server took (delivered, bounced, deferred, or taken with no later
 * outcome logged); the others are that one outcome.
 */
export const ATTEMPT_FILTERS = ['all', 'refused', ...ATTEMPT_OUTCOMES] as const;
export type AttemptFilter = (typeof ATTEMPT_FILTERS)[number];

/** Which violations a rule applies to: those where attribution found false header information, the others, or all. */
export const CATEGORIES = ['header-falsity', 'other', 'all'] as const;
export type Category = (typeof CATEGORIES)[number];

export const COLUMNS = ['low', 'claimed', 'max'] as const;
export type Column = (typeof COLUMNS)[number];
export type Triple<T> = Record<Column, T>;

/** Limits against a mistyped file (a factor of 3000 instead of 3 would still be "valid"). */
export const MAX_FACTOR = 100;
/** A rule set is a page of text; anything bigger is not one (and is not parsed). */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface Rule {
  id: string;
  label: string;
  /** The label in French (method text and PDF in French); the English label when absent. */
  labelFr: string | null;
  source: string;
  applies: Category;
  unit: Unit;
  /** unit attempt: which attempts count; null for the other units. */
  attempts: AttemptFilter | null;
  /** Per unit, in minor units. */
  amount: Triple<bigint>;
  /** Per claim (one plaintiff against one defendant), applied to this rule's amount before multipliers. */
  cap: { amount: Triple<bigint>; source: string } | null;
  note: string | null;
  line: number;
}

export interface Multiplier {
  id: string;
  label: string;
  labelFr: string | null;
  source: string;
  factor: Triple<number>;
  /** Rule ids it multiplies; null = every rule. */
  rules: string[] | null;
  line: number;
}

export interface Sensitivity {
  id: string;
  label: string;
  labelFr: string | null;
  source: string;
  applies: Category;
  unit: Unit;
  /** unit attempt: which attempts count; null for the other units. */
  attempts: AttemptFilter | null;
  amount: bigint;
  line: number;
}

/**
 * How a delivery that several plaintiffs harvested is claimed (docs/DAMAGES.md, "Joint plaintiffs"):
 *   first-harvester  by the plaintiff whose harvest first brought it into the case (the party of the
 *                    delivery's first item, whose Bates number it carries): the default
 *   own-users        by the plaintiff whose users' recipient domain it was addressed to (`domains`),
 *                    any other delivery by its first harvester
 *   shared           by every plaintiff that harvested it, in equal shares: 1/k each for a delivery k
 *                    plaintiffs harvested (delivery units only: a message, account or day is not split)
 *   each-in-full     by every plaintiff that harvested it, in full, the joint total capped at the
 *                    amount for the deliveries counted once (first harvester)
 * The first three never claim one delivery twice; the last says so in words wherever it is used.
 */
export const ALLOCATION_RULES = ['first-harvester', 'own-users', 'shared', 'each-in-full'] as const;
export type AllocationRule = (typeof ALLOCATION_RULES)[number];

export interface Allocation {
  rule: AllocationRule;
  /** own-users: each plaintiff (as named in the file: party name or Bates prefix) and its users' domains. */
  domains: Array<{ party: string; domains: string[] }>;
  /** Why this allocation (an agreement between the plaintiffs, a judgment); null when not given. */
  source: string | null;
  /** False when the file has no `allocation` (the default applies). */
  written: boolean;
}

export const DEFAULT_ALLOCATION: Allocation = { rule: 'first-harvester', domains: [], source: null, written: false };

const DOMAIN_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export interface RuleSet {
  name: string;
  title: string;
  titleFr: string | null;
  jurisdiction: string;
  currency: Currency;
  source: string;
  description: string | null;
  rules: Rule[];
  multipliers: Multiplier[];
  sensitivity: Sensitivity[];
  allocation: Allocation;
  /** The file's text exactly as read (the bundle carries it as used). */
  text: string;
  /** Where it was loaded from and the SHA-256 of its bytes: the exhibit names the exact file used. */
  file: string;
  sha256: string;
}

class Problems {
  readonly list: string[] = [];
  constructor(
    private readonly label: string,
    private readonly lines: LineCounter,
  ) {}

  lineOf(node: YamlNode | null | undefined): number {
    return node?.range ? this.lines.linePos(node.range[0]).line : 1;
  }

  at(node: YamlNode | null | undefined, message: string, offset?: number): void {
    const pos = this.lines.linePos(offset ?? node?.range?.[0] ?? 0);
    this.list.push(`${this.label}:${pos.line}:${pos.col}: ${message}`);
  }
}

type Reader = {
  problems: Problems;
  src: string;
  currency: Currency | null;
};

function keysOf(map: YAMLMap): Map<string, { key: YamlNode; value: YamlNode | null }> {
  const out = new Map<string, { key: YamlNode; value: YamlNode | null }>();
  for (const pair of map.items) {
    const key = pair.key as YamlNode;
    const name = isScalar(key) ? String(key.value) : '';
    out.set(name, { key, value: (pair.value as YamlNode | null) ?? null });
  }
  return out;
}

function checkKeys(r: Reader, map: YAMLMap, where: string, allowed: readonly string[]): void {
  for (const [name, { key }] of keysOf(map)) {
    if (!allowed.includes(name))
      r.problems.at(key, `${where}: unknown field "${name}" (allowed: ${allowed.join(', ')})`);
  }
}

function text(r: Reader, map: YAMLMap, field: string, where: string, required: boolean): string | null {
  const entry = keysOf(map).get(field);
  if (
    !entry ||
    entry.value === null ||
    (isScalar(entry.value) && (entry.value.value === null || entry.value.value === ''))
  ) {
    if (required)
      r.problems.at(
        entry?.key ?? map,
        `${where}: "${field}" is missing${field === 'source' ? ' (name the statute, article or judgment this comes from)' : ''}`,
      );
    return null;
  }
  if (!isScalar(entry.value) || typeof entry.value.value !== 'string') {
    r.problems.at(entry.value, `${where}: "${field}" must be text`);
    return null;
  }
  return entry.value.value.trim();
}

function choice<T extends string>(
  r: Reader,
  map: YAMLMap,
  field: string,
  where: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const entry = keysOf(map).get(field);
  if (!entry || entry.value === null) return fallback;
  const v = isScalar(entry.value) ? entry.value.value : undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  r.problems.at(
    entry.value,
    `${where}: unknown ${field} ${JSON.stringify(isScalar(entry.value) ? entry.value.value : '(not a word)')} (expected one of: ${allowed.join(', ')})`,
  );
  return fallback;
}

/** The scalar exactly as written in the file (so 0.50 is "0.50", not the float 0.5). */
function scalarSource(r: Reader, node: YamlNode): string | null {
  if (!isScalar(node)) return null;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' && node.range) return r.src.slice(node.range[0], node.range[1]).trim();
  return null;
}

function money(r: Reader, node: YamlNode, where: string): bigint | null {
  const written = scalarSource(r, node);
  if (written === null) {
    r.problems.at(node, `${where}: expected an amount such as 100 or 0.50`);
    return null;
  }
  if (/^\s*-/.test(written)) {
    r.problems.at(node, `${where}: negative amount ${written} (amounts are what a rule awards: zero or more)`);
    return null;
  }
  if (/[$€£]|USD|EUR|GBP|CAD/i.test(written)) {
    r.problems.at(
      node,
      `${where}: write the amount without a currency ("${written}"); the rule set's currency field says which currency`,
    );
    return null;
  }
  const digits = r.currency ? CURRENCIES[r.currency].digits : 2;
  const parsed = parseDecimal(written, digits);
  if (typeof parsed === 'string') {
    r.problems.at(node, `${where}: ${parsed}`);
    return null;
  }
  return parsed;
}

/** `100` (the same in every column) or `{ low: 0, claimed: 100, max: 100 }`; low ≤ claimed ≤ max. */
function triple<T extends bigint | number>(
  r: Reader,
  node: YamlNode | null,
  where: string,
  one: (n: YamlNode, w: string) => T | null,
): Triple<T> | null {
  if (node === null) return null;
  if (isMap(node)) {
    checkKeys(r, node, where, COLUMNS);
    const entries = keysOf(node);
    const out: Partial<Triple<T>> = {};
    for (const c of COLUMNS) {
      const e = entries.get(c);
      if (!e || e.value === null) {
        r.problems.at(node, `${where}: "${c}" is missing (give low, claimed and max, or one value for all three)`);
        return null;
      }
      const v = one(e.value, `${where}.${c}`);
      if (v === null) return null;
      out[c] = v;
    }
    const t = out as Triple<T>;
    if (t.low > t.claimed || t.claimed > t.max)
      r.problems.at(node, `${where}: low must not exceed claimed, and claimed must not exceed max`);
    return t;
  }
  const v = one(node, where);
  return v === null ? null : { low: v, claimed: v, max: v };
}

function factor(r: Reader, node: YamlNode, where: string): number | null {
  const written = scalarSource(r, node);
  if (written === null || !/^\d{1,3}$/.test(written) || Number(written) < 1 || Number(written) > MAX_FACTOR) {
    r.problems.at(
      node,
      `${where}: a multiplier is a whole number from 1 to ${MAX_FACTOR} (got ${JSON.stringify(written ?? '(not a number)')})`,
    );
    return null;
  }
  return Number(written);
}

function seqOfMaps(r: Reader, map: YAMLMap, field: string, required: boolean): YAMLMap[] {
  const entry = keysOf(map).get(field);
  if (!entry || entry.value === null) {
    if (required) r.problems.at(entry?.key ?? map, `"${field}" is missing: a rule set needs at least one rule`);
    return [];
  }
  if (!isSeq(entry.value)) {
    r.problems.at(entry.value, `"${field}" must be a list (lines starting with "- ")`);
    return [];
  }
  if (required && entry.value.items.length === 0)
    r.problems.at(entry.value, `"${field}" is empty: a rule set needs at least one rule`);
  const out: YAMLMap[] = [];
  entry.value.items.forEach((item, i) => {
    if (isMap(item)) out.push(item);
    else r.problems.at(item as YamlNode, `${field}[${i + 1}] must be a mapping (id:, label:, source:, ...)`);
  });
  return out;
}

function id(r: Reader, map: YAMLMap, where: string, seen: Set<string>): string {
  const v = text(r, map, 'id', where, true) ?? '';
  const node = keysOf(map).get('id')?.value ?? map;
  if (v && !ID_PATTERN.test(v))
    r.problems.at(node, `${where}: id "${v}" must be lower-case letters, digits and dashes`);
  if (v && seen.has(v)) r.problems.at(node, `${where}: id "${v}" is used twice`);
  seen.add(v);
  return v;
}

/**
 * `unit` and `attempts` together: a `unit: attempt` row names which attempts it counts, `attempts:` belongs to
 * that unit only, and an attempt no item matched has no harvested header, so it is in no header category.
 */
function attemptFilter(r: Reader, m: YAMLMap, where: string, unit: Unit, applies: Category): AttemptFilter | null {
  const entry = keysOf(m).get('attempts');
  if (unit !== 'attempt') {
    if (entry)
      r.problems.at(
        entry.key,
        `${where}: "attempts" is used only with unit attempt (this row counts ${unit === 'fixed' ? 'a fixed sum' : unit === 'delivery' ? 'deliveries' : `${unit}s`})`,
      );
    return null;
  }
  if (!entry || entry.value === null) {
    r.problems.at(
      entry?.key ?? m,
      `${where}: unit attempt needs "attempts": which logged attempts count (one of: ${ATTEMPT_FILTERS.join(', ')})`,
    );
    return 'all';
  }
  if (applies !== 'all')
    r.problems.at(
      keysOf(m).get('applies')?.value ?? m,
      `${where}: unit attempt counts attempts no harvested item matched, whose header nobody read: applies must be all (got ${applies})`,
    );
  return choice(r, m, 'attempts', where, ATTEMPT_FILTERS, 'all');
}

/** Parse and validate rule-set text. `label` names the file in messages. */
export function parseRuleSet(src: string, label: string, file = label): RuleSet {
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, schema: 'core' });
  const problems = new Problems(label, lines);
  for (const e of doc.errors) problems.at(null, `not valid YAML: ${e.message.split('\n')[0]}`, e.pos[0]);
  const fail = () =>
    new SpamcaseError(
      'INVALID_INPUT',
      `rule set ${label} has ${problems.list.length} problem${problems.list.length === 1 ? '' : 's'}:\n  ${problems.list.join('\n  ')}`,
      {
        details: { problems: problems.list },
      },
    );
  if (problems.list.length > 0) throw fail();
  const root = doc.contents as YamlNode | null;
  if (!isMap(root)) {
    problems.at(root, 'a rule set is a mapping with name, title, jurisdiction, currency, source and rules');
    throw fail();
  }
  const r: Reader = { problems, src, currency: null };
  checkKeys(r, root, 'rule set', [
    'name',
    'title',
    'title_fr',
    'jurisdiction',
    'currency',
    'source',
    'description',
    'rules',
    'multipliers',
    'sensitivity',
    'allocation',
  ]);

  const baseName = path.basename(file).replace(/\.ya?ml$/i, '');
  const name = text(r, root, 'name', 'rule set', false) ?? baseName;
  if (!NAME_PATTERN.test(name))
    problems.at(
      keysOf(root).get('name')?.value ?? root,
      `rule set: name "${name}" must be lower-case letters, digits and dashes`,
    );
  const title = text(r, root, 'title', 'rule set', true) ?? '';
  const titleFr = text(r, root, 'title_fr', 'rule set', false);
  const jurisdiction = text(r, root, 'jurisdiction', 'rule set', true) ?? '';
  const source = text(r, root, 'source', 'rule set', true) ?? '';
  const description = text(r, root, 'description', 'rule set', false);
  const currencyText = text(r, root, 'currency', 'rule set', true);
  if (currencyText !== null) {
    if (isCurrency(currencyText)) r.currency = currencyText;
    else
      problems.at(
        keysOf(root).get('currency')!.value,
        `rule set: unknown currency "${currencyText}" (expected one of: ${Object.keys(CURRENCIES).join(', ')})`,
      );
  }

  const ruleIds = new Set<string>();
  const rules: Rule[] = seqOfMaps(r, root, 'rules', true).map((m, i) => {
    const where = `rules[${i + 1}]`;
    checkKeys(r, m, where, [
      'id',
      'label',
      'label_fr',
      'source',
      'applies',
      'unit',
      'attempts',
      'amount',
      'cap',
      'note',
    ]);
    const ruleId = id(r, m, where, ruleIds);
    const amountNode = keysOf(m).get('amount')?.value ?? null;
    if (amountNode === null) problems.at(m, `${where}: "amount" is missing (per unit: 100, or low/claimed/max)`);
    const amount = triple(r, amountNode, `${where}.amount`, (n, w) => money(r, n, w));
    let cap: Rule['cap'] = null;
    const capNode = keysOf(m).get('cap')?.value ?? null;
    if (capNode !== null) {
      if (!isMap(capNode)) problems.at(capNode, `${where}.cap: expected amount: and source:`);
      else {
        checkKeys(r, capNode, `${where}.cap`, ['amount', 'source']);
        const capAmountNode = keysOf(capNode).get('amount')?.value ?? null;
        if (capAmountNode === null) problems.at(capNode, `${where}.cap: "amount" is missing`);
        const capAmount = triple(r, capAmountNode, `${where}.cap.amount`, (n, w) => money(r, n, w));
        const capSource = text(r, capNode, 'source', `${where}.cap`, true);
        if (capAmount && capSource) cap = { amount: capAmount, source: capSource };
      }
    }
    const unit = choice(r, m, 'unit', where, UNITS, 'delivery');
    const applies = choice(r, m, 'applies', where, CATEGORIES, 'all');
    return {
      id: ruleId,
      label: text(r, m, 'label', where, true) ?? '',
      labelFr: text(r, m, 'label_fr', where, false),
      source: text(r, m, 'source', where, true) ?? '',
      applies,
      unit,
      attempts: attemptFilter(r, m, where, unit, applies),
      amount: amount ?? { low: 0n, claimed: 0n, max: 0n },
      cap,
      note: text(r, m, 'note', where, false),
      line: problems.lineOf(m),
    };
  });

  const multiplierIds = new Set<string>();
  const multipliers: Multiplier[] = seqOfMaps(r, root, 'multipliers', false).map((m, i) => {
    const where = `multipliers[${i + 1}]`;
    checkKeys(r, m, where, ['id', 'label', 'label_fr', 'source', 'factor', 'rules']);
    const factorNode = keysOf(m).get('factor')?.value ?? null;
    if (factorNode === null) problems.at(m, `${where}: "factor" is missing (3, or low/claimed/max)`);
    const f = triple(r, factorNode, `${where}.factor`, (n, w) => factor(r, n, w));
    let applyTo: string[] | null = null;
    const rulesNode = keysOf(m).get('rules')?.value ?? null;
    if (rulesNode !== null) {
      if (!isSeq(rulesNode)) problems.at(rulesNode, `${where}.rules: a list of rule ids`);
      else {
        applyTo = [];
        for (const item of rulesNode.items) {
          const v = isScalar(item) ? String(item.value) : '';
          if (!ruleIds.has(v))
            problems.at(item as YamlNode, `${where}.rules: no rule with id "${v}" (rules: ${[...ruleIds].join(', ')})`);
          applyTo.push(v);
        }
      }
    }
    return {
      id: id(r, m, where, multiplierIds),
      label: text(r, m, 'label', where, true) ?? '',
      labelFr: text(r, m, 'label_fr', where, false),
      source: text(r, m, 'source', where, true) ?? '',
      factor: f ?? { low: 1, claimed: 1, max: 1 },
      rules: applyTo,
      line: problems.lineOf(m),
    };
  });

  const sensitivityIds = new Set<string>();
  const sensitivity: Sensitivity[] = seqOfMaps(r, root, 'sensitivity', false).map((m, i) => {
    const where = `sensitivity[${i + 1}]`;
    checkKeys(r, m, where, ['id', 'label', 'label_fr', 'source', 'applies', 'unit', 'attempts', 'amount']);
    const amountNode = keysOf(m).get('amount')?.value ?? null;
    if (amountNode === null) problems.at(m, `${where}: "amount" is missing`);
    const amount = amountNode === null ? null : money(r, amountNode, `${where}.amount`);
    const unit = choice(r, m, 'unit', where, UNITS, 'delivery');
    const applies = choice(r, m, 'applies', where, CATEGORIES, 'all');
    return {
      id: id(r, m, where, sensitivityIds),
      label: text(r, m, 'label', where, true) ?? '',
      labelFr: text(r, m, 'label_fr', where, false),
      source: text(r, m, 'source', where, true) ?? '',
      applies,
      unit,
      attempts: attemptFilter(r, m, where, unit, applies),
      amount: amount ?? 0n,
      line: problems.lineOf(m),
    };
  });

  const allocation = readAllocation(r, root);
  if (allocation.rule === 'own-users' && allocation.domains.length === 0)
    problems.at(
      keysOf(root).get('allocation')?.value ?? root,
      'allocation: rule own-users needs "domains" (each plaintiff and its users\' recipient domains)',
    );

  if (allocation.rule === 'shared') {
    // A share of a delivery is a fraction of one violation; a message, account, day or attempt has no such split
    // (an attempt no item matched was harvested by nobody: there is nothing to share).
    for (const x of [...rules, ...sensitivity])
      if (x.unit !== 'delivery' && x.unit !== 'fixed')
        problems.at(
          keysOf(root).get('allocation')?.value ?? root,
          `allocation: rule shared splits deliveries between plaintiffs, but ${x.id} counts ${x.unit}s (use unit delivery, or another allocation)`,
        );
  }

  if (problems.list.length > 0) throw fail();
  return {
    name,
    title,
    titleFr,
    jurisdiction,
    currency: r.currency!,
    source,
    description,
    rules,
    multipliers,
    sensitivity,
    allocation,
    text: src,
    file,
    sha256: crypto.createHash('sha256').update(src).digest('hex'),
  };
}

function readAllocation(r: Reader, root: YAMLMap): Allocation {
  const node = keysOf(root).get('allocation')?.value ?? null;
  if (node === null) return DEFAULT_ALLOCATION;
  if (!isMap(node)) {
    r.problems.at(node, `allocation: expected rule: (${ALLOCATION_RULES.join(', ')}), and domains: for own-users`);
    return DEFAULT_ALLOCATION;
  }
  checkKeys(r, node, 'allocation', ['rule', 'domains', 'source']);
  if (!keysOf(node).has('rule'))
    r.problems.at(node, `allocation: "rule" is missing (one of: ${ALLOCATION_RULES.join(', ')})`);
  const rule = choice(r, node, 'rule', 'allocation', ALLOCATION_RULES, 'first-harvester');
  const source = text(r, node, 'source', 'allocation', false);
  const domains: Allocation['domains'] = [];
  const domainsNode = keysOf(node).get('domains')?.value ?? null;
  if (domainsNode !== null) {
    if (rule !== 'own-users') r.problems.at(domainsNode, 'allocation: "domains" is used only by rule own-users');
    if (!isMap(domainsNode)) r.problems.at(domainsNode, 'allocation.domains: a mapping, plaintiff: [domain, ...]');
    else {
      const owner = new Map<string, string>();
      for (const [party, { key, value }] of keysOf(domainsNode)) {
        const list: string[] = [];
        if (value === null || !isSeq(value)) {
          r.problems.at(value ?? key, `allocation.domains.${party}: a list of domains, such as [hotmail.com, msn.com]`);
          continue;
        }
        for (const item of value.items) {
          const d = isScalar(item) ? String(item.value).trim().toLowerCase() : '';
          if (!DOMAIN_PATTERN.test(d)) {
            r.problems.at(item as YamlNode, `allocation.domains.${party}: "${d}" is not a domain name`);
            continue;
          }
          const other = owner.get(d);
          if (other !== undefined && other !== party)
            r.problems.at(item as YamlNode, `allocation.domains.${party}: ${d} is already the domain of ${other}`);
          owner.set(d, party);
          list.push(d);
        }
        domains.push({ party, domains: list });
      }
    }
  }
  return { rule, domains, source, written: true };
}

/** The rule sets shipped (and added by staff) in templates/damages/, by name. */
export function listRuleSets(dir = RULES_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .map((f) => f.replace(/\.ya?ml$/i, ''))
    .sort();
}

/** A rule set by name (templates/damages/<name>.yaml) or by path (anything with a slash or a .yaml ending). */
export function loadRuleSet(nameOrPath: string, dir = RULES_DIR): RuleSet {
  const isPath = /[/\\]/.test(nameOrPath) || /\.ya?ml$/i.test(nameOrPath);
  if (!isPath && !NAME_PATTERN.test(nameOrPath)) {
    throw new SpamcaseError(
      'RULE_SET_NOT_FOUND',
      `no rule set named ${JSON.stringify(nameOrPath)} (rule sets: ${listRuleSets(dir).join(', ')})`,
    );
  }
  const file = isPath
    ? path.resolve(nameOrPath)
    : [`${nameOrPath}.yaml`, `${nameOrPath}.yml`].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  let src: string;
  try {
    if (!file) throw Object.assign(new Error('not found'), { code: 'ENOENT' });
    const size = fs.statSync(file).size;
    if (size > MAX_RULE_FILE_BYTES)
      throw new SpamcaseError(
        'LIMIT_EXCEEDED',
        `rule set ${nameOrPath} is ${size} bytes; a rule set is at most ${MAX_RULE_FILE_BYTES} bytes`,
      );
    src = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof SpamcaseError) throw err;
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new SpamcaseError(
        'RULE_SET_NOT_FOUND',
        isPath
          ? `no rule set file at ${nameOrPath}`
          : `no rule set named "${nameOrPath}" (rule sets: ${listRuleSets(dir).join(', ')})`,
        { cause: err },
      );
    }
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read rule set ${nameOrPath}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const label = path.relative(PROJECT_ROOT, file).startsWith('..') ? file : path.relative(PROJECT_ROOT, file);
  return parseRuleSet(src, label, file);
}
