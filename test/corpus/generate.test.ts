// Checks the corpus generator: determinism, and its truth against an independent tally of the files
// it wrote (this tally deliberately shares no code with the generator).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tempDir as sharedTempDir } from '../helpers/databases.ts';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './generate.ts';
import type { CorpusTruth } from './generate.ts';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function tempDir(): string {
  return sharedTempDir('spamcase-corpus-');
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out.sort();
}

function treeHash(root: string): string {
  const h = createHash('sha256');
  for (const f of walk(root)) h.update(relative(root, f) + '\0' + sha256(readFileSync(f)) + '\n');
  return h.digest('hex');
}

/** mboxrd reader: split on `From ` lines, drop the blank line before the next one, unquote `>+From `. */
function readMbox(buf: Buffer): { entries: Buffer[]; separators: number; quotedLines: number } {
  const lines = buf.toString('latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const entries: Buffer[] = [];
  let current: string[] | undefined;
  let separators = 0;
  let quotedLines = 0;
  const finish = (): void => {
    if (!current) return;
    if (current[current.length - 1] === '') current.pop();
    entries.push(Buffer.from(current.join('\n') + '\n', 'latin1'));
  };
  for (const line of lines) {
    if (line.startsWith('From ')) {
      finish();
      separators++;
      current = [];
      continue;
    }
    assert.ok(current, 'mbox must start with a From separator');
    if (/^>+From /.test(line)) quotedLines++;
    current.push(line.replace(/^>(>*From )/, '$1'));
  }
  finish();
  return { entries, separators, quotedLines };
}

interface Sample {
  where: 'eml' | 'mbox' | 'maildir';
  bytes: Buffer;
}

function parse(bytes: Buffer): { headers: Map<string, string>; body: Buffer } {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\n\n');
  assert.ok(end > 0, 'message has a header/body separator');
  const headers = new Map<string, string>();
  for (const field of text
    .slice(0, end)
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')) {
    const colon = field.indexOf(':');
    assert.ok(colon > 0, `header field: ${field}`);
    const name = field.slice(0, colon).toLowerCase();
    if (!headers.has(name)) headers.set(name, field.slice(colon + 1).trim());
  }
  return { headers, body: bytes.subarray(end + 2) };
}

const addressOf = (v: string): string => (/<([^>]+)>/.exec(v)?.[1] ?? v).trim().toLowerCase();

function tally(root: string): { truth: Omit<CorpusTruth, 'seed' | 'layout'>; crossLayoutDuplicates: number } {
  const samples: Sample[] = [];
  let emlFiles = 0;
  let maildirFiles = 0;
  let maildirTmp = 0;
  let mboxEntries = 0;
  let quoted = 0;
  for (const f of walk(root)) {
    const rel = relative(root, f).split(sep);
    if (rel[0] === 'truth.json') continue;
    if (rel[0] === 'trap') {
      assert.ok(f.endsWith('.eml'));
      emlFiles++;
      samples.push({ where: 'eml', bytes: readFileSync(f) });
    } else if (rel[0] === 'maildir') {
      assert.ok(['cur', 'new', 'tmp'].includes(rel[1]!) && rel.length === 3, f);
      maildirFiles++;
      if (rel[1] === 'tmp') maildirTmp++;
      samples.push({ where: 'maildir', bytes: readFileSync(f) });
    } else if (rel[0] === 'reports.mbox') {
      const m = readMbox(readFileSync(f));
      mboxEntries += m.separators;
      quoted += m.quotedLines;
      for (const e of m.entries) samples.push({ where: 'mbox', bytes: e });
    } else {
      assert.fail(`unexpected file ${f}`);
    }
  }
  const folders = new Map<string, number>();
  for (const f of walk(join(root, 'trap')))
    folders.set(relative(root, f).split(sep)[1]!, (folders.get(relative(root, f).split(sep)[1]!) ?? 0) + 1);
  for (const n of folders.values()) assert.ok(n <= 1000);

  // Items: distinct bytes.
  const items = new Map<string, Buffer>();
  const whereByHash = new Map<string, Set<string>>();
  for (const s of samples) {
    assert.ok(!s.bytes.includes(13), 'LF line ends only');
    assert.equal(s.bytes[s.bytes.length - 1], 10, 'ends with a newline');
    const h = sha256(s.bytes);
    items.set(h, s.bytes);
    whereByHash.set(h, (whereByHash.get(h) ?? new Set()).add(s.where));
  }
  const crossLayoutDuplicates = [...whereByHash.values()].filter((w) => w.size > 1).length;

  // Messages: by Message-ID, or by content (sender, subject, date, body) when it is missing or reused.
  interface Parsed {
    mid: string | undefined;
    contentKey: string;
    rcpt: string;
    from: string;
    ip: string;
    date: number;
  }
  const parsed: Parsed[] = [];
  for (const bytes of items.values()) {
    const { headers, body } = parse(bytes);
    const from = addressOf(headers.get('from') ?? '');
    const rcpt = (headers.get('delivered-to') ?? '').toLowerCase();
    assert.match(rcpt, /^[a-z]+\.[a-z]+\.\d+@laposte\.net$/);
    assert.equal(addressOf(headers.get('return-path') ?? ''), from);
    const mid = headers.get('message-id');
    const subject = headers.get('subject') ?? '';
    const date = headers.get('date') ?? '';
    assert.match(date, /\+0000$/);
    const ip = (headers.get('x-originating-ip') ?? '').replace(/^\[|\]$/g, '');
    parsed.push({
      mid,
      contentKey: sha256([from, subject, date, sha256(body)].join('\0')),
      rcpt,
      from,
      ip,
      date: Date.parse(date),
    });
  }
  const byMid = new Map<string, Set<string>>();
  for (const p of parsed) if (p.mid !== undefined) byMid.set(p.mid, (byMid.get(p.mid) ?? new Set()).add(p.contentKey));
  const messageKey = (p: Parsed): string =>
    p.mid !== undefined && byMid.get(p.mid)!.size === 1 ? 'id ' + p.mid : 'content ' + p.contentKey;
  const messages = new Set<string>();
  const noMid = new Set<string>();
  const deliveryItems = new Map<string, number>();
  const deliveriesPerMessage = new Map<string, Set<string>>();
  const perAccount = new Map<string, number>();
  const perIp = new Map<string, number>();
  for (const p of parsed) {
    const mk = messageKey(p);
    messages.add(mk);
    if (p.mid === undefined) noMid.add(p.contentKey);
    const dk = mk + '\0' + p.rcpt;
    if (!deliveryItems.has(dk)) {
      perAccount.set(p.from, (perAccount.get(p.from) ?? 0) + 1);
      perIp.set(p.ip, (perIp.get(p.ip) ?? 0) + 1);
    }
    deliveryItems.set(dk, (deliveryItems.get(dk) ?? 0) + 1);
    deliveriesPerMessage.set(mk, (deliveriesPerMessage.get(mk) ?? new Set()).add(p.rcpt));
  }
  const reused = [...byMid.values()].filter((s) => s.size > 1).reduce((n, s) => n + s.size, 0);
  let minDate = Infinity;
  let maxDate = -Infinity;
  for (const s of samples) {
    const d = Date.parse(parse(s.bytes).headers.get('date')!);
    minDate = Math.min(minDate, d);
    maxDate = Math.max(maxDate, d);
  }
  const topAccounts = [...perAccount]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 10)
    .map(([address, deliveries]) => ({ address, deliveries }));

  return {
    crossLayoutDuplicates,
    truth: {
      samples: samples.length,
      items: items.size,
      exactDuplicates: samples.length - items.size,
      messages: messages.size,
      deliveries: deliveryItems.size,
      accounts: perAccount.size,
      firstDate: new Date(minDate).toISOString(),
      lastDate: new Date(maxDate).toISOString(),
      files: { eml: emlFiles, mboxEntries, maildir: maildirFiles, maildirTmp },
      phenomena: {
        multiRecipientMessages: [...deliveriesPerMessage.values()].filter((s) => s.size > 1).length,
        reharvestedDeliveries: [...deliveryItems.values()].filter((n) => n > 1).length,
        exactDuplicateSamples: samples.length - items.size,
        noMessageIdMessages: noMid.size,
        reusedMessageIdMessages: reused,
        mboxQuotedLines: quoted,
      },
      topAccounts,
      originatingIps: perIp.size,
      topOriginatingIps: [...perIp]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 10)
        .map(([ip, deliveries]) => ({ ip, deliveries })),
    },
  };
}

function withoutSeed(t: CorpusTruth): Omit<CorpusTruth, 'seed' | 'layout'> {
  const { seed: _seed, layout: _layout, ...rest } = t;
  return rest;
}

test('mixed layout: truth matches an independent tally, every phenomenon present', async () => {
  const dir = tempDir();
  try {
    const truth = await generateCorpus({ out: dir, messages: 300, seed: 1 });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')), truth);
    assert.equal(truth.messages, 300);
    const { truth: counted, crossLayoutDuplicates } = tally(dir);
    assert.deepEqual(counted, withoutSeed(truth));
    for (const [name, n] of Object.entries(truth.phenomena)) assert.ok(n > 0, `phenomenon ${name} present`);
    for (const [name, n] of Object.entries(truth.files)) assert.ok(n > 0, `files.${name} present`);
    assert.ok(crossLayoutDuplicates > 0, 'some exact duplicates cross layouts');
    assert.ok(truth.accounts > 5 && truth.topAccounts.length === 10);
    assert.ok(truth.topAccounts[0]!.deliveries > truth.deliveries / 20, 'skewed volumes');
    assert.ok(truth.firstDate >= '2005-12-01T00:00:00.000Z' && truth.lastDate < '2006-02-01T00:00:00.000Z');
    assert.equal(truth.items + truth.exactDuplicates, truth.samples);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('other seeds and rates stay consistent', async () => {
  for (const [seed, rates] of [
    [2, {}],
    [
      3,
      {
        multiRecipient: 0.6,
        reharvest: 0.2,
        exactDuplicate: 0.2,
        noMessageId: 0.2,
        reusedMessageId: 0.1,
        mboxFromLine: 0.3,
      },
    ],
    [
      4,
      {
        multiRecipient: 0,
        reharvest: 0,
        exactDuplicate: 0,
        noMessageId: 0,
        reusedMessageId: 0,
        mboxFromLine: 0,
        mbox: 0.5,
      },
    ],
  ] as const) {
    const dir = tempDir();
    try {
      const truth = await generateCorpus({ out: dir, messages: 150, seed, rates });
      assert.deepEqual(tally(dir).truth, withoutSeed(truth), `seed ${seed}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('eml layout: only the eml tree, consistent truth, writer threads give the same bytes', async () => {
  const a = tempDir();
  const b = tempDir();
  try {
    const truth = await generateCorpus({ out: a, messages: 300, seed: 5, layout: 'eml' });
    assert.deepEqual(readdirSync(a).sort(), ['trap', 'truth.json']);
    assert.deepEqual(tally(a).truth, withoutSeed(truth));
    assert.equal(truth.files.mboxEntries + truth.files.maildir, 0);
    for (const name of [
      'multiRecipientMessages',
      'reharvestedDeliveries',
      'exactDuplicateSamples',
      'noMessageIdMessages',
      'reusedMessageIdMessages',
    ] as const) {
      assert.ok(truth.phenomena[name] > 0, name);
    }
    await generateCorpus({ out: b, messages: 300, seed: 5, layout: 'eml', writers: 2 });
    assert.equal(treeHash(b), treeHash(a));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test('same seed gives identical bytes, another seed does not', async () => {
  const dirs = [tempDir(), tempDir(), tempDir()];
  try {
    await generateCorpus({ out: dirs[0]!, messages: 200, seed: 42 });
    await generateCorpus({ out: dirs[1]!, messages: 200, seed: 42 });
    await generateCorpus({ out: dirs[2]!, messages: 200, seed: 43 });
    assert.equal(treeHash(dirs[0]!), treeHash(dirs[1]!));
    assert.notEqual(treeHash(dirs[0]!), treeHash(dirs[2]!));
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test('refuses a non-empty output directory and bad options', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'x'), 'x');
    await assert.rejects(generateCorpus({ out: dir, messages: 10 }), /not empty/);
    await assert.rejects(generateCorpus({ out: join(dir, 'y'), messages: 0 }), /positive integer/);
    await assert.rejects(generateCorpus({ out: join(dir, 'z'), messages: 10, rates: { reharvest: 2 } }), /rate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI prints the truth path and a summary', () => {
  const dir = tempDir();
  try {
    const out = join(dir, 'corpus');
    const script = fileURLToPath(new URL('./generate.ts', import.meta.url));
    const stdout = execFileSync(
      process.execPath,
      ['--import', 'tsx', script, '--out', out, '--messages', '20', '--seed', '9', '--layout', 'eml'],
      {
        encoding: 'utf8',
      },
    );
    const [path, summary] = stdout.trim().split('\n');
    assert.equal(path, join(out, 'truth.json'));
    assert.ok(existsSync(path!));
    assert.match(summary!, /20 messages, \d+ deliveries/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
