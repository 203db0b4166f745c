/**
 * `node --import tsx test/bench/web-bench.ts [--messages N]`: page times of the web UI on a case of N
 * generated messages (default 100,000; ingested once into .tmp/bench/web-N/, reused after). Each
 * page is fetched over HTTP on loopback, signed in, 7 times; the median and the slowest are printed
 * (the first fetch warms the cache and is not counted). Other work on the machine shows in the
 * figures: compare only figures from one run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateCorpus } from '../corpus/generate.ts';
import { PROJECT_ROOT } from '../../server/config.ts';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import type { Context } from '../../server/context.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { addUser } from '../../server/users/users.ts';
import { startServer } from '../../server/web/server.ts';
import { Client } from '../web/client.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' } } });
const n = Number(values.messages);
const root = path.join(PROJECT_ROOT, '.tmp', 'bench', `web-${n}`);
const corpus = path.join(PROJECT_ROOT, '.tmp', 'bench', `corpus-${n}-1`);
const PASSWORD = 'timing the pages of a large case';

if (!fs.existsSync(path.join(corpus, 'truth.json'))) {
  fs.rmSync(corpus, { recursive: true, force: true });
  await generateCorpus({ out: corpus, messages: n, seed: 1, layout: 'eml' });
}
const fresh = !fs.existsSync(path.join(root, 'spamcase.sqlite'));
fs.mkdirSync(root, { recursive: true });
const db = openDatabase({ client: 'sqlite', filename: path.join(root, 'spamcase.sqlite') });
await migrateToLatest(db.knex);
const ctx: Context = { db, dataRoot: root, clock: () => new Date(), actor: 'bench' };
if (fresh) {
  await createCase(ctx, {
    slug: 'big',
    title: 'Benchmark case',
    parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
  });
  const t0 = Date.now();
  await ingest(ctx, { caseSlug: 'big', method: 'trap', paths: [corpus] });
  console.log(`ingested ${n} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
if (!(await db.knex('users').where({ username: 'bench' }).first()))
  await addUser(db.knex, { username: 'bench', role: 'admin', password: PASSWORD }, new Date());
const server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: () => undefined });
const c = new Client(server.url);
await c.signIn('bench', PASSWORD);

async function time(label: string, url: string, runs = 7): Promise<void> {
  const ms: number[] = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const res = await c.get(url);
    bytes = (await res.arrayBuffer()).byteLength;
    status = res.status;
    if (i > 0) ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  console.log(
    `| ${label} | ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} | ${ms[ms.length - 1]!.toFixed(1)} | ${status} | ${(bytes / 1024).toFixed(0)} KiB |`,
  );
}

// A cursor deep in the list: follow pages of 500 to the middle.
async function deepCursor(query: string, pages: number): Promise<string> {
  let after = '';
  for (let i = 0; i < pages; i++) {
    const page = (await (
      await c.get(`/api/cases/big/items?limit=500${query}${after ? `&after=${after}` : ''}`)
    ).json()) as { next: string };
    after = page.next;
  }
  return after;
}

const itemCount = (await db.knex('items').count({ n: '*' }).first()) as { n: number };
console.log(`case: ${itemCount.n} items; server on ${server.url}`);
const t0 = performance.now();
const firstDash = await c.get('/cases/big');
await firstDash.arrayBuffer();
console.log(`dashboard, first (uncached) render: ${(performance.now() - t0).toFixed(0)} ms`);
console.log('| page | median ms | slowest ms | status | size |\n|---|---|---|---|---|');
await time('dashboard (cached per custody head)', '/cases/big');
await time('items, page 1 (Bates order)', '/cases/big/items');
const midBates = await deepCursor('', Math.floor(Number(itemCount.n) / 1000));
await time('items, middle page (Bates, keyset)', `/cases/big/items?after=${midBates}`);
await time('items, by date, page 1', '/cases/big/items?sort=date&order=desc');
const midDate = await deepCursor('&sort=date', Math.floor(Number(itemCount.n) / 1000));
await time('items, by date, middle page', `/cases/big/items?sort=date&after=${midDate}`);
await time('items, by size, page 1', '/cases/big/items?sort=size&order=desc');
await time('items, Bates prefix search', '/cases/big/items?q=LPN-00500');
await time('items, party filter', '/cases/big/items?party=LPN');
await time('items, subject words (common)', '/cases/big/items?q=free');
await time('items, subject words (absent: scans every message)', '/cases/big/items?q=zzqqxxnothing');
const midItem = `LPN-${String(Math.max(1, Math.floor(Number(itemCount.n) / 2))).padStart(7, '0')}`;
await time('message view (with attribution, Received chain, DKIM, campaign)', `/cases/big/items/${midItem}`);
await time('message HTML body (sanitized)', `/cases/big/items/${midItem}/body.html`);
const bigCase = (await db.knex('cases').where({ slug: 'big' }).first('id')) as { id: number };
const accountsTotal = (await db.knex('accounts').where({ case_id: bigCase.id }).count({ n: '*' }).first()) as {
  n: number;
};
const topAccount = (await db
  .knex('accounts')
  .where({ case_id: bigCase.id })
  .orderBy('deliveries', 'desc')
  .first('address')) as { address: string };
const topCampaign = (await db
  .knex('campaigns')
  .where({ case_id: bigCase.id })
  .whereNull('merged_into')
  .orderBy('messages', 'desc')
  .first('number')) as { number: number };
console.log(`(${accountsTotal.n} accounts)`);
await time('accounts, page 1 (deliveries)', '/cases/big/accounts');
await time('accounts, middle page', `/cases/big/accounts?offset=${Math.floor(Number(accountsTotal.n) / 2)}`);
await time('accounts, by first seen', '/cases/big/accounts?sort=firstSeen&order=asc');
await time('accounts, search', '/cases/big/accounts?q=info');
await time('account page (top account)', `/cases/big/accounts/${encodeURIComponent(topAccount.address)}`);
await time('originating IPs, page 1', '/cases/big/ips');
await time('campaigns, page 1', '/cases/big/campaigns');
await time('campaign page (largest)', `/cases/big/campaigns/${topCampaign.number}`);
await time('defendants (with suggestions)', '/cases/big/defendants');
await time('damages (no rule set chosen)', '/cases/big/damages');
await time('exports', '/cases/big/exports');
await time('accounts.csv, whole case', '/cases/big/accounts.csv', 1);
await time('acquisitions', '/cases/big/acquisitions');
await time('custody log', '/cases/big/custody');
await time('items.csv, whole case', '/cases/big/items.csv', 1);
await server.close();
await db.close();
