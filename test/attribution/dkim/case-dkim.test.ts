/**
 * `spamcase dkim` end to end on a real case: signed .eml files ingested with the real ingest,
 * verified through the CLI (a child process, as a user runs it), results read back with itemDkim,
 * on SQLite and PostgreSQL. Re-running with the same snapshot changes nothing; a newer snapshot
 * takes over; every run is a custody event.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../server/config.ts';
import { createCase } from '../../../server/cases/cases.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../../server/custody/chain.ts';
import { ingest } from '../../../server/usecases/ingest.ts';
import { itemDkim, itemDkimDetail, type DkimRunSummary } from '../../../server/attribution/dkim/case-dkim.ts';
import { storageTest, tempDir } from '../../helpers/databases.ts';
import { sign, spamMessage, testKey, zoneLine } from './signing.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

function spamcase(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rsa = testKey('rsa1024');
const ed = testKey('ed25519');
const other = testKey('rsa2048');

async function writeMessages(dir: string): Promise<Map<string, string>> {
  const files: Array<[string, Buffer]> = [
    [
      'a-pass-rsa.eml',
      await sign(spamMessage(1), {
        domain: 'mail.example.com',
        selector: 'r1',
        key: rsa,
        identity: 'x1001@mail.example.com',
      }),
    ],
    [
      'b-pass-ed25519.eml',
      await sign(spamMessage(2, { eol: '\n' }), { domain: 'example.net', selector: 'ed', key: ed }),
    ],
    [
      'c-body-altered.eml',
      Buffer.from(
        (await sign(spamMessage(3), { domain: 'mail.example.com', selector: 'r1', key: rsa }))
          .toString()
          .replace('Buy now', 'Buy today'),
      ),
    ],
    ['d-no-key.eml', await sign(spamMessage(4), { domain: 'unknown.example', selector: 's9', key: other })],
    ['e-unsigned.eml', spamMessage(5)],
    [
      'f-two-signatures.eml',
      await sign(await sign(spamMessage(6), { domain: 'mail.example.com', selector: 'r1', key: rsa }), {
        domain: 'esp.example',
        selector: 'k',
        key: other,
      }),
    ],
    ['g-malformed.eml', Buffer.concat([Buffer.from('DKIM-Signature: v=1; a=rsa-sha256; b=abc\r\n'), spamMessage(7)])],
  ];
  const sha = new Map<string, string>();
  for (const [name, bytes] of files) {
    fs.writeFileSync(path.join(dir, name), bytes);
    sha.set(name, crypto.createHash('sha256').update(bytes).digest('hex'));
  }
  return sha;
}

storageTest(
  'spamcase dkim verifies every item of a case offline, idempotently, with a custody event per run',
  async ({ ctx, env }) => {
    const knex = ctx.db.knex;
    const c = await createCase(ctx, {
      slug: 'lpn-dkim',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    const work = tempDir('spamcase-dkim-');
    const inbox = path.join(work, 'inbox');
    fs.mkdirSync(inbox);
    const sha = await writeMessages(inbox);
    await ingest(ctx, { caseSlug: c.slug, method: 'trap', paths: [inbox], threaded: false });
    const items = (await knex('items').where({ case_id: c.id }).select('id', 'sha256')) as Array<{
      id: number | string;
      sha256: string;
    }>;
    const idOf = (name: string) => Number(items.find((i) => i.sha256 === sha.get(name))!.id);
    const ids = [...sha.keys()].map(idOf);

    const before = await itemDkim(knex, c.id, ids);
    assert.ok(
      [...before.values()].every((r) => r.result === 'not-verified' && r.snapshotSha256 === null),
      'nothing verified before the first run',
    );

    const keys = path.join(work, 'keys-2026-11-02.txt');
    fs.writeFileSync(
      keys,
      [zoneLine('r1._domainkey.mail.example.com', rsa), zoneLine('ed._domainkey.example.net', ed), ''].join('\n'),
    );
    const keysSha = crypto.createHash('sha256').update(fs.readFileSync(keys)).digest('hex');

    const first = spamcase(env, 'dkim', '--case', 'lpn-dkim', '--keys', keys, '--json');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '', 'no progress output when stderr is not a terminal');
    const s1 = JSON.parse(first.stdout) as DkimRunSummary;
    assert.deepEqual(s1.snapshot, { source: 'keys-2026-11-02.txt', sha256: keysSha, records: 2, warnings: [] });
    const expected = { items: 7, unsigned: 1, pass: 3, fail: 2, noKey: 1, notVerified: 0 };
    assert.deepEqual({ ...s1.run, elapsedMs: 0 }, { ...expected, signatures: 7, elapsedMs: 0 });
    assert.deepEqual(s1.totals, expected);

    const results = await itemDkim(knex, c.id, ids);
    const r = (name: string) => results.get(idOf(name))!;
    assert.deepEqual(
      [...sha.keys()].map((name) => [name, r(name).result]),
      [
        ['a-pass-rsa.eml', 'pass'],
        ['b-pass-ed25519.eml', 'pass'],
        ['c-body-altered.eml', 'fail'],
        ['d-no-key.eml', 'no-key'],
        ['e-unsigned.eml', 'none'],
        ['f-two-signatures.eml', 'pass'],
        ['g-malformed.eml', 'fail'],
      ],
    );
    assert.deepEqual(
      { ...r('a-pass-rsa.eml'), reason: '' },
      {
        result: 'pass',
        domain: 'mail.example.com',
        identity: 'x1001@mail.example.com',
        keyFingerprint: rsa.fingerprint,
        reason: '',
        snapshotSha256: keysSha,
      },
    );
    assert.equal(r('b-pass-ed25519.eml').keyFingerprint, ed.fingerprint);
    // The run re-attributed the case: a verified i= is now the account's evidence, with its rank.
    const attributed = (await knex('item_attributions')
      .where({ item_id: idOf('a-pass-rsa.eml') })
      .first('account', 'account_rank', 'dkim')) as { account: string; account_rank: string; dkim: string };
    assert.deepEqual(attributed, { account: 'x1001@mail.example.com', account_rank: 'dkim', dkim: 'pass' });
    const failed = (await knex('item_attributions')
      .where({ item_id: idOf('c-body-altered.eml') })
      .first('account_rank', 'dkim')) as { account_rank: string; dkim: string };
    assert.notEqual(failed.account_rank, 'dkim', 'a failed signature is no evidence of the sender');
    assert.equal(failed.dkim, 'fail');
    assert.equal(
      r('f-two-signatures.eml').domain,
      'mail.example.com',
      'the passing signature speaks for the item, not the unverifiable outer one',
    );
    assert.match(r('g-malformed.eml').reason, /malformed signature: missing bh=, d=, h=, s=/);

    const detail = await itemDkimDetail(knex, c.id, idOf('f-two-signatures.eml'));
    assert.deepEqual(
      detail.signatures.map((s) => [s.index, s.field, s.domain, s.selector, s.result]),
      [
        [0, 'DKIM-Signature', 'esp.example', 'k', 'no-key'],
        [1, 'DKIM-Signature', 'mail.example.com', 'r1', 'pass'],
      ],
    );

    // Re-running with the same snapshot changes nothing (a custody event still records the run).
    const rows = () =>
      knex('dkim_results').where({ case_id: c.id }).orderBy(['item_id', 'snapshot_sha256', 'signature_index']).select();
    const rowsBefore = await rows();
    const again = spamcase(env, 'dkim', '--case', 'lpn-dkim', '--keys', keys);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^lpn-dkim: DKIM against keys-2026-11-02\.txt \(sha256 [0-9a-f]{64}, 2 key records\)$/m);
    assert.match(again.stdout, /this run: {2}0 items: 0 pass, 0 fail, 0 no key, 0 not verified, 0 unsigned/);
    assert.match(again.stdout, /all items: 7 items: 3 pass, 2 fail, 1 no key, 0 not verified, 1 unsigned/);
    assert.deepEqual(await rows(), rowsBefore);
    assert.equal(rowsBefore.length, 7);

    // A later snapshot holding the missing key takes over for every item it covers.
    const keys2 = path.join(work, 'keys-2026-11-20.json');
    fs.writeFileSync(
      keys2,
      JSON.stringify({
        records: [
          { name: 'r1._domainkey.mail.example.com', txt: `v=DKIM1; k=rsa; p=${rsa.p}` },
          { name: 'ed._domainkey.example.net', txt: `v=DKIM1; k=ed25519; p=${ed.p}` },
          { name: 's9._domainkey.unknown.example', txt: `v=DKIM1; p=${other.p}` },
        ],
      }),
    );
    const second = JSON.parse(
      spamcase(env, 'dkim', '--case', 'lpn-dkim', '--keys', keys2, '--json').stdout,
    ) as DkimRunSummary;
    assert.equal(second.run.items, 7);
    assert.equal(second.totals.pass, 4);
    assert.equal((await itemDkim(knex, c.id, [idOf('d-no-key.eml')])).get(idOf('d-no-key.eml'))!.result, 'pass');

    // Items ingested later are verified by the next run, and only they.
    const more = path.join(work, 'more');
    fs.mkdirSync(more);
    fs.writeFileSync(
      path.join(more, 'h.eml'),
      await sign(spamMessage(8), { domain: 'example.net', selector: 'ed', key: ed }),
    );
    await ingest(ctx, { caseSlug: c.slug, method: 'trap', paths: [more], threaded: false });
    const third = JSON.parse(
      spamcase(env, 'dkim', '--case', 'lpn-dkim', '--keys', keys2, '--json').stdout,
    ) as DkimRunSummary;
    assert.deepEqual({ items: third.run.items, pass: third.run.pass }, { items: 1, pass: 1 });
    assert.equal(third.totals.items, 8);

    const events = await listCustodyEvents(knex, c.id, c.slug);
    assert.deepEqual(verifyCustodyChain(events), []);
    const dkimEvents = events.filter((e) => e.action === 'dkim-verified');
    assert.deepEqual(
      dkimEvents.map((e) => [e.details.snapshotSha256, e.details.itemsVerified]),
      [
        [keysSha, 7],
        [keysSha, 0],
        [second.snapshot.sha256, 7],
        [second.snapshot.sha256, 1],
      ],
    );
    const snapshots = (await knex('dkim_snapshots')
      .where({ case_id: c.id })
      .orderBy('id')
      .select('sha256', 'source_name', 'content')) as Array<{ sha256: string; source_name: string; content: string }>;
    assert.deepEqual(
      snapshots.map((s) => s.source_name),
      ['keys-2026-11-02.txt', 'keys-2026-11-20.json'],
    );
    assert.equal(
      crypto.createHash('sha256').update(snapshots[0]!.content).digest('hex'),
      keysSha,
      'the case keeps the exact snapshot its results rest on',
    );
  },
  { timeout: 300_000 },
);

storageTest(
  'spamcase dkim refuses a bad snapshot naming the line, and a missing --keys as usage',
  async ({ ctx, env }) => {
    await createCase(ctx, { slug: 'x', title: 'X', parties: [{ name: 'A', batesPrefix: 'AA' }] });
    const bad = path.join(tempDir('spamcase-dkim-'), 'keys.txt');
    fs.writeFileSync(bad, '; keys\ns1._domainkey.example.com. IN MX 10 mail.example.com.\n');
    const refused = spamcase(env, 'dkim', '--case', 'x', '--keys', bad);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /key snapshot keys\.txt cannot be used:\n {2}line 2: s1\._domainkey\.example\.com: only TXT and CNAME records belong in a key snapshot \(got MX\)/,
    );
    const usage = spamcase(env, 'dkim', '--case', 'x');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--keys is required/);
    assert.equal(
      await ctx.db
        .knex('custody_events')
        .where({ action: 'dkim-verified' })
        .count({ n: '*' })
        .first()
        .then((row) => Number((row as { n: number | string }).n)),
      0,
    );
  },
);
