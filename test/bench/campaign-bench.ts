/**
 * `node --import tsx test/bench/campaign-bench.ts [--messages N] [--seed S] [--synthetic M]`
 * (also run by `npm run bench`): campaign quality and cost.
 *   1. Generates two corpora with known membership (N messages each, default 20,000; cached under
 *      .tmp/bench/): the campaign corpus (near-identical copies of unrelated mailings) and the
 *      related-templates corpus (test/corpus/related.ts: mailings that resemble each other, beside
 *      near-identical copies of each). Normalizes every message once and compares, on the same
 *      MinHash signatures, the membership spamcase uses (cluster.ts, exemplarCampaigns: close to the
 *      campaign's exemplar and representatives, not to any member) with single linkage
 *      (union-find over LSH candidates, the rule before 2026-12-02): pairwise precision, recall,
 *      campaigns against the truth, campaigns mixing mailings, the lowest similarity of a member to
 *      its exemplar, and time. On the campaign corpus, 64-bit SimHash with 4-block LSH (Hamming
 *      distance <= 3 and <= 6) as well.
 *   2. Clusters M synthetic signatures (default 1,000,000) alone, with both rules: time and peak
 *      RSS of the clustering step at a million messages.
 * Prints one JSON line at the end for all.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../../server/config.ts';
import { clusterSignatures, exemplarCampaigns, UnionFind } from '../../server/campaigns/cluster.ts';
import { featureHashes } from '../../server/campaigns/features.ts';
import { equalPositions, minhashSignature, SIGNATURE_SIZE } from '../../server/campaigns/minhash.ts';
import { normalizeContent } from '../../server/campaigns/normalize/content.ts';
import { parseHeaders } from '../../server/mail/headers/index.ts';
import { generateCampaignCorpus, Rng, type CampaignCorpusTruth } from '../corpus/generate.ts';
import { generateRelatedCorpus } from '../corpus/related.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    synthetic: { type: 'string', default: '1000000' },
  },
});
const n = Number(values.messages);
const seed = Number(values.seed);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Corpus {
  name: string;
  truth: CampaignCorpusTruth;
  labels: string[];
  feats: Uint32Array[];
  normalizeMs: number;
}

async function loadCorpus(name: 'campaigns' | 'related'): Promise<Corpus> {
  const dir = path.join(PROJECT_ROOT, '.tmp', 'bench', `${name}-${n}-${seed}`);
  let truth: CampaignCorpusTruth;
  if (fs.existsSync(path.join(dir, 'truth.json')))
    truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as CampaignCorpusTruth;
  else {
    fs.rmSync(dir, { recursive: true, force: true });
    truth =
      name === 'campaigns'
        ? await generateCampaignCorpus({ out: dir, messages: n, seed })
        : await generateRelatedCorpus({ out: dir, messages: n, seed });
  }
  log(
    `${name} corpus: ${dir}: ${truth.messages} messages, ${truth.campaigns} campaigns (largest ${truth.largestCampaign}), ${truth.hamMessages} ham (${truth.hamTemplates} templates)`,
  );
  // Normalize once; keep each message's features and truth label.
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
  return { name, truth, labels, feats, normalizeMs };
}

export interface Quality {
  precision: number;
  recall: number;
  /** Campaigns (of one message or more) found, and in the truth (mailings and ham templates used). */
  campaignsFound: number;
  campaignsTrue: number;
  /** Campaigns of two or more messages found, and in the truth. */
  groupsFound: number;
  groupsTrue: number;
  /** Found campaigns holding messages of two or more mailings, and the most mailings in one. */
  mixed: number;
  mostMailings: number;
}

function quality(labels: string[], campaignOf: ArrayLike<number>): Quality {
  const count = labels.length;
  const cells = new Map<string, number>();
  const found = new Map<number, number>();
  const truthGroups = new Map<string, number>();
  const mailings = new Map<number, Set<string>>();
  for (let i = 0; i < count; i++) {
    const k = `${campaignOf[i]}|${labels[i]}`;
    cells.set(k, (cells.get(k) ?? 0) + 1);
    found.set(campaignOf[i]!, (found.get(campaignOf[i]!) ?? 0) + 1);
    truthGroups.set(labels[i]!, (truthGroups.get(labels[i]!) ?? 0) + 1);
    const m = mailings.get(campaignOf[i]!) ?? new Set<string>();
    m.add(labels[i]!);
    mailings.set(campaignOf[i]!, m);
  }
  const pairs = (m: Map<unknown, number>) => [...m.values()].reduce((s, v) => s + (v * (v - 1)) / 2, 0);
  const tp = pairs(cells);
  return {
    precision: tp / pairs(found),
    recall: tp / pairs(truthGroups),
    campaignsFound: found.size,
    campaignsTrue: truthGroups.size,
    groupsFound: [...found.values()].filter((v) => v >= 2).length,
    groupsTrue: [...truthGroups.values()].filter((v) => v >= 2).length,
    mixed: [...mailings.values()].filter((m) => m.size >= 2).length,
    mostMailings: Math.max(...[...mailings.values()].map((m) => m.size)),
  };
}

const fmt = (q: Quality) =>
  `precision ${q.precision.toFixed(4)}  recall ${q.recall.toFixed(4)}  campaigns ${q.campaignsFound} / ${q.campaignsTrue} true` +
  ` (${((q.campaignsFound / q.campaignsTrue - 1) * 100).toFixed(1)}%), of 2+ ${q.groupsFound} / ${q.groupsTrue},` +
  ` mixing mailings ${q.mixed} (at most ${q.mostMailings})`;

function signatures(feats: Uint32Array[]): { sigs: Uint16Array; present: Uint8Array; us: number } {
  const t0 = performance.now();
  const sigs = new Uint16Array(feats.length * SIGNATURE_SIZE);
  const present = new Uint8Array(feats.length);
  feats.forEach((f, i) => {
    const s = minhashSignature(f);
    if (s) {
      sigs.set(s, i * SIGNATURE_SIZE);
      present[i] = 1;
    }
  });
  return { sigs, present, us: ((performance.now() - t0) * 1000) / feats.length };
}

/** The membership spamcase uses, from scratch: each message's campaign and its similarity to the exemplar. */
function exemplarRun(sigs: Uint16Array, present: Uint8Array, count: number) {
  const t0 = performance.now();
  const r = exemplarCampaigns({
    signatures: sigs,
    present,
    count,
    numbers: new Int32Array(count),
    exemplars: new Map(),
  });
  const ms = performance.now() - t0;
  let lowest = 1;
  for (let i = 0; i < count; i++) {
    const ex = r.newExemplars[-r.campaign[i]! - 1]!;
    if (ex === i || !present[i]) continue;
    lowest = Math.min(lowest, equalPositions(sigs, ex * SIGNATURE_SIZE, sigs, i * SIGNATURE_SIZE) / SIGNATURE_SIZE);
  }
  return { campaign: r.campaign, ms, lowest };
}

/** Single linkage (before 2026-12-02): the lowest similarity of a member to its group's oldest message. */
function singleRun(sigs: Uint16Array, present: Uint8Array, count: number) {
  const t0 = performance.now();
  const roots = clusterSignatures(sigs, present, count);
  const ms = performance.now() - t0;
  let lowest = 1;
  for (let i = 0; i < count; i++) {
    const ex = roots[i]!;
    if (ex === i || !present[i]) continue;
    lowest = Math.min(lowest, equalPositions(sigs, ex * SIGNATURE_SIZE, sigs, i * SIGNATURE_SIZE) / SIGNATURE_SIZE);
  }
  return { campaign: roots, ms, lowest };
}

const results: Record<string, unknown> = {};
let campaignCorpus: Corpus | null = null;
let campaignSigs: ReturnType<typeof signatures> | null = null;
for (const name of ['campaigns', 'related'] as const) {
  const c = await loadCorpus(name);
  const s = signatures(c.feats);
  const count = c.labels.length;
  const single = singleRun(s.sigs, s.present, count);
  const exemplar = exemplarRun(s.sigs, s.present, count);
  const qs = quality(c.labels, single.campaign);
  const qe = quality(c.labels, exemplar.campaign);
  log(
    `  normalize + features: ${((c.normalizeMs * 1000) / count).toFixed(1)} us/msg, signature ${s.us.toFixed(1)} us/msg`,
  );
  log(
    `  exemplar + representatives:   ${fmt(qe)}  lowest member-exemplar ${exemplar.lowest.toFixed(3)}  cluster ${exemplar.ms.toFixed(0)} ms`,
  );
  log(
    `  single linkage (before):      ${fmt(qs)}  lowest member-exemplar ${single.lowest.toFixed(3)}  cluster ${single.ms.toFixed(0)} ms`,
  );
  results[name] = {
    messages: count,
    truth: { campaigns: c.truth.campaigns, hamTemplates: c.truth.hamTemplates },
    exemplar: { ...qe, lowestSimilarity: exemplar.lowest, clusterMs: exemplar.ms, signUsPerMsg: s.us },
    singleLinkage: { ...qs, lowestSimilarity: single.lowest, clusterMs: single.ms },
  };
  if (name === 'campaigns') {
    campaignCorpus = c;
    campaignSigs = s;
  }
}

// SimHash (Charikar 2002) on the campaign corpus: 64 bits as two 32-bit halves, every feature weighted 1.
const { labels, feats } = campaignCorpus!;
const count = labels.length;
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
let t0 = performance.now();
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
log('campaigns corpus, SimHash on the same features:');
log(
  `  SimHash 64, Hamming <= 3:     ${fmt(quality(labels, sim3.roots))}  sign ${((simhashSignMs * 1000) / count).toFixed(1)} us/msg, cluster ${sim3.ms.toFixed(0)} ms`,
);
log(`  SimHash 64, Hamming <= 6:     ${fmt(quality(labels, sim6.roots))}  cluster ${sim6.ms.toFixed(0)} ms`);
void campaignSigs;

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
const singleMs = performance.now() - t0;
t0 = performance.now();
exemplarCampaigns({ signatures: big, present: bigPresent, count: m, numbers: new Int32Array(m), exemplars: new Map() });
const syntheticMs = performance.now() - t0;
log(
  `clustering ${m} synthetic signatures: exemplar ${(syntheticMs / 1000).toFixed(1)} s, single linkage (before) ${(singleMs / 1000).toFixed(1)} s (${(syntheticMs / singleMs).toFixed(2)}x); peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (signatures ${((m * SIGNATURE_SIZE * 2) / 1e6).toFixed(0)} MB; RSS before clustering ${(rssBefore / 1e6).toFixed(0)} MB)`,
);
const ex = (results.campaigns as { exemplar: Quality }).exemplar;
process.stdout.write(
  `${JSON.stringify({ messages: count, minhash: ex, ...results, simhash3: quality(labels, sim3.roots), simhash6: quality(labels, sim6.roots), syntheticMessages: m, syntheticMs, syntheticSingleLinkageMs: singleMs, maxRssKb: process.resourceUsage().maxRSS })}\n`,
);
