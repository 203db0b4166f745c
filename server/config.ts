/**
 * The one place configuration is read. Every key is documented here and validated at start-up;
 * bad configuration reports every problem at once.
 *
 *   SPAMCASE_HOME   data root (default: `cases/` in the project). Holds one folder per case and,
 *                   unless DATABASE_URL is set, the SQLite index `spamcase.sqlite`.
 *   DATABASE_URL    postgres://user@host:port/db — use PostgreSQL (a team on a shared server)
 *                   instead of the embedded SQLite file.
 *   PORT            port for `spamcase serve` / `npm start` (default 3000; 0 picks a free port).
 *                   SPAMCASE_PORT, when set, wins over PORT.
 *   HOST            address to listen on (default 127.0.0.1: the web UI is not exposed by default).
 *                   SPAMCASE_HOST, when set, wins over HOST.
 *   SPAMCASE_TRUST_PROXY  set when a TLS-terminating reverse proxy sits in front: `true`, a hop
 *                   count, or addresses/CIDRs as Express's "trust proxy" takes them. Requests the
 *                   proxy marks https (X-Forwarded-Proto) then get Secure, __Host- session cookies.
 *   SPAMCASE_ORGANIZATION      the organization named in bundles (bag-info Source-Organization) and
 *                              in the trial certificate (default "spamcase user").
 *   SPAMCASE_SIGNING_CERT      PEM X.509 certificate that signs bundles (with SPAMCASE_SIGNING_KEY).
 *   SPAMCASE_SIGNING_KEY       PEM private key of that certificate; refused when world-readable.
 *   SPAMCASE_SIGNING_P12       instead of the two above: a PKCS#12 file holding certificate and key.
 *   SPAMCASE_SIGNING_P12_PASSWORD  its password (empty when unset).
 *                              Without any of these, <data root>/keys/signing-cert.pem and
 *                              signing-key.pem are used (what `spamcase keys init` writes).
 *   SPAMCASE_TRUSTED_CERTS     PEM file of certificates (signers or their issuers) that `verify` trusts
 *                              when no --cert or --fingerprint is given: the trust store.
 *   SPAMCASE_TSA_URL           http(s) URL of an RFC 3161 timestamp authority; when set, every
 *                              bundle signature gets a timestamp token.
 *   SPAMCASE_MESSAGE_TIME_BUDGET_MS   milliseconds one message may spend in analysis at ingest before
 *                              its reader thread is stopped and the message kept unparsed, with a
 *                              parse error naming the budget (default 30000; server/ingest/watchdog.ts).
 *   SPAMCASE_MESSAGE_MEMORY_BUDGET_MB heap megabytes of the ingest reader thread (default 512, at
 *                              least 32); a message whose analysis exceeds it is kept the same way.
 *   SPAMCASE_TEST_EXPORT_PAUSE tests only (test/reliability/export-kill.test.ts): `spamcase export`
 *                              stops at this stage (items, tables, pdf, sign, finish, rename; see
 *                              below), says so on stderr and waits to be killed.
 *                              Unset (always, outside tests), it does nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpamcaseError } from './errors.ts';

export interface Config {
  dataRoot: string;
  database: { client: 'sqlite'; filename: string } | { client: 'pg'; url: string };
  http: { host: string; port: number; trustProxy: boolean | number | string };
  organization: string;
  signing: { cert: string; key: string } | { p12: string; password: string };
  tsaUrl: string | null;
  /** SPAMCASE_TRUSTED_CERTS: a PEM file of certificates `verify` trusts as signers (or their issuers). */
  trustedCerts: string | null;
  /** Per-message analysis budget at ingest (server/ingest/watchdog.ts). */
  ingestBudget: { timeMs: number; memoryMb: number };
  /** SPAMCASE_TEST_EXPORT_PAUSE: the export stage at which `spamcase export` waits to be killed (tests only). */
  testExportPause: ExportStage | null;
}

// Defaults of the per-message analysis budget (server/ingest/watchdog.ts applies it).
/**
 * A real message is analysed in about a millisecond and the slowest crafted ones measured (1 MiB of header groups) in
 * about a second; 30 s leaves room for a loaded machine and stops a stall.
 */
export const DEFAULT_TIME_BUDGET_MS = 30_000;
/**
 * Analysis holds at most one message's header strings and 128 Ki characters of body text; the reader's own heap (module
 * code, chunk bookkeeping) is tens of MB. Buffers (the message bytes) are outside this heap.
 */
export const DEFAULT_MEMORY_BUDGET_MB = 512;
/** The smallest heap a reader thread can start with (module code alone is about 20 MB). */
export const MIN_MEMORY_BUDGET_MB = 32;

/**
 * The stages of exportBundle (bundle.ts), in order, reported through ExportOptions.onStage. Each is
 * reported before the work it names starts ('items' after each page of items written).
 */
export const EXPORT_STAGES = ['items', 'tables', 'pdf', 'sign', 'finish', 'rename'] as const;
export type ExportStage = (typeof EXPORT_STAGES)[number];

/**
 * The project folder (templates/, rule sets, the default data root): the nearest folder above this
 * module that holds package.json. The same whether this module runs as TypeScript (server/config.ts)
 * or compiled (dist/server/config.js, see README "Install").
 */
export const PROJECT_ROOT = (() => {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..');
  }
})();

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const home = env.SPAMCASE_HOME?.trim();
  const dataRoot = path.resolve(home ? home : path.join(PROJECT_ROOT, 'cases'));

  let database: Config['database'] = { client: 'sqlite', filename: path.join(dataRoot, 'spamcase.sqlite') };
  const url = env.DATABASE_URL?.trim();
  if (url) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      problems.push(`DATABASE_URL is not a URL: ${JSON.stringify(url)}`);
    }
    if (parsed && parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
      problems.push(`DATABASE_URL must be a postgres:// URL (got ${parsed.protocol}//…); unset it to use SQLite`);
    }
    if (parsed && problems.length === 0) database = { client: 'pg', url };
  }

  const portText = env.SPAMCASE_PORT?.trim() || env.PORT?.trim() || '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`SPAMCASE_PORT must be a port number 0-65535 (got ${JSON.stringify(portText)})`);
  const host = env.SPAMCASE_HOST?.trim() || env.HOST?.trim() || '127.0.0.1';
  const proxyText = env.SPAMCASE_TRUST_PROXY?.trim() ?? '';
  let trustProxy: boolean | number | string = false;
  if (proxyText === 'true') trustProxy = true;
  else if (/^\d{1,2}$/.test(proxyText)) trustProxy = Number(proxyText);
  else if (proxyText === '' || proxyText === 'false') trustProxy = false;
  else if (
    /^[0-9a-fA-F.:/, ]+$|^(loopback|linklocal|uniquelocal)(, *(loopback|linklocal|uniquelocal))*$/.test(proxyText)
  )
    trustProxy = proxyText;
  else
    problems.push(
      `SPAMCASE_TRUST_PROXY must be true, false, a hop count or addresses (got ${JSON.stringify(proxyText)})`,
    );

  const organization = env.SPAMCASE_ORGANIZATION?.trim() || 'spamcase user';
  const certPath = env.SPAMCASE_SIGNING_CERT?.trim();
  const keyPath = env.SPAMCASE_SIGNING_KEY?.trim();
  const p12 = env.SPAMCASE_SIGNING_P12?.trim();
  let signing: Config['signing'] = {
    cert: path.join(dataRoot, 'keys', 'signing-cert.pem'),
    key: path.join(dataRoot, 'keys', 'signing-key.pem'),
  };
  if (p12) {
    if (certPath || keyPath)
      problems.push('set either SPAMCASE_SIGNING_P12 or SPAMCASE_SIGNING_CERT + SPAMCASE_SIGNING_KEY, not both');
    signing = { p12: path.resolve(p12), password: env.SPAMCASE_SIGNING_P12_PASSWORD ?? '' };
  } else if (certPath || keyPath) {
    if (!certPath || !keyPath) problems.push('SPAMCASE_SIGNING_CERT and SPAMCASE_SIGNING_KEY go together');
    else signing = { cert: path.resolve(certPath), key: path.resolve(keyPath) };
  }
  let tsaUrl: string | null = null;
  const tsa = env.SPAMCASE_TSA_URL?.trim();
  if (tsa) {
    try {
      const u = new URL(tsa);
      if (u.protocol !== 'http:' && u.protocol !== 'https:')
        problems.push(`SPAMCASE_TSA_URL must be http(s) (got ${u.protocol})`);
      else tsaUrl = u.toString();
    } catch {
      problems.push(`SPAMCASE_TSA_URL is not a URL: ${JSON.stringify(tsa)}`);
    }
  }

  const ingestBudget = { timeMs: DEFAULT_TIME_BUDGET_MS, memoryMb: DEFAULT_MEMORY_BUDGET_MB };
  const timeText = env.SPAMCASE_MESSAGE_TIME_BUDGET_MS?.trim();
  if (timeText) {
    const v = Number(timeText);
    if (!Number.isInteger(v) || v < 1)
      problems.push(
        `SPAMCASE_MESSAGE_TIME_BUDGET_MS must be a whole number of milliseconds >= 1 (got ${JSON.stringify(timeText)})`,
      );
    else ingestBudget.timeMs = v;
  }
  const memoryText = env.SPAMCASE_MESSAGE_MEMORY_BUDGET_MB?.trim();
  if (memoryText) {
    const v = Number(memoryText);
    if (!Number.isInteger(v) || v < MIN_MEMORY_BUDGET_MB)
      problems.push(
        `SPAMCASE_MESSAGE_MEMORY_BUDGET_MB must be a whole number of megabytes >= ${MIN_MEMORY_BUDGET_MB} (got ${JSON.stringify(memoryText)})`,
      );
    else ingestBudget.memoryMb = v;
  }

  const pauseText = env.SPAMCASE_TEST_EXPORT_PAUSE?.trim() ?? '';
  let testExportPause: ExportStage | null = null;
  if (pauseText !== '') {
    if ((EXPORT_STAGES as readonly string[]).includes(pauseText)) testExportPause = pauseText as ExportStage;
    else
      problems.push(
        `SPAMCASE_TEST_EXPORT_PAUSE must be one of ${EXPORT_STAGES.join(', ')} (got ${JSON.stringify(pauseText)})`,
      );
  }

  if (problems.length > 0) {
    throw new SpamcaseError('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
  return {
    dataRoot,
    database,
    http: { host, port, trustProxy },
    organization,
    signing,
    tsaUrl,
    trustedCerts: env.SPAMCASE_TRUSTED_CERTS?.trim() ? path.resolve(env.SPAMCASE_TRUSTED_CERTS.trim()) : null,
    ingestBudget,
    testExportPause,
  };
}
