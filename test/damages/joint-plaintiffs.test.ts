/**
 * Joint plaintiffs on a real two-party case from overlapping harvests (test/helpers/joint-case.ts,
 * truth from how the files were written): one case total, each party's own and exclusive counts,
 * the overlap table, and damages that claim no delivery twice unless the rule set says so in words.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getCase } from '../../server/cases/cases.ts';
import { caseDamages } from '../../server/damages/case-damages.ts';
import { damagesCsv } from '../../server/damages/exhibit.ts';
import { methodText } from '../../server/damages/method-text.ts';
import { caseReport } from '../../server/report/counts.ts';
import { partyOverlap } from '../../server/report/overlap.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { buildJointCase, JOINT_PARTIES } from '../helpers/joint-case.ts';

function ruleFile(dir: string, name: string, allocation: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: ${name}`,
      'title: Ten dollars a delivery',
      'jurisdiction: Test',
      'currency: USD',
      'source: Test statute § 1',
      allocation,
      'rules:',
      '  - id: per-delivery',
      '    label: Per delivery',
      '    source: Test statute § 1(a)',
      '    applies: all',
      '    amount: { low: 1, claimed: 10, max: 30 }',
      'sensitivity:',
      '  - id: one-dollar',
      '    label: One dollar a delivery',
      '    source: Chosen by counsel',
      '    amount: 1',
      '',
    ].join('\n'),
  );
  return file;
}

storageTest('a joint case: overlap counted once, and each allocation claims what it says', async ({ ctx }) => {
  const dir = tempDir('spamcase-joint-');
  const truth = await buildJointCase(ctx, 'joint', path.join(dir, 'harvests'));
  const total = truth.deliveries.length;
  const own = JOINT_PARTIES.map((_, p) => truth.deliveries.filter((d) => d.holders.includes(p)).length);
  const exclusive = JOINT_PARTIES.map(
    (_, p) => truth.deliveries.filter((d) => d.holders.length === 1 && d.holders[0] === p).length,
  );
  const both = truth.deliveries.filter((d) => d.holders.length === 2).length;
  assert.ok(both > 0 && own[0]! + own[1]! > total, 'the harvests overlap');

  const c = await getCase(ctx.db.knex, 'joint');
  const overlap = await partyOverlap(ctx.db.knex, c.id);
  assert.equal(overlap.caseDeliveries, total);
  assert.equal(overlap.heldBySeveral, both);
  assert.deepEqual(
    overlap.parties.map((p) => [p.name, p.deliveries, p.exclusive]),
    JOINT_PARTIES.map((p, i) => [p.name, own[i], exclusive[i]]),
  );
  assert.deepEqual(overlap.both, [
    [own[0], both],
    [both, own[1]],
  ]);
  const report = await caseReport(ctx.db.knex, 'joint');
  assert.equal(report.deliveries, total);
  assert.deepEqual(report.overlap, overlap, 'the report carries the overlap table');

  const rules = tempDir('spamcase-joint-rules-');
  const perParty = (claimed: (d: (typeof truth.deliveries)[number]) => number) =>
    JOINT_PARTIES.map((_, p) => truth.deliveries.filter((d) => claimed(d) === p).length);
  /** Deliveries claimed per plaintiff, in JOINT_PARTIES order. */
  const claimedBy = (result: { byPlaintiff: { name: string | null; counts: { deliveries: number } }[] }) =>
    JOINT_PARTIES.map((p) => result.byPlaintiff.find((s) => s.name === p.name)?.counts.deliveries ?? 0);

  // Default (no allocation in the file): the first harvester, every delivery once.
  const byDefault = (await caseDamages(ctx.db.knex, 'joint', { rules: ruleFile(rules, 'plain', '') })).result;
  assert.equal(byDefault.allocation.rule, 'first-harvester');
  assert.equal(byDefault.allocation.written, false);
  const firstCounts = perParty((d) => d.first);
  assert.deepEqual(claimedBy(byDefault), firstCounts);
  assert.equal(byDefault.counts.deliveries, total);
  assert.equal(byDefault.total.claimed, BigInt(total) * 1000n, 'claims no delivery twice');
  assert.equal(byDefault.sensitivity[0]!.units, total, 'the sensitivity rows count the same deliveries');
  const en = methodText(byDefault, 'en').join('\n');
  assert.match(en, new RegExp(`the case holds ${total} deliveries, each counted once; ${both} were harvested`));
  assert.match(en, /Allocation \(the default: the rule set names none\): each delivery is claimed once/);
  assert.match(
    en,
    new RegExp(
      `Claimed: Laposte.net ${firstCounts[1]} deliveries, MSN Hotmail ${firstCounts[0]} deliveries; ${total} in all, no delivery claimed twice`,
    ),
  );
  assert.match(en, new RegExp(`\\$1.00 × ${total} deliveries = \\$${total}.00`));
  assert.match(methodText(byDefault, 'fr').join('\n'), /aucune remise demandée deux fois/);

  // own-users: by the recipient's domain.
  const ownUsers = (
    await caseDamages(ctx.db.knex, 'joint', {
      rules: ruleFile(
        rules,
        'own-users',
        'allocation:\n  rule: own-users\n  source: agreement between the plaintiffs\n  domains:\n    MSN: [hotmail.example]\n    Laposte.net: [laposte.example]',
      ),
    })
  ).result;
  const ownerCounts = perParty((d) => d.owner);
  assert.notDeepEqual(ownerCounts, firstCounts, 'the fixture tells the two rules apart');
  assert.deepEqual(claimedBy(ownUsers), ownerCounts);
  assert.equal(ownUsers.total.claimed, BigInt(total) * 1000n);
  assert.match(
    methodText(ownUsers, 'en').join('\n'),
    /Allocation \(rule set, agreement between the plaintiffs\): each delivery is claimed once, by the plaintiff whose user it was addressed to, by recipient domain \(MSN Hotmail: hotmail.example; Laposte.net: laposte.example\)/,
  );

  // each-in-full: both plaintiffs claim the overlap, the joint total is capped at once.
  const inFull = (
    await caseDamages(ctx.db.knex, 'joint', {
      rules: ruleFile(rules, 'in-full', 'allocation:\n  rule: each-in-full'),
    })
  ).result;
  assert.deepEqual(claimedBy(inFull), own);
  assert.equal(inFull.allocation.claimedDeliveries, own[0]! + own[1]!);
  assert.equal(inFull.allocation.jointCap?.sumOfClaims.claimed, BigInt(own[0]! + own[1]!) * 1000n);
  assert.equal(inFull.total.claimed, BigInt(total) * 1000n, 'the joint total is capped at the deliveries counted once');
  assert.equal(inFull.counts.deliveries, total);
  assert.equal(inFull.sensitivity[0]!.units, total);
  const inFullText = methodText(inFull, 'en').join('\n');
  assert.match(
    inFullText,
    /each plaintiff claims in full every delivery it harvested, so a delivery harvested by two plaintiffs is claimed by both/,
  );
  assert.match(inFullText, new RegExp(`the sum of the claims, \\$${(own[0]! + own[1]!) * 10}.00, is reduced to it`));
  const csv = damagesCsv(inFull);
  assert.deepEqual(
    csv.filter((r) => r[0] === 'joint-cap' || r[0] === 'total').map((r) => [r[0], r[15]]),
    [
      ['joint-cap', `${total * 10}.00`],
      ['total', `${total * 10}.00`],
    ],
  );

  // shared: a delivery both harvested is split in halves; the joint total still claims each delivery once.
  const shared = (
    await caseDamages(ctx.db.knex, 'joint', {
      rules: ruleFile(rules, 'shared', 'allocation:\n  rule: shared\n  source: agreement between the plaintiffs'),
    })
  ).result;
  const halves = JOINT_PARTIES.map((_, p) =>
    truth.deliveries.filter((d) => d.holders.includes(p)).reduce((n, d) => n + 1 / d.holders.length, 0),
  );
  assert.deepEqual(
    shared.allocation.shares?.map((s) => [s.plaintiff, s.claimed.numerator / s.claimed.denominator, s.full, s.partial]),
    [
      ['Laposte.net', halves[1], exclusive[1], both],
      ['MSN Hotmail', halves[0], exclusive[0], both],
    ],
  );
  assert.equal(shared.allocation.claimedDeliveries, total);
  const sharedLines = shared.claims.flatMap((c) => c.lines.map((l) => [c.plaintiff, l.unitsShare, l.amount.claimed]));
  assert.deepEqual(sharedLines, [
    ['Laposte.net', { numerator: 2 * exclusive[1]! + both, denominator: 2 }, BigInt(Math.floor(halves[1]! * 1000))],
    ['MSN Hotmail', { numerator: 2 * exclusive[0]! + both, denominator: 2 }, BigInt(Math.floor(halves[0]! * 1000))],
  ]);
  assert.equal(shared.total.claimed, BigInt(total) * 1000n, 'the halves add up to each delivery once');
  assert.equal(shared.sensitivity[0]!.units, total);
  const sharedText = methodText(shared, 'en').join('\n');
  const mixed = (p: number) => `${exclusive[p]! + Math.floor(both / 2)}${both % 2 ? ' 1/2' : ''}`;
  assert.match(
    sharedText,
    new RegExp(
      `shared equally between them: harvested by k plaintiffs, it counts 1/k for each \\(1/2 for two\\).*Claimed: Laposte.net ${mixed(1)} \\(${exclusive[1]} in full, a share of ${both} more\\); MSN Hotmail ${mixed(0)} \\(${exclusive[0]} in full, a share of ${both} more\\); ${total} deliveries in all, no delivery claimed twice`,
    ),
  );
  assert.match(methodText(shared, 'fr').join('\n'), /partagée à parts égales/);
  assert.deepEqual(
    damagesCsv(shared)
      .filter((r) => r[0] === 'line')
      .map((r) => r[7]),
    [`${2 * exclusive[1]! + both}/2`, `${2 * exclusive[0]! + both}/2`],
  );
  // A share of a delivery is not a share of a message: shared takes delivery (or fixed) units only.
  const perMessage = ruleFile(rules, 'shared-messages', 'allocation:\n  rule: shared');
  fs.writeFileSync(
    perMessage,
    fs.readFileSync(perMessage, 'utf8').replace('    applies: all\n', '    applies: all\n    unit: message\n'),
  );
  await assert.rejects(
    caseDamages(ctx.db.knex, 'joint', { rules: perMessage }),
    /allocation: rule shared splits deliveries between plaintiffs, but per-delivery counts messages/,
  );

  // A domain named for a party the case does not have is refused with the rule set's name.
  await assert.rejects(
    caseDamages(ctx.db.knex, 'joint', {
      rules: ruleFile(rules, 'bad-party', 'allocation:\n  rule: own-users\n  domains:\n    AOL: [aol.example]'),
    }),
    /allocation.domains names "AOL", which is not a party of this case/,
  );
});
