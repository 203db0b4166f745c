/**
 * Rule files as staff write them: every shipped rule set loads; a file with a mistake is refused
 * with a message that names the file, the line and the column of each mistake.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isSpamcaseError } from '../../server/errors.ts';
import { listRuleSets, loadRuleSet, parseRuleSet } from '../../server/damages/rule-set.ts';
import { tempDir } from '../helpers/databases.ts';

const GOOD = `name: test-rules
title: Test
jurisdiction: Testland
currency: USD
source: Test Act § 1
rules:
  - id: a
    label: Per delivery
    source: Test Act § 1(a)
    unit: delivery
    amount: { low: 1, claimed: 2.50, max: 3 }
`;

/** The problems a rule text is rejected with. */
function problems(text: string): string[] {
  try {
    parseRuleSet(text, 'bad.yaml');
  } catch (err) {
    assert.ok(isSpamcaseError(err, 'INVALID_INPUT'), String(err));
    return (err.details?.problems as string[]) ?? [];
  }
  assert.fail('the rule set was accepted');
}

test('every rule set shipped in templates/damages loads and cites its sources', () => {
  const names = listRuleSets();
  assert.deepEqual(names, [
    'custom-template',
    'fr-civil-paris-2004',
    'fr-cpce-r10-1',
    'us-ca-bpc-17529-5',
    'us-can-spam-isp',
  ]);
  for (const name of names) {
    const rs = loadRuleSet(name);
    assert.equal(rs.name, name);
    assert.match(rs.sha256, /^[0-9a-f]{64}$/);
    for (const r of rs.rules) assert.ok(r.source.length > 5, `${name} ${r.id} source`);
  }
  const canSpam = loadRuleSet('us-can-spam-isp');
  assert.deepEqual(
    canSpam.rules.map((r) => [r.id, r.applies, r.unit, r.amount.claimed, r.cap?.amount.claimed ?? null]),
    [
      ['header-falsity', 'header-falsity', 'delivery', 10000n, null],
      ['other', 'other', 'delivery', 2500n, 100000000n],
    ],
  );
  assert.deepEqual(canSpam.multipliers[0]!.factor, { low: 1, claimed: 1, max: 3 });
  assert.deepEqual(
    canSpam.sensitivity.map((s) => s.amount),
    [5000n, 50n],
  );
  assert.equal(loadRuleSet('fr-cpce-r10-1').currency, 'EUR');
});

test('a good file parses amounts from their text: 2.50 is 250 cents, never a float', () => {
  const rs = parseRuleSet(GOOD, 'good.yaml');
  assert.deepEqual(rs.rules[0]!.amount, { low: 100n, claimed: 250n, max: 300n });
  assert.equal(rs.rules[0]!.line, 7);
  assert.equal(rs.rules[0]!.applies, 'all', 'applies defaults to all');
  const noUnit = parseRuleSet(GOOD.replace('    unit: delivery\n', ''), 'good.yaml');
  assert.equal(noUnit.rules[0]!.unit, 'delivery', 'the unit defaults to the delivery');
});

test('an unknown unit is rejected naming its line', () => {
  assert.deepEqual(problems(GOOD.replace('unit: delivery', 'unit: mesage')), [
    'bad.yaml:10:11: rules[1]: unknown unit "mesage" (expected one of: delivery, message, account, day, fixed, attempt)',
  ]);
});

test('a negative amount is rejected naming its line', () => {
  assert.deepEqual(problems(GOOD.replace('low: 1,', 'low: -1,')), [
    'bad.yaml:11:20: rules[1].amount.low: negative amount -1 (amounts are what a rule awards: zero or more)',
  ]);
});

test('a missing source is rejected naming the rule it is missing from', () => {
  assert.deepEqual(problems(GOOD.replace('    source: Test Act § 1(a)\n', '')), [
    'bad.yaml:7:5: rules[1]: "source" is missing (name the statute, article or judgment this comes from)',
  ]);
  assert.deepEqual(problems(GOOD.replace('source: Test Act § 1\n', 'source:\n')), [
    'bad.yaml:5:1: rule set: "source" is missing (name the statute, article or judgment this comes from)',
  ]);
});

test('a wrong currency, a currency symbol, too many decimals and a typo are each named', () => {
  assert.deepEqual(problems(GOOD.replace('currency: USD', 'currency: US$')), [
    'bad.yaml:4:11: rule set: unknown currency "US$" (expected one of: USD, EUR, GBP, CAD)',
  ]);
  assert.match(
    problems(GOOD.replace('max: 3 }', 'max: "$3" }'))[0]!,
    /^bad\.yaml:11:43: rules\[1\]\.amount\.max: write the amount without a currency/,
  );
  assert.deepEqual(problems(GOOD.replace('claimed: 2.50', 'claimed: 2.505')), [
    'bad.yaml:11:32: rules[1].amount.claimed: "2.505" has more than 2 decimal places',
  ]);
  assert.deepEqual(problems(GOOD.replace('    unit: delivery\n', '    unit: delivery\n    ammount: 3\n')), [
    'bad.yaml:11:5: rules[1]: unknown field "ammount" (allowed: id, label, label_fr, source, applies, unit, attempts, amount, cap, note)',
  ]);
});

test('every problem in a file is reported at once, each with its line', () => {
  const text =
    GOOD.replace('unit: delivery', 'unit: week').replace('low: 1,', 'low: -1,') +
    'multipliers:\n  - id: m\n    label: M\n    source: S\n    factor: 0.5\n    rules: [b]\n';
  const list = problems(text);
  assert.deepEqual(
    list.map((p) => p.split(':').slice(0, 2).join(':')),
    ['bad.yaml:11', 'bad.yaml:10', 'bad.yaml:16', 'bad.yaml:17'],
  );
  assert.match(list[2]!, /a multiplier is a whole number from 1 to 100 \(got "0.5"\)/);
  assert.match(list[3]!, /no rule with id "b"/);
});

test('low above claimed, a YAML syntax error and an empty rule list are refused', () => {
  assert.match(
    problems(GOOD.replace('low: 1,', 'low: 5,'))[0]!,
    /^bad\.yaml:11:13: rules\[1\]\.amount: low must not exceed claimed/,
  );
  assert.match(
    problems(GOOD.replace('    label: Per delivery', '    label: Per: delivery'))[0]!,
    /^bad\.yaml:8:\d+: not valid YAML/,
  );
  assert.match(problems(GOOD.replace(/rules:[\s\S]*/, 'rules: []\n'))[0]!, /^bad\.yaml:6:8: "rules" is empty/);
});

test('loadRuleSet names the file on disk; an unknown name lists the rule sets there are', () => {
  const dir = tempDir('spamcase-rules-');
  const file = path.join(dir, 'mine.yaml');
  fs.writeFileSync(file, GOOD.replace('unit: delivery', 'unit: mesage'));
  assert.throws(
    () => loadRuleSet(file),
    (err: unknown) =>
      isSpamcaseError(err, 'INVALID_INPUT') && err.message.includes(`${file}:10:11: rules[1]: unknown unit "mesage"`),
  );
  fs.writeFileSync(file, GOOD);
  assert.equal(loadRuleSet(file).file, file);
  assert.equal(loadRuleSet('mine', dir).title, 'Test');
  assert.throws(
    () => loadRuleSet('nope'),
    (err: unknown) => isSpamcaseError(err, 'RULE_SET_NOT_FOUND') && /rule sets: custom-template, /.test(err.message),
  );
  assert.throws(
    () => loadRuleSet('../etc/passwd.yaml'),
    (err: unknown) => isSpamcaseError(err, 'RULE_SET_NOT_FOUND'),
  );
  fs.writeFileSync(file, `${GOOD}#${'x'.repeat(1024 * 1024)}\n`);
  assert.throws(
    () => loadRuleSet(file),
    (err: unknown) => isSpamcaseError(err, 'LIMIT_EXCEEDED') && /at most 1048576 bytes/.test(err.message),
  );
});
