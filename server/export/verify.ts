/**
 * verifyBundle: check a bundle ZIP the way an outside expert would, and name every failing file.
 *
 * Order: ZIP structure (central directory, each local header, each CRC-32) → BagIt layout
 * (one top folder, bagit.txt, bag-info.txt, manifest) → every payload file against
 * manifest-sha256.txt, nothing missing, nothing added, Payload-Oxum → tag files against
 * tagmanifest-sha256.txt → CMS signature over the tag manifest (and the signer certificate against
 * signer-cert.pem and, when given, the trusted certificate) → RFC 3161 timestamp → custody chain
 * of custody.jsonl up to the as-of event → items.csv agrees with data/items/ (file, SHA-256, MD5,
 * size, and one row per item). The SHA-256 of the whole ZIP is computed in a worker thread at the
 * same time (it identifies the bundle in the custody event).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Worker } from 'node:worker_threads';
import type { Context } from '../context.ts';
import { appendCustodyEvent, verifyCustodyChain, type CustodyEvent } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';
import { checkSignedData, issuedByOrSame } from '../signing/cms.ts';
import { checkTimestampReply } from '../signing/timestamp.ts';
import { ITEMS_CSV_HEADER } from './bundle.ts';
import { parseCsvChunks } from './csv.ts';
import {
  centralEntries,
  locateCentralDirectory,
  memberChunks,
  streamMember,
  ZipFormatError,
  type CentralDirectoryLocation,
  type ZipMember,
} from './zip-reader.ts';

export interface VerifyProblem {
  /** The member (path inside the bag) or "(zip)" / "(bag)" for the archive as a whole. */
  file: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  file: string;
  sha256: string;
  identifier: string | null;
  caseSlug: string | null;
  items: number;
  payloadFiles: number;
  signer: string | null;
  signerFingerprint: string | null;
  /**
   * How the signer was established: by the trusted certificate given (`--cert`, the signer's or its
   * issuer's), by a pinned SHA-256 fingerprint (`--fingerprint`), by the configured trust store
   * (SPAMCASE_TRUSTED_CERTS); null when it was not (then the signature only proves the contents are
   * what the signer, whoever that is, signed: anyone can re-sign an edited bundle with a new key).
   */
  signerEstablishedBy: 'certificate' | 'fingerprint' | 'trust-store' | null;
  /**
   * verified: contents intact and signer established; intact-signer-not-established: every check
   * passed but nothing said who the signer must be; failed: a problem was found.
   */
  status: 'verified' | 'intact-signer-not-established' | 'failed';
  timestamp: string | null;
  problems: VerifyProblem[];
  warnings: string[];
}

export interface VerifyOptions {
  /** PEM certificate the signer must be (or be issued by). */
  cert?: string;
  /** The signer certificate itself, already loaded (the web: this server's own signing certificate). */
  trusted?: crypto.X509Certificate;
  /** SHA-256 fingerprint the signer certificate must have (hex, with or without colons). */
  fingerprint?: string;
  /** A PEM file of trusted certificates (signers or their issuers): the configured trust store. */
  trustStore?: string;
  /** PEM certificate of the timestamp authority. */
  tsaCert?: string;
}

const HASH_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const fd = fs.openSync(workerData.file, 'r');
const hash = crypto.createHash('sha256');
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
let pos = 0;
for (;;) { const n = fs.readSync(fd, buf, 0, buf.length, pos); if (n === 0) break; hash.update(buf.subarray(0, n)); pos += n; }
fs.closeSync(fd);
parentPort.postMessage(hash.digest('hex'));
`;

function hashFileInWorker(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const w = new Worker(HASH_WORKER, { eval: true, workerData: { file } });
    w.once('message', (m: string) => resolve(m));
    w.once('error', reject);
  });
}

function readPem(file: string, what: string): crypto.X509Certificate {
  try {
    return new crypto.X509Certificate(fs.readFileSync(file));
  } catch (err) {
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read ${what} ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Every certificate of a PEM file (a trust store holds several). */
function readPemBundle(file: string, what: string): crypto.X509Certificate[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new SpamcaseError('INPUT_UNREADABLE', `cannot read ${what} ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new SpamcaseError('INPUT_UNREADABLE', `${what} ${file} holds no PEM certificate`);
  return blocks.map((b) => new crypto.X509Certificate(b));
}

/** "AB:CD:..." upper-case, from hex with or without colons; null when it is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

function parseTagFile(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

const ITEMS_DIR = 'data/items/';
const MANIFEST_LINE = /^([0-9a-fA-F]{64})[ \t]+\*?(.+)$/;
/** Top-level folders named at most when a ZIP has more than one. */
const MAX_TOPS_NAMED = 100;

/** FNV-1a over UTF-16 code units: a cheap 32-bit hash to find candidate duplicate names. */
function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** SHA-256 (and MD5 for items) of a member streamed through its CRC check, or the problem. */
function hashMember(fd: number, m: ZipMember, md5: boolean, scratch: Buffer): { sha256: string; md5: string } | string {
  if (m.method === 8 || m.size <= scratch.length) {
    // One chunk (most members): hashed one-shot, without Hash objects.
    let data: Buffer = Buffer.alloc(0);
    const problem = streamMember(fd, m, (chunk) => (data = chunk), scratch);
    if (problem !== null) return problem;
    return { sha256: crypto.hash('sha256', data, 'hex'), md5: md5 ? crypto.hash('md5', data, 'hex') : '' };
  }
  const sha = crypto.createHash('sha256');
  const md = md5 ? crypto.createHash('md5') : null;
  const problem = streamMember(
    fd,
    m,
    (chunk) => {
      sha.update(chunk);
      md?.update(chunk);
    },
    scratch,
  );
  if (problem !== null) return problem;
  return { sha256: sha.digest('hex'), md5: md ? md.digest('hex') : '' };
}

/** The "sha256  path" lines of a manifest arriving in chunks, malformed lines reported. */
function* manifestEntries(chunks: Iterable<Buffer>, problems: VerifyProblem[]): Generator<[string, string]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  const parse = function* (text: string): Generator<[string, string]> {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const match = MANIFEST_LINE.exec(line.replace(/\r$/, ''));
      if (!match) {
        problems.push({ file: 'manifest-sha256.txt', problem: `malformed line ${JSON.stringify(line.slice(0, 80))}` });
        continue;
      }
      yield [match[2]!, match[1]!.toLowerCase()];
    }
  };
  for (const chunk of chunks) {
    const text = carry + decoder.write(chunk);
    const cut = text.lastIndexOf('\n') + 1;
    carry = text.slice(cut);
    yield* parse(text.slice(0, cut));
  }
  yield* parse(carry + decoder.end());
}

/** "sha256  path" lines → path → digest; malformed lines reported. */
function parseManifest(text: string, file: string, problems: VerifyProblem[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = MANIFEST_LINE.exec(line.replace(/\r$/, ''));
    if (!match) {
      problems.push({ file, problem: `malformed line ${JSON.stringify(line.slice(0, 80))}` });
      continue;
    }
    m.set(match[2]!, match[1]!.toLowerCase());
  }
  return m;
}

export async function verifyBundle(file: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const trusted = opts.cert ? readPem(opts.cert, 'certificate') : (opts.trusted ?? null);
  const pinned = opts.fingerprint === undefined ? null : normalizeFingerprint(opts.fingerprint);
  if (opts.fingerprint !== undefined && pinned === null)
    throw new SpamcaseError(
      'USAGE',
      `is not a SHA-256 fingerprint (64 hex digits, colons allowed): ${JSON.stringify(opts.fingerprint)}`,
      { field: 'fingerprint' },
    );
  const store = !trusted && !pinned && opts.trustStore ? readPemBundle(opts.trustStore, 'trust store') : null;
  const trustedTsa = opts.tsaCert ? readPem(opts.tsaCert, 'TSA certificate') : null;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new SpamcaseError(
      'INPUT_UNREADABLE',
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { cause: err },
    );
  }
  const wholeHash = hashFileInWorker(file);
  const problems: VerifyProblem[] = [];
  const warnings: string[] = [];
  const result: VerifyResult = {
    ok: false,
    file: path.resolve(file),
    sha256: '',
    identifier: null,
    caseSlug: null,
    items: 0,
    payloadFiles: 0,
    signer: null,
    signerFingerprint: null,
    signerEstablishedBy: null,
    status: 'failed',
    timestamp: null,
    problems,
    warnings,
  };
  const byName = new Map<string, ZipMember>();
  const root = { prefix: '', sharedHashes: new Set<number>() };
  // exportBundle writes under a temporary `.partial` name and renames only once the bundle is complete,
  // checked and recorded: a file still named so was left by an export that was killed (or is running).
  if (path.basename(file).endsWith('.partial')) {
    problems.push({
      file: '(zip)',
      problem:
        'unfinished export: a temporary .partial file left by an export that was interrupted or is still running, never a bundle (the next export into this folder removes it)',
    });
  }
  try {
    let loc: CentralDirectoryLocation;
    try {
      loc = locateCentralDirectory(fd);
      // Pass 1 over the central directory (streamed): the top folder, every member outside
      // data/items/ by name, and a 32-bit hash of each item's name to find duplicates without
      // holding a million names.
      const tops = new Set<string>();
      let rootPrefix = '';
      let itemHashes = new Uint32Array(1024);
      let itemCount = 0;
      for (const m of centralEntries(fd, loc)) {
        const topName = m.name.split('/')[0]!;
        if (tops.size === 0) rootPrefix = `${topName}/`;
        if (tops.size < MAX_TOPS_NAMED) tops.add(topName);
        if (m.name.endsWith('/')) continue;
        const rel = m.name.startsWith(rootPrefix) ? m.name.slice(rootPrefix.length) : m.name;
        if (rel.startsWith(ITEMS_DIR)) {
          if (itemCount === itemHashes.length) {
            const grown = new Uint32Array(itemHashes.length * 2);
            grown.set(itemHashes);
            itemHashes = grown;
          }
          itemHashes[itemCount++] = nameHash(rel);
          continue;
        }
        if (byName.has(rel)) problems.push({ file: rel, problem: 'appears twice in the ZIP' });
        byName.set(rel, m);
      }
      if (tops.size !== 1)
        problems.push({
          file: '(bag)',
          problem: `expected one top-level folder, found ${tops.size}${tops.size === MAX_TOPS_NAMED ? ' or more' : ''}: ${[...tops].slice(0, 5).join(', ')}`,
        });
      const sorted = itemHashes.subarray(0, itemCount).sort();
      const sharedHashes = new Set<number>();
      for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) sharedHashes.add(sorted[i]!);
      itemHashes = new Uint32Array(0);
      root.prefix = rootPrefix;
      root.sharedHashes = sharedHashes;
    } catch (err) {
      if (!(err instanceof ZipFormatError)) throw err;
      problems.push({ file: '(zip)', problem: err.message });
      return result;
    }
    const rootPrefix = root.prefix;
    const readOne = (rel: string): Buffer | null => {
      const m = byName.get(rel);
      if (!m) return null;
      const chunks: Buffer[] = [];
      const problem = streamMember(fd, m, (c) => chunks.push(Buffer.from(c)));
      if (problem !== null) {
        problems.push({ file: rel, problem });
        return null;
      }
      return Buffer.concat(chunks);
    };
    for (const required of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt']) {
      if (!byName.has(required)) problems.push({ file: required, problem: 'missing' });
    }
    const bagit = readOne('bagit.txt');
    if (bagit && !/^BagIt-Version: \d+\.\d+\r?\n/.test(bagit.toString('utf8')))
      problems.push({ file: 'bagit.txt', problem: 'does not declare BagIt-Version' });
    const bagInfo = parseTagFile(readOne('bag-info.txt')?.toString('utf8') ?? '');
    result.identifier = bagInfo.get('External-Identifier') ?? null;
    result.caseSlug = bagInfo.get('Spamcase-Case') ?? null;

    // The payload manifest and items.csv are read as streams in step with the members: our bundles
    // list files in the order they are stored, so each member meets its line and row next and
    // memory stays flat. A line or row met out of order waits in a map until its member comes (a
    // reordered or tampered bundle costs memory, never a wrong verdict).
    const manifestMember = byName.get('manifest-sha256.txt');
    const manifestLines = manifestMember
      ? manifestEntries(memberChunks(fd, manifestMember), problems)
      : [][Symbol.iterator]();
    const pendingManifest = new Map<string, string>();
    const takeManifest = (rel: string): string | undefined => {
      const waiting = pendingManifest.get(rel);
      if (waiting !== undefined) {
        pendingManifest.delete(rel);
        return waiting;
      }
      for (;;) {
        const next = manifestLines.next();
        if (next.done) return undefined;
        const [name, sha] = next.value;
        if (name === rel) return sha;
        pendingManifest.set(name, sha);
      }
    };
    interface Row {
      sha256: string;
      md5: string;
      size: number;
      bates: string;
    }
    const itemsCsvMember = byName.get('data/items.csv');
    if (!itemsCsvMember) problems.push({ file: 'data/items.csv', problem: 'missing' });
    const csvRows = itemsCsvMember ? parseCsvChunks(memberChunks(fd, itemsCsvMember)) : [][Symbol.iterator]();
    if (itemsCsvMember) {
      const header = csvRows.next().value as string[] | undefined;
      if (!header || header.join(',') !== ITEMS_CSV_HEADER.join(','))
        problems.push({ file: 'data/items.csv', problem: 'unexpected header row' });
    }
    let csvLine = 1;
    const pendingRows = new Map<string, Row>();
    const takeRow = (rel: string): Row | undefined => {
      const waiting = pendingRows.get(rel);
      if (waiting !== undefined) {
        pendingRows.delete(rel);
        return waiting;
      }
      for (;;) {
        const next = csvRows.next();
        if (next.done) return undefined;
        csvLine += 1;
        const [bates, f, sha256, md5, size] = next.value;
        if (!f || !sha256 || !md5 || size === undefined) {
          problems.push({ file: 'data/items.csv', problem: `line ${csvLine}: incomplete row` });
          continue;
        }
        const row = { sha256, md5, size: Number(size), bates: bates ?? '' };
        if (`data/${f}` === rel) return row;
        if (pendingRows.has(`data/${f}`))
          problems.push({ file: 'data/items.csv', problem: `line ${csvLine}: ${f} listed twice` });
        pendingRows.set(`data/${f}`, row);
      }
    };

    // Pass 2, every member in central directory order: CRC (streamed), payload against the
    // manifest, items against items.csv.
    let oxumBytes = 0;
    let oxumFiles = 0;
    let itemFiles = 0;
    const seenShared = new Set<string>();
    const scratch = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (const m of centralEntries(fd, loc)) {
      if (m.name.endsWith('/')) continue;
      const rel = m.name.startsWith(rootPrefix) ? m.name.slice(rootPrefix.length) : m.name;
      const isItem = rel.startsWith(ITEMS_DIR);
      if (isItem && root.sharedHashes.has(nameHash(rel))) {
        if (seenShared.has(rel)) {
          problems.push({ file: rel, problem: 'appears twice in the ZIP' });
          continue;
        }
        seenShared.add(rel);
      }
      const digest = hashMember(fd, m, isItem, scratch);
      if (typeof digest === 'string') {
        problems.push({ file: rel, problem: digest });
        if (rel.startsWith('data/')) {
          takeManifest(rel);
          if (isItem) takeRow(rel);
        }
        continue;
      }
      if (!rel.startsWith('data/')) continue;
      oxumBytes += m.size;
      oxumFiles += 1;
      const expected = takeManifest(rel);
      if (expected === undefined)
        problems.push({ file: rel, problem: 'not listed in manifest-sha256.txt (file added)' });
      else if (expected !== digest.sha256)
        problems.push({ file: rel, problem: 'SHA-256 does not match manifest-sha256.txt (file altered)' });
      if (isItem) {
        itemFiles += 1;
        const row = takeRow(rel);
        if (!row) problems.push({ file: rel, problem: 'no row in items.csv' });
        else {
          if (row.sha256 !== digest.sha256)
            problems.push({
              file: rel,
              problem: `items.csv (${row.bates}) gives SHA-256 ${row.sha256}, the file hashes to ${digest.sha256}`,
            });
          if (row.md5 !== digest.md5)
            problems.push({
              file: rel,
              problem: `items.csv (${row.bates}) gives MD5 ${row.md5}, the file hashes to ${digest.md5}`,
            });
          if (row.size !== m.size)
            problems.push({
              file: rel,
              problem: `items.csv (${row.bates}) gives size ${row.size}, the file has ${m.size} bytes`,
            });
        }
      }
    }
    for (;;) {
      const next = manifestLines.next();
      if (next.done) break;
      pendingManifest.set(next.value[0], next.value[1]);
    }
    for (const name of pendingManifest.keys())
      problems.push({
        file: name,
        problem: 'listed in manifest-sha256.txt but missing from the bundle (file deleted)',
      });
    // No row names '' (such a row is incomplete): this moves the remaining rows into pendingRows.
    takeRow('');
    for (const [name, row] of pendingRows)
      problems.push({
        file: 'data/items.csv',
        problem: `row ${row.bates} names ${name.slice(5)}, which is not in the bundle`,
      });
    result.items = itemFiles;
    result.payloadFiles = oxumFiles;
    const oxum = bagInfo.get('Payload-Oxum');
    if (!oxum) problems.push({ file: 'bag-info.txt', problem: 'no Payload-Oxum' });
    else if (oxum !== `${oxumBytes}.${oxumFiles}`)
      problems.push({
        file: 'bag-info.txt',
        problem: `Payload-Oxum is ${oxum}, the payload is ${oxumBytes}.${oxumFiles}`,
      });
    const declaredItems = bagInfo.get('Spamcase-Items');
    if (declaredItems !== undefined && Number(declaredItems) !== itemFiles)
      problems.push({
        file: 'bag-info.txt',
        problem: `Spamcase-Items is ${declaredItems}, data/items/ holds ${itemFiles}`,
      });

    // Tag manifest.
    const tagManifestBytes = readOne('tagmanifest-sha256.txt');
    const tagManifest = parseManifest(tagManifestBytes?.toString('utf8') ?? '', 'tagmanifest-sha256.txt', problems);
    for (const [name, sha] of tagManifest) {
      const data = readOne(name);
      if (!data) problems.push({ file: name, problem: 'listed in tagmanifest-sha256.txt but missing' });
      else if (crypto.createHash('sha256').update(data).digest('hex') !== sha)
        problems.push({ file: name, problem: 'SHA-256 does not match tagmanifest-sha256.txt (file altered)' });
    }
    for (const required of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'signer-cert.pem']) {
      if (byName.has(required) && !tagManifest.has(required))
        problems.push({ file: required, problem: 'not covered by tagmanifest-sha256.txt' });
    }
    for (const name of byName.keys()) {
      if (
        !name.startsWith('data/') &&
        !tagManifest.has(name) &&
        !['tagmanifest-sha256.txt', 'tagmanifest-sha256.txt.p7s', 'tagmanifest-sha256.txt.p7s.tsr'].includes(name)
      ) {
        problems.push({ file: name, problem: 'not covered by tagmanifest-sha256.txt (file added)' });
      }
    }

    // Signature.
    const p7s = readOne('tagmanifest-sha256.txt.p7s');
    if (!p7s) problems.push({ file: 'tagmanifest-sha256.txt.p7s', problem: 'missing: the bundle is not signed' });
    else if (tagManifestBytes) {
      const check = checkSignedData(p7s, tagManifestBytes);
      for (const p of check.problems) problems.push({ file: 'tagmanifest-sha256.txt.p7s', problem: p });
      if (check.signer) {
        result.signer = check.signer.subject.replace(/\n/g, ', ');
        result.signerFingerprint = check.signer.fingerprint256;
        const bagCert = readOne('signer-cert.pem');
        if (bagCert) {
          let same = false;
          try {
            same = new crypto.X509Certificate(bagCert).raw.equals(check.signer.raw);
          } catch {
            same = false;
          }
          if (!same)
            problems.push({
              file: 'signer-cert.pem',
              problem: 'is not the certificate that signed the bundle (certificate swapped)',
            });
        }
        if (trusted) {
          if (!issuedByOrSame(check.signer, trusted, check.certificates))
            problems.push({
              file: 'tagmanifest-sha256.txt.p7s',
              problem: `signed by "${result.signer}" (${check.signer.fingerprint256}), not by the trusted certificate ${trusted.fingerprint256}`,
            });
          else result.signerEstablishedBy = 'certificate';
        } else if (pinned) {
          if (check.signer.fingerprint256 !== pinned)
            problems.push({
              file: 'tagmanifest-sha256.txt.p7s',
              problem: `signed by "${result.signer}" whose SHA-256 fingerprint is ${check.signer.fingerprint256}, not the pinned ${pinned}`,
            });
          else result.signerEstablishedBy = 'fingerprint';
        } else if (store) {
          const signer = check.signer;
          if (!store.some((cert) => issuedByOrSame(signer, cert, check.certificates)))
            problems.push({
              file: 'tagmanifest-sha256.txt.p7s',
              problem: `signed by "${result.signer}" (${signer.fingerprint256}), which is not in the trust store and not issued by a certificate in it`,
            });
          else result.signerEstablishedBy = 'trust-store';
        } else
          warnings.push(
            `signer not established: nothing said who must have signed (pass --cert with the organization's certificate, --fingerprint with its SHA-256 fingerprint, or set SPAMCASE_TRUSTED_CERTS); signer ${result.signer}, SHA-256 fingerprint ${check.signer.fingerprint256}`,
          );
        const bagPrint = bagInfo.get('Spamcase-Signer-SHA256-Fingerprint');
        if (bagPrint !== undefined && bagPrint !== check.signer.fingerprint256)
          problems.push({
            file: 'bag-info.txt',
            problem: `names the signer fingerprint ${bagPrint}, but the bundle was signed by ${check.signer.fingerprint256}`,
          });
        const asOfAt = bagInfo.get('Bagging-Date');
        if (asOfAt) {
          const t = Date.parse(`${asOfAt}T12:00:00Z`);
          if (
            t < Date.parse(check.signer.validFrom) - 86_400_000 ||
            t > Date.parse(check.signer.validTo) + 86_400_000
          ) {
            problems.push({
              file: 'tagmanifest-sha256.txt.p7s',
              problem: `signer certificate is not valid on the Bagging-Date ${asOfAt} (valid ${check.signer.validFrom} to ${check.signer.validTo})`,
            });
          }
        }
        if (/FOR TRYING SPAMCASE ONLY/.test(result.signer))
          warnings.push('signed with a trial (self-signed) certificate made by spamcase keys init: not for court use');
      }
    }

    // Timestamp.
    const tsr = readOne('tagmanifest-sha256.txt.p7s.tsr');
    if (tsr && p7s) {
      const ts = checkTimestampReply(tsr, p7s, trustedTsa ?? undefined);
      for (const p of ts.problems) problems.push({ file: 'tagmanifest-sha256.txt.p7s.tsr', problem: p });
      result.timestamp = ts.genTime;
      if (!trustedTsa)
        warnings.push(
          'timestamp token valid, but its TSA certificate was not checked against a trusted one: pass --tsa-cert',
        );
    } else if (!tsr) warnings.push('no RFC 3161 timestamp in this bundle');

    // Custody chain.
    const custody = readOne('data/custody.jsonl');
    if (!custody) problems.push({ file: 'data/custody.jsonl', problem: 'missing' });
    else {
      const events: CustodyEvent[] = [];
      let bad = false;
      custody
        .toString('utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line === '') return;
          try {
            events.push(JSON.parse(line) as CustodyEvent);
          } catch {
            bad = true;
            problems.push({ file: 'data/custody.jsonl', problem: `line ${i + 1} is not JSON` });
          }
        });
      if (!bad) {
        for (const p of verifyCustodyChain(events)) problems.push({ file: 'data/custody.jsonl', problem: p });
        const last = events[events.length - 1];
        const asOf = bagInfo.get('Spamcase-As-Of-Event');
        if (asOf && (!last || `${last.seq} ${last.hash}` !== asOf))
          problems.push({ file: 'data/custody.jsonl', problem: `does not end at the as-of event ${asOf}` });
      }
    }
  } finally {
    fs.closeSync(fd);
    result.sha256 = await wholeHash;
  }
  result.ok = problems.length === 0;
  result.status = !result.ok
    ? 'failed'
    : result.signerEstablishedBy === null
      ? 'intact-signer-not-established'
      : 'verified';
  return result;
}

/**
 * Record a verification as a custody event of the case the bundle belongs to, when that case is on
 * this server (found by the ZIP's SHA-256 among recorded exports, else by the bag's Spamcase-Case).
 * Returns the case slug recorded on, or null.
 */
export async function recordVerification(ctx: Context, result: VerifyResult): Promise<string | null> {
  const knex = ctx.db.knex;
  const byHash = (await knex('exports as e')
    .join('cases as c', 'c.id', 'e.case_id')
    .where('e.sha256', result.sha256)
    .first('c.id', 'c.slug')) as { id: number; slug: string } | undefined;
  const target =
    byHash ??
    (result.caseSlug
      ? ((await knex('cases').where({ slug: result.caseSlug }).first('id', 'slug')) as
          { id: number; slug: string } | undefined)
      : undefined);
  if (!target) return null;
  const now = ctx.clock();
  await knex.transaction(async (trx) => {
    await appendCustodyEvent(trx, {
      caseId: Number(target.id),
      caseSlug: target.slug,
      at: now,
      actor: ctx.actor,
      action: 'verified',
      details: {
        file: path.basename(result.file),
        sha256: result.sha256,
        identifier: result.identifier,
        ok: result.ok,
        problems: result.problems.length,
        knownExport: byHash !== undefined,
        signerFingerprint: result.signerFingerprint,
      },
    });
  });
  return target.slug;
}
