/**
 * Damages end to end, as a user runs them (`npx spamcase`, a child process) on a generated corpus
 * with known truth, ingested into a real SQLite file and a real PostgreSQL database.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { getCase } from '../../server/cases/cases.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import { caseDamages, chooseRuleSet } from '../../server/damages/case-damages.ts';
import { gatherViolationCounts } from '../../server/damages/violation-counts.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function spamcase(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Distinct UTC days of the Date headers in the corpus files: an independent tally of "days". */
function distinctDays(dir: string): number {
  const days = new Set<string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.eml')) {
        const head = fs.readFileSync(p, 'latin1').split(/\r?\n\r?\n/, 1)[0]!;
        const date = /^Date: (.+)$/im.exec(head)?.[1];
        if (date) days.add(new Date(date).toISOString().slice(0, 10));
      }
    }
  };
  walk(dir);
  return days.size;
}

const cents = (n: number, dollars: number) => `${BigInt(n) * BigInt(dollars)}.00`;

storageTest(
  'damages on an ingested corpus: counts match the truth, amounts follow the rule set, the choice is kept and reported',
  async ({ ctx, env: e }) => {
    const out = path.join(tempDir('spamcase-damages-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 150, seed: 7, layout: 'eml' });
    const days = distinctDays(path.join(out, 'trap'));
    assert.ok(days > 1);

    assert.equal(
      spamcase(e, 'case', 'create', 'lpn', '--title', 'Laposte.net v. Doe', '--party', 'Laposte.net:LPN').code,
      0,
    );
    const ingested = spamcase(e, 'ingest', '--case', 'lpn', path.join(out, 'trap'));
    assert.equal(ingested.code, 0, ingested.stderr);

    const run = spamcase(e, 'damages', '--case', 'lpn', '--rules', 'us-can-spam-isp', '--json');
    assert.equal(run.code, 0, run.stderr);
    const d = JSON.parse(run.stdout);
    assert.deepEqual(d.counts, {
      deliveries: truth.deliveries,
      messages: truth.messages,
      accounts: truth.accounts,
      days,
    });
    // No trusted relays configured, so attribution asserts no forged header: every delivery is an
    // "other" violation, $25 each, not capped at this size.
    assert.ok(truth.deliveries < 40_000);
    assert.deepEqual(d.total, { low: '0.00', claimed: cents(truth.deliveries, 25), max: cents(truth.deliveries, 75) });
    assert.deepEqual(
      d.claims.map((c: { plaintiff: string; defendant: string | null }) => [c.plaintiff, c.defendant]),
      [['Laposte.net', null]],
    );
    assert.equal(d.sensitivity[0].total, cents(truth.deliveries, 50));
    assert.equal(d.ruleSet.name, 'us-can-spam-isp');
    assert.match(
      d.method[0],
      new RegExp(
        `^Counted: ${truth.deliveries.toLocaleString('en-US')} deliveries .* for 1 plaintiff; no account has been assigned to a defendant yet\\.`,
      ),
    );

    const csv = spamcase(e, 'damages', '--case', 'lpn', '--rules', 'fr-cpce-r10-1', '--csv');
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split('\r\n');
    assert.equal(lines.length, 4, csv.stdout);
    assert.match(
      lines[3]!,
      new RegExp(
        `^total,.*,0\\.00,${cents(truth.deliveries, 750).replace('.', '\\.')},${cents(truth.deliveries, 3750).replace('.', '\\.')},EUR$`,
      ),
    );

    const table = spamcase(e, 'damages', '--case', 'lpn', '--rules', 'fr-cpce-r10-1', '--lang', 'fr');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Décompte : \d+ remises .*; aucun compte n’est encore rattaché à un défendeur\./);
    assert.match(table.stdout, /\(non rattaché\)/);

    // No rule set chosen yet: the report has no damages section, and `damages` without --rules says what to do.
    assert.equal(JSON.parse(spamcase(e, 'report', '--case', 'lpn', '--json').stdout).damages, undefined);
    const none = spamcase(e, 'damages', '--case', 'lpn');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no rule set chosen for case "lpn"/);

    // Choosing a rule set: stored, a custody event, and the report gains a damages section.
    const saved = spamcase(e, 'damages', '--case', 'lpn', '--rules', 'us-can-spam-isp', '--save', '--json');
    assert.equal(saved.code, 0, saved.stderr);
    let report = JSON.parse(spamcase(e, 'report', '--case', 'lpn', '--json').stdout);
    assert.equal(report.damages.ruleSet.name, 'us-can-spam-isp');
    assert.equal(report.damages.total.claimed, cents(truth.deliveries, 25));
    const set = spamcase(e, 'case', 'set', '--case', 'lpn', '--rules', 'us-ca-bpc-17529-5');
    assert.equal(set.code, 0, set.stderr);
    report = JSON.parse(spamcase(e, 'report', '--case', 'lpn', '--json').stdout);
    assert.equal(report.damages.ruleSet.name, 'us-ca-bpc-17529-5');
    assert.equal(report.damages.total.claimed, cents(truth.deliveries, 1000));
    assert.equal(
      JSON.parse(spamcase(e, 'damages', '--case', 'lpn', '--json').stdout).ruleSet.name,
      'us-ca-bpc-17529-5',
      'without --rules: the chosen one',
    );

    const c = await getCase(ctx.db.knex, 'lpn');
    const events = await listCustodyEvents(ctx.db.knex, c.id, c.slug);
    const chosen = events.filter((ev) => ev.action === 'damages-rules-chosen');
    assert.deepEqual(
      chosen.map((ev) => ev.details.rules),
      ['us-can-spam-isp', 'us-ca-bpc-17529-5'],
    );
    assert.match(String(chosen[1]!.details.sha256), /^[0-9a-f]{64}$/);
    assert.deepEqual(verifyCustodyChain(events), []);

    // A rule file with a mistake: refused, naming the file and line; the choice is unchanged.
    const bad = path.join(tempDir('spamcase-rules-'), 'ours.yaml');
    const shipped = fs.readFileSync(path.join(PROJECT_ROOT, 'templates/damages/us-can-spam-isp.yaml'), 'utf8');
    const badLine = shipped.split('\n').findIndex((l) => l.trim() === 'unit: delivery') + 1;
    fs.writeFileSync(bad, shipped.replace('unit: delivery', 'unit: recipient'));
    const refused = spamcase(e, 'case', 'set', '--case', 'lpn', '--rules', bad);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${badLine}:11: rules\\[1\\]: unknown unit "recipient"`),
    );
    assert.equal(
      JSON.parse(spamcase(e, 'report', '--case', 'lpn', '--json').stdout).damages.ruleSet.name,
      'us-ca-bpc-17529-5',
    );
    const unknown = spamcase(e, 'damages', '--case', 'lpn', '--rules', 'nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no rule set named "nope" \(rule sets: custom-template, fr-civil-paris-2004/);
    const noDefendant = spamcase(e, 'damages', '--case', 'lpn', '--rules', 'us-can-spam-isp', '--defendant', 'Doe 1');
    assert.equal(noDefendant.code, 1);
    assert.match(noDefendant.stderr, /no defendant named "Doe 1" in this case \(defendants: none yet\)/);

    const list = JSON.parse(spamcase(e, 'damages', 'rules', '--json').stdout) as Array<{
      name: string;
      error: string | null;
    }>;
    assert.deepEqual(
      list.map((r) => [r.name, r.error]),
      [
        ['custom-template', null],
        ['fr-civil-paris-2004', null],
        ['fr-cpce-r10-1', null],
        ['us-ca-bpc-17529-5', null],
        ['us-can-spam-isp', null],
      ],
    );
  },
  { timeout: 300_000 },
);

storageTest(
  "several plaintiffs: each party's violations are counted from what it harvested, and a case without deliveries owes nothing",
  async ({ ctx, env: e }) => {
    const out = path.join(tempDir('spamcase-damages-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 80, seed: 5, layout: 'mixed' });
    assert.equal(
      spamcase(
        e,
        'case',
        'create',
        'two',
        '--title',
        'LPN and MSN v. Doe',
        '--party',
        'Laposte.net:LPN',
        '--party',
        'MSN Hotmail:MSN',
        '--party',
        'Free:FREE',
      ).code,
      0,
    );
    // Laposte.net harvested everything first; MSN harvested the mbox only, afterwards: every MSN delivery is one
    // Laposte.net holds too. Both parties show it in their own counts; the damages claim each delivery once.
    assert.equal(
      spamcase(
        e,
        'ingest',
        '--case',
        'two',
        '--party',
        'LPN',
        path.join(out, 'trap'),
        path.join(out, 'reports.mbox'),
        path.join(out, 'maildir'),
      ).code,
      0,
    );
    assert.equal(spamcase(e, 'ingest', '--case', 'two', '--party', 'MSN', path.join(out, 'reports.mbox')).code, 0);

    const c = await getCase(ctx.db.knex, 'two');
    const report = JSON.parse(spamcase(e, 'report', '--case', 'two', '--json').stdout) as {
      parties: Array<{ name: string; deliveries: number }>;
      overlap: { heldBySeveral: number; parties: Array<{ name: string; deliveries: number; exclusive: number }> };
    };
    const msnReported = report.parties.find((p) => p.name === 'MSN Hotmail')!.deliveries;
    assert.ok(msnReported > 0 && msnReported < truth.deliveries);
    assert.deepEqual(
      report.overlap.parties.map((p) => [p.name, p.deliveries, p.exclusive]),
      [
        ['Laposte.net', truth.deliveries, truth.deliveries - msnReported],
        ['MSN Hotmail', msnReported, 0],
        ['Free', 0, 0],
      ],
    );
    assert.equal(report.overlap.heldBySeveral, msnReported);

    // The default allocation: each delivery claimed by its first harvester.
    const rows = await gatherViolationCounts(ctx.db.knex, c.id);
    assert.deepEqual(
      rows.map((r) => r.party),
      ['Laposte.net'],
      'MSN harvested nothing Laposte.net had not brought in first; Free harvested nothing',
    );
    assert.deepEqual(rows[0], {
      party: 'Laposte.net',
      defendant: null,
      headerFalsity: false,
      deliveries: truth.deliveries,
      messages: truth.messages,
      accounts: truth.accounts,
      days: rows[0]!.days,
    });
    // Every party that harvested a delivery, as the each-in-full rule counts them.
    const held = await gatherViolationCounts(ctx.db.knex, c.id, {
      rule: 'each-in-full',
      domains: [],
      source: null,
      written: true,
    });
    assert.deepEqual(
      held.map((r) => [r.party, r.deliveries]),
      [
        ['Laposte.net', truth.deliveries],
        ['MSN Hotmail', msnReported],
      ],
    );
    assert.ok(held[1]!.messages <= held[1]!.deliveries && held[1]!.accounts <= held[1]!.messages);

    const d = JSON.parse(spamcase(e, 'damages', '--case', 'two', '--rules', 'us-ca-bpc-17529-5', '--json').stdout);
    assert.deepEqual(
      d.byPlaintiff.map((p: { plaintiff: string; total: { claimed: string } }) => [p.plaintiff, p.total.claimed]),
      [['Laposte.net', cents(truth.deliveries, 1000)]],
    );
    assert.equal(d.total.claimed, cents(truth.deliveries, 1000), 'no delivery claimed twice');
    assert.equal(d.allocation.rule, 'first-harvester');

    // A rule set kept outside templates/ is stored by path; if its bytes change afterwards, the exhibit says so.
    const own = path.join(tempDir('spamcase-rules-'), 'counsel.yaml');
    fs.writeFileSync(own, fs.readFileSync(path.join(PROJECT_ROOT, 'templates/damages/fr-cpce-r10-1.yaml'), 'utf8'));
    await chooseRuleSet(ctx, 'two', own);
    assert.deepEqual((await caseDamages(ctx.db.knex, 'two')).result.warnings, []);
    fs.appendFileSync(own, '# edited after it was chosen\n');
    const changed = await caseDamages(ctx.db.knex, 'two');
    assert.equal(changed.choice?.rules, own);
    assert.equal(changed.choice?.changedSinceChosen, true);
    assert.match(changed.result.warnings[0]!.en, /changed since it was chosen/);
    const reported = JSON.parse(spamcase(e, 'report', '--case', 'two', '--json').stdout);
    assert.match(
      reported.damages.warnings[0],
      new RegExp(`the rule set file ${own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} changed since it was chosen`),
    );

    assert.equal(spamcase(e, 'case', 'create', 'empty', '--title', 'Nothing yet', '--party', 'A:AA').code, 0);
    const empty = JSON.parse(spamcase(e, 'damages', '--case', 'empty', '--rules', 'us-can-spam-isp', '--json').stdout);
    assert.deepEqual(
      [empty.claims, empty.total, empty.method[0]],
      [[], { low: '0.00', claimed: '0.00', max: '0.00' }, 'No deliveries were counted: the amount is zero.'],
    );
  },
  { timeout: 300_000 },
);

test('help lists the damages commands', () => {
  const help = spamcase({ SPAMCASE_HOME: tempDir() }, '--help');
  assert.equal(help.code, 0);
  for (const c of ['case set', 'damages rules', 'damages']) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
});
