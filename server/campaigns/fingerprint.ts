/**
 * The campaign fingerprint of one message, computed once at ingest in the reader thread
 * (analyze.ts): normalized content (its token hashes) -> features -> MinHash signature (64 bytes), or null when the
 * message has no comparable content. Pure; bounded by limits.ts whatever the input.
 */
import { featureHashesOfTokens } from './features.ts';
import { minhashSignature, signatureToBytes } from './minhash.ts';
import { contentHashes } from './normalize/token-hashes.ts';

export function campaignFingerprint(raw: Buffer, subject: string | null): Uint8Array | null {
  const c = contentHashes(raw, subject);
  const signature = minhashSignature(featureHashesOfTokens(c.body, c.subject, c.domains));
  return signature === null ? null : new Uint8Array(signatureToBytes(signature));
}
