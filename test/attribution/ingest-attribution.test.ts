/**
 * Attribution at ingest on a generated corpus whose senders and originating IPs are known by
 * construction (test/corpus/generate.ts): exact per-account and per-IP delivery counts, on SQLite
 * and PostgreSQL; re-ingest and re-attribution change nothing; a trust change moves the origin
 * and is a custody event; defendants; the evidence of one message; hostile headers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { caseReport } from '../../server/report/counts.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { attribute } from '../../server/usecases/attribute.ts';
import {
  accountItems,
  dailySeries,
  itemAttributions,
  listAccounts,
  listOriginatingIps,
  violationCounts,
} from '../../server/attribution/queries.ts';
import {
  changeDefendant,
  createDefendant,
  listDefendants,
  suggestDefendants,
} from '../../server/attribution/defendants.ts';
import { messageEvidence } from '../../server/attribution/evidence.ts';
import type { Context } from '../../server/context.ts';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

let cached: Promise<{ out: string; truth: CorpusTruth; paths: string[] }> | null = null;
function corpus() {
  cached ??= (async () => {
    const out = path.join(tempDir('spamcase-attr-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 400, seed: 21, layout: 'mixed', accounts: 40 });
    return { out, truth, paths: ['trap', 'reports.mbox', 'maildir'].map((p) => path.join(out, p)) };
  })();
  return cached;
}

async function setUp(ctx: Context) {
  const c = await corpus();
  const created = await createCase(ctx, {
    slug: 'lpn',
    title: 'Laposte.net v. Doe',
    parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
  });
  await setPartyTrust(ctx, 'lpn', 'LPN', { relays: ['laposte.net'] });
  await ingest(ctx, { caseSlug: 'lpn', method: 'trap', paths: c.paths });
  return { ...c, caseId: created.id };
}

const volumes = async (ctx: Context, caseId: number) => ({
  accounts: (await listAccounts(ctx.db.knex, caseId, { limit: 10_000 })).rows.map((r) => [
    r.address,
    r.deliveries,
    r.items,
    r.messages,
    r.recipients,
    r.firstSeen,
    r.lastSeen,
  ]),
  ips: (await listOriginatingIps(ctx.db.knex, caseId, { limit: 10_000 })).rows.map((r) => [
    r.ip,
    r.deliveries,
    r.items,
    r.messages,
    r.recipients,
  ]),
});

storageTest(
  'per-account and per-IP delivery counts equal the known truth',
  async ({ ctx }) => {
    const { truth, caseId } = await setUp(ctx);
    const accounts = await listAccounts(ctx.db.knex, caseId, { limit: 10 });
    assert.equal(accounts.total, truth.accounts);
    assert.deepEqual(
      accounts.rows.map((r) => ({ address: r.address, deliveries: r.deliveries })),
      truth.topAccounts,
    );
    const ips = await listOriginatingIps(ctx.db.knex, caseId, { limit: 10 });
    assert.equal(ips.total, truth.originatingIps);
    assert.deepEqual(
      ips.rows.map((r) => ({ ip: r.ip, deliveries: r.deliveries })),
      truth.topOriginatingIps,
    );
    const all = await listAccounts(ctx.db.knex, caseId, { limit: 10_000 });
    assert.equal(
      all.rows.reduce((n, r) => n + r.deliveries, 0),
      truth.deliveries,
      'every delivery attributed once',
    );
    assert.equal(
      all.rows.reduce((n, r) => n + r.messages, 0),
      truth.messages,
    );
    assert.equal(
      all.rows.reduce((n, r) => n + r.items, 0),
      truth.items,
    );
    const top = all.rows[0]!;
    assert.equal(top.recipients, top.deliveries, 'generated recipients are distinct per account');
    assert.deepEqual(top.parties, ['Laposte.net']);
    assert.match(top.evidence, /^provider: X-Originating-Email/);
    assert.ok(top.firstSeen! >= truth.firstDate && top.lastSeen! <= truth.lastDate);
    const items = await accountItems(ctx.db.knex, caseId, top.address, { limit: 10_000 });
    assert.equal(items.length, top.items);
    const series = await dailySeries(ctx.db.knex, caseId, 'account', top.address);
    assert.equal(
      series.reduce((n, d) => n + d.deliveries, 0),
      top.deliveries,
    );

    const r = await caseReport(ctx.db.knex, 'lpn');
    assert.equal(r.accounts, truth.accounts);
    assert.equal(r.originatingIps, truth.originatingIps);
    assert.equal(r.itemsNotAttributed, 0);
    const v = await violationCounts(ctx.db.knex, caseId);
    assert.deepEqual(
      v.map((x) => [x.party, x.defendant, x.headerFalsity]),
      [['Laposte.net', null, false]],
    );
    assert.equal(v[0]!.deliveries, truth.deliveries);
    assert.equal(v[0]!.accounts, truth.accounts);

    // Sorting, paging and search read the same rows.
    const page2 = await listAccounts(ctx.db.knex, caseId, { limit: 5, offset: 5 });
    assert.deepEqual(
      page2.rows.map((x) => x.address),
      all.rows.slice(5, 10).map((x) => x.address),
    );
    const asc = await listAccounts(ctx.db.knex, caseId, { sort: 'deliveries', order: 'asc', limit: 1 });
    assert.equal(asc.rows[0]!.deliveries, Math.min(...all.rows.map((x) => x.deliveries)));
    const found = await listAccounts(ctx.db.knex, caseId, { search: top.address.slice(0, 5).toUpperCase() });
    assert.ok(found.rows.some((x) => x.address === top.address));
    await assert.rejects(listAccounts(ctx.db.knex, caseId, { sort: 'address; drop table accounts' }), {
      field: 'sort',
      message: /^must be one of deliveries, /,
    });
  },
  { timeout: 240_000 },
);

storageTest(
  're-ingesting and re-attributing change no volume; a trust change moves the origin and is recorded',
  async ({ ctx }) => {
    const { caseId, paths, truth } = await setUp(ctx);
    const before = await volumes(ctx, caseId);
    await ingest(ctx, { caseSlug: 'lpn', method: 'trap', paths });
    assert.deepEqual(await volumes(ctx, caseId), before, 're-ingest');
    const summary = await attribute(ctx, 'lpn');
    assert.equal(summary.accounts, truth.accounts);
    assert.deepEqual(await volumes(ctx, caseId), before, 're-attribution from the stored raw bytes');

    const handoffs = async () =>
      (
        (await ctx.db
          .knex('item_attributions')
          .where({ case_id: caseId })
          .distinct('handoff_ip')
          .orderBy('handoff_ip')) as Array<{ handoff_ip: string | null }>
      ).map((r) => r.handoff_ip);
    assert.ok(
      (await handoffs()).every((ip) => ip !== null && ip.startsWith('65.54.')),
      'hand-off: Hotmail relays',
    );
    // A trust change moves the hand-off, and re-attribution recomputes it: a party that (wrongly)
    // declares Hotmail's relays as its own has no machine outside it, and Hotmail's X-Originating-IP
    // becomes an unconfirmed header, not Hotmail's record.
    await setPartyTrust(ctx, 'lpn', 'LPN', { relays: ['laposte.net', '65.54.0.0/16'] });
    await attribute(ctx, 'lpn');
    assert.deepEqual(await handoffs(), [null]);
    const ips = await listOriginatingIps(ctx.db.knex, caseId);
    assert.equal(ips.total, before.ips.length, 'the same IPs, now as unconfirmed headers');
    assert.ok(ips.rows.every((r) => /unconfirmed/.test(r.evidence)));
    assert.equal((await listAccounts(ctx.db.knex, caseId)).total, truth.accounts, 'accounts still attributed');
    await setPartyTrust(ctx, 'lpn', 'LPN', { relays: [] });
    await attribute(ctx, 'lpn');

    const events = await listCustodyEvents(ctx.db.knex, caseId, 'lpn');
    assert.deepEqual(verifyCustodyChain(events), []);
    const actions = events.map((e) => e.action);
    assert.equal(actions.filter((a) => a === 'trust-changed').length, 3);
    assert.equal(actions.filter((a) => a === 'attributed').length, 3);
    const last = events.at(-1)!;
    assert.deepEqual(last.details.trust, [{ party: 'Laposte.net', relays: [], authservIds: [] }]);
  },
  { timeout: 240_000 },
);

storageTest(
  'defendants: suggested from shared IPs, created, changed, each a custody event; violation counts follow',
  async ({ ctx }) => {
    const { caseId, truth } = await setUp(ctx);
    const suggestions = await suggestDefendants(ctx.db.knex, caseId);
    assert.ok(suggestions.length > 0);
    const g = suggestions[0]!;
    assert.ok(g.accounts.length >= 2 && g.reasons.some((r) => r.startsWith('shared originating IP ')));
    const d = await createDefendant(ctx, 'lpn', null, [g.accounts[0]!, g.accounts[1]!, g.ips[0]!]);
    assert.equal(d.name, 'Doe 1');
    assert.deepEqual(d.accounts, [g.accounts[0], g.accounts[1]].sort());
    const accounts = await listAccounts(ctx.db.knex, caseId, { limit: 10_000 });
    const expected = accounts.rows.filter((r) => d.accounts.includes(r.address)).reduce((n, r) => n + r.deliveries, 0);
    assert.equal(d.deliveries, expected);
    assert.equal(accounts.rows.find((r) => r.address === g.accounts[0])!.defendant, 'Doe 1');
    await assert.rejects(createDefendant(ctx, 'lpn', 'Other', [g.accounts[0]!]), /already belongs/);
    await assert.rejects(
      createDefendant(ctx, 'lpn', 'Bad', ['not an address']),
      /neither an account address nor an IP/,
    );
    const changed = await changeDefendant(ctx, 'lpn', 'Doe 1', { remove: [g.accounts[1]!] });
    assert.deepEqual(changed.accounts, [g.accounts[0]]);
    assert.equal((await listDefendants(ctx.db.knex, caseId)).length, 1);
    const v = await violationCounts(ctx.db.knex, caseId);
    assert.equal(
      v.reduce((n, x) => n + x.deliveries, 0),
      truth.deliveries,
    );
    assert.equal(
      v.find((x) => x.defendant === 'Doe 1')!.deliveries,
      accounts.rows.find((r) => r.address === g.accounts[0])!.deliveries,
    );
    assert.equal((await caseReport(ctx.db.knex, 'lpn')).defendants, 1);
    const actions = (await listCustodyEvents(ctx.db.knex, caseId, 'lpn')).map((e) => e.action);
    assert.deepEqual(
      actions.filter((a) => a.startsWith('defendant')),
      ['defendant-created', 'defendant-changed'],
    );
  },
  { timeout: 240_000 },
);

storageTest(
  'message evidence names the origin hop and every candidate; hostile headers never crash ingest',
  async ({ ctx }) => {
    const { caseId } = await setUp(ctx);
    const e = await messageEvidence(ctx, 'lpn', 'lpn-0000001');
    assert.equal(e.item.bates, 'LPN-0000001');
    // Hotmail's relay handed it to the party; Hotmail's pickup service is its own submission: the
    // origin is Hotmail's record of its user (X-Originating-IP), and both IPs are kept.
    assert.deepEqual(
      e.received.map((r) => r.role),
      ['party', 'hand-off', 'no-client'],
    );
    assert.match(e.attribution.handoffIp!, /^65\.54\./);
    assert.equal(e.attribution.handoffProvider, 'microsoft');
    assert.equal(e.attribution.originSource, 'provider-header');
    assert.equal(e.stored!.handoffIp, e.attribution.handoffIp);
    assert.equal(e.attribution.accountRank, 'provider');
    // The generator's Return-Path sits below the Received lines: the sender's text, not the envelope (RFC 5321 4.4).
    assert.deepEqual(
      e.attribution.candidates.map((c) => [c.source, c.rank]),
      [
        ['X-Originating-Email', 'provider'],
        ['X-Sender', 'provider'],
        ['Return-Path below a Received line', 'claimed'],
        ['From', 'from'],
      ],
    );
    assert.equal(e.stored!.account, e.attribution.account);
    const bySha = await messageEvidence(ctx, 'lpn', e.item.sha256);
    assert.equal(bySha.item.id, e.item.id);
    await assert.rejects(messageEvidence(ctx, 'lpn', 'LPN-9999999'), /no item/);

    const dir = tempDir('spamcase-hostile-');
    const many = Array.from(
      { length: 1000 },
      (_, i) => `Received: from h${i} ([${i % 2 ? '::ffff:' : ''}82.120.${i % 250}.9]) by r${i}.example.net\n`,
    ).join('');
    const hostile = [
      `Received: garbage (((( [[[\nReceived: from\nReceived: ;;;;\nX-Originating-IP: [bogus]\nFrom: "a@b" <\nReturn-Path: <>\nSubject: junk\n\nbody\n`,
      `${many}From: x@hotmail.com\nSubject: many hops\n\nbody\n`,
      `Received: from x (y [IPv6:2a01:e35::9]) by mx1.laposte.net (Postfix)\nX-Originating-IP: 999.1.1.1\nFrom: =?utf-8?B?!!!?= <\u00e9@\u00e9.fr>\nDKIM-Signature: v=1; d=; b=\nSubject: odd\n\nbody\n`,
    ];
    hostile.forEach((m, i) => fs.writeFileSync(path.join(dir, `h${i}.eml`), m));
    await ingest(ctx, { caseSlug: 'lpn', method: 'trap', paths: [dir] });
    const ids = (
      (await ctx.db.knex('items').where({ case_id: caseId }).orderBy('id', 'desc').limit(3).pluck('id')) as Array<
        number | string
      >
    ).map(Number);
    const attributions = await itemAttributions(ctx.db.knex, caseId, ids);
    assert.equal(attributions.size, 3);
    const values = [...attributions.values()];
    assert.ok(values.some((a) => a.originatingIp === '2a01:e35::9'));
    assert.ok(values.some((a) => a.dkim === 'not-verified'));
    assert.ok(values.some((a) => a.account === null && a.originatingIp === null));
    const deep = values.find((a) => a.account === 'x@hotmail.com')!;
    assert.equal(deep.originatingIp, '82.120.0.9', 'the topmost of 1,000 hops is the first untrusted one');
  },
  { timeout: 240_000 },
);
