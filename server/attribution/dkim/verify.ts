/**
 * DKIM verification of one raw message against a key snapshot, strictly offline: RFC 6376 (with
 * RFC 8301 and RFC 8463) implemented here on node:crypto, keys read from the snapshot only, so no
 * DNS query is ever made. One result per signature field, in words a court can read; never throws
 * on hostile input.
 */
import crypto from 'node:crypto';
import { describeError } from '../../errors.ts';
import { splitHeaderSection } from '../../mail/headers/index.ts';
import {
  canonicalBody,
  canonicalHeader,
  lowerCaseAscii,
  rawFields,
  trimFws,
  withoutSignatureValue,
  type Canonicalization,
  type RawField,
} from './canonicalization.ts';
import { keyRecordPolicy, type KeyRecordPolicy } from './key-record.ts';
import { lookupKey, type KeySnapshot } from './key-snapshot.ts';
import { signatureFields, type SignatureField, type SignatureFieldName } from './signature-fields.ts';
import { parseTagList } from './tag-list.ts';

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
 * The snapshot as a DNS resolver, the shape other verifiers take (mailauth's `resolver`, dkimpy's
 * `dnsfunc`): answers TXT questions from the snapshot (following CNAMEs inside it) and "not
 * found" to everything else. It never reaches the network; verifyDkim reads the snapshot itself.
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

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A tag's value as written, whitespace inside it kept (RFC 6376 section 3.2 removes only the outer). */
function writtenValue(field: string, name: string): string {
  for (const part of field.slice(field.indexOf(':') + 1).split(';')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq).replace(/[ \t\r\n]+/g, '') === name) return trimFws(part.slice(eq + 1));
  }
  return '';
}

/** Why a signature cannot be checked at all, before any hashing (RFC 6376 section 6.1.1). */
function signatureProblem(
  sig: SignatureField,
  field: string,
  tags: Map<string, string>,
  headerKeys: string[],
): DkimVerification | null {
  if (sig.missingTags.length > 0)
    return unverified(sig, 'fail', `malformed signature: missing ${sig.missingTags.map((t) => `${t}=`).join(', ')}`);
  if (!SUPPORTED_ALGORITHMS.has(sig.algorithm ?? ''))
    return unverified(
      sig,
      'not-verified',
      `unsupported algorithm a=${sig.algorithm ?? ''} (rsa-sha256, rsa-sha1 and ed25519-sha256 are verified)`,
    );
  const [header = 'simple', body = 'simple', extra] = (sig.canonicalization ?? 'simple/simple').split('/');
  if (!CANONICALIZATIONS.has(header) || !CANONICALIZATIONS.has(body) || extra !== undefined)
    return unverified(sig, 'not-verified', `unknown canonicalization c=${sig.canonicalization ?? ''}`);
  if (sig.syntaxProblems.length > 0)
    return unverified(sig, 'fail', `malformed signature: ${sig.syntaxProblems.join('; ')}`);
  for (const t of ['b', 'bh'] as const)
    if (!BASE64.test(tags.get(t) ?? '')) return unverified(sig, 'fail', `malformed signature: ${t}= is not base64`);
  for (const t of ['d', 's'] as const)
    if (/[ \t\r\n]/.test(writtenValue(field, t)))
      return unverified(sig, 'fail', `malformed signature: ${t}= holds whitespace, so it names no domain`);
  if (!headerKeys.includes('from'))
    return unverified(sig, 'fail', 'From field not signed (h= must name From, RFC 6376 section 5.4)');
  const l = tags.get('l');
  if (l !== undefined && !/^\d{1,76}$/.test(l))
    return unverified(sig, 'fail', `malformed signature: l=${l.slice(0, 20)} is not a number`);
  const t = tags.get('t');
  const x = tags.get('x');
  if (t !== undefined && !/^\d{1,12}$/.test(t))
    return unverified(sig, 'fail', `malformed signature: t=${t.slice(0, 20)} is not a time`);
  if (x !== undefined && !/^\d{1,12}$/.test(x))
    return unverified(sig, 'fail', `malformed signature: x=${x.slice(0, 20)} is not a time`);
  if (t !== undefined && x !== undefined && Number(x) < Number(t))
    return unverified(sig, 'fail', `invalid expiration: x= (${x}) is before t= (${t}), RFC 6376 section 3.5`);
  if (sig.identity !== null && sig.domain !== null) {
    const at = sig.identity.lastIndexOf('@');
    const idDomain = sig.identity.slice(at + 1).toLowerCase();
    if (at < 0 || !(idDomain === sig.domain || idDomain.endsWith(`.${sig.domain}`)))
      return unverified(sig, 'fail', `i=${sig.identity} is not within d=${sig.domain} (RFC 6376 section 6.1.1)`);
  }
  return null;
}

/** Per message: the canonical body per canonicalization, computed once whatever the number of signatures. */
class BodyCache {
  private readonly bodies = new Map<Canonicalization, Buffer>();
  constructor(private readonly body: Buffer) {}
  get(c: Canonicalization): Buffer {
    let b = this.bodies.get(c);
    if (!b) {
      b = canonicalBody(this.body, c);
      this.bodies.set(c, b);
    }
    return b;
  }
}

function bodyLengthNote(sig: SignatureField, total: number): string {
  if (sig.bodyLength === null) return '';
  const unsigned = Math.max(0, total - sig.bodyLength);
  return `; l=${sig.bodyLength}: only the first ${sig.bodyLength} body bytes are signed (${unsigned} bytes after them are not)`;
}

interface MessageParts {
  fields: RawField[];
  /** Field positions per lowercased name, top first. */
  byName: Map<string, number[]>;
  bodies: BodyCache;
  policies: Map<string, KeyRecordPolicy>;
}

function keyProblemKind(problem: string | null): string {
  if (problem !== null && /version/.test(problem)) return 'unknown key version';
  if (problem !== null && /k=|key type/.test(problem)) return 'unknown key type';
  return 'invalid public key';
}

/** Verify one DKIM-Signature field (`field`: its text as the signer saw it). */
function verifyOne(
  snapshot: KeySnapshot,
  sig: SignatureField,
  field: string,
  parts: MessageParts,
  minKeyBits: number,
  at: Date,
): DkimVerification {
  const { tags } = parseTagList(field.slice(field.indexOf(':') + 1));
  const headerKeys = (tags.get('h') ?? '')
    .split(':')
    .map((h) => lowerCaseAscii(h))
    .filter((h) => h !== '');
  const problem = signatureProblem(sig, field, tags, headerKeys);
  if (problem) return problem;
  const [hc = 'simple', bc = 'simple'] = (sig.canonicalization ?? 'simple/simple').split('/') as Canonicalization[];
  const algorithm = sig.algorithm ?? '';
  const hash = algorithm.endsWith('-sha1') ? 'sha1' : 'sha256';

  // The body hash first (section 6.1.3), as mailauth did: an altered body is named as such.
  const body = parts.bodies.get(bc);
  const signedBody = sig.bodyLength !== null ? body.subarray(0, Math.min(body.length, sig.bodyLength)) : body;
  const bh = crypto.createHash(hash).update(signedBody).digest('base64');
  if (bh !== tags.get('bh'))
    return unverified(
      sig,
      'fail',
      `body hash did not verify: the body was altered after signing${bodyLengthNote(sig, body.length)}`,
      fingerprintFor(snapshot, sig),
    );

  const name = keyName(sig) ?? '';
  const found = lookupKey(snapshot, name);
  if (!found.found) return unverified(sig, 'no-key', found.reason);
  const facts = found.record.facts;
  if (facts.revoked)
    return unverified(sig, 'fail', `key revoked: the snapshot's record for ${found.record.name} has an empty p=`);
  if (facts.problem !== null || facts.fingerprint === null)
    return unverified(
      sig,
      'fail',
      `${keyProblemKind(facts.problem)}: the snapshot's record for ${name} (${facts.problem ?? 'holds no usable key'})`,
    );
  let policy = parts.policies.get(found.record.txt);
  if (!policy) {
    policy = keyRecordPolicy(found.record.txt);
    parts.policies.set(found.record.txt, policy);
  }
  const fingerprint = facts.fingerprint;
  if (policy.hashes !== null && !policy.hashes.includes(hash))
    return unverified(
      sig,
      'fail',
      `inappropriate hash algorithm: the key allows h=${policy.hashes.join(':')}, the signature uses ${hash}`,
      fingerprint,
    );
  if (policy.services !== null && !policy.services.includes('*') && !policy.services.includes('email'))
    return unverified(sig, 'fail', `key not for email: its record says s=${policy.services.join(':')}`, fingerprint);
  if (facts.keyType !== algorithm.split('-')[0] || policy.key === null)
    return unverified(sig, 'fail', `the key is ${facts.keyType} but the signature is a=${algorithm}`, fingerprint);
  if (facts.keyType === 'rsa' && facts.bits !== null && facts.bits < minKeyBits)
    return unverified(
      sig,
      'not-verified',
      `the RSA key is ${facts.bits} bits, shorter than the ${minKeyBits} bits RFC 8301 requires`,
      fingerprint,
    );
  if (policy.flags.includes('s') && sig.identity !== null) {
    const idDomain = sig.identity.slice(sig.identity.lastIndexOf('@') + 1).toLowerCase();
    if (idDomain !== sig.domain)
      return unverified(
        sig,
        'fail',
        `the key is marked t=s (no subdomains) but i=${sig.identity} is not exactly d=${sig.domain ?? ''}`,
        fingerprint,
      );
  }

  // The signed header fields, each name taken bottom-up (section 5.4.2); a name with no field
  // left (over-signing) contributes nothing. One pass over h=, whatever its length.
  const remaining = new Map<string, number[]>();
  for (const [k, v] of parts.byName) remaining.set(k, v.slice());
  const chunks: string[] = [];
  for (const key of headerKeys) {
    const i = remaining.get(key)?.pop();
    if (i !== undefined) chunks.push(canonicalHeader(parts.fields[i]!.text, hc));
  }
  chunks.push(canonicalHeader(withoutSignatureValue(field), hc).slice(0, -2));
  const data = Buffer.from(chunks.join(''), 'latin1');
  const signature = Buffer.from(tags.get('b') ?? '', 'base64');
  let ok = false;
  try {
    ok =
      facts.keyType === 'ed25519'
        ? crypto.verify(null, crypto.createHash('sha256').update(data).digest(), policy.key, signature)
        : crypto.verify(hash, data, policy.key, signature);
  } catch {
    ok = false;
  }
  if (!ok)
    return unverified(
      sig,
      'fail',
      'bad signature: the signed header fields were altered after signing, or the key does not match',
      fingerprint,
    );
  const x = tags.get('x');
  if (x !== undefined && Number(x) * 1000 < at.getTime())
    return unverified(
      sig,
      'fail',
      `signature expired before ${at.toISOString()} (x=${new Date(Number(x) * 1000).toISOString()})`,
      fingerprint,
    );
  const testing = policy.flags.includes('y') ? '; the key is marked testing (t=y)' : '';
  // RFC 8301 retired rsa-sha1 in 2018; mail of the years before is signed with it, so it verifies, said so.
  const weak = hash === 'sha1' ? '; signed with rsa-sha1, which RFC 8301 (2018) retired as weak' : '';
  return unverified(
    sig,
    'pass',
    `signature verified with the snapshot key for ${name}${testing}${weak}${bodyLengthNote(sig, body.length)}`,
    fingerprint,
  );
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
  let parts: MessageParts;
  let dkimFields: string[];
  try {
    const { bodyOffset } = splitHeaderSection(raw);
    const fields = rawFields(raw.toString('latin1', 0, bodyOffset));
    const byName = new Map<string, number[]>();
    fields.forEach((f, i) => {
      const list = byName.get(f.key);
      if (list) list.push(i);
      else byName.set(f.key, [i]);
    });
    parts = { fields, byName, bodies: new BodyCache(raw.subarray(bodyOffset)), policies: new Map() };
    dkimFields = fields.filter((f) => f.key === 'dkim-signature').map((f) => f.text);
  } catch (err) {
    const failure = describeError(err);
    return sigs.map((sig) =>
      unverified(
        sig,
        'not-verified',
        `the verifier could not read this message: ${failure}`,
        fingerprintFor(snapshot, sig),
      ),
    );
  }
  let next = 0;
  return sigs.map((sig) => {
    if (sig.field === 'DomainKey-Signature') return domainKeysSignature(snapshot, sig);
    const field = dkimFields[next++];
    if (field === undefined) return unverified(sig, 'fail', 'malformed signature: the field could not be read');
    return verifyOne(snapshot, sig, field, parts, minKeyBits, at);
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
