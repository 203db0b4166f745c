/**
 * What a captured key record (the TXT value at selector._domainkey.domain) says, read once when
 * the snapshot is loaded: revoked or not, the key's type and size, and its fingerprint. A record
 * that is not a usable key is kept as captured (it is what DNS said at harvest time) with the
 * problem in words; verification then reports it. Pure: no I/O.
 */
import crypto from 'node:crypto';
import { parseTagList } from './tag-list.ts';

export interface KeyRecordFacts {
  /** k=: 'rsa' (the default) or 'ed25519'; what the tag says, lowercased. */
  keyType: string;
  /** An empty p= (RFC 6376 section 3.6.1): the domain revoked the key. */
  revoked: boolean;
  /** SHA-256 (hex) of the key's SubjectPublicKeyInfo DER; null when there is no usable key. */
  fingerprint: string | null;
  /** RSA modulus length; 256 for ed25519; null without a usable key. */
  bits: number | null;
  /** Why the record holds no usable key (null when it does, or when it is revoked). */
  problem: string | null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * RFC 8463 section 4: an ed25519 key record holds the bare 32-byte key; this DER prefix makes it a
 * SubjectPublicKeyInfo.
 */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function publicKeyFrom(bytes: Buffer, keyType: string): crypto.KeyObject | null {
  const candidates: crypto.PublicKeyInput[] =
    keyType === 'ed25519' || bytes.length === 32
      ? [
          {
            key: bytes.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, bytes]) : bytes,
            format: 'der',
            type: 'spki',
          },
        ]
      : [
          { key: bytes, format: 'der', type: 'spki' },
          { key: bytes, format: 'der', type: 'pkcs1' },
        ];
  for (const candidate of candidates) {
    try {
      return crypto.createPublicKey(candidate);
    } catch {
      // try the next form
    }
  }
  return null;
}

/** Read one key record's TXT value (the strings already concatenated). */
export function keyRecordFacts(txt: string): KeyRecordFacts {
  const { tags, repeated, malformed } = parseTagList(txt);
  const keyType = (tags.get('k') ?? 'rsa').toLowerCase();
  const none = (problem: string): KeyRecordFacts => ({
    keyType,
    revoked: false,
    fingerprint: null,
    bits: null,
    problem,
  });
  if (malformed.length > 0) return none(`not a tag=value list near "${malformed[0]}"`);
  if (repeated.length > 0) return none(`tag ${repeated[0]}= is repeated`);
  const v = tags.get('v');
  if (v !== undefined && v !== 'DKIM1') return none(`unknown key version v=${v}`);
  const p = tags.get('p');
  if (p === undefined) return none('no p= tag (not a key record)');
  if (p === '') return { keyType, revoked: true, fingerprint: null, bits: null, problem: null };
  if (!BASE64.test(p) || p.length % 4 === 1) return none('p= is not valid base64');
  if (keyType !== 'rsa' && keyType !== 'ed25519') return none(`unknown key type k=${keyType}`);
  const key = publicKeyFrom(Buffer.from(p, 'base64'), keyType);
  if (!key) return none(`p= does not hold an ${keyType} public key`);
  if (key.asymmetricKeyType !== keyType)
    return none(`p= holds an ${key.asymmetricKeyType ?? 'unknown'} key but k=${keyType}`);
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    keyType,
    revoked: false,
    fingerprint: crypto.createHash('sha256').update(der).digest('hex'),
    bits: keyType === 'rsa' ? (key.asymmetricKeyDetails?.modulusLength ?? null) : 256,
    problem: null,
  };
}

export interface KeyRecordPolicy {
  /** The public key itself; null when the record holds no usable key. */
  key: crypto.KeyObject | null;
  /** h=: the hash algorithms the key may be used with; null when the tag is absent (any). */
  hashes: string[] | null;
  /** s=: service types; null when absent ('*', every service). */
  services: string[] | null;
  /** t=: the flags (y: testing, s: i= must be exactly d=). */
  flags: string[];
}

/** What verification needs from a key record beyond its facts: the key and its h=, s=, t= tags. */
export function keyRecordPolicy(txt: string): KeyRecordPolicy {
  const { tags } = parseTagList(txt);
  const list = (name: string): string[] | null => {
    const v = tags.get(name);
    return v === undefined
      ? null
      : v
          .toLowerCase()
          .split(':')
          .filter((x) => x !== '');
  };
  const facts = keyRecordFacts(txt);
  const keyType = facts.keyType;
  const key = facts.fingerprint === null ? null : publicKeyFrom(Buffer.from(tags.get('p') ?? '', 'base64'), keyType);
  return { key, hashes: list('h'), services: list('s'), flags: list('t') ?? [] };
}
