/**
 * `node --import tsx test/bench/campaign-bench.ts [--messages N] [--seed S] [--synthetic M]`
 * (also run by `npm run bench`): campaign quality and cost.
 *   1. Generates a campaign corpus with known membership (N messages, default 20,000; cached under
 *      .tmp/bench/), normalizes every message once, and compares two fingerprints on the same
 *      features: MinHash + LSH (what spamcase uses) and 64-bit SimHash with 4-block LSH (Hamming
 *      distance <= 3 and <= 6), each clustered with union-find: pairwise precision, recall,
 *      groups found against the truth, and time.
 *   2. Clusters M synthetic signatures (default 1,000,000) alone: time and peak RSS of the
 *      clustering step at a million messages.
 * Prints one JSON line at the end for ingest-bench.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../server/config.ts';
import { clusterSignatures, UnionFind } from '../../server/campaigns/cluster.ts';
import { featureHashes } from '../../server/campaigns/features.ts';
import { minhashSignature, SIGNATURE_SIZE } from '../../server/campaigns/minhash.ts';
import { normalizeContent } from '../../server/campaigns/normalize/content.ts';
import { parseHeaders } from '../../server/mail/headers/index.ts';
import { generateCampaignCorpus, Rng, type CampaignCorpusTruth } from '../corpus/generate.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    synthetic: { type: 'string', default: '1000000' },
  },
});
const n = Number(values.messages);
const seed = Number(values.seed);
const dir = path.join(PROJECT_ROOT, '.tmp', 'bench', `campaigns-${n}-${seed}`);
let truth: CampaignCorpusTruth;
if (fs.existsSync(path.join(dir, 'truth.json')))
  truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as CampaignCorpusTruth;
else {
  fs.rmSync(dir, { recursive: true, force: true });
  truth = await generateCampaignCorpus({ out: dir, messages: n, seed });
}
const log = (line: string) => process.stderr.write(`${line}\n`);
log(
  `campaign corpus: ${dir}: ${truth.messages} messages, ${truth.campaigns} campaigns (largest ${truth.largestCampaign}), ${truth.hamMessages} ham`,
);

// 1. Normalize once; keep each message's features and truth label.
const labels: string[] = [];
const feats: Uint32Array[] = [];
let normalizeMs = 0;
for (const sub of fs.readdirSync(path.join(dir, 'campaigns')).sort()) {
  for (const f of fs.readdirSync(path.join(dir, 'campaigns', sub)).sort()) {
    const raw = fs.readFileSync(path.join(dir, 'campaigns', sub, f));
    const h = parseHeaders(raw);
    labels.push(/^<?([ch]\d+)\./.exec(h.messageId ?? '')![1]!);
    const t0 = performance.now();
    feats.push(featureHashes(normalizeContent(raw, h.subject)));
    normalizeMs += performance.now() - t0;
  }
}
const count = labels.length;

function quality(roots: ArrayLike<number>): {
  precision: number;
  recall: number;
  groupsFound: number;
  groupsTrue: number;
} {
  const cells = new Map<string, number>();
  const found = new Map<number, number>();
  const truthGroups = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const k = `${roots[i]}|${labels[i]}`;
    cells.set(k, (cells.get(k) ?? 0) + 1);
    found.set(roots[i]!, (found.get(roots[i]!) ?? 0) + 1);
    truthGroups.set(labels[i]!, (truthGroups.get(labels[i]!) ?? 0) + 1);
  }
  const pairs = (m: Map<unknown, number>) => [...m.values()].reduce((s, v) => s + (v * (v - 1)) / 2, 0);
  const tp = pairs(cells);
  return {
    precision: tp / pairs(found),
    recall: tp / pairs(truthGroups),
    groupsFound: [...found.values()].filter((v) => v >= 2).length,
    groupsTrue: [...truthGroups.values()].filter((v) => v >= 2).length,
  };
}

// MinHash + LSH (spamcase).
let t0 = performance.now();
const sigs = new Uint16Array(count * SIGNATURE_SIZE);
const present = new Uint8Array(count);
feats.forEach((f, i) => {
  const s = minhashSignature(f);
  if (s) {
    sigs.set(s, i * SIGNATURE_SIZE);
    present[i] = 1;
  }
});
const minhashSignMs = performance.now() - t0;
t0 = performance.now();
const minhashRoots = clusterSignatures(sigs, present, count);
const minhashClusterMs = performance.now() - t0;
const minhash = { ...quality(minhashRoots), signUsPerMsg: (minhashSignMs * 1000) / count, clusterMs: minhashClusterMs };

// SimHash (Charikar 2002): 64 bits as two 32-bit halves, every feature weighted 1.
function simhash(f: Uint32Array): [number, number] {
  const v = new Int32Array(64);
  for (const x of f) {
    let a = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    a ^= a >>> 13;
    let b = Math.imul(x ^ 0x7f4a7c15, 0xc2b2ae35) >>> 0;
    b ^= b >>> 16;
    for (let k = 0; k < 32; k++) {
      v[k]! += (a >>> k) & 1 ? 1 : -1;
      v[32 + k]! += (b >>> k) & 1 ? 1 : -1;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < 32; k++) {
    if (v[k]! > 0) lo |= 1 << k;
    if (v[32 + k]! > 0) hi |= 1 << k;
  }
  return [lo >>> 0, hi >>> 0];
}
const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
};
t0 = performance.now();
const sh = feats.map(simhash);
const simhashSignMs = performance.now() - t0;
function simhashCluster(maxDistance: number): { roots: Int32Array; ms: number } {
  const start = performance.now();
  const uf = new UnionFind(count);
  // Four 16-bit blocks: two hashes within distance 3 share a block (pigeonhole); for 6 this only finds some.
  for (let block = 0; block < 4; block++) {
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < count; i++) {
      if (feats[i]!.length === 0) continue;
      const word = block < 2 ? sh[i]![0] : sh[i]![1];
      const key = (word >>> ((block % 2) * 16)) & 0xffff;
      const list = buckets.get(key) ?? [];
      for (const j of list.slice(-8))
        if (popcount(sh[i]![0] ^ sh[j]![0]) + popcount(sh[i]![1] ^ sh[j]![1]) <= maxDistance) uf.union(j, i);
      list.push(i);
      buckets.set(key, list);
    }
  }
  const roots = new Int32Array(count);
  for (let i = 0; i < count; i++) roots[i] = uf.find(i);
  return { roots, ms: performance.now() - start };
}
const sim3 = simhashCluster(3);
const sim6 = simhashCluster(6);
const fmt = (q: ReturnType<typeof quality>) =>
  `precision ${q.precision.toFixed(4)}  recall ${q.recall.toFixed(4)}  groups ${q.groupsFound} / ${q.groupsTrue} true`;
log(`normalize + features: ${((normalizeMs * 1000) / count).toFixed(1)} us/msg`);
log(
  `MinHash 32 x 16 bit + LSH 16x2:  ${fmt(minhash)}  sign ${minhash.signUsPerMsg.toFixed(1)} us/msg, cluster ${minhashClusterMs.toFixed(0)} ms`,
);
log(
  `SimHash 64, Hamming <= 3:        ${fmt(quality(sim3.roots))}  sign ${((simhashSignMs * 1000) / count).toFixed(1)} us/msg, cluster ${sim3.ms.toFixed(0)} ms`,
);
log(`SimHash 64, Hamming <= 6:        ${fmt(quality(sim6.roots))}  cluster ${sim6.ms.toFixed(0)} ms`);

// 2. Clustering alone at scale: synthetic signatures in groups of 1-50 near-duplicates.
const m = Number(values.synthetic);
const rng = new Rng(seed);
const big = new Uint16Array(m * SIGNATURE_SIZE);
const bigPresent = new Uint8Array(m).fill(1);
for (let i = 0; i < m;) {
  const size = 1 + rng.int(50);
  const base = new Uint16Array(SIGNATURE_SIZE);
  for (let k = 0; k < SIGNATURE_SIZE; k++) base[k] = rng.int(65536);
  for (let j = 0; j < size && i < m; j++, i++) {
    for (let k = 0; k < SIGNATURE_SIZE; k++) big[i * SIGNATURE_SIZE + k] = rng.chance(0.2) ? rng.int(65536) : base[k]!;
  }
}
const rssBefore = process.memoryUsage().rss;
t0 = performance.now();
clusterSignatures(big, bigPresent, m);
const syntheticMs = performance.now() - t0;
log(
  `clustering ${m} synthetic signatures: ${(syntheticMs / 1000).toFixed(1)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (signatures ${((m * SIGNATURE_SIZE * 2) / 1e6).toFixed(0)} MB; RSS before clustering ${(rssBefore / 1e6).toFixed(0)} MB)`,
);
process.stdout.write(
  `${JSON.stringify({ messages: count, minhash, simhash3: quality(sim3.roots), simhash6: quality(sim6.roots), syntheticMessages: m, syntheticMs, maxRssKb: process.resourceUsage().maxRSS })}\n`,
);
