/**
 * Defendant suggestions on a generated case whose truth knows which accounts each bot operator
 * ran (test/corpus/generate.ts, generateOperatorCorpus): the suggestions never join accounts
 * through shared infrastructure (Yahoo's MTAs, open proxies, the harvester's mailbox server), and
 * their pairwise precision is at least PRECISION_MIN. Figures in docs/ATTRIBUTION.md section 5.
 * Then a person confirms one and undoes it, each a custody event.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { listDefendants, suggestDefendants, type SuggestedDefendant } from '../../server/attribution/defendants.ts';
import { changeDefendants } from '../../server/usecases/defendants.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import { loadProviderNetworks, sharedInfrastructure } from '../../server/attribution/shared-infrastructure.ts';
import { compileTrust } from '../../server/attribution/trust.ts';
import { generateOperatorCorpus, type OperatorCorpusTruth } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import type { Context } from '../../server/context.ts';
import test from 'node:test';

/** Of the account pairs put in one suggestion, the share that one operator ran. */
const PRECISION_MIN = 0.95;

let cached: Promise<{ out: string; truth: OperatorCorpusTruth }> | null = null;
function corpus() {
  cached ??= (async () => {
    const out = path.join(tempDir('spamcase-operators-'), 'corpus');
    return { out, truth: await generateOperatorCorpus({ out, seed: 7, operators: 16 }) };
  })();
  return cached;
}

async function setUp(ctx: Context) {
  const c = await corpus();
  const created = await createCase(ctx, {
    slug: 'ops',
    title: 'Laposte.net v. Doe 1-16',
    parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
  });
  await setPartyTrust(ctx, 'ops', 'LPN', { relays: c.truth.partyTrust });
  await ingest(ctx, { caseSlug: 'ops', method: 'trap', paths: [path.join(c.out, 'trap')] });
  return { ...c, caseId: created.id };
}

/** Pairwise precision and recall of the groups against the operators' truth. */
function measure(groups: SuggestedDefendant[], truth: OperatorCorpusTruth) {
  const operatorOf = new Map<string, string>();
  for (const op of truth.operators) for (const a of op.accounts) operatorOf.set(a, op.name);
  let pairs = 0;
  let right = 0;
  for (const g of groups)
    for (let i = 0; i < g.accounts.length; i++)
      for (let j = i + 1; j < g.accounts.length; j++) {
        pairs++;
        if (operatorOf.get(g.accounts[i]!) === operatorOf.get(g.accounts[j]!)) right++;
      }
  const truePairs = truth.operators.reduce((n, op) => n + (op.accounts.length * (op.accounts.length - 1)) / 2, 0);
  return { pairs, precision: pairs === 0 ? 0 : right / pairs, recall: right / truePairs, groups: groups.length };
}

storageTest(
  'suggestions never join operators through shared infrastructure: precision on known truth',
  async ({ ctx }) => {
    const { truth, caseId } = await setUp(ctx);
    const s = await suggestDefendants(ctx.db.knex, caseId);
    const m = measure(s.groups, truth);
    console.log(
      `operator case: ${truth.messages} messages, ${truth.operators.length} operators, ` +
        `${truth.operators.reduce((n, o) => n + o.accounts.length, 0)} accounts; suggestions: ${m.groups} groups, ` +
        `${m.pairs} pairs, precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)}`,
    );
    assert.ok(m.precision >= PRECISION_MIN, `precision ${m.precision} below ${PRECISION_MIN}`);
    assert.ok(m.recall >= 0.5, `recall ${m.recall}: the suggestions found too little`);

    // No suggestion is held by shared infrastructure, and each one is listed as excluded with why.
    const infra = [
      ...truth.sharedInfrastructure.yahooRelays,
      ...truth.sharedInfrastructure.openProxies,
      truth.sharedInfrastructure.harvesterMailbox,
    ];
    for (const g of s.groups) {
      for (const r of g.reasons.filter((x) => x.kind === 'shared-ip')) assert.ok(!infra.includes(r.value), r.text);
      assert.ok(g.reasons.some((r) => r.joins));
      assert.ok(g.reasons.every((r) => ['strong', 'medium', 'weak'].includes(r.strength)));
      // Networks and naming patterns only corroborate.
      assert.ok(g.reasons.filter((r) => r.kind !== 'shared-ip').every((r) => !r.joins));
    }
    const excluded = new Map(s.excluded.map((e) => [e.ip, e]));
    // The harvester's mailbox server is never an origin (the chain walk skips the fetch line); Yahoo's relays neither.
    assert.equal(excluded.get(truth.sharedInfrastructure.harvesterMailbox), undefined);
    // The open proxies carry fewer accounts than the threshold: they are found as bridges between operators' groups.
    for (const ip of truth.sharedInfrastructure.openProxies) assert.equal(excluded.get(ip)?.kind, 'bridge', ip);
    // Yahoo's relays are the origin of Yahoo-sent items while the walk stops at the hand-off: the provider's.
    for (const ip of truth.sharedInfrastructure.yahooRelays) {
      const e = excluded.get(ip);
      if (e !== undefined) assert.equal(e.kind, 'provider-network', ip);
    }
    assert.match(s.ownerData, /^IP-to-AS data @ip-location-db\/asn /);

    // A person confirms a suggestion, then undoes it: two custody events, and the group is suggested again.
    const g = s.groups[0]!;
    const d = await changeDefendants(ctx, { case: 'ops', action: 'create', name: undefined, members: g.accounts });
    assert.equal(d!.name, 'Doe 1');
    assert.ok(!(await suggestDefendants(ctx.db.knex, caseId)).groups.some((x) => x.accounts.includes(g.accounts[0]!)));
    assert.equal(await changeDefendants(ctx, { case: 'ops', action: 'remove', name: 'Doe 1', members: [] }), null);
    assert.deepEqual(await listDefendants(ctx.db.knex, caseId), []);
    const again = (await suggestDefendants(ctx.db.knex, caseId)).groups;
    assert.deepEqual(again[0]!.accounts, g.accounts);
    const events = await listCustodyEvents(ctx.db.knex, caseId, 'ops');
    const removed = events.find((e) => e.action === 'defendant-removed')!;
    assert.equal(removed.details.defendant, 'Doe 1');
    assert.deepEqual(
      (removed.details.removed as Array<{ key: string }>).map((x) => x.key),
      [...g.accounts].sort(),
    );
    assert.ok(events.findIndex((e) => e.action === 'defendant-created') < events.indexOf(removed));
    assert.deepEqual(verifyCustodyChain(events), []);
    await assert.rejects(
      changeDefendants(ctx, { case: 'ops', action: 'remove', name: 'Doe 1', members: [] }),
      /no defendant named "Doe 1"/,
    );
    await assert.rejects(
      changeDefendants(ctx, { case: 'ops', action: 'create', name: undefined, members: [] }),
      /at least one account or IP/,
    );
  },
);

test('shared infrastructure: provider networks, the party relays, reserved addresses, many accounts', () => {
  const networks = loadProviderNetworks();
  const trust = [compileTrust({ relays: ['193.251.0.0/16', 'laposte.net'], authservIds: [] })];
  const opts = { trust, maxAccounts: 25, networks };
  assert.equal(sharedInfrastructure('66.163.169.178', 3, opts)?.kind, 'provider-network'); // Yahoo, AS36646
  assert.match(sharedInfrastructure('65.54.246.103', 2, opts)!.why, /microsoft network AS8075/);
  assert.equal(sharedInfrastructure('193.251.214.113', 2, opts)?.kind, 'party-relay');
  assert.equal(sharedInfrastructure('10.1.2.3', 2, opts)?.kind, 'reserved');
  assert.equal(sharedInfrastructure('82.120.7.9', 26, opts)?.kind, 'many-accounts');
  assert.equal(sharedInfrastructure('82.120.7.9', 25, opts), null);
  // A bad provider file is refused with what is wrong.
  const dir = tempDir();
  const file = path.join(dir, 'bad.json');
  for (const [text, re] of [
    ['{', /not readable JSON/],
    ['{"networks": {}}', /"networks" must be a list/],
    ['{"networks": [{"asn": -1, "provider": "x", "source": "y"}]}', /network 1 needs an "asn"/],
  ] as const) {
    fs.writeFileSync(file, text);
    assert.throws(() => loadProviderNetworks(file), re);
  }
});
