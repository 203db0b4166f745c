/**
 * MinHash signatures (Broder 1997) with LSH banding: the fraction of equal positions of two
 * signatures estimates the Jaccard similarity of their feature sets; messages whose signatures
 * agree on a whole band become candidates, and candidates are confirmed on the whole signature.
 * Each position keeps 16 bits of its minimum ("b-bit MinHash", Li & König 2010): 64 bytes per
 * message, so a million signatures take 64 MB; a chance 16-bit collision (1/65,536) barely moves
 * the estimate.
 *
 * Parameters (measured on the generated campaign corpus, see docs/CAMPAIGNS.md): 32 positions,
 * 16 bands of 2 rows, joined at >= 50% equal positions. Changing them changes which messages are
 * joined: campaign numbers stay stable only while they stay the same.
 */

export const SIGNATURE_SIZE = 32;
export const BANDS = 16;
export const ROWS_PER_BAND = SIGNATURE_SIZE / BANDS;
/** Equal positions (of SIGNATURE_SIZE) needed to join two messages: estimated Jaccard >= 0.5. */
export const MIN_EQUAL_POSITIONS = 16;

/** Per-position seeds: fixed forever (part of the fingerprint's definition). */
const SEEDS = new Uint32Array(SIGNATURE_SIZE);
{
  let s = 0x9e3779b9;
  for (let i = 0; i < SIGNATURE_SIZE; i++) {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    SEEDS[i] = s;
  }
}

/** murmur3's 32-bit finalizer: a good bijective mix. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The signature of a feature set, or null for an empty set (nothing to compare: the message stays
 * alone). One permutation hashing (Li, Owen & Zhang 2012): each feature is hashed once; the top 5
 * bits pick one of the 32 positions and the position keeps its minimum, instead of 32 hashes per
 * feature (measured: the 32-hash form was a fifth of a message's fingerprint time). A position no
 * feature fell into takes the value of the next filled position to its right, offset by the
 * distance ("rotation" densification, Shrivastava 2017), so short messages still compare.
 */
export function minhashSignature(features: Uint32Array): Uint16Array | null {
  if (features.length === 0) return null;
  const mins = new Uint32Array(SIGNATURE_SIZE).fill(0xffffffff);
  for (let f = 0; f < features.length; f++) {
    const h = mix(features[f]! ^ SEEDS[0]!);
    const bin = h >>> 27;
    const v = h & 0x7ffffff;
    if (v < mins[bin]!) mins[bin] = v;
  }
  const sig = new Uint16Array(SIGNATURE_SIZE);
  for (let i = 0; i < SIGNATURE_SIZE; i++) {
    let j = i;
    let distance = 0;
    while (mins[j] === 0xffffffff) {
      j = (j + 1) % SIGNATURE_SIZE;
      distance++;
    }
    sig[i] = mix(mins[j]! + distance * SEEDS[1]!) & 0xffff;
  }
  return sig;
}

/** Equal positions of signatures a and b, stored at offsets ia and ib of flat arrays. */
export function equalPositions(a: Uint16Array, ia: number, b: Uint16Array, ib: number): number {
  let n = 0;
  for (let i = 0; i < SIGNATURE_SIZE; i++) if (a[ia + i] === b[ib + i]) n++;
  return n;
}

/** Estimated Jaccard similarity (0..1) of two signatures. */
export function estimatedSimilarity(a: Uint16Array, b: Uint16Array): number {
  return equalPositions(a, 0, b, 0) / SIGNATURE_SIZE;
}

/** One band of a signature as a 32-bit key. */
export function bandKey(sigs: Uint16Array, offset: number, band: number): number {
  let h = mix(band + 1);
  const start = offset + band * ROWS_PER_BAND;
  for (let r = 0; r < ROWS_PER_BAND; r++) h = mix(h ^ (sigs[start + r]! + (r << 16)));
  return h;
}

export function signatureToBytes(sig: Uint16Array): Buffer {
  const out = Buffer.alloc(SIGNATURE_SIZE * 2);
  for (let i = 0; i < SIGNATURE_SIZE; i++) out.writeUInt16LE(sig[i]!, i * 2);
  return out;
}

export function signatureFromBytes(
  bytes: Uint8Array,
  into: Uint16Array = new Uint16Array(SIGNATURE_SIZE),
  at = 0,
): Uint16Array {
  if (bytes.length !== SIGNATURE_SIZE * 2)
    throw new Error(`a campaign signature is ${SIGNATURE_SIZE * 2} bytes, got ${bytes.length}`);
  for (let i = 0; i < SIGNATURE_SIZE; i++) into[at + i] = bytes[i * 2]! | (bytes[i * 2 + 1]! << 8);
  return into;
}
