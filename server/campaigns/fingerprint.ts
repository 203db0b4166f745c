/**
 * The campaign fingerprint of one message, computed once at ingest in the reader thread
 * (analyze.ts): normalized content -> features -> MinHash signature (64 bytes), or null when the
 * message has no comparable content. Pure; bounded by limits.ts whatever the input.
 */
import { featureHashes } from './features.ts';
import { minhashSignature, signatureToBytes } from './minhash.ts';
import { normalizeContent } from './normalize/content.ts';

export function campaignFingerprint(raw: Buffer, subject: string | null): Uint8Array | null {
  const signature = minhashSignature(featureHashes(normalizeContent(raw, subject)));
  return signature === null ? null : new Uint8Array(signatureToBytes(signature));
}
