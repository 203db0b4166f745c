/**
 * DKIM verification of one raw message against a key snapshot, strictly offline: mailauth
 * (postalsys) does the canonicalization and cryptography, and its resolver option is fed from the
 * snapshot only, so no DNS query is ever made. One result per signature field, in words a court
 * can read; never throws on hostile input.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { DKIMResult } from 'mailauth';
import { describeError } from '../../errors.ts';
import { lookupKey, type KeySnapshot } from './key-snapshot.ts';
import { signatureFields, type SignatureField, type SignatureFieldName } from './signature-fields.ts';

/**
 * Largest message verified: 50 MiB. Above what the big providers accept (Gmail 25 MB, Outlook.com
 * and Yahoo under that, before base64 growth), so no message that was really delivered is cut
 * off; beyond it a signature over a huge body only costs time (hashing at ~200 MB/s per core)
 * and is reported 'not-verified' with reason 'too large'. A constant: no option can lift it.
 */
export const MAX_DKIM_VERIFY_BYTES = 50 * 1024 * 1024;
/**
 * Most signature fields verified in one message: 20. Real mail carries one to three (author,
 * ESP, mailing list); each signature with its own l= or canonicalization costs one more pass
 * over the body, so a message with thousands would be a denial of service. Beyond it every
 * signature of the message is 'not-verified' with reason 'too many signatures'.
 */
export const MAX_DKIM_SIGNATURES = 20;
/** RFC 8301 section 3.2: verifiers must not accept RSA keys under 1024 bits. */
export const DEFAULT_MIN_KEY_BITS = 1024;

export type DkimResult = 'pass' | 'fail' | 'no-key' | 'none' | 'not-verified';

export interface DkimVerification {
  /** Position among the message's signature fields, 0 = topmost; 0 for the single 'none' entry. */
  index: number;
  /** Which field carried the signature; null for the 'none' entry of an unsigned message. */
  field: SignatureFieldName | null;
  domain: string | null;
  identity: string | null;
  selector: string | null;
  algorithm: string | null;
  canonicalization: string | null;
  /** l=: the signature covers only this many body bytes (canonicalized). */
  bodyLength: number | null;
  result: DkimResult;
  /** Why, in plain words (also for pass: what was verified, and what l= left unsigned). */
  reason: string;
  /** SHA-256 of the public key's SubjectPublicKeyInfo DER, when the snapshot holds a usable key. */
  keyFingerprint: string | null;
}

export interface VerifyDkimOptions {
  /** The moment signatures are judged at (x= expiry): the harvest time of the message. Default now. */
  at?: Date;
  /** Shortest RSA key accepted; default 1024 (RFC 8301). Lower it only to read historic mail, knowingly. */
  minKeyBits?: number;
}

type DnsResolver = (name: string, rrtype: string) => Promise<string[][]>;

function lookupError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The only resolver mailauth is given: answers TXT questions from the snapshot (following CNAMEs
 * inside it) and answers "not found" to everything else. It never reaches the network.
 */
export function snapshotResolver(snapshot: KeySnapshot): DnsResolver {
  return async (name, rrtype) => {
    if (rrtype.toUpperCase() !== 'TXT')
      throw lookupError(`${rrtype} ${name}: a key snapshot holds TXT records only`, 'ENOTFOUND');
    const found = lookupKey(snapshot, name);
    if (!found.found) throw lookupError(found.reason, 'ENOTFOUND');
    return [[found.record.txt]];
  };
}

function base(sig: SignatureField): Omit<DkimVerification, 'result' | 'reason' | 'keyFingerprint'> {
  return {
    index: sig.index,
    field: sig.field,
    domain: sig.domain,
    identity: sig.identity,
    selector: sig.selector,
    algorithm: sig.algorithm,
    canonicalization: sig.canonicalization,
    bodyLength: sig.bodyLength,
  };
}

function keyName(sig: SignatureField): string | null {
  return sig.domain && sig.selector ? `${sig.selector}._domainkey.${sig.domain}` : null;
}

function fingerprintFor(snapshot: KeySnapshot, sig: SignatureField): string | null {
  const name = keyName(sig);
  if (name === null) return null;
  const found = lookupKey(snapshot, name);
  return found.found ? found.record.facts.fingerprint : null;
}

function unverified(
  sig: SignatureField,
  result: DkimResult,
  reason: string,
  keyFingerprint: string | null = null,
): DkimVerification {
  return { ...base(sig), result, reason, keyFingerprint };
}

const SUPPORTED_ALGORITHMS = new Set(['rsa-sha256', 'rsa-sha1', 'ed25519-sha256']);
const CANONICALIZATIONS = new Set(['simple', 'relaxed']);

/** A DKIM signature mailauth left out of its results (its lenient mode skips what it cannot process): say why. */
function skippedSignature(sig: SignatureField): DkimVerification {
  if (sig.missingTags.length > 0)
    return unverified(sig, 'fail', `malformed signature: missing ${sig.missingTags.map((t) => `${t}=`).join(', ')}`);
  if (!SUPPORTED_ALGORITHMS.has(sig.algorithm ?? ''))
    return unverified(
      sig,
      'not-verified',
      `unsupported algorithm a=${sig.algorithm ?? ''} (rsa-sha256, rsa-sha1 and ed25519-sha256 are verified)`,
    );
  const [header = 'simple', body = 'simple'] = (sig.canonicalization ?? 'simple/simple').split('/');
  if (!CANONICALIZATIONS.has(header) || !CANONICALIZATIONS.has(body))
    return unverified(sig, 'not-verified', `unknown canonicalization c=${sig.canonicalization ?? ''}`);
  return unverified(
    sig,
    'fail',
    `malformed signature${sig.syntaxProblems.length > 0 ? `: ${sig.syntaxProblems.join('; ')}` : ''}`,
  );
}

/** A DomainKeys (RFC 4870) signature: its key is looked up in the snapshot, the signature is not verified. */
function domainKeysSignature(snapshot: KeySnapshot, sig: SignatureField): DkimVerification {
  const name = keyName(sig);
  if (name === null)
    return unverified(
      sig,
      'fail',
      `malformed DomainKeys signature: missing ${sig.missingTags.map((t) => `${t}=`).join(', ')}`,
    );
  const found = lookupKey(snapshot, name);
  if (!found.found) return unverified(sig, 'no-key', `DomainKeys signature (RFC 4870): ${found.reason}`);
  return unverified(
    sig,
    'not-verified',
    'DomainKeys signature (RFC 4870, superseded by DKIM): key found in the snapshot, but DomainKeys signatures are not verified',
    found.record.facts.fingerprint,
  );
}

function bodyLengthNote(sig: SignatureField, r: DKIMResult): string {
  if (sig.bodyLength === null) return '';
  const total = (r as { canonBodyLengthTotal?: number }).canonBodyLengthTotal;
  const unsigned = typeof total === 'number' ? Math.max(0, total - sig.bodyLength) : null;
  return `; l=${sig.bodyLength}: only the first ${sig.bodyLength} body bytes are signed${unsigned !== null ? ` (${unsigned} bytes after them are not)` : ''}`;
}

/** Turn mailauth's verdict for one DKIM signature into ours. */
function fromMailauth(
  snapshot: KeySnapshot,
  sig: SignatureField,
  r: DKIMResult,
  minKeyBits: number,
  at: Date,
): DkimVerification {
  const status = r.status ?? { result: 'neutral' };
  const comment = typeof status.comment === 'string' ? status.comment : '';
  const name = keyName(sig) ?? '';
  const found = name ? lookupKey(snapshot, name) : ({ found: false, reason: 'no key name' } as const);
  const fingerprint = found.found ? found.record.facts.fingerprint : null;
  switch (status.result) {
    case 'pass': {
      const testing = (status as { testing?: boolean }).testing ? '; the key is marked testing (t=y)' : '';
      return unverified(
        sig,
        'pass',
        `signature verified with the snapshot key for ${name}${testing}${bodyLengthNote(sig, r)}`,
        fingerprint,
      );
    }
    case 'fail':
      return unverified(
        sig,
        'fail',
        'bad signature: the signed header fields were altered after signing, or the key does not match',
        fingerprint,
      );
    case 'policy':
      return unverified(
        sig,
        'not-verified',
        found.found && found.record.facts.bits !== null && found.record.facts.bits < minKeyBits
          ? `the RSA key is ${found.record.facts.bits} bits, shorter than the ${minKeyBits} bits RFC 8301 requires`
          : `refused by policy: ${comment || 'weak key or algorithm'}`,
        fingerprint,
      );
    case 'none':
      return unverified(sig, 'none', 'message not signed');
    case 'temperror':
      return unverified(sig, 'not-verified', `key lookup failed: ${comment}`, fingerprint);
    default:
      break;
  }
  // neutral (and permerror): the signature could not be verified as valid.
  if (comment === 'no key') return unverified(sig, 'no-key', found.found ? `no key for ${name}` : found.reason);
  if (comment === 'body hash did not verify')
    return unverified(
      sig,
      'fail',
      `body hash did not verify: the body was altered after signing${bodyLengthNote(sig, r)}`,
      fingerprint,
    );
  if (found.found && found.record.facts.revoked)
    return unverified(sig, 'fail', `key revoked: the snapshot's record for ${found.record.name} has an empty p=`);
  if (comment === 'invalid public key' || comment === 'unknown key type' || comment === 'unknown key version') {
    return unverified(
      sig,
      'fail',
      `${comment}: the snapshot's record for ${name} ${found.found && found.record.facts.problem ? `(${found.record.facts.problem})` : 'holds no usable key'}`,
    );
  }
  if (comment === 'expired')
    return unverified(
      sig,
      'fail',
      `signature expired before ${at.toISOString()} (x=${r.expiresAfter ?? '?'})`,
      fingerprint,
    );
  return unverified(sig, 'fail', comment || 'signature did not verify', fingerprint);
}

/** Same signature? mailauth reports b= and a=; b= is unique per signature in practice. */
function sameSignature(sig: SignatureField, r: DKIMResult): boolean {
  return (r.signature ?? '').replace(/\s+/g, '') === sig.b && (r.algo ?? '').toLowerCase() === (sig.algorithm ?? '');
}

/**
 * Verify every signature of one message. Returns one entry per signature field, top first, or a
 * single 'none' entry when the message carries none. Never throws for anything in `raw`.
 */
export async function verifyDkim(
  raw: Buffer,
  snapshot: KeySnapshot,
  opts: VerifyDkimOptions = {},
): Promise<DkimVerification[]> {
  const at = opts.at ?? new Date();
  const minKeyBits = opts.minKeyBits ?? DEFAULT_MIN_KEY_BITS;
  let sigs: SignatureField[];
  try {
    sigs = signatureFields(raw);
  } catch (err) {
    return [
      {
        index: 0,
        field: null,
        domain: null,
        identity: null,
        selector: null,
        algorithm: null,
        canonicalization: null,
        bodyLength: null,
        result: 'not-verified',
        reason: `header section unreadable: ${describeError(err)}`,
        keyFingerprint: null,
      },
    ];
  }
  if (sigs.length === 0) {
    return [
      {
        index: 0,
        field: null,
        domain: null,
        identity: null,
        selector: null,
        algorithm: null,
        canonicalization: null,
        bodyLength: null,
        result: 'none',
        reason: 'message not signed',
        keyFingerprint: null,
      },
    ];
  }
  if (raw.length > MAX_DKIM_VERIFY_BYTES) {
    return sigs.map((s) =>
      unverified(
        s,
        'not-verified',
        `too large: ${raw.length} bytes, over the ${MAX_DKIM_VERIFY_BYTES}-byte limit for verification`,
        fingerprintFor(snapshot, s),
      ),
    );
  }
  if (sigs.length > MAX_DKIM_SIGNATURES) {
    return sigs.map((s) =>
      unverified(
        s,
        'not-verified',
        `too many signatures: ${sigs.length} signature fields, over the limit of ${MAX_DKIM_SIGNATURES}`,
        fingerprintFor(snapshot, s),
      ),
    );
  }
  const dkim = sigs.filter((s) => s.field === 'DKIM-Signature');
  let results: DKIMResult[] = [];
  let failure: string | null = null;
  if (dkim.length > 0) {
    try {
      results = (
        await dkimVerify(raw, { resolver: snapshotResolver(snapshot), curTime: at, minBitLength: minKeyBits })
      ).results.filter((r) => r.status?.result !== 'none');
    } catch (err) {
      failure = describeError(err);
    }
  }
  let next = 0;
  return sigs.map((sig) => {
    if (sig.field === 'DomainKey-Signature') return domainKeysSignature(snapshot, sig);
    if (failure !== null)
      return unverified(
        sig,
        'not-verified',
        `the verifier could not read this message: ${failure}`,
        fingerprintFor(snapshot, sig),
      );
    const r = results[next];
    if (r && sameSignature(sig, r)) {
      next += 1;
      return fromMailauth(snapshot, sig, r, minKeyBits, at);
    }
    return skippedSignature(sig);
  });
}

export interface DkimSummary {
  result: DkimResult;
  /** The signature the result rests on: the first passing one, else the first of the deciding kind. */
  domain: string | null;
  identity: string | null;
  keyFingerprint: string | null;
  reason: string;
}

/** Which result speaks for the item when signatures disagree: any pass wins, then fail, no-key, not-verified. */
const RANK: Record<DkimResult, number> = { pass: 0, fail: 1, 'no-key': 2, 'not-verified': 3, none: 4 };

/**
 * The one per-item result: 'pass' if any signature passes (with that signature's d=/i=), else
 * 'fail' if any failed, else 'no-key', else 'not-verified'; 'none' when the item is unsigned.
 */
export function dkimSummary(results: readonly DkimVerification[]): DkimSummary {
  let best: DkimVerification | null = null;
  for (const r of results) if (best === null || RANK[r.result] < RANK[best.result]) best = r;
  if (best === null)
    return { result: 'none', domain: null, identity: null, keyFingerprint: null, reason: 'message not signed' };
  return {
    result: best.result,
    domain: best.domain,
    identity: best.identity,
    keyFingerprint: best.keyFingerprint,
    reason: best.reason,
  };
}
