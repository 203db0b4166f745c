/**
 * Attempts from the provider's mail server logs as a damages unit (docs/DAMAGES.md, "Attempts as a unit"), on
 * the logs case (test/helpers/logs-case.ts: generated corpus and Postfix, Exim, Sendmail and Exchange logs with
 * known truth) plus one hand-written log a second plaintiff acquired. The expected figures come from what the
 * generator wrote (truth.unmatched: per envelope sender, the attempts no harvested item can match, by outcome)
 * and from the hand-written lines; a matched attempt (a harvested delivery) is never an attempt unit.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { createDefendant } from '../../server/attribution/defendants.ts';
import { getCase } from '../../server/cases/cases.ts';
import { caseDamages } from '../../server/damages/case-damages.ts';
import type { ClaimResult, LineResult } from '../../server/damages/compute.ts';
import { damagesCsv, damagesJson } from '../../server/damages/exhibit.ts';
import { methodText } from '../../server/damages/method-text.ts';
import { formatCount } from '../../server/damages/money.ts';
import { ATTEMPT_FILTERS, parseRuleSet, type AttemptFilter } from '../../server/damages/rule-set.ts';
import { isSpamcaseError } from '../../server/errors.ts';
import { gatherSummaryData } from '../../server/pdf/gather.ts';
import { renderSummaryPdf } from '../../server/pdf/render.ts';
import { ingestLogs } from '../../server/usecases/logs.ts';
import type { UnmatchedTruth } from '../corpus/logs.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { buildLogsCase } from '../helpers/logs-case.ts';
import { pdfText } from '../pdf/pdf-readers.ts';

const HEAD = ['title: Attempts', 'jurisdiction: Test', 'currency: USD', 'source: Test statute § 1'];

/** One rule per attempt filter at $1 (the refused one with a range), and a per-delivery rule. */
function ruleFile(dir: string): string {
  const file = path.join(dir, 'attempts.yaml');
  const rules = ATTEMPT_FILTERS.map((f) =>
    [
      `  - id: attempts-${f}`,
      `    label: Attempts ${f}`,
      `    source: Test statute § 2`,
      '    unit: attempt',
      `    attempts: ${f}`,
      `    amount: ${f === 'refused' ? '{ low: 0.50, claimed: 1, max: 3 }' : '1'}`,
    ].join('\n'),
  );
  fs.writeFileSync(
    file,
    [
      'name: attempts',
      ...HEAD,
      'rules:',
      '  - id: per-delivery',
      '    label: Per delivery',
      '    source: Test statute § 1(a)',
      '    amount: 10',
      ...rules,
      'sensitivity:',
      '  - id: half-a-dollar',
      '    label: Half a dollar an attempt',
      '    source: Chosen by counsel',
      '    unit: attempt',
      '    attempts: all',
      '    amount: 0.50',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * Wanadoo's own log of mx9.wanadoo.fr: from S1 (a Doe 1 account) one refusal for an unknown user and one
 * by policy; from Stranger@Example.ORG (no defendant's) one message to two mailboxes nobody harvested, one
 * deferred then sent (one attempt, delivered), one only deferred.
 */
function wanadooLog(dir: string, s1: string): string {
  const file = path.join(dir, 'maillog');
  const c = 'relay.example.net[198.51.100.7]';
  const relay = 'relay=mailstore.wanadoo.fr[10.0.0.2]:2003, delay=1, delays=0/0/0/1';
  fs.writeFileSync(
    file,
    [
      `Dec  5 10:00:00 mx9 postfix/smtpd[100]: connect from ${c}`,
      `Dec  5 10:00:01 mx9 postfix/smtpd[100]: NOQUEUE: reject: RCPT from ${c}: 550 5.1.1 <nobody@wanadoo.fr>: Recipient address rejected: User unknown in virtual mailbox table; from=<${s1}> to=<nobody@wanadoo.fr> proto=ESMTP helo=<relay.example.net>`,
      `Dec  5 10:00:02 mx9 postfix/smtpd[100]: NOQUEUE: reject: RCPT from ${c}: 554 5.7.1 <x@wanadoo.fr>: Relay access denied; from=<${s1}> to=<x@wanadoo.fr> proto=ESMTP helo=<relay.example.net>`,
      `Dec  5 10:00:03 mx9 postfix/smtpd[100]: AAA111: client=${c}`,
      `Dec  5 10:00:03 mx9 postfix/cleanup[101]: AAA111: message-id=<not-harvested-1@example.org>`,
      `Dec  5 10:00:03 mx9 postfix/qmgr[220]: AAA111: from=<Stranger@Example.ORG>, size=4000, nrcpt=2 (queue active)`,
      `Dec  5 10:00:04 mx9 postfix/lmtp[102]: AAA111: to=<a@wanadoo.fr>, ${relay}, dsn=4.4.1, status=deferred (connect to mailstore.wanadoo.fr refused)`,
      `Dec  5 10:00:04 mx9 postfix/lmtp[102]: AAA111: to=<b@wanadoo.fr>, ${relay}, dsn=4.4.1, status=deferred (connect to mailstore.wanadoo.fr refused)`,
      `Dec  5 10:05:04 mx9 postfix/lmtp[102]: AAA111: to=<a@wanadoo.fr>, ${relay}, dsn=2.1.5, status=sent (250 2.1.5 Ok)`,
      `Dec  5 10:05:05 mx9 postfix/smtpd[100]: disconnect from ${c}`,
      '',
    ].join('\n'),
  );
  return file;
}

type Outcomes = { uu: number; up: number; d: number; b: number; df: number };

/** What each filter counts, from outcomes written down (the generator's truth, or the hand-written log). */
function expected(o: Outcomes): Record<AttemptFilter, number> {
  return {
    all: o.uu + o.up + o.d + o.b + o.df,
    refused: o.uu + o.up,
    'refused-unknown-user': o.uu,
    'refused-policy': o.up,
    delivered: o.d,
    bounced: o.b,
    deferred: o.df,
    accepted: o.d + o.b + o.df,
  };
}

function sum(list: UnmatchedTruth[]): Outcomes {
  return list.reduce(
    (a, u) => ({
      uu: a.uu + u.refusedUnknownUsers,
      up: a.up + u.refusedPolicy,
      d: a.d + u.delivered,
      b: a.b + u.bounced,
      df: a.df,
    }),
    { uu: 0, up: 0, d: 0, b: 0, df: 0 },
  );
}

storageTest(
  'attempt units count the unmatched attempts per plaintiff (the log’s party) and defendant (the envelope sender)',
  async ({ ctx }) => {
    const truth = await buildLogsCase(ctx, 'lpn', [{ name: 'Wanadoo', batesPrefix: 'WAN' }]);
    const senders = [...truth.unmatched.keys()].sort();
    const doe = senders.slice(0, Math.ceil(senders.length / 2));
    assert.ok(doe.length >= 2 && senders.length - doe.length >= 2, `${senders.length} senders in the truth`);
    await createDefendant(ctx, 'lpn', 'Doe 1', doe);
    const dir = tempDir('spamcase-attempt-damages-');
    await ingestLogs(ctx, {
      case: 'lpn',
      party: 'WAN',
      server: 'mx9.wanadoo.fr',
      tz: 'UTC',
      yearEnd: '2005-12-31',
      paths: [wanadooLog(dir, doe[0]!.toUpperCase())],
    });

    const { result } = await caseDamages(ctx.db.knex, 'lpn', { rules: ruleFile(dir) });
    const inDoe = new Set(doe);
    const want = new Map<string, Record<AttemptFilter, number>>([
      ['Laposte.net|Doe 1', expected(sum(doe.map((a) => truth.unmatched.get(a)!)))],
      ['Laposte.net|', expected(sum(senders.filter((a) => !inDoe.has(a)).map((a) => truth.unmatched.get(a)!)))],
      ['Wanadoo|Doe 1', expected({ uu: 1, up: 1, d: 0, b: 0, df: 0 })],
      ['Wanadoo|', expected({ uu: 0, up: 0, d: 1, b: 0, df: 1 })],
    ]);
    for (const [key, figures] of want) {
      const [plaintiff, defendant] = key.split('|');
      const claim: ClaimResult | undefined = result.claims.find(
        (c) => c.plaintiff === plaintiff && (c.defendant ?? '') === defendant,
      );
      assert.ok(claim, `claim ${key}`);
      for (const f of ATTEMPT_FILTERS) {
        const line: LineResult = claim.lines.find((l) => l.rule === `attempts-${f}`)!;
        assert.equal(line.units, figures[f], `${key} ${f}`);
        assert.equal(line.amount.claimed, BigInt(figures[f]) * 100n, `${key} ${f}: $1 each`);
      }
      const refused = claim.lines.find((l) => l.rule === 'attempts-refused')!;
      assert.deepEqual(refused.amount, {
        low: BigInt(figures.refused) * 50n,
        claimed: BigInt(figures.refused) * 100n,
        max: BigInt(figures.refused) * 300n,
      });
      // The filters used include `all`: every unmatched attempt of the claim is counted.
      assert.equal(claim.attemptUnits, figures.all, `${key} attempts counted`);
    }
    // Wanadoo harvested nothing: its claims hold attempts only, no delivery.
    for (const c of result.claims.filter((x) => x.plaintiff === 'Wanadoo'))
      assert.equal(c.lines.find((l) => l.rule === 'per-delivery')!.units, 0);

    // Matched attempts are harvested deliveries: left out, so the unmatched total is the truth's attempts less
    // its matched ones, plus Wanadoo's four.
    const unmatched = truth.totals.attempts - truth.totals.matchedSamples + 4;
    assert.ok(truth.totals.matchedSamples > 0);
    assert.equal(result.attempts?.counted, unmatched);
    assert.equal(result.attempts?.source.attempts, truth.totals.attempts + 4);
    assert.equal(result.attempts?.source.matched, truth.totals.matchedSamples);
    const allFiles = Object.values(truth.files).flat().length + 1;
    assert.equal(result.attempts?.source.logFiles, allFiles);
    assert.deepEqual(result.attempts?.source.parties, ['Laposte.net', 'Wanadoo']);
    const sensitivity = result.sensitivity.find((s) => s.id === 'half-a-dollar')!;
    assert.equal(sensitivity.units, unmatched);
    assert.equal(sensitivity.total, BigInt(unmatched) * 50n);

    // The method text states the unit's method, in English and in French.
    const en = methodText(result, 'en').find((p) => p.startsWith('Attempts from the mail server logs'));
    assert.ok(en, 'an English paragraph on attempts');
    assert.ok(
      en.includes(
        `Read from ${allFiles} log files of the servers ex1.laposte.net, mx1.laposte.net, mx2.laposte.net, mx3.laposte.net, mx9.wanadoo.fr, acquired by Laposte.net, Wanadoo.`,
      ),
      en,
    );
    assert.ok(
      en.includes(
        `Of the ${formatCount(truth.totals.attempts + 4, 'en')} attempts these logs hold, ${formatCount(truth.totals.matchedSamples, 'en')} were matched to a harvested item and are not counted as attempts`,
      ),
      en,
    );
    const fr = methodText(result, 'fr').find((p) => p.startsWith('Tentatives des journaux'));
    assert.ok(fr, 'a French paragraph on attempts');
    assert.ok(
      fr.includes(
        `Des ${formatCount(truth.totals.attempts + 4, 'fr')} tentatives de ces journaux, ${formatCount(truth.totals.matchedSamples, 'fr')} ont été rapprochées`,
      ),
      fr,
    );
    assert.ok(
      methodText(result, 'en').some((p) =>
        p.startsWith(
          'Rule "Attempts refused" (Test statute § 2): $1.00 claimed, range $0.50 to $3.00 per attempt, applied to the attempts the server refused',
        ),
      ),
    );

    // damages.csv carries the figure in the line rows, its filter in the unit column.
    const csv = damagesCsv(result);
    const header = csv[0]!;
    const col = (name: string) => header.indexOf(name);
    const refusedRow = csv.find(
      (r) => r[0] === 'line' && r[1] === 'Wanadoo' && r[2] === 'Doe 1' && r[col('rule')] === 'attempts-refused',
    )!;
    assert.equal(refusedRow[col('unit')], 'attempt:refused');
    assert.equal(refusedRow[col('units')], '2');
    assert.equal(refusedRow[col('claimed')], '2.00');
    const json = damagesJson(result);
    assert.equal(json.attempts?.counted, unmatched);
    assert.equal(
      json.claims.find((c) => c.plaintiff === 'Wanadoo' && c.defendant === null)?.attemptUnits,
      2,
      'delivered and deferred',
    );

    // One defendant's claims: attempts of its senders only, a plaintiff with attempts and no delivery included.
    const one = (await caseDamages(ctx.db.knex, 'lpn', { rules: ruleFile(dir), defendant: 'doe 1' })).result;
    assert.deepEqual(
      one.claims.map((c) => [c.plaintiff, c.defendant, c.attemptUnits]),
      [
        ['Laposte.net', 'Doe 1', want.get('Laposte.net|Doe 1')!.all],
        ['Wanadoo', 'Doe 1', 2],
      ],
    );

    // A rule counting only deferred attempts: Wanadoo's refusals from Doe 1's sender make no claim; its one
    // attempt deferred with no delivery logged after is counted, the one deferred then sent is not.
    const deferredOnly = path.join(dir, 'deferred.yaml');
    fs.writeFileSync(
      deferredOnly,
      [
        'name: deferred',
        ...HEAD,
        'rules:',
        '  - { id: deferred, label: D, source: S, unit: attempt, attempts: deferred, amount: 1 }',
        '',
      ].join('\n'),
    );
    const deferred = (await caseDamages(ctx.db.knex, 'lpn', { rules: deferredOnly })).result;
    assert.deepEqual(
      deferred.claims.filter((c) => c.plaintiff === 'Wanadoo').map((c) => [c.defendant, c.lines[0]!.units]),
      [[null, 1]],
    );
    assert.equal(deferred.attempts?.counted, 1, 'the generated logs hold no attempt left deferred');

    // The PDF's damages table: an "Attempts (not harvested)" column, each claim's figure in it, only for a rule
    // set that counts attempts.
    const caseId = (await getCase(ctx.db.knex, 'lpn')).id;
    const data = await gatherSummaryData(ctx, caseId, { rules: ruleFile(dir) });
    for (const [lang, column, ungrouped] of [
      ['en', 'Attempts (not harvested)', '(not grouped)'],
      ['fr', 'Tentatives hors collecte', '(non regroupés)'],
    ] as const) {
      const text = pdfText(await renderSummaryPdf(data, { lang }));
      const flat = text.replace(/\s+/g, ' ');
      assert.ok(flat.includes(column), `${lang}: the column header, whole`);
      const row = text.split('\n').find((l) => l.trim().startsWith('Wanadoo') && l.includes(ungrouped));
      assert.ok(row, `${lang}: the Wanadoo row against the ungrouped accounts`);
      // Violations 0, attempts 2, then the amounts.
      assert.match(row.slice(row.indexOf(ungrouped) + ungrouped.length), /^\s+0\s+2\s/, row);
    }
    const plain = path.join(dir, 'plain.yaml');
    fs.writeFileSync(
      plain,
      ['name: plain', ...HEAD, 'rules:', '  - { id: d, label: D, source: S, amount: 1 }', ''].join('\n'),
    );
    const without = pdfText(
      await renderSummaryPdf(await gatherSummaryData(ctx, caseId, { rules: plain }), { lang: 'en' }),
    );
    assert.ok(without.includes('6. Damages') || without.includes('Damages'), 'a damages section');
    assert.ok(!/Attempts \(not/.test(without), 'no attempt column without an attempt unit');
  },
  { timeout: 300_000 },
);

function problems(src: string): string[] {
  try {
    parseRuleSet(src, 'bad.yaml');
  } catch (err) {
    if (isSpamcaseError(err)) return (err.details as { problems: string[] }).problems;
    throw err;
  }
  assert.fail('the rule set loaded');
}

test('attempt units are validated with the rule set’s other problems', () => {
  const rule = (lines: string[]) =>
    [
      ...HEAD,
      'rules:',
      '  - id: r',
      '    label: R',
      '    source: S',
      ...lines.map((l) => `    ${l}`),
      '    amount: 1',
      '',
    ].join('\n');
  assert.deepEqual(problems(rule(['unit: attempt', 'attempts: refusd'])), [
    'bad.yaml:10:15: rules[1]: unknown attempts "refusd" (expected one of: all, refused, refused-unknown-user, refused-policy, delivered, bounced, deferred, accepted)',
  ]);
  assert.deepEqual(problems(rule(['attempts: refused'])), [
    'bad.yaml:9:5: rules[1]: "attempts" is used only with unit attempt (this row counts deliveries)',
  ]);
  assert.deepEqual(problems(rule(['unit: day', 'attempts: all'])), [
    'bad.yaml:10:5: rules[1]: "attempts" is used only with unit attempt (this row counts days)',
  ]);
  assert.deepEqual(problems(rule(['unit: attempt'])), [
    'bad.yaml:6:5: rules[1]: unit attempt needs "attempts": which logged attempts count (one of: all, refused, refused-unknown-user, refused-policy, delivered, bounced, deferred, accepted)',
  ]);
  assert.deepEqual(problems(rule(['unit: attempt', 'attempts: all', 'applies: header-falsity'])), [
    'bad.yaml:11:14: rules[1]: unit attempt counts attempts no harvested item matched, whose header nobody read: applies must be all (got header-falsity)',
  ]);
  assert.deepEqual(problems(rule(['unit: attempt', 'attempts: [refused]'])), [
    'bad.yaml:10:15: rules[1]: unknown attempts "(not a word)" (expected one of: all, refused, refused-unknown-user, refused-policy, delivered, bounced, deferred, accepted)',
  ]);
  assert.deepEqual(
    problems(
      [
        ...HEAD,
        'allocation:',
        '  rule: shared',
        'rules:',
        '  - id: r',
        '    label: R',
        '    source: S',
        '    unit: attempt',
        '    attempts: refused',
        '    amount: 1',
        '',
      ].join('\n'),
    ),
    [
      'bad.yaml:6:3: allocation: rule shared splits deliveries between plaintiffs, but r counts attempts (use unit delivery, or another allocation)',
    ],
  );
  // A sensitivity row is checked the same way.
  assert.deepEqual(
    problems(
      [
        ...HEAD,
        'rules:',
        '  - { id: r, label: R, source: S, amount: 1 }',
        'sensitivity:',
        '  - { id: s, label: S, source: S, amount: 1, attempts: delivered }',
        '',
      ].join('\n'),
    ),
    ['bad.yaml:8:46: sensitivity[1]: "attempts" is used only with unit attempt (this row counts deliveries)'],
  );
  // Loaded: the filter is kept on the rule.
  const rs = parseRuleSet(rule(['unit: attempt', 'attempts: refused-policy']), 'good.yaml');
  assert.equal(rs.rules[0]!.unit, 'attempt');
  assert.equal(rs.rules[0]!.attempts, 'refused-policy');
});
