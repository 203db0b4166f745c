/**
 * Test keys and signing: each test generates its own keys (node:crypto) and signs real messages
 * with mailauth's signer, then builds the key snapshot text a member of legal staff would supply.
 */
import crypto from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';

export type KeyKind = 'rsa512' | 'rsa1024' | 'rsa2048' | 'ed25519';

export interface TestKey {
  kind: KeyKind;
  privatePem: string;
  /** The p= value a DNS key record publishes for this key. */
  p: string;
  /** sha256 of the SubjectPublicKeyInfo DER, as `openssl pkey -pubin -outform DER | sha256sum` prints it. */
  fingerprint: string;
}

const cache = new Map<KeyKind, TestKey>();

export function testKey(kind: KeyKind, fresh = false): TestKey {
  const cached = cache.get(kind);
  if (cached && !fresh) return cached;
  const pair =
    kind === 'ed25519'
      ? crypto.generateKeyPairSync('ed25519')
      : crypto.generateKeyPairSync('rsa', { modulusLength: Number(kind.slice(3)) });
  const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
  const key: TestKey = {
    kind,
    privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    // RFC 8463: an ed25519 record holds the bare 32-byte key (the end of the SPKI DER).
    p: (kind === 'ed25519' ? spki.subarray(spki.length - 32) : spki).toString('base64'),
    fingerprint: crypto.createHash('sha256').update(spki).digest('hex'),
  };
  if (!fresh) cache.set(kind, key);
  return key;
}

/** A zone-file line for the key, its p= split into 200-character strings as DNS publishes long keys. */
export function zoneLine(name: string, key: TestKey, extra = ''): string {
  const k = key.kind === 'ed25519' ? 'ed25519' : 'rsa';
  const value = `v=DKIM1; k=${k};${extra} p=${key.p}`;
  const parts = value.match(/.{1,200}/g)!;
  return `${name}. 3600 IN TXT ${parts.map((s) => `"${s}"`).join(' ')}`;
}

export interface SignOptions {
  domain: string;
  selector: string;
  key: TestKey;
  algorithm?: string;
  canonicalization?: string;
  identity?: string;
  maxBodyLength?: number;
  signTime?: Date;
  expires?: Date;
}

/** The message with the new DKIM-Signature field prepended. */
export async function sign(message: Buffer | string, o: SignOptions): Promise<Buffer> {
  const input = Buffer.isBuffer(message) ? message : Buffer.from(message);
  const signature = {
    signingDomain: o.domain,
    selector: o.selector,
    privateKey: o.key.privatePem,
    algorithm: o.algorithm,
    canonicalization: o.canonicalization ?? 'relaxed/relaxed',
    identity: o.identity,
    maxBodyLength: o.maxBodyLength,
  };
  const result = await dkimSign(input, {
    ...signature,
    signatureData: [signature],
    signTime: o.signTime ?? new Date('2026-11-01T10:00:00Z'),
    expires: o.expires,
  });
  if (result.errors.length > 0) throw new Error(`signing failed: ${JSON.stringify(result.errors)}`);
  return Buffer.concat([Buffer.from(result.signatures), input]);
}

export function spamMessage(n: number, opts: { from?: string; eol?: '\r\n' | '\n'; body?: string } = {}): Buffer {
  const eol = opts.eol ?? '\r\n';
  const lines = [
    `From: "Cheap Meds" <${opts.from ?? `x${1000 + n}@hotmail.com`}>`,
    `To: jean.dupont@laposte.net`,
    `Subject: Offer number ${n}`,
    `Date: Thu, 01 Dec 2005 10:${String(n % 60).padStart(2, '0')}:00 +0100`,
    `Message-ID: <dkim-test-${n}@mail.example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    opts.body ?? `Buy now, offer ${n}.`,
    'Unsubscribe: reply with REMOVE',
    '',
  ];
  return Buffer.from(lines.join(eol));
}
