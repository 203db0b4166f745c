/**
 * The key snapshot: the DKIM public key records (selector._domainkey.domain TXT, and CNAMEs that
 * point to them) as legal staff captured them at harvest time, so that verification never depends
 * on today's DNS. Two forms, told apart by the first character:
 *
 *   zone-file form (what `dig +noall +answer TXT s1._domainkey.example.com` prints):
 *     s1._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; " "p=MIGfMA0G..."
 *     s2._domainkey.example.com. IN TXT ( "v=DKIM1; k=ed25519; "
 *                                         "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" )
 *     sel._domainkey.example.org. IN CNAME sel.dkim.mailhost.example.net.
 *   JSON form:
 *     { "records": [ { "name": "s1._domainkey.example.com", "txt": ["v=DKIM1; k=rsa; ", "p=..."] },
 *                    { "name": "sel._domainkey.example.org", "cname": "sel.dkim.mailhost.example.net" } ] }
 *
 * The strings of a multi-string TXT record are concatenated (RFC 6376 section 3.6.2.2). A file
 * that cannot be read unambiguously is refused with every problem named by its line; a record
 * that is readable but holds no usable key is kept as captured, with a warning naming its line.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { SpamcaseError } from '../../errors.ts';
import { keyRecordFacts, type KeyRecordFacts } from './key-record.ts';

/**
 * Largest snapshot file read: 16 MiB. A key record is under 1 KiB, so this holds over ten
 * thousand keys, far more than the signers of any case; a bigger file is a mistake (a whole
 * zone, a mailbox) and is refused rather than read into memory.
 */
export const MAX_KEY_SNAPSHOT_BYTES = 16 * 1024 * 1024;
/** Problems listed before giving up on a file: enough to fix it, not a wall of text. */
const MAX_LISTED_PROBLEMS = 20;
/** CNAMEs followed inside the snapshot before a chain counts as a loop. */
export const MAX_CNAME_CHAIN = 8;

export type SnapshotRecord =
  | { kind: 'txt'; name: string; txt: string; line: number; facts: KeyRecordFacts }
  | { kind: 'cname'; name: string; target: string; line: number };

export interface KeySnapshot {
  /** The file name as given, for messages and the case record. */
  source: string;
  /** SHA-256 (hex) of the file's exact bytes: what the case records and custody events name. */
  sha256: string;
  bytes: number;
  /** The file's text, kept so the case holds the snapshot it was verified against. */
  text: string;
  /** Records by owner name (lowercased, no trailing dot). */
  records: Map<string, SnapshotRecord>;
  /** Readable problems that did not stop the load (a record holding no usable key), each naming its line. */
  warnings: string[];
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A DNS name as the snapshot keys it: lowercased, no trailing dot; null when it is not a name. */
export function normalizeDnsName(raw: string): string | null {
  const name = raw.toLowerCase().replace(/\.$/, '');
  if (name === '' || name.length > 253) return null;
  return name.split('.').every((label) => LABEL.test(label)) ? name : null;
}

class Problems {
  readonly list: string[] = [];
  add(line: number | null, message: string): void {
    this.list.push(line === null ? message : `line ${line}: ${message}`);
  }
}

function addRecord(records: Map<string, SnapshotRecord>, problems: Problems, record: SnapshotRecord): void {
  const existing = records.get(record.name);
  if (!existing) {
    records.set(record.name, record);
    return;
  }
  const same =
    existing.kind === record.kind &&
    (existing.kind === 'txt'
      ? existing.txt === (record as { txt: string }).txt
      : existing.target === (record as { target: string }).target);
  if (!same)
    problems.add(
      record.line,
      `${record.name} already has a different record on line ${existing.line} (a snapshot holds one record per name)`,
    );
}

function txtRecord(name: string, txt: string, line: number): SnapshotRecord {
  return { kind: 'txt', name, txt, line, facts: keyRecordFacts(txt) };
}

// ---------------------------------------------------------------- zone-file form

interface Token {
  text: string;
  quoted: boolean;
  line: number;
}

/** Split zone-file text into records (token lists), honouring quotes, escapes, comments and ( ) groups. */
function zoneRecords(text: string, problems: Problems): Token[][] {
  const records: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  let openedAt = 0;
  let line = 1;
  let i = 0;
  const endRecord = () => {
    if (current.length > 0) records.push(current);
    current = [];
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line += 1;
      i += 1;
      if (depth === 0) endRecord();
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
      continue;
    }
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i += 1;
      continue;
    }
    if (c === '(') {
      if (depth === 0) openedAt = line;
      depth += 1;
      i += 1;
      continue;
    }
    if (c === ')') {
      if (depth === 0) problems.add(line, '")" without "("');
      else depth -= 1;
      i += 1;
      continue;
    }
    if (c === '"') {
      const startLine = line;
      let value = '';
      i += 1;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (d === '\n') break;
        if (d === '\\') {
          const digits = /^\d{3}/.exec(text.slice(i + 1, i + 4));
          if (digits) {
            value += String.fromCharCode(Number(digits[0]));
            i += 4;
          } else {
            value += text[i + 1] ?? '';
            i += 2;
          }
          continue;
        }
        value += d;
        i += 1;
      }
      if (!closed) problems.add(startLine, 'a quoted string is not closed on its line');
      current.push({ text: value, quoted: true, line: startLine });
      continue;
    }
    let word = '';
    while (i < text.length && !' \t\r\n;()"'.includes(text[i]!)) {
      word += text[i];
      i += 1;
    }
    current.push({ text: word, quoted: false, line });
  }
  if (depth > 0) problems.add(openedAt, '"(" is never closed');
  endRecord();
  return records;
}

const TTL = /^\d+[smhdw]?$/i;

function parseZone(text: string, records: Map<string, SnapshotRecord>, problems: Problems): void {
  for (const tokens of zoneRecords(text, problems)) {
    const first = tokens[0]!;
    const line = first.line;
    if (!first.quoted && first.text.startsWith('$')) {
      if (first.text.toUpperCase() !== '$TTL')
        problems.add(
          line,
          `${first.text} is not supported: write every owner name in full (selector._domainkey.example.com.)`,
        );
      continue;
    }
    const name = first.quoted ? null : normalizeDnsName(first.text);
    if (name === null) {
      problems.add(
        line,
        `"${first.text.slice(0, 80)}" is not a DNS name (a record starts with its full owner name, e.g. s1._domainkey.example.com.)`,
      );
      continue;
    }
    let k = 1;
    for (let guard = 0; guard < 2 && k < tokens.length; guard++) {
      const t = tokens[k]!;
      if (!t.quoted && TTL.test(t.text)) k += 1;
      else if (!t.quoted && /^(IN|CH|HS|CS)$/i.test(t.text)) {
        if (t.text.toUpperCase() !== 'IN') problems.add(line, `class ${t.text} is not IN`);
        k += 1;
      }
    }
    const type = tokens[k];
    if (!type || type.quoted) {
      problems.add(line, `${name}: the record type (TXT or CNAME) is missing`);
      continue;
    }
    const data = tokens.slice(k + 1);
    switch (type.text.toUpperCase()) {
      case 'TXT':
        if (data.length === 0) problems.add(line, `${name}: TXT record without a string`);
        else addRecord(records, problems, txtRecord(name, data.map((t) => t.text).join(''), line));
        break;
      case 'CNAME': {
        const target = data.length === 1 && !data[0]!.quoted ? normalizeDnsName(data[0]!.text) : null;
        if (target === null) problems.add(line, `${name}: CNAME needs one target name`);
        else addRecord(records, problems, { kind: 'cname', name, target, line });
        break;
      }
      default:
        problems.add(
          line,
          `${name}: only TXT and CNAME records belong in a key snapshot (got ${type.text.slice(0, 20)})`,
        );
    }
  }
}

// ---------------------------------------------------------------- JSON form

/** Line of a character offset (1-based). */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

function parseJson(text: string, records: Map<string, SnapshotRecord>, problems: Problems): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message);
    problems.add(pos ? lineAt(text, Number(pos[1])) : null, `not valid JSON: ${(err as Error).message}`);
    return;
  }
  const list = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === 'object'
      ? (doc as Record<string, unknown>).records
      : undefined;
  if (!Array.isArray(list)) {
    problems.add(1, 'the JSON form is {"records": [{"name": ..., "txt": ...}, ...]} or that array alone');
    return;
  }
  // The line of each record: where its "name" key is written (records are objects with one name each).
  const nameLines: number[] = [];
  for (const m of text.matchAll(/"name"\s*:/g)) nameLines.push(lineAt(text, m.index));
  const lineOf = (i: number) => (nameLines.length === list.length ? nameLines[i]! : null);
  list.forEach((entry: unknown, i) => {
    const where = (msg: string) => problems.add(lineOf(i), `records[${i}]: ${msg}`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return where('not an object');
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((key) => !['name', 'txt', 'cname', 'note'].includes(key));
    if (unknown.length > 0) return where(`unknown field(s) ${unknown.join(', ')} (allowed: name, txt or cname, note)`);
    const name = typeof e.name === 'string' ? normalizeDnsName(e.name) : null;
    if (name === null)
      return where(
        `"name" must be a DNS name such as s1._domainkey.example.com (got ${JSON.stringify(e.name)?.slice(0, 80)})`,
      );
    const line = lineOf(i) ?? i + 1;
    if (e.txt !== undefined && e.cname !== undefined) return where(`${name}: give "txt" or "cname", not both`);
    if (e.cname !== undefined) {
      const target = typeof e.cname === 'string' ? normalizeDnsName(e.cname) : null;
      if (target === null) return where(`${name}: "cname" must be a DNS name`);
      return addRecord(records, problems, { kind: 'cname', name, target, line });
    }
    const parts =
      typeof e.txt === 'string'
        ? [e.txt]
        : Array.isArray(e.txt) && e.txt.length > 0 && e.txt.every((s) => typeof s === 'string')
          ? (e.txt as string[])
          : null;
    if (parts === null) return where(`${name}: "txt" must be a string or a non-empty array of strings`);
    addRecord(records, problems, txtRecord(name, parts.join(''), line));
  });
}

// ---------------------------------------------------------------- loading

/** Parse snapshot text (either form). Throws INVALID_INPUT naming every problem by line. */
export function parseKeySnapshot(
  text: string,
  source: string,
  sha256 = crypto.createHash('sha256').update(text, 'utf8').digest('hex'),
): KeySnapshot {
  const problems = new Problems();
  const records = new Map<string, SnapshotRecord>();
  const body = text.replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(body)) parseJson(body, records, problems);
  else parseZone(body, records, problems);
  if (problems.list.length > 0) {
    const shown = problems.list.slice(0, MAX_LISTED_PROBLEMS);
    const more = problems.list.length - shown.length;
    throw new SpamcaseError(
      'INVALID_INPUT',
      `key snapshot ${source} cannot be used:\n  ${shown.join('\n  ')}${more > 0 ? `\n  (and ${more} more)` : ''}`,
      {
        details: { problems: problems.list },
      },
    );
  }
  const warnings: string[] = [];
  for (const r of records.values()) {
    if (r.kind === 'txt' && r.facts.problem)
      warnings.push(
        `line ${r.line}: ${r.name}: ${r.facts.problem} (kept as captured; signatures under this key will fail)`,
      );
    if (r.kind === 'cname' && !records.has(r.target))
      warnings.push(
        `line ${r.line}: ${r.name} points to ${r.target}, which the snapshot does not hold (signatures under it get no-key)`,
      );
  }
  return { source, sha256, bytes: Buffer.byteLength(text, 'utf8'), text, records, warnings };
}

/** Read and validate a snapshot file; its SHA-256 is of the exact bytes read. */
export function loadKeySnapshot(file: string): KeySnapshot {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_KEY_SNAPSHOT_BYTES) {
      throw new SpamcaseError(
        'LIMIT_EXCEEDED',
        `key snapshot ${file} is ${size} bytes; a key snapshot holds at most ${MAX_KEY_SNAPSHOT_BYTES} bytes (selector._domainkey TXT records only)`,
      );
    }
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (err instanceof SpamcaseError) throw err;
    throw new SpamcaseError(
      'INPUT_UNREADABLE',
      `cannot read key snapshot ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
  if (bytes.includes(0))
    throw new SpamcaseError('INVALID_INPUT', `key snapshot ${file} is not text (it holds NUL bytes)`);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  return parseKeySnapshot(bytes.toString('utf8'), path.basename(file), sha256);
}

export type KeyLookup =
  { found: true; record: Extract<SnapshotRecord, { kind: 'txt' }>; via: string[] } | { found: false; reason: string };

/** The key record a signature names (selector._domainkey.domain), following CNAMEs inside the snapshot only. */
export function lookupKey(snapshot: KeySnapshot, name: string): KeyLookup {
  let current = normalizeDnsName(name);
  if (current === null) return { found: false, reason: `${name} is not a DNS name` };
  const via: string[] = [];
  for (let hops = 0; hops <= MAX_CNAME_CHAIN; hops++) {
    const r = snapshot.records.get(current);
    if (!r)
      return {
        found: false,
        reason:
          via.length > 0
            ? `${via[0]} points to ${current}, which the snapshot does not hold`
            : `no key for ${current} in the snapshot`,
      };
    if (r.kind === 'txt') return { found: true, record: r, via };
    via.push(current);
    current = r.target;
  }
  return { found: false, reason: `CNAME chain from ${via[0]} is longer than ${MAX_CNAME_CHAIN} (a loop?)` };
}
