/**
 * The feature set compared between two messages (Jaccard similarity): overlapping 3-word shingles
 * of the normalized body, the subject's words with weight SUBJECT_WEIGHT (each counted that many
 * times), and the registrable domains of the links. Features are 32-bit hashes (FNV-1a): two
 * distinct features collide with probability 2^-32, far below the estimator's own error.
 */
import type { NormalizedContent } from './normalize/content.ts';

export const SHINGLE_WORDS = 3;
/** How many times a subject word counts against one body shingle. */
export const SUBJECT_WEIGHT = 3;

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The features as readable strings (for explanations): "b:w1 w2 w3", "s1:word", "d:domain". */
export function featureStrings(content: NormalizedContent): string[] {
  const out = new Set<string>();
  const body = content.body;
  if (body.length > 0 && body.length < SHINGLE_WORDS) out.add(`b:${body.join(' ')}`);
  for (let i = 0; i + SHINGLE_WORDS <= body.length; i++) out.add(`b:${body.slice(i, i + SHINGLE_WORDS).join(' ')}`);
  for (const w of content.subject) for (let k = 1; k <= SUBJECT_WEIGHT; k++) out.add(`s${k}:${w}`);
  for (const d of content.domains) out.add(`d:${d}`);
  return [...out];
}

const BODY_SEED = 0x62;
const SUBJECT_SEED = 0x73;
const DOMAIN_SEED = 0x64;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The same feature set as featureStrings, as 32-bit hashes, without building the strings: each
 * token is hashed once and a shingle's hash chains its tokens' hashes. May hold repeats; MinHash
 * does not mind.
 */
export function featureHashes(content: NormalizedContent): Uint32Array {
  return featureHashesOfTokens(content.body.map(fnv1a), content.subject, content.domains);
}

/** featureHashes from the body's token hashes (the fingerprint's fast path, token-hashes.ts). */
export function featureHashesOfTokens(
  th: ArrayLike<number>,
  subject: readonly string[],
  domains: readonly string[],
): Uint32Array {
  const body = th;
  const shingles = body.length === 0 ? 0 : Math.max(1, body.length - SHINGLE_WORDS + 1);
  const out = new Uint32Array(shingles + subject.length * SUBJECT_WEIGHT + domains.length);
  let o = 0;
  if (body.length > 0 && body.length < SHINGLE_WORDS) {
    let h = BODY_SEED;
    for (let i = 0; i < body.length; i++) h = mix(h ^ th[i]!);
    out[o++] = h;
  }
  for (let i = 0; i + SHINGLE_WORDS <= body.length; i++) {
    let h = BODY_SEED;
    for (let k = 0; k < SHINGLE_WORDS; k++) h = mix(h ^ th[i + k]!);
    out[o++] = h;
  }
  for (const w of subject) {
    const h = fnv1a(w);
    for (let k = 1; k <= SUBJECT_WEIGHT; k++) out[o++] = mix(mix(SUBJECT_SEED + k) ^ h);
  }
  for (const d of domains) out[o++] = mix(DOMAIN_SEED ^ fnv1a(d));
  return out.subarray(0, o);
}
