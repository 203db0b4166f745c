// Deterministic spam corpus generator with known truth, for tests and benchmarks.
//
// Story: bot-made Hotmail accounts (a few msn.com / live.com) spam Laposte.net users; the plaintiff
// harvests the spam from trap mailboxes. Bodies and subjects are real SpamAssassin spam.
//
//   node --import tsx test/corpus/generate.ts --out DIR --messages N [--seed S] [--layout mixed|eml]
//
// Everything streams: messages are generated and written one at a time, truth counts are computed
// by construction (no per-message state is kept), so memory stays flat at any corpus size.

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFAULT_TEMPLATE_DIR, loadTemplates, parseTemplate } from './templates.ts';
import type { Template } from './templates.ts';

export type Layout = 'mixed' | 'eml';

/** Probabilities of each phenomenon (0..1). */
export interface CorpusRates {
  /** A message reaches 2..5 harvested recipients (else exactly 1). */
  multiRecipient: number;
  /** A delivery is harvested twice with different trace headers (2 items, 1 delivery). */
  reharvest: number;
  /** An item is written twice, byte for byte (2 samples, 1 item). */
  exactDuplicate: number;
  /** A message has no Message-ID header. */
  noMessageId: number;
  /** A message starts a group of 2-3 different messages stamped with the same Message-ID. */
  reusedMessageId: number;
  /** A body gets a line starting with `From ` or `>From ` (quoted in the mbox). */
  mboxFromLine: number;
  /** A subject gets a hash-buster suffix. */
  subjectHashBuster: number;
  /** mixed layout: share of samples written to the mbox. */
  mbox: number;
  /** mixed layout: share of samples written to the maildir. */
  maildir: number;
  /** mixed layout: share of maildir samples left in tmp/. */
  maildirTmp: number;
}

export const DEFAULT_RATES: Readonly<CorpusRates> = Object.freeze({
  multiRecipient: 0.25,
  reharvest: 0.04,
  exactDuplicate: 0.03,
  noMessageId: 0.03,
  reusedMessageId: 0.01,
  mboxFromLine: 0.03,
  subjectHashBuster: 0.3,
  mbox: 0.15,
  maildir: 0.1,
  maildirTmp: 0.1,
});

export interface GenerateOptions {
  /** Output directory: created if missing, must be empty if it exists. */
  out: string;
  /** Number of messages (as the sender wrote them) to generate: truth.messages equals it. */
  messages: number;
  seed?: number;
  layout?: Layout;
  rates?: Partial<CorpusRates>;
  /** Number of sender accounts in the pool (default: messages / 25, between 40 and 50,000). */
  accounts?: number;
  /** SpamAssassin data directory (holding spam-1/ and spam-2/). */
  templateDir?: string;
  /** Number of templates to load (default 500). */
  templates?: number;
  /** Writer threads creating the files (default: 2 from 20,000 messages, else 0 = main thread). */
  writers?: number;
  /** Called every 10,000 messages and at the end. */
  onProgress?: (messagesDone: number) => void;
  /**
   * Called once per message written, with what a mail log of the receiving server would show (the
   * log generator, test/corpus/logs.ts). Draws nothing from the generator's random stream: the
   * corpus is the same bytes with or without it.
   */
  onMessage?: (m: GeneratedMessage) => void;
}

/** One message as the party's MX (mx1.laposte.net, Postfix) received it, for the log generator. */
export interface GeneratedMessage {
  index: number;
  account: string;
  /** The bot's IP (X-Originating-IP): the originating IP attribution finds. */
  originatingIp: string;
  /** Normalized (no angle brackets); undefined when the message has none. */
  messageId: string | undefined;
  /** True when this Message-ID is stamped on 2-3 different messages. */
  messageIdShared: boolean;
  /** The Hotmail relay that handed the message to mx1 (the hand-off). */
  relayHost: string;
  relayIp: string;
  /** Date header, UTC seconds. */
  date: number;
  /** Harvested recipients: each received at mx1 at `at` (UTC s) under the Postfix queue id of its Received line. */
  harvested: Array<{ recipient: string; at: number; queueId: string }>;
  /** Recipients in the To header whose copies were not harvested. */
  notHarvested: string[];
}

export interface CorpusTruth {
  seed: number;
  layout: Layout;
  samples: number;
  items: number;
  exactDuplicates: number;
  messages: number;
  deliveries: number;
  accounts: number;
  firstDate: string;
  lastDate: string;
  files: { eml: number; mboxEntries: number; maildir: number; maildirTmp: number };
  phenomena: {
    multiRecipientMessages: number;
    reharvestedDeliveries: number;
    exactDuplicateSamples: number;
    noMessageIdMessages: number;
    reusedMessageIdMessages: number;
    mboxQuotedLines: number;
  };
  topAccounts: { address: string; deliveries: number }[];
  /** Distinct originating IPs (the X-Originating-IP Hotmail recorded for each sending account) with deliveries. */
  originatingIps: number;
  topOriginatingIps: { ip: string; deliveries: number }[];
}

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and small helpers

export class Rng {
  private a: number;
  constructor(seed: number) {
    // Mix the seed so that nearby seeds give unrelated streams.
    let h = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.a = (h ^ (h >>> 16)) >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(arr: readonly T[]): T {
    return arr[this.int(arr.length)]!;
  }
  token(len: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** A bijection on 31-bit integers (so distinct inputs give distinct outputs). */
function scramble31(x: number, key: number): number {
  const M = 0x7fffffff;
  x = (x ^ key) & M;
  x = Math.imul(x, 0x2c1b3c6d) & M;
  x ^= x >>> 12;
  x = Math.imul(x, 0x297a2d39) & M;
  x ^= x >>> 15;
  return x;
}

/** A bijection on 32-bit integers, as 8 upper-case hex digits. */
function hex32(x: number, mul: number): string {
  let h = Math.imul((x + 0x6b43a9b5) >>> 0, mul | 1) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, '0');
}

const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** RFC 5322 date for a UTC epoch second, shown in the given zone offset (minutes east of UTC). */
export function rfc5322(sec: number, offsetMin = 0): string {
  const d = new Date((sec + offsetMin * 60) * 1000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return (
    `${DOW[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MON[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${sign}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`
  );
}

/** asctime(3) in UTC, as used on mbox `From ` separator lines. */
function asctime(sec: number): string {
  const d = new Date(sec * 1000);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return (
    `${DOW[d.getUTCDay()]} ${MON[d.getUTCMonth()]} ${day} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`
  );
}

// ---------------------------------------------------------------------------------------------
// Story data

export const START = Date.UTC(2005, 11, 1) / 1000; // 2005-12-01T00:00:00Z
export const END = Date.UTC(2006, 1, 1) / 1000; // 2006-02-01T00:00:00Z (exclusive)

export const FIRST = [
  'marie',
  'jean',
  'pierre',
  'michel',
  'nathalie',
  'isabelle',
  'sylvie',
  'philippe',
  'alain',
  'nicolas',
  'christine',
  'catherine',
  'francoise',
  'patrick',
  'sophie',
  'julien',
  'celine',
  'laurent',
  'sandrine',
  'eric',
  'stephane',
  'valerie',
  'david',
  'christophe',
  'aurelie',
  'thomas',
  'camille',
  'antoine',
  'claire',
  'olivier',
  'helene',
  'luc',
  'emilie',
  'francois',
  'anne',
  'guillaume',
  'martine',
  'vincent',
  'julie',
  'bernard',
];
export const LAST = [
  'martin',
  'bernard',
  'dubois',
  'thomas',
  'robert',
  'richard',
  'petit',
  'durand',
  'leroy',
  'moreau',
  'simon',
  'laurent',
  'lefebvre',
  'michel',
  'garcia',
  'david',
  'bertrand',
  'roux',
  'vincent',
  'fournier',
  'morel',
  'girard',
  'andre',
  'lefevre',
  'mercier',
  'dupont',
  'lambert',
  'bonnet',
  'francois',
  'martinez',
  'legrand',
  'garnier',
  'faure',
  'rousseau',
  'blanc',
  'guerin',
  'muller',
  'henry',
  'roussel',
  'nicolas',
];
const DISPLAY = [
  'Jenny',
  'Best Offers',
  'Mike Johnson',
  'Customer Service',
  'Lisa',
  'Online Pharmacy',
  'Rolex Replica',
  'Dr. Brown',
  'Kelly',
  'Promo Team',
];
export const WORDS = [
  'vortex',
  'plume',
  'granite',
  'sable',
  'quartz',
  'ember',
  'lattice',
  'meadow',
  'cobalt',
  'tundra',
  'falcon',
  'harbor',
  'juniper',
  'mosaic',
  'nectar',
  'orchid',
  'pepper',
  'raven',
  'saffron',
  'timber',
];

interface Account {
  address: string; // lowercase
  ip: string; // originating (bot) IP as Hotmail recorded it
  display: string | undefined;
}

function makeAccounts(count: number, rng: Rng, key: number): Account[] {
  const ipPool: string[] = [];
  const ipCount = Math.max(4, Math.ceil(count / 3));
  const prefixes = ['82.120', '86.201', '201.19', '200.88', '61.144', '218.25', '84.5', '195.175'];
  for (let i = 0; i < ipCount; i++) ipPool.push(`${rng.pick(prefixes)}.${rng.range(1, 254)}.${rng.range(1, 254)}`);
  const out: Account[] = [];
  for (let i = 0; i < count; i++) {
    const local = rng.token(1, 'abcdefghijklmnopqrstuvwxyz') + scramble31(i, key).toString(36).padStart(6, '0');
    const r = rng.next();
    const domain = r < 0.88 ? 'hotmail.com' : r < 0.94 ? 'msn.com' : 'live.com';
    out.push({
      address: `${local}@${domain}`,
      ip: rng.pick(ipPool),
      display: rng.chance(0.3) ? rng.pick(DISPLAY) : undefined,
    });
  }
  return out;
}

/** Zipf-like cumulative weights: rank r has weight 1 / (r + 1)^1.1. */
export function zipfCdf(count: number): Float64Array {
  const cdf = new Float64Array(count);
  let sum = 0;
  for (let r = 0; r < count; r++) {
    sum += 1 / Math.pow(r + 1, 1.1);
    cdf[r] = sum;
  }
  for (let r = 0; r < count; r++) cdf[r]! /= sum;
  return cdf;
}

export function sampleCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Sinks: where samples go

type Place = 'eml' | 'mbox' | 'cur' | 'new' | 'tmp';

// File writes dominate generation time (the kernel's file creation); with writer threads the files
// are created on other cores while the main thread keeps generating. File names and bytes are fixed
// before they are handed over, so the output does not depend on the order the writes complete in.
const WRITER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
parentPort.on('message', (batch) => {
  const data = Buffer.from(batch.data);
  let off = 0;
  for (let i = 0; i < batch.paths.length; i++) {
    const len = batch.lengths[i];
    writeFileSync(batch.paths[i], data.subarray(off, off + len));
    off += len;
  }
  parentPort.postMessage(batch.id);
});
`;
const BATCH_FILES = 128;

interface Batch {
  id: number;
  paths: string[];
  lengths: number[];
  data: ArrayBuffer;
}

class WriterPool {
  private readonly workers: Worker[] = [];
  private readonly inflight: number[] = [];
  private paths: string[] = [];
  private bufs: Buffer[] = [];
  private bytes = 0;
  private nextId = 0;
  private total = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(count: number) {
    for (let k = 0; k < count; k++) {
      const w = new Worker(WRITER_SOURCE, { eval: true });
      w.on('message', () => {
        this.inflight[k]!--;
        this.total--;
        this.notify();
      });
      w.on('error', (err) => {
        this.failure = err;
        this.notify();
      });
      this.workers.push(w);
      this.inflight.push(0);
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  add(path: string, bytes: Buffer): void {
    this.paths.push(path);
    this.bufs.push(bytes);
    this.bytes += bytes.length;
    if (this.paths.length >= BATCH_FILES) this.flush();
  }

  private flush(): void {
    if (this.paths.length === 0) return;
    // A fresh, exactly-sized ArrayBuffer (never Node's shared pool), so it can be transferred.
    const data = new ArrayBuffer(this.bytes);
    const view = new Uint8Array(data);
    let off = 0;
    for (const b of this.bufs) {
      view.set(b, off);
      off += b.length;
    }
    const batch: Batch = { id: this.nextId++, paths: this.paths, lengths: this.bufs.map((b) => b.length), data };
    let k = 0;
    for (let j = 1; j < this.workers.length; j++) if (this.inflight[j]! < this.inflight[k]!) k = j;
    this.inflight[k]!++;
    this.total++;
    this.workers[k]!.postMessage(batch, [data]);
    this.paths = [];
    this.bufs = [];
    this.bytes = 0;
  }

  /** Backpressure: waits while the writers are more than a few batches behind. */
  async relieve(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.total >= this.workers.length * 3) await this.waitBelow(this.workers.length * 2);
  }

  /** Waits until the in-flight work is at most `limit` batches. */
  async waitBelow(limit: number): Promise<void> {
    while (this.total > limit) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.flush();
    try {
      await this.waitBelow(0);
    } finally {
      await Promise.all(this.workers.map((w) => w.terminate()));
    }
  }
}

class Sinks {
  eml = 0;
  mboxEntries = 0;
  maildir = 0;
  maildirTmp = 0;
  mboxQuotedLines = 0;
  private mboxFd: number | undefined;
  private mboxBuf: Buffer[] = [];
  private mboxBufLen = 0;
  private maildirSeq = 0;
  private readonly pool: WriterPool | undefined;

  constructor(
    private readonly out: string,
    layout: Layout,
    writers: number,
  ) {
    mkdirSync(join(out, 'trap'), { recursive: true });
    if (layout === 'mixed') {
      for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(out, 'maildir', d), { recursive: true });
      this.mboxFd = openSync(join(out, 'reports.mbox'), 'w');
    }
    this.pool = writers > 0 ? new WriterPool(writers) : undefined;
  }

  private file(path: string, bytes: Buffer): void {
    if (this.pool) this.pool.add(path, bytes);
    else writeFileSync(path, bytes);
  }

  write(place: Place, bytes: Buffer, sender: string, time: number): void {
    if (place === 'eml') {
      const k = this.eml++;
      const dir = join(this.out, 'trap', String(Math.floor(k / 1000)).padStart(4, '0'));
      if (k % 1000 === 0) mkdirSync(dir, { recursive: true });
      this.file(join(dir, String(k).padStart(7, '0') + '.eml'), bytes);
    } else if (place === 'mbox') {
      if (this.mboxFd === undefined) throw new Error('no mbox in this layout');
      this.mboxEntries++;
      // mboxrd: every line matching ^>*From gets one more '>'.
      const quoted = bytes.toString('latin1').replace(/^>*From /gm, (m) => {
        this.mboxQuotedLines++;
        return '>' + m;
      });
      this.pushMbox(Buffer.from(`From ${sender} ${asctime(time)}\n${quoted}\n`, 'latin1'));
    } else {
      const n = this.maildirSeq++;
      this.maildir++;
      if (place === 'tmp') this.maildirTmp++;
      const base = `${time + 7}.M${(n * 7919) % 1000000}P${1000 + (n % 30000)}Q${n}.trap${n % 4}.laposte.net`;
      const name = place === 'cur' ? `${base}:2,S` : base;
      this.file(join(this.out, 'maildir', place, name), bytes);
    }
  }

  /** Applies backpressure to the generator when the writer threads fall behind. */
  async drain(): Promise<void> {
    if (this.pool) await this.pool.relieve();
  }

  private pushMbox(b: Buffer): void {
    this.mboxBuf.push(b);
    this.mboxBufLen += b.length;
    if (this.mboxBufLen >= 1 << 22) this.flushMbox();
  }

  private flushMbox(): void {
    if (this.mboxFd === undefined || this.mboxBufLen === 0) return;
    writeSync(this.mboxFd, Buffer.concat(this.mboxBuf, this.mboxBufLen));
    this.mboxBuf = [];
    this.mboxBufLen = 0;
  }

  async close(): Promise<void> {
    this.flushMbox();
    if (this.mboxFd !== undefined) closeSync(this.mboxFd);
    this.mboxFd = undefined;
    await this.pool?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Plans: what happens to one message

type Reharvest = 'none' | 'hop' | 'trapid';

interface DeliveryPlan {
  reharvest: Reharvest;
  /** For each item of the delivery (1, or 2 when re-harvested): where each copy is written. */
  copies: Place[][];
}

interface Group {
  accounts: number[];
  subjects: string[];
  dates: number[];
}

interface MessagePlan {
  toCount: number;
  deliveries: DeliveryPlan[];
  noMessageId: boolean;
  fromLine: 0 | 1 | 2; // 1: a `From ` line, 2: a `>From ` line
}

// ---------------------------------------------------------------------------------------------

function checkRates(r: CorpusRates): void {
  for (const [k, v] of Object.entries(r)) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new Error(`rate ${k} must be in [0, 1], got ${String(v)}`);
  }
  if (r.mbox + r.maildir > 1) throw new Error('rates.mbox + rates.maildir must be <= 1');
}

/** Generates a corpus under options.out and returns (and writes to OUT/truth.json) its known truth. */
export async function generateCorpus(options: GenerateOptions): Promise<CorpusTruth> {
  const N = options.messages;
  if (!Number.isInteger(N) || N < 1) throw new Error('messages must be a positive integer');
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed)) throw new Error('seed must be an integer');
  const layout: Layout = options.layout ?? 'mixed';
  if (layout !== 'mixed' && layout !== 'eml') throw new Error(`unknown layout ${String(layout)}`);
  const rates: CorpusRates = { ...DEFAULT_RATES, ...options.rates };
  checkRates(rates);
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`output directory ${out} is not empty`);
  mkdirSync(out, { recursive: true });

  const templates: Template[] = loadTemplates(options.templateDir ?? DEFAULT_TEMPLATE_DIR, options.templates ?? 500);
  const rng = new Rng(seed);
  const key = Math.floor(rng.next() * 0x7fffffff);
  const accountCount = options.accounts ?? Math.min(50000, Math.max(40, Math.ceil(N / 25)));
  const accounts = makeAccounts(accountCount, rng, key);
  const cdf = zipfCdf(accountCount);
  const perAccount = new Float64Array(accountCount);
  const perIp = new Map<string, number>();
  const writers = options.writers ?? (N >= 20000 ? 2 : 0);
  const sinks = new Sinks(out, layout, writers);

  let deliveryCounter = 0;
  let items = 0;
  let samples = 0;
  let deliveries = 0;
  let minDate = Infinity;
  let maxDate = -Infinity;
  const ph = {
    multiRecipientMessages: 0,
    reharvestedDeliveries: 0,
    noMessageIdMessages: 0,
    reusedMessageIdMessages: 0,
  };

  const randomPlace = (): Place => {
    if (layout === 'eml') return 'eml';
    const u = rng.next();
    if (u < rates.mbox) return 'mbox';
    if (u < rates.mbox + rates.maildir) {
      if (rng.chance(rates.maildirTmp)) return 'tmp';
      return rng.chance(0.4) ? 'new' : 'cur';
    }
    return 'eml';
  };
  const randomCopies = (): Place[] => {
    const first = randomPlace();
    if (!rng.chance(rates.exactDuplicate)) return [first];
    // The second copy goes to another layout half the time (mixed layout), else the same kind.
    if (layout === 'mixed' && rng.chance(0.5)) return [first, first === 'eml' ? 'mbox' : 'eml'];
    return [first, first === 'mbox' && layout === 'mixed' ? 'mbox' : 'eml'];
  };
  const randomDelivery = (): DeliveryPlan => {
    const reharvest: Reharvest = rng.chance(rates.reharvest) ? (rng.chance(0.5) ? 'hop' : 'trapid') : 'none';
    const copies = [randomCopies()];
    if (reharvest !== 'none') copies.push(randomCopies());
    return { reharvest, copies };
  };
  const randomPlan = (): MessagePlan => {
    const noMessageId = rng.chance(rates.noMessageId);
    let multi = rng.chance(rates.multiRecipient);
    if (noMessageId && rng.chance(0.5)) multi = true; // some Message-ID-less messages with 2+ deliveries
    const toCount = multi ? rng.range(2, 5) : rng.range(1, 5);
    const n = multi ? rng.range(2, toCount) : 1;
    const dels: DeliveryPlan[] = [];
    for (let d = 0; d < n; d++) dels.push(randomDelivery());
    const fl = rng.chance(rates.mboxFromLine) ? (rng.chance(0.6) ? 1 : 2) : 0;
    return { toCount, deliveries: dels, noMessageId, fromLine: fl };
  };

  // In the mixed layout the first messages show every phenomenon for any seed and rates, so a
  // small test corpus always has them all; the eml layout gets the ones it can hold.
  const M: Place = layout === 'mixed' ? 'mbox' : 'eml';
  const showcase = (i: number): MessagePlan | undefined => {
    if (N < 8 || i > 6) return undefined;
    const one = (place: Place): DeliveryPlan => ({ reharvest: 'none', copies: [[place]] });
    const mix = (p: Place): Place => (layout === 'mixed' ? p : 'eml');
    switch (i) {
      case 0:
        return {
          toCount: 4,
          noMessageId: false,
          fromLine: 0,
          deliveries: [
            { reharvest: 'hop', copies: [['eml'], ['eml']] },
            { reharvest: 'none', copies: [['eml', M]] },
            one('eml'),
          ],
        };
      case 1:
        return { toCount: 3, noMessageId: true, fromLine: 1, deliveries: [one(M), one('eml')] };
      case 4:
        return {
          toCount: 1,
          noMessageId: false,
          fromLine: 2,
          deliveries: [{ reharvest: 'trapid', copies: [[M], [mix('cur')]] }],
        };
      case 5:
        return { toCount: 2, noMessageId: false, fromLine: 0, deliveries: [one(mix('new')), one(mix('tmp'))] };
      case 6:
        return {
          toCount: 1,
          noMessageId: false,
          fromLine: 0,
          deliveries: [{ reharvest: 'none', copies: [[mix('cur'), 'eml']] }],
        };
      default:
        return undefined; // 2 and 3: a reused Message-ID group, planned below
    }
  };

  let reuseGroup = 0;
  let i = 0;
  try {
    while (i < N) {
      let groupSize = 1;
      if (N >= 8 && i === 2) groupSize = 2;
      else if (i > 6 && N - i >= 2 && rng.chance(rates.reusedMessageId)) groupSize = Math.min(N - i, rng.range(2, 3));
      let sharedId: string | undefined;
      if (groupSize > 1) {
        sharedId = `<001${(reuseGroup++).toString(16).toUpperCase().padStart(5, '0')}$DARKMAILER$0100007f@localhost>`;
        ph.reusedMessageIdMessages += groupSize;
      }
      // Members of a reused-ID group differ in From, Subject and Date.
      const group: Group | undefined = groupSize > 1 ? { accounts: [], subjects: [], dates: [] } : undefined;
      for (let g = 0; g < groupSize; g++, i++) {
        const plan = showcase(i) ?? randomPlan();
        if (sharedId !== undefined) plan.noMessageId = false;
        let a = sampleCdf(cdf, rng.next()); // Zipf-like: a few accounts send most
        if (group) {
          while (group.accounts.includes(a) && group.accounts.length < accountCount) a = (a + 1) % accountCount;
          group.accounts.push(a);
        }
        emitMessage(i, plan, a, sharedId, group);
      }
      await sinks.drain();
      if (options.onProgress && (i % 10000 < groupSize || i === N)) options.onProgress(i);
    }
  } finally {
    await sinks.close();
  }

  function emitMessage(
    index: number,
    plan: MessagePlan,
    accountIndex: number,
    sharedId: string | undefined,
    group: Group | undefined,
  ): void {
    const acct = accounts[accountIndex]!;
    let tpl = rng.pick(templates);
    let date = START + rng.int(END - START);
    if (group) {
      for (let tries = 0; group.subjects.includes(tpl.subject) && tries < 100; tries++) tpl = rng.pick(templates);
      while (group.dates.includes(date)) date = START + rng.int(END - START);
      group.subjects.push(tpl.subject);
      group.dates.push(date);
    }
    if (date < minDate) minDate = date;
    if (date > maxDate) maxDate = date;

    // Recipients: distinct within the message; the first `deliveries` of them were harvested.
    const to: string[] = [];
    while (to.length < plan.toCount) {
      const r = `${rng.pick(FIRST)}.${rng.pick(LAST)}.${rng.range(1, 99)}@laposte.net`;
      if (!to.includes(r)) to.push(r);
    }
    for (let k = to.length - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [to[k], to[j]] = [to[j]!, to[k]!];
    }

    let subject = tpl.subject;
    if (rng.chance(rates.subjectHashBuster)) {
      const v = rng.int(3);
      subject += v === 0 ? ` [${rng.token(5)}]` : v === 1 ? ` - ${rng.range(1000, 99999)}` : `  ${rng.token(8)}`;
    }
    let fromAddr = acct.address;
    if (rng.chance(0.03)) fromAddr = fromAddr.toUpperCase(); // same account: compared lowercased
    const from = acct.display !== undefined && rng.chance(0.8) ? `"${acct.display}" <${fromAddr}>` : fromAddr;
    const messageId = plan.noMessageId
      ? undefined
      : (sharedId ??
        `<BAY${rng.range(101, 130)}-F${hex32(index, 0x9e3779b1)}${(index >>> 0).toString(16).toUpperCase().padStart(8, '0')}@phx.gbl>`);

    let headers =
      `Received: from mail pickup service by hotmail.com with Microsoft SMTPSVC;\n\t ${rfc5322(date - rng.range(0, 3), -480)}\n` +
      `X-Originating-IP: [${acct.ip}]\n` +
      `X-Originating-Email: [${acct.address}]\n` +
      `X-Sender: ${acct.address}\n` +
      `From: ${from}\n` +
      `To: ${to.join(',\n\t')}\n` +
      `Subject: ${subject}\n` +
      `Date: ${rfc5322(date)}\n` +
      `Mime-Version: 1.0\n` +
      tpl.mimeHeaders;
    if (messageId !== undefined) headers += `Message-ID: ${messageId}\n`;
    headers += '\n';

    // Per-message variation (unique per message, so content keys never collide) and the optional
    // mbox-sensitive line, inserted where the template allows a line without breaking its MIME.
    const uniq = `${index.toString(36)}x${rng.token(6)}`;
    let insert = tpl.html
      ? `<!-- ${uniq} ${rng.pick(WORDS)} ${rng.pick(WORDS)} -->\n`
      : `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${uniq}\n`;
    if (plan.fromLine === 1) insert += `From the desk of ${rng.pick(DISPLAY)}: this offer ends soon\n`;
    else if (plan.fromLine === 2) insert += `>From our partners: ${rng.pick(WORDS)} ${rng.pick(WORDS)} special\n`;
    const message = Buffer.concat([
      Buffer.from(headers, 'latin1'),
      tpl.body.subarray(0, tpl.insertAt),
      Buffer.from(insert, 'latin1'),
      tpl.body.subarray(tpl.insertAt),
    ]);

    if (plan.noMessageId) ph.noMessageIdMessages++;
    if (plan.deliveries.length > 1) ph.multiRecipientMessages++;
    perAccount[accountIndex]! += plan.deliveries.length;
    perIp.set(acct.ip, (perIp.get(acct.ip) ?? 0) + plan.deliveries.length);
    deliveries += plan.deliveries.length;

    const omcN = rng.range(1, 4);
    const omcS = rng.range(1, 40);
    const omc = `BAY0-OMC${omcN}-S${omcS}.bay0.hotmail.com`;
    const omcIp = `65.54.${244 + omcN}.${100 + omcS}`;
    const logged: GeneratedMessage | undefined = options.onMessage
      ? {
          index,
          account: acct.address,
          originatingIp: acct.ip,
          messageId: messageId?.slice(1, -1),
          messageIdShared: sharedId !== undefined,
          relayHost: omc.toLowerCase(),
          relayIp: omcIp,
          date,
          harvested: [],
          notHarvested: to.slice(plan.deliveries.length),
        }
      : undefined;
    plan.deliveries.forEach((dp, d) => {
      const rcpt = to[d]!;
      const c = deliveryCounter++;
      const t = date + rng.range(1, 600);
      logged?.harvested.push({ recipient: rcpt, at: t, queueId: `${hex32(c, 0x9e3779b1)}${p2(c % 100)}` });
      const store = p2(rng.range(1, 12));
      const trace =
        `Delivered-To: ${rcpt}\n` +
        `Received: from mx1.laposte.net (mx1.laposte.net [193.251.214.113])\n` +
        `\tby mailstore${store}.laposte.net (Cyrus v2.2.12) with LMTPA id ${hex32(c, 0x2545f491)};\n` +
        `\t${rfc5322(t + 1, 60)} (CET)\n` +
        `Received: from ${omc} (${omc.toLowerCase()} [${omcIp}])\n` +
        `\tby mx1.laposte.net (Postfix) with ESMTP id ${hex32(c, 0x9e3779b1)}${p2(c % 100)}\n` +
        `\tfor <${rcpt}>; ${rfc5322(t, 60)} (CET)\n` +
        `Return-Path: <${acct.address}>\n`;
      const base = Buffer.concat([Buffer.from(trace, 'latin1'), message]);
      const versions: Buffer[] = [];
      if (dp.reharvest === 'none') versions.push(base);
      else if (dp.reharvest === 'hop') {
        versions.push(base);
        const hop =
          `Received: from mailstore${store}.laposte.net (mailstore${store}.laposte.net [10.10.${rng.range(1, 9)}.${rng.range(1, 250)}])\n` +
          `\tby trap-collector.laposte.net (Postfix) with LMTP id ${hex32(c, 0x68e31da5)};\n\t${rfc5322(t + rng.range(60, 7200), 60)} (CET)\n`;
        versions.push(Buffer.concat([Buffer.from(hop, 'latin1'), base]));
      } else {
        const a = rng.range(1, 40);
        const b = a + rng.range(1, 20);
        versions.push(
          Buffer.concat([Buffer.from(`X-Trap-Id: trap-${p2(a)}-${hex32(c, 0x3c6ef373)}\n`, 'latin1'), base]),
        );
        versions.push(
          Buffer.concat([Buffer.from(`X-Trap-Id: trap-${p2(b)}-${hex32(c, 0x3c6ef373)}\n`, 'latin1'), base]),
        );
      }
      if (versions.length > 1) ph.reharvestedDeliveries++;
      versions.forEach((bytes, v) => {
        const places = dp.copies[v] ?? dp.copies[0]!;
        items++;
        for (const place of places) {
          samples++;
          sinks.write(place, bytes, acct.address, t);
        }
      });
    });
    if (logged) options.onMessage!(logged);
  }

  const order = Array.from({ length: accountCount }, (_, k) => k).filter((k) => perAccount[k]! > 0);
  order.sort((x, y) => perAccount[y]! - perAccount[x]! || (accounts[x]!.address < accounts[y]!.address ? -1 : 1));

  const truth: CorpusTruth = {
    seed,
    layout,
    samples,
    items,
    exactDuplicates: samples - items,
    messages: N,
    deliveries,
    accounts: order.length,
    firstDate: new Date(minDate * 1000).toISOString(),
    lastDate: new Date(maxDate * 1000).toISOString(),
    files: { eml: sinks.eml, mboxEntries: sinks.mboxEntries, maildir: sinks.maildir, maildirTmp: sinks.maildirTmp },
    phenomena: {
      multiRecipientMessages: ph.multiRecipientMessages,
      reharvestedDeliveries: ph.reharvestedDeliveries,
      exactDuplicateSamples: samples - items,
      noMessageIdMessages: ph.noMessageIdMessages,
      reusedMessageIdMessages: ph.reusedMessageIdMessages,
      mboxQuotedLines: sinks.mboxQuotedLines,
    },
    topAccounts: order.slice(0, 10).map((k) => ({ address: accounts[k]!.address, deliveries: perAccount[k]! })),
    originatingIps: [...perIp.values()].filter((n) => n > 0).length,
    topOriginatingIps: [...perIp]
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([ip, deliveries]) => ({ ip, deliveries })),
  };
  writeFileSync(join(out, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv: string[]): GenerateOptions {
  const opts: Partial<GenerateOptions> = {};
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    const val = (): string => {
      const v = argv[++k];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--out') opts.out = val();
    else if (arg === '--messages') opts.messages = Number(val());
    else if (arg === '--seed') opts.seed = Number(val());
    else if (arg === '--layout') opts.layout = val() as Layout;
    else if (arg === '--accounts') opts.accounts = Number(val());
    else if (arg === '--writers') opts.writers = Number(val());
    else throw new Error(`unknown argument ${arg}`);
  }
  if (opts.out === undefined || opts.messages === undefined) {
    throw new Error(
      'usage: generate.ts --out DIR --messages N [--seed S] [--layout mixed|eml] [--accounts K] [--writers W]',
    );
  }
  return { out: opts.out, messages: opts.messages, ...opts };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = process.hrtime.bigint();
  const truth = await generateCorpus(opts);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(join(resolve(opts.out), 'truth.json') + '\n');
  process.stdout.write(
    `${truth.layout} seed=${truth.seed}: ${truth.messages} messages, ${truth.deliveries} deliveries, ${truth.items} items, ` +
      `${truth.samples} samples (${truth.exactDuplicates} exact duplicates), ${truth.accounts} accounts, ` +
      `${secs.toFixed(1)} s, ${Math.round(truth.messages / secs)} messages/s, ${Math.round(truth.samples / secs)} samples/s\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

// ---------------------------------------------------------------------------------------------
// Campaign corpus: near-duplicate campaigns with known membership, plus unrelated ham.
//
// Each campaign is a template of 8-14 sentences taken from the prose lines of real SpamAssassin
// spam, a subject and three link domains. Every copy varies the way spammers vary them: a greeting
// with a random name, synonym swaps, a dropped sentence, hash-buster lines of random tokens, a
// random suffix on the subject, rotating links (random subdomain, path and id on one of the
// campaign's domains), and its form: text/plain (8bit or quoted-printable), text/html (with
// entities, quoted-printable or base64) or multipart/alternative holding both. Ham comes from
// SpamAssassin's easy-ham, as written. Membership is in the Message-ID's left part
// (<c17.…> campaign 17, <h42.…> ham template 42), which the clustering never reads.

export interface CampaignCorpusOptions {
  out: string;
  messages: number;
  seed?: number;
  /** Number of campaigns (default messages / 40, at least 3); sizes are Zipf-like. */
  campaigns?: number;
  /** Share of messages that are ham (default 0.1). */
  hamShare?: number;
  templateDir?: string;
}

export interface CampaignCorpusTruth {
  seed: number;
  messages: number;
  campaignMessages: number;
  hamMessages: number;
  /** Campaigns with at least one message. */
  campaigns: number;
  /** Distinct ham templates used (each is its own group in the truth). */
  hamTemplates: number;
  largestCampaign: number;
}

const SYNONYMS: Record<string, string[]> = {
  free: ['complimentary', 'no-cost'],
  buy: ['purchase', 'order'],
  now: ['today', 'right away'],
  money: ['cash', 'funds'],
  offer: ['deal', 'promotion'],
  cheap: ['affordable', 'low-cost'],
  click: ['tap', 'go'],
  best: ['finest', 'top'],
  get: ['receive', 'obtain'],
  make: ['earn', 'generate'],
  you: ['you', 'u'],
  your: ['your', 'ur'],
  guaranteed: ['assured', 'certain'],
  amazing: ['incredible', 'astonishing'],
  save: ['cut costs', 'keep'],
};

/** Title-cased prose lines of spam bodies, distinct. */
export function proseLines(templates: Template[]): string[] {
  const seen = new Set<string>();
  for (const t of templates) {
    for (const raw of t.body.toString('latin1').split('\n')) {
      const line = raw.trim().replace(/\s+/g, ' ');
      if (
        line.length < 40 ||
        line.length > 160 ||
        !/^[A-Za-z][A-Za-z ,.'!?$-]+$/.test(line) ||
        line.split(' ').length < 7
      )
        continue;
      seen.add(line);
    }
  }
  return [...seen];
}

export function loadHam(dataDir: string): Template[] {
  const dir = join(dataDir, 'easy-ham-1');
  const out: Template[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort()) {
    const t = parseTemplate(join('easy-ham-1', f), readFileSync(join(dir, f)));
    if (t && !t.mimeHeaders.toLowerCase().includes('multipart/')) out.push(t);
  }
  return out;
}

export function encodeQp(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  let out = '';
  let col = 0;
  for (const b of bytes) {
    const lf = b === 10;
    const piece = lf
      ? '\n'
      : (b >= 33 && b <= 126 && b !== 61) || b === 32
        ? String.fromCharCode(b)
        : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (!lf && col + piece.length > 75) {
      out += '=\n';
      col = 0;
    }
    out += piece;
    col = lf ? 0 : col + piece.length;
  }
  return out;
}

export function wrap64(b64: string): string {
  return b64.replace(/.{1,76}/g, (m) => `${m}\n`);
}

export async function generateCampaignCorpus(options: CampaignCorpusOptions): Promise<CampaignCorpusTruth> {
  const N = options.messages;
  if (!Number.isInteger(N) || N < 1) throw new Error('messages must be a positive integer');
  const seed = options.seed ?? 1;
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`output directory ${out} is not empty`);
  mkdirSync(out, { recursive: true });
  const dataDir = options.templateDir ?? DEFAULT_TEMPLATE_DIR;
  const rng = new Rng(seed ^ 0x5eed);
  const pool = proseLines(loadTemplates(dataDir, 3000));
  const ham = loadHam(dataDir);
  const C = options.campaigns ?? Math.max(3, Math.round(N / 40));
  const hamShare = options.hamShare ?? 0.1;

  interface Campaign {
    sentences: string[];
    subject: string;
    domains: string[];
  }
  const campaigns: Campaign[] = [];
  for (let c = 0; c < C; c++) {
    const count = rng.range(8, 14);
    const sentences: string[] = [];
    while (sentences.length < count) {
      const s = rng.pick(pool);
      if (!sentences.includes(s)) sentences.push(s);
    }
    const subjectWords = rng.pick(pool).split(' ').slice(0, rng.range(4, 7));
    const domains = [0, 1, 2].map(
      () =>
        `${rng.pick(WORDS)}${rng.token(4, 'abcdefghijklmnopqrstuvwxyz')}.${rng.pick(['com', 'net', 'biz', 'info'])}`,
    );
    campaigns.push({ sentences, subject: subjectWords.join(' ').replace(/[,.]+$/, ''), domains });
  }
  const cdf = zipfCdf(C);
  const used = new Set<number>();
  const usedHam = new Set<number>();
  let hamMessages = 0;
  const sizes = new Map<number, number>();

  const buster = () => `${rng.token(rng.range(10, 18))} ${rng.token(rng.range(4, 7))}`;
  const link = (c: Campaign) =>
    `http://${rng.token(5, 'abcdefghijklmnopqrstuvwxyz')}.${rng.pick(c.domains)}/${rng.token(6)}/?id=${rng.range(10000, 9999999)}`;
  const swap = (sentence: string) =>
    sentence.replace(/[A-Za-z]+/g, (w) => {
      const alts = SYNONYMS[w.toLowerCase()];
      return alts && rng.chance(0.35) ? rng.pick(alts) : w;
    });

  for (let i = 0; i < N; i++) {
    const dir = join(out, 'campaigns', String(Math.floor(i / 1000)).padStart(4, '0'));
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    const date = rfc5322(START + rng.int(END - START));
    const from = `${rng.token(1, 'abcdefghijklmnopqrstuvwxyz')}${rng.token(7)}@hotmail.com`;
    const to = `${rng.pick(FIRST)}.${rng.pick(LAST)}.${rng.range(1, 99)}@laposte.net`;
    let label: string;
    let subject: string;
    let mime: string;
    let body: string;
    if (rng.chance(hamShare) && ham.length > 0) {
      const h = rng.int(ham.length);
      usedHam.add(h);
      hamMessages++;
      const t = ham[h]!;
      label = `h${h}`;
      subject = t.subject;
      mime = t.mimeHeaders;
      body = t.body.toString('latin1');
    } else {
      const c = sampleCdf(cdf, rng.next());
      used.add(c);
      sizes.set(c, (sizes.get(c) ?? 0) + 1);
      const k = campaigns[c]!;
      label = `c${c}`;
      subject = k.subject + (rng.chance(0.5) ? ` ${rng.pick(['-', '#', '', '::'])} ${rng.token(rng.range(5, 9))}` : '');
      const lines: string[] = [`${rng.pick(['Dear', 'Hello', 'Hi'])} ${rng.pick(FIRST)},`];
      for (const s of k.sentences) {
        if (rng.chance(0.08)) continue;
        lines.push(swap(s));
        if (rng.chance(0.12)) lines.push(buster());
      }
      const url = link(k);
      const form = rng.next();
      const text = [...lines.slice(0, 3), `Visit ${url} now`, ...lines.slice(3), buster()].join('\n') + '\n';
      const html =
        `<html><body bgcolor="#${rng.token(6, '0123456789abcdef')}">\n` +
        lines
          .slice(0, 3)
          .concat([`<a href="${url}">Click here</a>`], lines.slice(3))
          .map(
            (l) =>
              `<p><font face="Arial" size="${rng.range(2, 4)}">${l.replace(/'/g, '&#39;').replace(/&(?!#)/g, '&amp;')}</font></p>`,
          )
          .join('\n') +
        `\n<!-- ${buster()} -->\n</body></html>\n`;
      const htmlPart = () =>
        rng.chance(0.5)
          ? {
              headers: 'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n',
              body: wrap64(Buffer.from(html, 'utf8').toString('base64')),
            }
          : {
              headers: 'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n',
              body: encodeQp(html),
            };
      const textPart = () =>
        rng.chance(0.5)
          ? {
              headers: 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n',
              body: encodeQp(text),
            }
          : {
              headers: 'Content-Type: text/plain; charset="iso-8859-1"\nContent-Transfer-Encoding: 8bit\n',
              body: text,
            };
      if (form < 0.45) {
        const p = textPart();
        mime = p.headers;
        body = p.body;
      } else if (form < 0.8) {
        const p = htmlPart();
        mime = p.headers;
        body = p.body;
      } else {
        const boundary = `----=_NextPart_${rng.token(12, '0123456789ABCDEF')}`;
        const a = textPart();
        const b = htmlPart();
        mime = `Content-Type: multipart/alternative; boundary="${boundary}"\n`;
        body = `This is a multi-part message in MIME format.\n\n--${boundary}\n${a.headers}\n${a.body}\n--${boundary}\n${b.headers}\n${b.body}\n--${boundary}--\n`;
      }
    }
    const headers =
      `Delivered-To: ${to}\nReturn-Path: <${from}>\nFrom: ${from}\nTo: ${to}\nSubject: ${subject}\nDate: ${date}\n` +
      `Message-ID: <${label}.${i}@truth.spamcase.invalid>\nMime-Version: 1.0\n${mime}\n`;
    writeFileSync(
      join(dir, `${String(i).padStart(7, '0')}.eml`),
      Buffer.concat([Buffer.from(headers, 'latin1'), Buffer.from(body, label[0] === 'h' ? 'latin1' : 'latin1')]),
    );
  }
  const truth: CampaignCorpusTruth = {
    seed,
    messages: N,
    campaignMessages: N - hamMessages,
    hamMessages,
    campaigns: used.size,
    hamTemplates: usedHam.size,
    largestCampaign: Math.max(0, ...sizes.values()),
  };
  writeFileSync(join(out, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}

// ---------------------------------------------------------------------------------------------
// Operator corpus: bot operators with known accounts, and the shared infrastructure between them
//
// Story: K bot operators each run a handful of sender accounts and a pool of bot machines on
// residential networks (several operators rent addresses in the same /24s). An operator sends
// either through Hotmail webmail (X-Originating-IP: the bot), through Yahoo webmail (Yahoo's
// outbound MTA hands it over; the bot is only in Yahoo's own "via HTTP" line), or straight from its
// bots to the party's MX. Shared by all operators: Yahoo's MTAs, two open proxies that many bots
// relay through, and the harvester's own mailbox server, whose fetchmail line tops part of the
// deliveries. Some operators name accounts stem<digits>, with stems that other operators also use.
// The truth says which accounts each operator ran; nothing in the mail says it.

export interface OperatorCorpusOptions {
  out: string;
  seed?: number;
  /** Number of bot operators (default 16). */
  operators?: number;
}

export interface OperatorTruth {
  name: string;
  via: 'hotmail' | 'yahoo' | 'direct';
  accounts: string[];
  /** The operator's bot machines. */
  ips: string[];
}

export interface OperatorCorpusTruth {
  seed: number;
  messages: number;
  operators: OperatorTruth[];
  /** Machines every operator's mail passes through, by what they are. */
  sharedInfrastructure: { yahooRelays: string[]; openProxies: string[]; harvesterMailbox: string };
  /** The party's relays, to configure as its trust. */
  partyTrust: string[];
  /**
   * Per Message-ID: the originating IP the chain walk believes (the bot behind Hotmail's X-Originating-IP or in
   * Yahoo's "via HTTP" line; the proxy or the bot that reached the MX), the UTC time of the line that recorded it
   * (the provider's own submission line, or the MX's) and the Date header's, in UTC.
   */
  deliveries: Record<string, { originatingIp: string; receivedUtc: string; dateUtc: string }>;
}

const STEMS = ['ember', 'lattice', 'meadow', 'cobalt', 'falcon', 'harbor'];
const BOT_NETS = ['82.120.7', '82.120.9', '86.201.33', '201.19.140', '61.144.12', '218.25.90'];
const YAHOO_RELAYS = ['66.163.169.178', '66.163.169.181', '217.146.188.36', '217.146.188.41'];
const OPEN_PROXIES = ['200.88.14.3', '195.175.37.9'];
const HARVESTER_MAILBOX = '193.120.211.219';

export async function generateOperatorCorpus(options: OperatorCorpusOptions): Promise<OperatorCorpusTruth> {
  const seed = options.seed ?? 1;
  const K = options.operators ?? 16;
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`output directory ${out} is not empty`);
  mkdirSync(join(out, 'trap'), { recursive: true });
  const rng = new Rng(seed ^ 0x0be7a7);
  const usedIps = new Set<string>([...YAHOO_RELAYS, ...OPEN_PROXIES, HARVESTER_MAILBOX]);
  const usedAccounts = new Set<string>();
  const operators: OperatorTruth[] = [];
  for (let k = 0; k < K; k++) {
    const via = (['hotmail', 'yahoo', 'direct'] as const)[k % 3]!;
    const ips: string[] = [];
    const poolSize = rng.range(2, 4);
    while (ips.length < poolSize) {
      const ip = `${rng.pick(BOT_NETS)}.${rng.range(2, 253)}`;
      if (!usedIps.has(ip)) {
        usedIps.add(ip);
        ips.push(ip);
      }
    }
    const domain =
      via === 'hotmail'
        ? 'hotmail.com'
        : via === 'yahoo'
          ? 'yahoo.com'
          : `${rng.token(6, 'abcdefghijklmnop')}-deals.com`;
    const stem = rng.chance(0.5) ? rng.pick(STEMS) : null;
    const accounts: string[] = [];
    const count = rng.range(3, 10);
    while (accounts.length < count) {
      const local = stem
        ? `${stem}${rng.range(10, 9999)}`
        : `${rng.token(1, 'abcdefghijklmnopqrstuvwxyz')}${rng.token(7)}`;
      const a = `${local}@${domain}`;
      if (!usedAccounts.has(a)) {
        usedAccounts.add(a);
        accounts.push(a);
      }
    }
    operators.push({ name: `operator ${k + 1}`, via, accounts, ips });
  }

  let messages = 0;
  const deliveries: OperatorCorpusTruth['deliveries'] = {};
  const iso = (sec: number) => new Date(sec * 1000).toISOString();
  const write = (bytes: string) => {
    const dir = join(out, 'trap', String(Math.floor(messages / 1000)).padStart(4, '0'));
    if (messages % 1000 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${String(messages).padStart(7, '0')}.eml`), Buffer.from(bytes, 'latin1'));
    messages++;
  };
  for (const op of operators) {
    for (const account of op.accounts) {
      // Each account works from one or two of its operator's machines, so the operator's accounts
      // overlap on some of them (as bots rotating through a pool do).
      const mine = [rng.pick(op.ips), rng.pick(op.ips)];
      const n = rng.range(3, 12);
      for (let m = 0; m < n; m++) {
        const date = START + rng.int(END - START - 86_400);
        const t = date + rng.range(5, 900);
        const rcpt = `${rng.pick(FIRST)}.${rng.pick(LAST)}.${rng.range(1, 99)}@laposte.net`;
        const bot = rng.pick(mine);
        const id = `${seed}.${messages}`;
        const mx =
          `Received: from mx1.laposte.net (mx1.laposte.net [193.251.214.113])\n` +
          `\tby mailstore${p2(rng.range(1, 12))}.laposte.net (Cyrus v2.2.12) with LMTPA id ${hex32(messages, 0x2545f491)};\n` +
          `\t${rfc5322(t + 1, 60)} (CET)\n`;
        let chain: string;
        let extra = '';
        if (op.via === 'hotmail') {
          const omc = `BAY0-OMC${rng.range(1, 4)}-S${rng.range(1, 40)}.bay0.hotmail.com`;
          const omcIp = `65.54.${rng.range(245, 248)}.${rng.range(101, 140)}`;
          chain =
            `Received: from ${omc} (${omc.toLowerCase()} [${omcIp}])\n\tby mx1.laposte.net (Postfix) with ESMTP id ${hex32(messages, 0x9e3779b1)}\n\tfor <${rcpt}>; ${rfc5322(t, 60)} (CET)\n` +
            `Received: from mail pickup service by hotmail.com with Microsoft SMTPSVC;\n\t ${rfc5322(date, -480)}\n`;
          extra = `X-Originating-IP: [${bot}]\nX-Originating-Email: [${account}]\n`;
        } else if (op.via === 'yahoo') {
          const relay = rng.pick(YAHOO_RELAYS);
          const web = `web${rng.range(30000, 59999)}.mail.${relay.startsWith('217.') ? 'ukl.' : ''}yahoo.com`;
          chain =
            `Received: from ${web} (${web} [${relay}])\n\tby mx1.laposte.net (Postfix) with SMTP id ${hex32(messages, 0x9e3779b1)}\n\tfor <${rcpt}>; ${rfc5322(t, 60)} (CET)\n` +
            `Received: from [${bot}] by ${web} via HTTP; ${rfc5322(date, -480)}\n`;
        } else {
          // Straight from a bot, or relayed through an open proxy one time in four.
          const proxy = rng.chance(0.25) ? rng.pick(OPEN_PROXIES) : null;
          const client = proxy ?? bot;
          chain = `Received: from pc${rng.range(1, 99)} (host-${client.replaceAll('.', '-')}.dyn.example.net [${client}])\n\tby mx1.laposte.net (Postfix) with SMTP id ${hex32(messages, 0x9e3779b1)}\n\tfor <${rcpt}>; ${rfc5322(t, 60)} (CET)\n`;
          if (proxy) chain += `Received: from [${bot}] by ${proxy} with HTTP; ${rfc5322(date, 0)}\n`;
        }
        // A fifth of the deliveries were harvested from a trap mailbox that the harvester fetched.
        const fetched = rng.chance(0.2)
          ? `Received: from pop.trapmail.example [${HARVESTER_MAILBOX}]\n\tby localhost with POP3 (fetchmail-5.9.0)\n\tfor trap@localhost (single-drop); ${rfc5322(t + 3600, 0)}\n`
          : '';
        const subject = `${rng.pick(WORDS)} ${rng.pick(WORDS)} offer ${rng.token(4)}`;
        const relayIp = /\[([\d.]+)\]\)\n\tby mx1/.exec(chain)![1]!;
        // The chain walk skips the harvester's fetch line, and believes Yahoo's own "via HTTP" line.
        deliveries[`<op.${id}@truth.spamcase.invalid>`] =
          op.via === 'hotmail' || op.via === 'yahoo'
            ? { originatingIp: bot, receivedUtc: iso(date), dateUtc: iso(date) }
            : { originatingIp: relayIp, receivedUtc: iso(t), dateUtc: iso(date) };
        write(
          fetched +
            `Delivered-To: ${rcpt}\n` +
            mx +
            chain +
            `Return-Path: <${account}>\n` +
            extra +
            `From: ${account}\nTo: ${rcpt}\nSubject: ${subject}\nDate: ${rfc5322(date)}\n` +
            `Message-ID: <op.${id}@truth.spamcase.invalid>\nMime-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n` +
            `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)} ${id}\n`,
        );
      }
    }
  }
  const truth: OperatorCorpusTruth = {
    seed,
    messages,
    operators,
    sharedInfrastructure: { yahooRelays: YAHOO_RELAYS, openProxies: OPEN_PROXIES, harvesterMailbox: HARVESTER_MAILBOX },
    partyTrust: ['laposte.net', '193.251.0.0/16'],
    deliveries,
  };
  writeFileSync(join(out, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}

// ---------------------------------------------------------------------------------------------
// Webmail corpus: spam sent through large providers' webmail and authenticated submission, with
// the truth of each message: the provider, its relay that handed the message to the party (the
// hand-off) and the client the provider recorded (the origin). Trace forms as the providers write
// them (Yahoo bullets and web servers, Hotmail's pickup service and X-Originating-IP, GMX and Gmail
// ESMTPSA with a LAN HELO literal, Mail.Ru HTTP, AOL's internal agents and X-AOL-IP, Mailcity's
// X-Sender-IP); some messages carry spammer-written lines below the provider's (forged "relays",
// a line claiming the party's MX) and a recipient fetch line on top.

export interface WebmailCorpusOptions {
  out: string;
  messages: number;
  seed?: number;
}

export interface WebmailTruthItem {
  /** File name under OUT/eml/. */
  file: string;
  provider: string;
  account: string;
  originIp: string;
  handoffIp: string;
}

export interface WebmailCorpusTruth {
  seed: number;
  messages: number;
  providers: Record<string, number>;
  items: WebmailTruthItem[];
}

const WEBMAIL_PROVIDERS = ['yahoo', 'microsoft', 'gmx', 'google', 'mailru', 'aol', 'lycos'] as const;

export function generateWebmailCorpus(options: WebmailCorpusOptions): WebmailCorpusTruth {
  const N = options.messages;
  if (!Number.isInteger(N) || N < 1) throw new Error('messages must be a positive integer');
  const seed = options.seed ?? 1;
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`output directory ${out} is not empty`);
  mkdirSync(join(out, 'eml'), { recursive: true });
  const rng = new Rng(seed);
  const pub = () =>
    `${rng.pick(['82.120', '86.201', '201.19', '200.88', '61.144', '218.25', '84.5', '195.175'])}.${rng.range(1, 254)}.${rng.range(1, 254)}`;
  const lan = () => `192.168.${rng.range(0, 5)}.${rng.range(2, 250)}`;
  const items: WebmailTruthItem[] = [];
  const counts: Record<string, number> = {};
  const base = Date.UTC(2006, 0, 1) / 1000;
  for (let i = 0; i < N; i++) {
    const provider = WEBMAIL_PROVIDERS[i % WEBMAIL_PROVIDERS.length]!;
    counts[provider] = (counts[provider] ?? 0) + 1;
    const origin = pub();
    const t = base + i * 97 + rng.range(0, 60);
    const user = `${rng.token(1, 'abcdefghijklmnopqrstuvwxyz')}${rng.token(7)}`;
    let handoffIp: string;
    let handoffHost: string;
    let below = ''; // the provider's own lines, below the party's
    let extra = ''; // client-IP headers
    let domain: string;
    if (provider === 'yahoo') {
      const n = rng.range(1, 60);
      const web = rng.range(10000, 99999);
      handoffHost = `n${n}.bullet.mail.re1.yahoo.com`;
      handoffIp = `68.142.${rng.range(192, 255)}.${rng.range(1, 254)}`;
      below =
        `Received: from [69.147.${rng.range(64, 127)}.${rng.range(1, 254)}] by ${handoffHost} with NNFMP; ${rfc5322(t - 2)}\n` +
        `Received: (qmail ${rng.range(1000, 99999)} invoked by uid 60001); ${rfc5322(t - 3)}\n` +
        `Received: from [${origin}] by web${web}.mail.re1.yahoo.com via HTTP; ${rfc5322(t - 3, -480)}\n`;
      extra = rng.chance(0.5) ? `X-Yahoo-Post-IP: ${origin}\n` : '';
      domain = rng.pick(['yahoo.com', 'yahoo.fr', 'ymail.com']);
    } else if (provider === 'microsoft') {
      const s = rng.range(1, 40);
      handoffHost = `bay0-omc${rng.range(1, 4)}-s${s}.bay0.hotmail.com`;
      handoffIp = `65.54.${rng.range(244, 250)}.${100 + s}`;
      below = `Received: from mail pickup service by hotmail.com with Microsoft SMTPSVC; ${rfc5322(t - 3, -480)}\n`;
      extra = `X-Originating-IP: [${origin}]\n`;
      domain = rng.pick(['hotmail.com', 'msn.com', 'live.com']);
    } else if (provider === 'gmx') {
      handoffHost = 'mout.gmx.net';
      handoffIp = `212.227.17.${rng.range(1, 30)}`;
      below = `Received: from [${lan()}] ([${origin}]) by mail.gmx.com (mrgmx${rng.range(100, 199)} [212.227.17.${rng.range(160, 190)}]) with ESMTPSA (Nemesis) id 1M${rng.token(6)}; ${rfc5322(t - 2, 60)}\n`;
      domain = rng.pick(['gmx.net', 'gmx.de', 'web.de']);
    } else if (provider === 'google') {
      handoffHost = `mail-wr1-f${rng.range(10, 70)}.google.com`;
      handoffIp = `209.85.221.${rng.range(10, 70)}`;
      below =
        `Received: by mail-wr1-f.google.com with SMTP id ${rng.token(12)} for <x@laposte.net>; ${rfc5322(t - 1)}\n` +
        `Received: from [${lan()}] (cpe-${origin.replace(/\./g, '-')}.example.net. [${origin}]) by smtp.gmail.com with ESMTPSA id ${rng.token(10)}; ${rfc5322(t - 2)}\n`;
      domain = 'gmail.com';
    } else if (provider === 'mailru') {
      const f = rng.range(100, 400);
      handoffHost = `f${f}.i.mail.ru`;
      handoffIp = `217.69.128.${rng.range(1, 254)}`;
      below = `Received: from [${origin}] by f${f}.i.mail.ru with HTTP; ${rfc5322(t - 1, 180)}\n`;
      domain = rng.pick(['mail.ru', 'inbox.ru', 'bk.ru']);
    } else if (provider === 'aol') {
      const m = rng.range(1, 20);
      handoffHost = `omr-m${m}.mx.aol.com`;
      handoffIp = `64.12.143.${rng.range(1, 254)}`;
      below =
        `Received: from mtaout-ma${m}.mail.aol.com (mtaout-ma${m}.mail.aol.com [172.26.${rng.range(1, 250)}.${rng.range(1, 250)}]) by omr-m${m}.mx.aol.com (Outbound Mail Relay) with ESMTP id ${rng.token(10)}; ${rfc5322(t - 1, -300)}\n` +
        `Received: from webmail-d${m}.sysops.aol.com (webmail-d${m}.sysops.aol.com [172.21.${rng.range(1, 250)}.${rng.range(1, 250)}]) by mtaout-ma${m}.mail.aol.com (Internal Mail Agent) with ESMTP; ${rfc5322(t - 2, -300)}\n`;
      extra = `X-AOL-IP: ${origin}\n`;
      domain = 'aol.com';
    } else {
      handoffHost = 'fes.mail.lycos.com';
      handoffIp = `209.185.123.${rng.range(100, 200)}`;
      below = `Received: from Unknown/Local ([?.?.?.?]) by mailcity.com; ${rfc5322(t - 2, -420)}\n`;
      extra = `X-Sender-IP: ${origin}\n`;
      domain = 'mailcity.com';
    }
    // Spammer-written lines below the provider's: never believed, never the origin.
    let forged = '';
    if (rng.chance(0.3))
      forged += `Received: from [10.0.0.${rng.range(1, 250)}] by relay.innocent.example with SMTP; ${rfc5322(t - 60)}\n`;
    if (rng.chance(0.2))
      forged += `Received: from ${pub()} ([8.8.8.8]) by mx9.laposte.net (Postfix) with ESMTP; ${rfc5322(t - 90)}\n`;
    const account = `${user}@${domain}`;
    const rcpt = `${rng.pick(FIRST)}.${rng.pick(LAST)}.${rng.range(1, 99)}@laposte.net`;
    const fetch = rng.chance(0.2)
      ? `Received: from mailstore${p2(rng.range(1, 12))}.laposte.net [193.251.${rng.range(1, 250)}.${rng.range(1, 250)}] by localhost with POP3 (fetchmail-6.3.26) for <trap@localhost> (single-drop); ${rfc5322(t + 300, 60)}\n`
      : '';
    const helo = rng.chance(0.15) ? `[${lan()}]` : handoffHost;
    const message =
      `Return-Path: <${account}>\n` +
      fetch +
      `Received: from mx1.laposte.net (mx1.laposte.net [193.251.214.113]) by mailstore${p2(rng.range(1, 12))}.laposte.net (Cyrus v2.2.12) with LMTPA id ${hex32(i, 0x2545f491)}; ${rfc5322(t + 1, 60)}\n` +
      `Received: from ${helo} (${handoffHost} [${handoffIp}]) by mx1.laposte.net (Postfix) with ESMTP id ${hex32(i, 0x9e3779b1)} for <${rcpt}>; ${rfc5322(t, 60)}\n` +
      below +
      forged +
      extra +
      `From: ${account}\nTo: ${rcpt}\nSubject: offer ${rng.token(6)}\nDate: ${rfc5322(t - 5)}\n` +
      `Message-ID: <${hex32(i, 0x68e31da5)}.${i}@webmail.spamcase.invalid>\nMime-Version: 1.0\n` +
      `Content-Type: text/plain; charset=us-ascii\n\nBuy now ${rng.token(12)}\n`;
    const file = `msg-${String(i).padStart(6, '0')}.eml`;
    writeFileSync(join(out, 'eml', file), message);
    items.push({ file, provider, account, originIp: origin, handoffIp });
  }
  const truth: WebmailCorpusTruth = { seed, messages: N, providers: counts, items };
  writeFileSync(join(out, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}
