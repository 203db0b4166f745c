/**
 * Near-linear clustering of MinHash signatures: for each LSH band, messages with the same band key
 * land in one bucket of an open-addressing table; a message is compared (whole signature) with the
 * first and the latest message of its bucket and joined (union-find) when they agree on at least
 * MIN_EQUAL_POSITIONS. Work is O(messages x bands); no all-pairs comparison. Memory: the
 * signatures (64 B each) plus about 40 B per message.
 *
 * Deterministic, and stable under appending: messages are processed in id order, so adding
 * messages with higher ids never changes a comparison between earlier ones; earlier groups can
 * only grow or be joined, never split.
 */
import { BANDS, bandKey, equalPositions, MIN_EQUAL_POSITIONS, SIGNATURE_SIZE } from './minhash.ts';

/**
 * A campaign's representatives: its exemplar and its REPRESENTATIVES - 1 oldest other members, fixed once they
 * joined. A message joins a campaign when it agrees with the representatives on JOIN_EQUAL_POSITIONS of 32 on
 * average (estimated Jaccard >= 0.375) and with the exemplar itself on at least EXEMPLAR_EQUAL_POSITIONS (0.28).
 * Averaging over four messages rather than trusting one estimate: 32 positions estimate a Jaccard of 0.55 with a
 * standard error of 0.09, and against the exemplar alone the tail of one mailing's copies split off (recall 0.88 on
 * the related-templates corpus at 12 of 32). Measured for 9-13 and 1, 4 and 8 representatives on both generated
 * corpora (docs/CAMPAIGNS.md). Single linkage at MIN_EQUAL_POSITIONS (0.5) was the rule before 2026-12-02 and is
 * kept for the campaign bench's comparison. Part of a campaign's definition: constants, not options.
 */
export const REPRESENTATIVES = 4;
export const JOIN_EQUAL_POSITIONS = 12;
export const EXEMPLAR_EQUAL_POSITIONS = 9;

export class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  /** Joins the groups of a and b; the smaller index becomes the root (the oldest message). */
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }
}

/**
 * Groups `count` signatures stored back to back in `signatures` (SIGNATURE_SIZE values each);
 * `present[i]` is 0 for a message without a signature (it stays alone). Returns the root of each
 * message: the smallest index of its group.
 */
export function clusterSignatures(
  signatures: Uint16Array,
  present: Uint8Array,
  count: number,
  minEqual = MIN_EQUAL_POSITIONS,
): Int32Array {
  const uf = new UnionFind(count);
  let size = 1;
  while (size < count * 2) size *= 2;
  const keys = new Uint32Array(size);
  const first = new Int32Array(size);
  const latest = new Int32Array(size);
  const mask = size - 1;
  for (let band = 0; band < BANDS; band++) {
    first.fill(-1);
    for (let i = 0; i < count; i++) {
      if (!present[i]) continue;
      const off = i * SIGNATURE_SIZE;
      const key = bandKey(signatures, off, band);
      let slot = key & mask;
      while (first[slot] !== -1 && keys[slot] !== key) slot = (slot + 1) & mask;
      if (first[slot] === -1) {
        keys[slot] = key;
        first[slot] = i;
        latest[slot] = i;
        continue;
      }
      const f = first[slot]!;
      const l = latest[slot]!;
      if (uf.find(f) !== uf.find(i) && equalPositions(signatures, f * SIGNATURE_SIZE, signatures, off) >= minEqual)
        uf.union(f, i);
      if (
        l !== f &&
        uf.find(l) !== uf.find(i) &&
        equalPositions(signatures, l * SIGNATURE_SIZE, signatures, off) >= minEqual
      )
        uf.union(l, i);
      latest[slot] = i;
    }
  }
  const roots = new Int32Array(count);
  for (let i = 0; i < count; i++) roots[i] = uf.find(i);
  return roots;
}

/** Campaigns of a component compared one by one up to this many; beyond, through an index of their bands. */
const COMPARE_ALL = 48;

export interface ExemplarInput {
  signatures: Uint16Array;
  present: Uint8Array;
  count: number;
  /** The campaign number of each message already in one (0: none yet). */
  numbers: Int32Array;
  /** The exemplar's index of every live campaign number that has members here. */
  exemplars: ReadonlyMap<number, number>;
}

export interface ExemplarResult {
  /**
   * The campaign of every message: an existing number (> 0), or -(k + 1) for the k-th new campaign, whose exemplar
   * is newExemplars[k]. New campaigns are listed in the order of their exemplar (the oldest message first).
   */
  campaign: Int32Array;
  newExemplars: number[];
  /** Existing campaigns merged into an older one: number -> the number it joins. */
  mergedInto: Map<number, number>;
}

/**
 * Campaign membership that cannot chain. A message joins a campaign only when it agrees with the campaign's
 * exemplar on at least JOIN_EQUAL_POSITIONS (estimated Jaccard >= 0.375), not merely with some member: it joins the
 * oldest campaign whose exemplar is that close, or else starts a campaign of its own, being its exemplar. (The
 * closest exemplar instead split large mailings: once a second campaign of one mailing exists, every later copy
 * nearer to its exemplar went there; recall 0.37 on the related-templates corpus.)
 * Messages already in a campaign stay in it; new ones are taken in id order, so a later ingest never changes an
 * earlier message's campaign. Two campaigns merge only when their exemplars are that close and every member of
 * the younger is that close to the older's exemplar (complete linkage to the exemplar), so a merge keeps every
 * member within the threshold too.
 *
 * Candidates come from the single-linkage groups of clusterSignatures at the same threshold (LSH buckets,
 * near-linear; a group may chain several campaigns, it only limits whom a message is compared with): a message is
 * compared only with the exemplars of campaigns in its group, so the work stays O(messages x bands) plus a few
 * comparisons per message; a group holding many campaigns (a long chain) finds the exemplars sharing a band with
 * the message through an index of their bands instead of comparing all.
 */
export function exemplarCampaigns(input: ExemplarInput): ExemplarResult {
  const { signatures: sigs, present, count, numbers, exemplars } = input;
  const T = JOIN_EQUAL_POSITIONS;
  const roots = clusterSignatures(sigs, present, count, T);
  // Messages grouped by root, in id order within each group (counting sort).
  const start = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) start[roots[i]! + 1]! += 1;
  for (let r = 0; r < count; r++) start[r + 1]! += start[r]!;
  const order = new Int32Array(count);
  const fill = start.slice(0, count);
  for (let i = 0; i < count; i++) order[fill[roots[i]!]!++] = i;

  const campaign = new Int32Array(count);
  const newExemplars: number[] = [];
  const mergedInto = new Map<number, number>();
  const eq = (a: number, b: number) => equalPositions(sigs, a * SIGNATURE_SIZE, sigs, b * SIGNATURE_SIZE);
  // Members per existing campaign in the whole case (a campaign merges only when all of them are checked), and
  // its representatives besides the exemplar: its oldest members in the whole case.
  const sizeOf = new Map<number, number>();
  const repsOf = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const num = numbers[i]!;
    if (num === 0) continue;
    sizeOf.set(num, (sizeOf.get(num) ?? 0) + 1);
    if (i === exemplars.get(num) || !present[i]) continue;
    const list = repsOf.get(num);
    if (!list) repsOf.set(num, [i]);
    else if (list.length < REPRESENTATIVES - 1) list.push(i);
  }

  // The campaigns of the group being processed (reused from group to group): key (number, or -(k + 1) when
  // new), exemplar index, members, members it had before this run, representatives besides the exemplar.
  const keys: number[] = [];
  const exemplarOf: number[] = [];
  const members: number[][] = [];
  const oldMembers: number[] = [];
  const reps: number[][] = [];
  const slotOf = new Map<number, number>();
  let index: Map<number, number[]> | null = null;
  let stamp = new Int32Array(64);

  const indexSlot = (ix: Map<number, number[]>, s: number) => {
    const ex = exemplarOf[s]!;
    if (ex < 0 || !present[ex]) return;
    for (let band = 0; band < BANDS; band++) {
      const k = bandKey(sigs, ex * SIGNATURE_SIZE, band);
      const list = ix.get(k);
      if (list) list.push(s);
      else ix.set(k, [s]);
    }
  };
  const addCampaign = (key: number, exemplar: number): number => {
    const s = keys.length;
    keys.push(key);
    exemplarOf.push(exemplar);
    members.push([]);
    oldMembers.push(0);
    reps.push(key > 0 ? [...(repsOf.get(key) ?? [])] : []);
    if (key > 0) slotOf.set(key, s);
    if (index === null && keys.length > COMPARE_ALL) {
      index = new Map();
      for (let t = 0; t < keys.length - 1; t++) indexSlot(index, t);
    }
    if (index !== null) indexSlot(index, s);
    return s;
  };
  /** Whether message i may be in slot s: close to its exemplar and, on average, to its representatives. */
  const joins = (s: number, i: number): boolean => {
    const ex = exemplarOf[s]!;
    if (ex < 0 || !present[ex] || !present[i]) return false;
    let sum = eq(ex, i);
    if (sum < EXEMPLAR_EQUAL_POSITIONS) return false;
    const rs = reps[s]!;
    for (let q = 0; q < rs.length; q++) sum += eq(rs[q]!, i);
    return sum >= T * (rs.length + 1);
  };
  const join = (s: number, i: number) => {
    members[s]!.push(i);
    campaign[i] = keys[s]!;
    if (i !== exemplarOf[s] && reps[s]!.length < REPRESENTATIVES - 1) reps[s]!.push(i);
  };

  for (let r = 0; r < count; r++) {
    const lo = start[r]!;
    const hi = start[r + 1]!;
    if (hi === lo) continue;
    if (hi - lo === 1) {
      const i = order[lo]!;
      if (numbers[i]! > 0) campaign[i] = numbers[i]!;
      else {
        newExemplars.push(i);
        campaign[i] = -newExemplars.length;
      }
      continue;
    }
    keys.length = 0;
    exemplarOf.length = 0;
    members.length = 0;
    oldMembers.length = 0;
    reps.length = 0;
    slotOf.clear();
    index = null;
    // Existing campaigns first (their members stay).
    for (let p = lo; p < hi; p++) {
      const i = order[p]!;
      const num = numbers[i]!;
      if (num === 0) continue;
      let s = slotOf.get(num);
      if (s === undefined) s = addCampaign(num, exemplars.get(num) ?? -1);
      members[s]!.push(i);
      oldMembers[s]! += 1;
      campaign[i] = num;
    }
    // New messages in id order: the oldest campaign they may join, or a campaign of their own.
    for (let p = lo; p < hi; p++) {
      const i = order[p]!;
      if (numbers[i]! > 0) continue;
      let best = -1;
      if (present[i]) {
        const ix = index as Map<number, number[]> | null;
        if (ix === null) {
          for (let s = 0; s < keys.length; s++)
            if ((best < 0 || rank(keys[s]!) < rank(keys[best]!)) && joins(s, i)) best = s;
        } else {
          if (stamp.length < keys.length) stamp = new Int32Array(keys.length * 2);
          for (let band = 0; band < BANDS; band++) {
            const list = ix.get(bandKey(sigs, i * SIGNATURE_SIZE, band));
            if (!list) continue;
            for (const s of list) {
              if (stamp[s] === i + 1) continue;
              stamp[s] = i + 1;
              if ((best < 0 || rank(keys[s]!) < rank(keys[best]!)) && joins(s, i)) best = s;
            }
          }
        }
      }
      if (best >= 0) join(best, i);
      else {
        newExemplars.push(i);
        const key = -newExemplars.length;
        const s = addCampaign(key, i);
        members[s]!.push(i);
        campaign[i] = key;
      }
    }
    // Merges: a younger campaign into the oldest live one whose exemplar is close to its own, and that every one
    // of its members may join.
    if (keys.length < 2) continue;
    const bySlot = keys.map((_, s) => s).sort((x, y) => rank(keys[x]!) - rank(keys[y]!));
    const target = new Int32Array(keys.length).fill(-1);
    const ix = index as Map<number, number[]> | null;
    for (const b of bySlot) {
      const exB = exemplarOf[b]!;
      if (exB < 0 || !present[exB]) continue;
      // A campaign with members in another group is not checked whole here: it does not merge.
      if (keys[b]! > 0 && oldMembers[b]! < (sizeOf.get(keys[b]!) ?? 0)) continue;
      let candidates: number[];
      if (ix === null) candidates = bySlot;
      else {
        const set = new Set<number>();
        for (let band = 0; band < BANDS; band++)
          for (const s of ix.get(bandKey(sigs, exB * SIGNATURE_SIZE, band)) ?? []) set.add(s);
        candidates = [...set].sort((x, y) => rank(keys[x]!) - rank(keys[y]!));
      }
      for (const a of candidates) {
        if (rank(keys[a]!) >= rank(keys[b]!)) break;
        if (target[a] !== -1) continue;
        const exA = exemplarOf[a]!;
        if (exA < 0 || !present[exA] || eq(exA, exB) < T) continue;
        if (!members[b]!.every((m) => joins(a, m))) continue;
        target[b] = a;
        for (const m of members[b]!) join(a, m);
        members[b] = [];
        if (keys[b]! > 0) mergedInto.set(keys[b]!, keys[a]!);
        break;
      }
    }
  }
  // New campaigns merged away (possible only in an indexed group) leave holes: renumber the rest densely, in
  // the order of their exemplars.
  const alive = new Uint8Array(newExemplars.length);
  for (let i = 0; i < count; i++) if (campaign[i]! < 0) alive[-campaign[i]! - 1] = 1;
  const sorted = newExemplars
    .map((ex, k) => ({ ex, k }))
    .filter((e) => alive[e.k])
    .sort((x, y) => x.ex - y.ex);
  const remap = new Int32Array(newExemplars.length);
  sorted.forEach((e, j) => (remap[e.k] = -(j + 1)));
  for (let i = 0; i < count; i++) if (campaign[i]! < 0) campaign[i] = remap[-campaign[i]! - 1]!;
  return { campaign, newExemplars: sorted.map((e) => e.ex), mergedInto };
}

/** Order of campaigns: existing numbers first (oldest first), then new campaigns in creation order. */
function rank(key: number): number {
  return key > 0 ? key : 0x40000000 - key;
}
