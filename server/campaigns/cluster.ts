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
export function clusterSignatures(signatures: Uint16Array, present: Uint8Array, count: number): Int32Array {
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
      if (
        uf.find(f) !== uf.find(i) &&
        equalPositions(signatures, f * SIGNATURE_SIZE, signatures, off) >= MIN_EQUAL_POSITIONS
      )
        uf.union(f, i);
      if (
        l !== f &&
        uf.find(l) !== uf.find(i) &&
        equalPositions(signatures, l * SIGNATURE_SIZE, signatures, off) >= MIN_EQUAL_POSITIONS
      )
        uf.union(l, i);
      latest[slot] = i;
    }
  }
  const roots = new Int32Array(count);
  for (let i = 0; i < count; i++) roots[i] = uf.find(i);
  return roots;
}
