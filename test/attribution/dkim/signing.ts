/**
 * Test keys and signing: each test generates its own keys (node:crypto) and signs real messages
 * with the signer below (node:crypto, RFC 6376 section 5; not mailauth's, so the verifier is checked
 * against an independent implementation), then builds the key snapshot text legal staff would supply.
 */
import crypto from 'node:crypto';

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
  /** rsa-sha256 (default for RSA keys), rsa-sha1 or ed25519-sha256 (default for ed25519 keys). */
  algorithm?: string;
  /** header/body canonicalization; default relaxed/relaxed. */
  canonicalization?: string;
  /** i=, the AUID; written as given. */
  identity?: string;
  /** l=: sign only this many bytes of the canonicalized body (0 signs none). */
  maxBodyLength?: number;
  signTime?: Date;
  expires?: Date;
}

/** Header fields signed when present, each once (its bottom-most instance, RFC 6376 section 5.4.2). */
const SIGNED_FIELDS = ['from', 'to', 'cc', 'subject', 'date', 'message-id', 'mime-version', 'content-type'];

/** Lines end in CRLF, as on the wire (RFC 6376 section 5.3): a bare LF becomes CRLF. */
function toWire(message: Buffer): string {
  return message.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
}

/** RFC 6376 section 3.4.2: lowercase name, unfold, runs of WSP to one SP, no WSP at the ends or around the colon. */
function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  const value = field
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}\r\n`;
}

/** RFC 6376 sections 3.4.3 and 3.4.4. */
function canonicalBody(body: string, relaxed: boolean): string {
  let lines = body.split('\r\n');
  if (relaxed) lines = lines.map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return relaxed ? '' : '\r\n';
  return lines.join('\r\n') + '\r\n';
}

/**
 * The message with a new DKIM-Signature field prepended, signed here with node:crypto after RFC 6376
 * section 5 (canonicalization, l=, i=, t=, x=), independently of the verifier under test.
 */
export function sign(message: Buffer | string, o: SignOptions): Promise<Buffer> {
  const input = Buffer.isBuffer(message) ? message : Buffer.from(message);
  const eol = /^[^\n]*\r\n/.test(input.toString('latin1', 0, 4096)) ? '\r\n' : '\n';
  const wire = toWire(input);
  const split = wire.startsWith('\r\n') ? 0 : wire.indexOf('\r\n\r\n');
  const headerText = split < 0 ? wire.replace(/(?<!\r\n)$/, '\r\n') : wire.slice(0, split + 2);
  const body = split < 0 ? '' : wire.slice(split + 4);
  const fields: string[] = [];
  for (const line of headerText.split('\r\n').slice(0, -1)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  const [headerCanon = 'relaxed', bodyCanon = 'simple'] = (o.canonicalization ?? 'relaxed/relaxed').split('/');
  const algorithm = o.algorithm ?? (o.key.kind === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256');
  const hash = algorithm.endsWith('sha1') ? 'sha1' : 'sha256';
  let canonical = Buffer.from(canonicalBody(body, bodyCanon === 'relaxed'), 'latin1');
  if (o.maxBodyLength !== undefined) canonical = canonical.subarray(0, o.maxBodyLength);
  const bh = crypto.createHash(hash).update(canonical).digest('base64');
  const signed: string[] = [];
  const names: string[] = [];
  for (const name of SIGNED_FIELDS) {
    const field = fields.findLast((f) => f.slice(0, f.indexOf(':')).trim().toLowerCase() === name);
    if (field === undefined) continue;
    names.push(name);
    signed.push(headerCanon === 'relaxed' ? relaxedHeader(field) : `${field}\r\n`);
  }
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  const tags = [
    'v=1',
    `a=${algorithm}`,
    `c=${headerCanon}/${bodyCanon}`,
    `d=${o.domain}`,
    `s=${o.selector}`,
    ...(o.identity !== undefined ? [`i=${o.identity}`] : []),
    `t=${seconds(o.signTime ?? new Date('2026-11-01T10:00:00Z'))}`,
    ...(o.expires ? [`x=${seconds(o.expires)}`] : []),
    ...(o.maxBodyLength !== undefined ? [`l=${o.maxBodyLength}`] : []),
    `h=${names.join(':')}`,
    `bh=${bh}`,
  ];
  const unsigned = `DKIM-Signature: ${tags.join('; ')};\r\n b=`;
  const data = Buffer.from(
    signed.join('') + (headerCanon === 'relaxed' ? relaxedHeader(unsigned).slice(0, -2) : unsigned),
    'latin1',
  );
  const privateKey = crypto.createPrivateKey(o.key.privatePem);
  const b =
    o.key.kind === 'ed25519'
      ? crypto.sign(null, crypto.createHash('sha256').update(data).digest(), privateKey)
      : crypto.sign(algorithm === 'rsa-sha1' ? 'sha1' : 'sha256', data, privateKey);
  const field = `${unsigned}${b.toString('base64')}`.replace(/\r\n/g, eol);
  return Promise.resolve(Buffer.concat([Buffer.from(`${field}${eol}`, 'latin1'), input]));
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
