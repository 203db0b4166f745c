/**
 * Provider knowledge as data (templates/providers/*.yaml, docs/ATTRIBUTION.md "Providers"): each
 * provider's mail domains, the host names (and optional ranges) of its own relays, and the headers
 * where it records its authenticated user's address, each with its source. Validated at load; every
 * problem is reported at once with its file, line and column, since staff extend these files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';
import { PROJECT_ROOT } from '../config.ts';
import { SpamcaseError } from '../errors.ts';
import { CidrSet, parseCidr } from '../mail/trace/ip.ts';

export const PROVIDERS_DIR = path.join(PROJECT_ROOT, 'templates', 'providers');
/** A provider file is a page of text; anything bigger is not one. */
export const MAX_PROVIDER_FILE_BYTES = 1024 * 1024;

export interface ClientIpHeader {
  /** Header name as written in the file ("X-Originating-IP"); matched case-insensitively. */
  name: string;
  source: string;
}

export interface Provider {
  id: string;
  name: string;
  source: string;
  domains: string[];
  relays: string[];
  networks: string[];
  clientIpHeaders: ClientIpHeader[];
  /** File and line it was defined on ("providers.yaml:14"). */
  definedAt: string;
}

export interface ProviderTable {
  providers: Provider[];
  /** The provider whose users' domain this is (exact match, lowercased). */
  ofDomain(domain: string): Provider | null;
  /** The provider whose relay a host name (a recorded reverse name, or a line's "by") is. */
  ofHost(host: string | null): Provider | null;
  /** The provider whose declared ranges hold this address. */
  ofIp(ip: string | null): Provider | null;
  /** Every client-IP header name any provider declares, lowercased. */
  headerNames: Set<string>;
}

const ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
const RELAY = /^[a-z0-9*](?:[a-z0-9*_.-]{0,251}[a-z0-9*])?$/;
const HEADER = /^[A-Za-z0-9-]{1,76}$/;
const FIELDS = ['id', 'name', 'source', 'domains', 'relays', 'networks', 'client_ip_headers'];

function entries(map: YAMLMap): Map<string, { key: YamlNode; value: YamlNode | null }> {
  const out = new Map<string, { key: YamlNode; value: YamlNode | null }>();
  for (const pair of map.items) {
    const key = pair.key as YamlNode;
    out.set(isScalar(key) ? String(key.value) : '', { key, value: (pair.value as YamlNode | null) ?? null });
  }
  return out;
}

/** Parse one provider file's text; `label` names it in problems. Throws INVALID_INPUT listing every problem. */
export function parseProviders(src: string, label: string): Provider[] {
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: YamlNode | null | undefined, message: string) => {
    const pos = lines.linePos(node?.range?.[0] ?? 0);
    problems.push(`${label}:${pos.line}:${pos.col}: ${message}`);
  };
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push(`${label}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`);
  }
  const out: Provider[] = [];
  const root = doc.contents as YamlNode | null;
  const list = root && isMap(root) ? entries(root).get('providers')?.value : null;
  if (problems.length === 0 && (!list || !isSeq(list))) at(root, 'expected "providers:" followed by a list');
  if (list && isSeq(list)) {
    for (const item of list.items as YamlNode[]) {
      if (!isMap(item)) {
        at(item, 'each provider is a map with id, name, source, domains, relays, client_ip_headers');
        continue;
      }
      const f = entries(item);
      for (const [name, { key }] of f)
        if (!FIELDS.includes(name)) at(key, `unknown field "${name}" (allowed: ${FIELDS.join(', ')})`);
      const str = (field: string, re: RegExp | null, what: string): string => {
        const v = f.get(field)?.value;
        if (!v || !isScalar(v) || typeof v.value !== 'string' || v.value.trim() === '') {
          at(v ?? item, `"${field}" is required: ${what}`);
          return '';
        }
        const s = v.value.trim();
        if (re && !re.test(s)) at(v, `"${field}" ${JSON.stringify(s)} is not ${what}`);
        return s;
      };
      const strList = (field: string, required: boolean, check: (s: string) => string | null): string[] => {
        const v = f.get(field)?.value;
        if (!v) {
          if (required) at(item, `"${field}" is required: a list`);
          return [];
        }
        if (!isSeq(v)) {
          at(v, `"${field}" must be a list`);
          return [];
        }
        const got: string[] = [];
        for (const x of v.items as YamlNode[]) {
          const s = isScalar(x) && typeof x.value === 'string' ? x.value.trim().toLowerCase() : null;
          const bad = s === null ? 'not text' : check(s);
          if (bad) at(x, `"${field}": ${bad}`);
          else got.push(s!);
        }
        return got;
      };
      const id = str('id', ID, 'a short lowercase id (letters, digits, "-")');
      const provider: Provider = {
        id,
        name: str('name', null, 'the provider as people say it'),
        source: str('source', null, 'where this knowledge comes from'),
        domains: strList('domains', true, (s) => (DOMAIN.test(s) ? null : `${JSON.stringify(s)} is not a mail domain`)),
        relays: strList('relays', true, (s) =>
          RELAY.test(s) && s.includes('.') ? null : `${JSON.stringify(s)} is not a host name or pattern`,
        ),
        networks: strList('networks', false, (s) =>
          parseCidr(s) !== null ? null : `${JSON.stringify(s)} is not an address or CIDR range`,
        ),
        clientIpHeaders: [],
        definedAt: `${label}:${lines.linePos(item.range?.[0] ?? 0).line}`,
      };
      const headers = f.get('client_ip_headers')?.value;
      if (headers && !isSeq(headers)) at(headers, '"client_ip_headers" must be a list of {name, source}');
      else if (headers && isSeq(headers)) {
        for (const h of headers.items as YamlNode[]) {
          if (!isMap(h)) {
            at(h, 'a client IP header is {name: X-Originating-IP, source: ...}');
            continue;
          }
          const hf = entries(h);
          for (const [name, { key }] of hf)
            if (name !== 'name' && name !== 'source') at(key, `unknown field "${name}" (allowed: name, source)`);
          const name = hf.get('name')?.value;
          const source = hf.get('source')?.value;
          const n = name && isScalar(name) && typeof name.value === 'string' ? name.value.trim() : '';
          const s = source && isScalar(source) && typeof source.value === 'string' ? source.value.trim() : '';
          if (!HEADER.test(n)) at(name ?? h, `header name ${JSON.stringify(n)} is not a header field name`);
          if (s === '') at(source ?? h, `header ${n} needs a "source": where this knowledge comes from`);
          if (HEADER.test(n) && s !== '') provider.clientIpHeaders.push({ name: n, source: s });
        }
      }
      out.push(provider);
    }
  }
  if (problems.length > 0) throw new SpamcaseError('INVALID_INPUT', `provider file problems:\n${problems.join('\n')}`);
  return out;
}

function relayMatcher(pattern: string): (host: string) => boolean {
  if (!pattern.includes('*')) return (h) => h === pattern || h.endsWith(`.${pattern}`);
  const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '[a-z0-9_.-]*')}$`);
  return (h) => re.test(h);
}

/** Build the lookup table; an id or a domain claimed by two providers is refused. */
export function providerTable(providers: Provider[]): ProviderTable {
  const problems: string[] = [];
  const byId = new Map<string, Provider>();
  const byDomain = new Map<string, Provider>();
  const suffixes = new Map<string, Provider>();
  const patterns: Array<{ match: (h: string) => boolean; provider: Provider }> = [];
  const ranges: Array<{ set: CidrSet; provider: Provider }> = [];
  for (const p of providers) {
    const dup = byId.get(p.id);
    if (dup) problems.push(`${p.definedAt}: provider id "${p.id}" is already defined at ${dup.definedAt}`);
    byId.set(p.id, p);
    for (const d of p.domains) {
      const other = byDomain.get(d);
      if (other && other !== p)
        problems.push(`${p.definedAt}: domain ${d} is already ${other.id}'s (${other.definedAt})`);
      byDomain.set(d, p);
    }
    for (const r of p.relays) {
      if (r.includes('*')) patterns.push({ match: relayMatcher(r), provider: p });
      else suffixes.set(r, p);
    }
    if (p.networks.length > 0) {
      const set = new CidrSet();
      for (const n of p.networks) {
        const c = parseCidr(n)!;
        set.add(c.network, c.prefix, c.family);
      }
      ranges.push({ set, provider: p });
    }
  }
  if (problems.length > 0) throw new SpamcaseError('INVALID_INPUT', `provider file problems:\n${problems.join('\n')}`);
  const hostCache = new Map<string, Provider | null>();
  const ofHost = (host: string | null): Provider | null => {
    if (host === null) return null;
    const cached = hostCache.get(host);
    if (cached !== undefined) return cached;
    let found: Provider | null = null;
    for (let h = host; found === null;) {
      found = suffixes.get(h) ?? null;
      const dot = h.indexOf('.');
      if (dot < 0) break;
      h = h.slice(dot + 1);
    }
    if (found === null) found = patterns.find((x) => x.match(host))?.provider ?? null;
    if (hostCache.size > 10_000) hostCache.clear();
    hostCache.set(host, found);
    return found;
  };
  return {
    providers,
    ofDomain: (domain) => byDomain.get(domain.toLowerCase()) ?? null,
    ofHost,
    ofIp: (ip) => (ip === null ? null : (ranges.find((r) => r.set.has(ip))?.provider ?? null)),
    headerNames: new Set(providers.flatMap((p) => p.clientIpHeaders.map((h) => h.name.toLowerCase()))),
  };
}

/** Every .yaml file of the folder, in name order, as one table. */
export function loadProviders(dir = PROVIDERS_DIR): ProviderTable {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/i.test(f))
    .sort();
  const all: Provider[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    if (fs.statSync(file).size > MAX_PROVIDER_FILE_BYTES)
      throw new SpamcaseError(
        'INVALID_INPUT',
        `${f}: larger than ${MAX_PROVIDER_FILE_BYTES} bytes: not a provider file`,
      );
    all.push(...parseProviders(fs.readFileSync(file, 'utf8'), f));
  }
  return providerTable(all);
}

let shipped: ProviderTable | null = null;
/** The providers of templates/providers/, loaded once per process (thread). */
export function providers(): ProviderTable {
  shipped ??= loadProviders();
  return shipped;
}
