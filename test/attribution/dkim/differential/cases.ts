/**
 * The differential set: every kind of message the DKIM tests use (signed fixtures, edge key
 * records, real SpamAssassin messages signed in the test, hostile mutations), rebuilt the same
 * every time from the keys pinned in oracle.json (RSA PKCS#1 v1.5 and ed25519 signatures are
 * deterministic), so one verifier's results can be recorded and another's compared with them.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { parseKeySnapshot, type KeySnapshot } from '../../../../server/attribution/dkim/key-snapshot.ts';
import { CORPUS_GROUPS, corpusFiles, stripMboxFromLine } from '../../../mail/headers/load-samples.ts';
import { sign, spamMessage, zoneLine, type KeyKind, type TestKey } from '../signing.ts';

export const AT = new Date('2026-11-02T00:00:00Z');

export interface DifferentialCase {
  name: string;
  raw: Buffer;
  /** Which snapshot: 'main' or 'empty'. */
  snapshot: 'main' | 'empty';
  at: Date;
  /** For a mutation: the message it was made from. */
  original?: Buffer;
}

export type PinnedKeys = Record<KeyKind, string>;

export function generateKeys(): PinnedKeys {
  const pem = (k: crypto.KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    rsa512: pem(crypto.generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey),
    rsa1024: pem(crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
    rsa2048: pem(crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    ed25519: pem(crypto.generateKeyPairSync('ed25519').privateKey),
  };
}

export function keyFromPem(kind: KeyKind, privatePem: string): TestKey {
  const spki = crypto.createPublicKey(privatePem).export({ type: 'spki', format: 'der' });
  return {
    kind,
    privatePem,
    p: (kind === 'ed25519' ? spki.subarray(spki.length - 32) : spki).toString('base64'),
    fingerprint: crypto.createHash('sha256').update(spki).digest('hex'),
  };
}

export interface DifferentialSet {
  snapshotText: string;
  snapshots: Record<'main' | 'empty', KeySnapshot>;
  cases: DifferentialCase[];
}

/** How many corpus messages are signed, and how many hostile mutations are made. */
export const CORPUS_SIGNED = 300;
export const MUTATIONS = 3000;

export async function differentialSet(pinned: PinnedKeys): Promise<DifferentialSet> {
  const k = {
    rsa512: keyFromPem('rsa512', pinned.rsa512),
    rsa1024: keyFromPem('rsa1024', pinned.rsa1024),
    rsa2048: keyFromPem('rsa2048', pinned.rsa2048),
    ed: keyFromPem('ed25519', pinned.ed25519),
  };
  const snapshotText = [
    '; differential key snapshot',
    zoneLine('r1024._domainkey.mail.example.com', k.rsa1024),
    zoneLine('r2048._domainkey.example.org', k.rsa2048),
    zoneLine('ed._domainkey.example.net', k.ed),
    zoneLine('weak._domainkey.example.com', k.rsa512),
    zoneLine('test._domainkey.example.com', k.rsa1024, ' t=y;'),
    zoneLine('strict._domainkey.example.com', k.rsa1024, ' t=s;'),
    zoneLine('sha1only._domainkey.example.com', k.rsa1024, ' h=sha1;'),
    zoneLine('sha256only._domainkey.example.com', k.rsa1024, ' h=sha256;'),
    zoneLine('email._domainkey.example.com', k.rsa1024, ' s=email;'),
    zoneLine('other._domainkey.example.com', k.rsa1024, ' s=tlsrpt;'),
    `wrongk._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=${k.rsa1024.p}"`,
    `v2._domainkey.example.com. IN TXT "v=DKIM2; k=rsa; p=${k.rsa1024.p}"`,
    'bad._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=MIGf!!notbase64"',
    'gone._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p="',
    'alias._domainkey.example.com. IN CNAME r1024._domainkey.mail.example.com.',
    zoneLine('r._domainkey.spam.example', k.rsa1024),
    zoneLine('e._domainkey.spam.example', k.ed),
    zoneLine('big._domainkey.spam.example', k.rsa2048),
  ].join('\n');
  const snapshots = {
    main: parseKeySnapshot(snapshotText, 'differential.txt'),
    empty: parseKeySnapshot('', 'empty.txt'),
  };
  const cases: DifferentialCase[] = [];
  const add = (name: string, raw: Buffer, snapshot: 'main' | 'empty' = 'main', at = AT) =>
    cases.push({ name, raw, snapshot, at });
  const latin = (b: Buffer, from: string, to: string) => Buffer.from(b.toString('latin1').replace(from, to), 'latin1');

  // Signed fixtures, as verify.test.ts and case-dkim.test.ts build them.
  let n = 100;
  const base = (o: { eol?: '\r\n' | '\n' } = {}) => spamMessage(n++, o);
  const variants: Array<[string, Parameters<typeof sign>[1]]> = [
    ['rsa1024 relaxed', { domain: 'mail.example.com', selector: 'r1024', key: k.rsa1024 }],
    [
      'rsa2048 simple i=',
      {
        domain: 'example.org',
        selector: 'r2048',
        key: k.rsa2048,
        canonicalization: 'simple/simple',
        identity: 'x@example.org',
      },
    ],
    [
      'rsa2048 i= subdomain',
      { domain: 'example.org', selector: 'r2048', key: k.rsa2048, identity: 'x@news.example.org' },
    ],
    ['rsa2048 i= outside d=', { domain: 'example.org', selector: 'r2048', key: k.rsa2048, identity: 'x@example.com' }],
    [
      'rsa2048 i= no local part',
      { domain: 'example.org', selector: 'r2048', key: k.rsa2048, identity: '@example.org' },
    ],
    ['ed25519', { domain: 'example.net', selector: 'ed', key: k.ed }],
    [
      'ed25519 simple/relaxed',
      { domain: 'example.net', selector: 'ed', key: k.ed, canonicalization: 'simple/relaxed' },
    ],
    [
      'rsa-sha1 relaxed/simple',
      {
        domain: 'mail.example.com',
        selector: 'r1024',
        key: k.rsa1024,
        algorithm: 'rsa-sha1',
        canonicalization: 'relaxed/simple',
      },
    ],
    [
      'rsa-sha1 simple/simple',
      {
        domain: 'mail.example.com',
        selector: 'r1024',
        key: k.rsa1024,
        algorithm: 'rsa-sha1',
        canonicalization: 'simple/simple',
      },
    ],
    ['l=12', { domain: 'mail.example.com', selector: 'r1024', key: k.rsa1024, maxBodyLength: 12 }],
    ['l=0', { domain: 'mail.example.com', selector: 'r1024', key: k.rsa1024, maxBodyLength: 0 }],
    ['l=100000', { domain: 'mail.example.com', selector: 'r1024', key: k.rsa1024, maxBodyLength: 100000 }],
    [
      'x= expired',
      {
        domain: 'mail.example.com',
        selector: 'r1024',
        key: k.rsa1024,
        signTime: new Date('2026-10-01T00:00:00Z'),
        expires: new Date('2026-10-02T00:00:00Z'),
      },
    ],
    [
      'x= valid',
      {
        domain: 'mail.example.com',
        selector: 'r1024',
        key: k.rsa1024,
        signTime: new Date('2026-10-01T00:00:00Z'),
        expires: new Date('2026-12-02T00:00:00Z'),
      },
    ],
    [
      'x= before t=',
      {
        domain: 'mail.example.com',
        selector: 'r1024',
        key: k.rsa1024,
        signTime: new Date('2026-12-01T00:00:00Z'),
        expires: new Date('2026-11-03T00:00:00Z'),
      },
    ],
    ['no-key', { domain: 'unknown.example', selector: 's1', key: k.rsa1024 }],
    ['revoked', { domain: 'example.com', selector: 'gone', key: k.rsa1024 }],
    ['cname', { domain: 'example.com', selector: 'alias', key: k.rsa1024 }],
    ['bad base64 key', { domain: 'example.com', selector: 'bad', key: k.rsa1024 }],
    ['rsa512', { domain: 'example.com', selector: 'weak', key: k.rsa512 }],
    ['key t=y', { domain: 'example.com', selector: 'test', key: k.rsa1024 }],
    ['key t=s i= exact', { domain: 'example.com', selector: 'strict', key: k.rsa1024, identity: 'a@example.com' }],
    [
      'key t=s i= subdomain',
      { domain: 'example.com', selector: 'strict', key: k.rsa1024, identity: 'a@sub.example.com' },
    ],
    ['key h=sha1 with sha256', { domain: 'example.com', selector: 'sha1only', key: k.rsa1024 }],
    ['key h=sha256 with sha256', { domain: 'example.com', selector: 'sha256only', key: k.rsa1024 }],
    ['key h=sha1 with sha1', { domain: 'example.com', selector: 'sha1only', key: k.rsa1024, algorithm: 'rsa-sha1' }],
    ['key s=email', { domain: 'example.com', selector: 'email', key: k.rsa1024 }],
    ['key s=tlsrpt', { domain: 'example.com', selector: 'other', key: k.rsa1024 }],
    ['key k= mismatch', { domain: 'example.com', selector: 'wrongk', key: k.rsa1024 }],
    ['key v=DKIM2', { domain: 'example.com', selector: 'v2', key: k.rsa1024 }],
    ['rsa key under ed25519 selector', { domain: 'example.net', selector: 'ed', key: k.rsa1024 }],
    ['ed key under rsa selector', { domain: 'mail.example.com', selector: 'r1024', key: k.ed }],
    ['d= case', { domain: 'Mail.Example.COM', selector: 'r1024', key: k.rsa1024 }],
  ];
  for (const [label, o] of variants) {
    for (const eol of ['\r\n', '\n'] as const) {
      const raw = await sign(base({ eol }), o);
      add(`${label} ${eol === '\n' ? 'LF' : 'CRLF'}`, raw);
      add(`${label} ${eol === '\n' ? 'LF' : 'CRLF'} empty snapshot`, raw, 'empty');
      add(`${label} ${eol === '\n' ? 'LF' : 'CRLF'} body altered`, latin(raw, 'Buy now', 'Buy NOW'));
      add(`${label} ${eol === '\n' ? 'LF' : 'CRLF'} subject altered`, latin(raw, 'Subject: Offer', 'Subject: Offers'));
      add(`${label} ${eol === '\n' ? 'LF' : 'CRLF'} appended`, Buffer.concat([raw, Buffer.from(`Appended${eol}`)]));
      add(
        `${label} ${eol === '\n' ? 'LF' : 'CRLF'} trailing blank lines`,
        Buffer.concat([raw, Buffer.from(`${eol}${eol}`)]),
      );
      add(
        `${label} ${eol === '\n' ? 'LF' : 'CRLF'} whitespace in subject`,
        latin(raw, 'Subject: Offer', 'Subject:   Offer'),
      );
      add(
        `${label} ${eol === '\n' ? 'LF' : 'CRLF'} From added on top`,
        Buffer.concat([Buffer.from(`From: evil@example.com${eol}`), raw]),
      );
      add(
        `${label} ${eol === '\n' ? 'LF' : 'CRLF'} To added below`,
        latin(raw, 'Subject: Offer', `To: second@example.com${eol}Subject: Offer`),
      );
      add(`${label} ${eol === '\n' ? 'LF' : 'CRLF'} header name case`, latin(raw, 'Subject: Offer', 'SUBJECT: Offer'));
    }
  }
  // Two signatures, and garbage before them.
  const inner = await sign(base(), { domain: 'example.net', selector: 'ed', key: k.ed, identity: 'x@example.net' });
  const outer = await sign(inner, { domain: 'esp.example', selector: 'k9', key: k.rsa2048 });
  const both = await sign(inner, { domain: 'mail.example.com', selector: 'r1024', key: k.rsa1024 });
  add('two signatures', outer);
  add('two signatures both keyed', both);
  add('garbage signature first', Buffer.concat([Buffer.from('DKIM-Signature: garbage\r\n'), outer]));
  // Hand-written signature fields (verify.test.ts 'malformed signatures').
  const FROM = 'From: spammer@example.com\r\nTo: a@laposte.net\r\nSubject: hi\r\n\r\nbody\r\n';
  const fields = [
    'DKIM-Signature: garbage',
    'DKIM-Signature: v=1; a=rsa-sha256; bh=x; b=abc; h=from',
    'DKIM-Signature: v=1; a=rsa-md5; d=x.com; s=a; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; c=fancy/relaxed; d=x.com; s=a; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=r1024; b=!!!; bh=!!!; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=r1024; b=; bh=x; h=subject',
    `DKIM-Signature: v=1; a=rsa-sha256; d=${'a'.repeat(300)}.com; s=x; b=abc; bh=x; h=from`,
    'DKIM-Signature: v=1; a=rsa-sha256; d=x.com; d=y.com; s=a; b=abc; bh=x; h=from',
    'DKIM-Signature: \u0000\u0001\u00ff; b=\u00e9',
    'DKIM-Signature: v=2; a=rsa-sha256; d=mail.example.com; s=r1024; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=r1024; b=abc; bh=x; h=from; l=x',
    'DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=r1024; b=abc; bh=x; h=from; i=a@other.example',
    'DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=r1024; b=abc; bh=x; h=from; x=1',
    'DKIM-Signature: v=1; a=ed25519-sha256; d=example.net; s=ed; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=gone; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=weak; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; q=dns/txt; d=mail.example.com; s=r1024; b=abc; bh=x; h=from',
    'DKIM-Signature: v=1; a=rsa-sha256; q=http; d=mail.example.com; s=r1024; b=abc; bh=x; h=from',
    'DomainKey-Signature: a=rsa-sha1; q=dns; c=nofws; s=r1024; d=mail.example.com; b=bG9uZ3NpZ25hdHVyZQ==',
    'DomainKey-Signature: a=rsa-sha1; s=x; d=y.example; b=abc',
  ];
  for (const [i, f] of fields.entries()) {
    add(`field ${i}: ${f.slice(0, 60)}`, Buffer.from(`${f}\r\n${FROM}`, 'latin1'));
    add(`field ${i}: ${f.slice(0, 60)} empty snapshot`, Buffer.from(`${f}\r\n${FROM}`, 'latin1'), 'empty');
  }
  const many = 'DKIM-Signature: v=1; a=rsa-sha256; d=x.com; s=a; l=1; b=abc; bh=x; h=from\r\n';
  add('21 signatures', Buffer.from(many.repeat(21) + FROM));
  add('20 signatures', Buffer.from(many.repeat(20) + FROM));
  add('unsigned', spamMessage(9));
  add('empty message', Buffer.alloc(0));
  add('body only', Buffer.from('\r\nno header\r\n'));

  // Real SpamAssassin messages signed in the test (corpus.test.ts), and each altered.
  const corpusVariants = [
    { selector: 'r', key: k.rsa1024, canonicalization: 'relaxed/relaxed' },
    { selector: 'r', key: k.rsa1024, canonicalization: 'simple/simple' },
    { selector: 'e', key: k.ed, canonicalization: 'relaxed/simple' },
    { selector: 'big', key: k.rsa2048, canonicalization: 'simple/relaxed' },
    { selector: 'r', key: k.rsa1024, canonicalization: 'relaxed/relaxed', algorithm: 'rsa-sha1' },
  ];
  const files = CORPUS_GROUPS.flatMap((g) => corpusFiles(g).filter((_, i) => i % 20 === 0)).slice(0, CORPUS_SIGNED);
  const signedCorpus: Buffer[] = [];
  for (const [i, file] of files.entries()) {
    const raw = stripMboxFromLine(fs.readFileSync(file));
    const signed = await sign(raw, { domain: 'spam.example', ...corpusVariants[i % corpusVariants.length]! });
    signedCorpus.push(signed);
    add(`corpus ${file.split('/').slice(-2).join('/')}`, signed);
    const split = signed.indexOf('\n\n') >= 0 ? signed.indexOf('\n\n') + 2 : signed.length;
    add(
      `corpus ${file.split('/').slice(-2).join('/')} altered`,
      Buffer.concat([signed.subarray(0, split), Buffer.from('Limited offer!\n'), signed.subarray(split)]),
    );
  }

  // Hostile mutations (verify.test.ts), over fixtures and corpus messages.
  let seed = 20261202;
  const random = (m: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % m;
  };
  const originals = [
    await sign(base(), { domain: 'mail.example.com', selector: 'r1024', key: k.rsa1024, maxBodyLength: 20 }),
    await sign(base({ eol: '\n' }), {
      domain: 'example.net',
      selector: 'ed',
      key: k.ed,
      canonicalization: 'simple/simple',
    }),
    ...signedCorpus.slice(0, 8),
  ];
  for (let i = 0; i < MUTATIONS; i++) {
    const m = Buffer.from(originals[i % originals.length]!);
    const sigEnd = Math.max(1, m.indexOf('\nFrom:') > 0 ? m.indexOf('\n', m.indexOf('b=')) : 200);
    let mutated: Buffer;
    switch (i % 5) {
      case 0:
        for (let j = 0; j < 1 + random(4); j++) m[random(sigEnd)] = random(256);
        mutated = m;
        break;
      case 1:
        mutated = m.subarray(0, random(m.length));
        break;
      case 2:
        mutated = Buffer.concat([
          m.subarray(0, sigEnd + 1),
          Buffer.from(m.subarray(0, sigEnd + 1)).fill(0x3b, random(sigEnd), random(sigEnd) + 3),
          m.subarray(sigEnd + 1),
        ]);
        break;
      case 3: {
        // whitespace inserted or removed somewhere
        const at = random(m.length);
        mutated =
          random(2) === 0
            ? Buffer.concat([m.subarray(0, at), Buffer.from(random(2) ? ' ' : '\t'), m.subarray(at)])
            : Buffer.concat([m.subarray(0, at), m.subarray(at + 1)]);
        break;
      }
      default:
        for (let j = 0; j < 1 + random(8); j++) m[random(m.length)] = random(256);
        mutated = m;
    }
    add(`mutation ${i} (${i % 5})`, mutated);
    cases[cases.length - 1]!.original = originals[i % originals.length];
  }
  return { snapshotText, snapshots, cases };
}
