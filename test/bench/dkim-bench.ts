/**
 * `node --import tsx test/bench/dkim-bench.ts [--messages N]` (default 3,000): DKIM verification
 * throughput. Signs N real SpamAssassin spam messages with keys made here (a third each rsa-1024,
 * rsa-2048 and ed25519), then measures in the same run
 *   1. verifyDkim in one process, messages already in memory;
 *   2. `spamcase dkim` end to end on a fresh SQLite case holding them (read from the pack store,
 *      verify, batched inserts, custody event), and a second run with the same snapshot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../server/db/connection.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { loadKeySnapshot } from '../../server/attribution/dkim/key-snapshot.ts';
import { verifyCaseDkim } from '../../server/attribution/dkim/case-dkim.ts';
import { verifyDkim } from '../../server/attribution/dkim/verify.ts';
import { CORPUS_GROUPS, corpusFiles, stripMboxFromLine } from '../mail/headers/load-samples.ts';
import { sign, testKey, zoneLine } from '../attribution/dkim/signing.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '3000' } } });
const n = Number(values.messages);
if (!Number.isInteger(n) || n <= 0 || n > 100_000) throw new Error('--messages must be 1..100000');

const keys = [
  { selector: 'r1024', key: testKey('rsa1024') },
  { selector: 'r2048', key: testKey('rsa2048') },
  { selector: 'ed', key: testKey('ed25519') },
];
const templates = CORPUS_GROUPS.slice(0, 2)
  .flatMap((g) => corpusFiles(g))
  .map((f) => stripMboxFromLine(fs.readFileSync(f)));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'spamcase-dkim-bench-'));
const inbox = path.join(work, 'inbox');
fs.mkdirSync(inbox);
const snapshotFile = path.join(work, 'keys.txt');
fs.writeFileSync(snapshotFile, keys.map((k) => zoneLine(`${k.selector}._domainkey.spam.example`, k.key)).join('\n'));

const t = Date.now();
const messages: Buffer[] = [];
for (let i = 0; i < n; i++) {
  // A unique first line makes every message its own item.
  const body = Buffer.concat([Buffer.from(`X-Bench-Id: ${i}\n`), templates[i % templates.length]!]);
  const k = keys[i % keys.length]!;
  const signed = await sign(body, { domain: 'spam.example', selector: k.selector, key: k.key });
  messages.push(signed);
  fs.writeFileSync(path.join(inbox, `${String(i).padStart(6, '0')}.eml`), signed);
}
const bytes = messages.reduce((a, m) => a + m.length, 0);
console.log(`signed ${n} messages (${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);

const snapshot = loadKeySnapshot(snapshotFile);
/** Wall time and this process's CPU time (user + system), in seconds: the machine is shared, so both are printed. */
function timer(): () => { wall: number; cpu: number } {
  const w = Date.now();
  const c = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(c);
    return { wall: (Date.now() - w) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
}
const rate = (count: number, s: { wall: number; cpu: number }) =>
  `${s.wall.toFixed(2)} s wall = ${Math.round(count / s.wall)} msg/s; ${s.cpu.toFixed(2)} s CPU = ${Math.round(count / s.cpu)} msg/s per CPU-second`;

let stop = timer();
let pass = 0;
for (const m of messages) if ((await verifyDkim(m, snapshot))[0]!.result === 'pass') pass += 1;
console.log(`verifyDkim in memory: ${n} messages, ${rate(n, stop())} (${pass} pass)`);

const db = openDatabase({ client: 'sqlite', filename: path.join(work, 'spamcase.sqlite') });
await migrateToLatest(db.knex);
const ctx = { db, dataRoot: work, clock: () => new Date(), actor: 'bench' };
await createCase(ctx, { slug: 'bench', title: 'DKIM bench', parties: [{ name: 'Bench', batesPrefix: 'B' }] });
await ingest(ctx, { caseSlug: 'bench', method: 'trap', paths: [inbox] });
stop = timer();
const first = await verifyCaseDkim(ctx, { caseSlug: 'bench', snapshot });
console.log(
  `spamcase dkim (SQLite, from the pack store): ${first.run.items} items, ${rate(first.run.items, stop())} (${first.totals.pass} pass)`,
);
stop = timer();
const again = await verifyCaseDkim(ctx, { caseSlug: 'bench', snapshot });
console.log(`second run, same snapshot: ${again.run.items} items verified in ${stop().wall.toFixed(2)} s`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await db.close();
fs.rmSync(work, { recursive: true, force: true });
