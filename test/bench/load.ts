/**
 * HTTP load on loopback with autocannon, shared by the benchmark (`npm run bench`) and the load test
 * (test/reliability/load.test.ts). Not a test file.
 *
 *   - `startServe` runs `spamcase serve` (the CLI, as a user would) on a free loopback port;
 *   - `signedInCookie` signs in through the login form like a browser and returns the session cookie;
 *   - `loadPages` hits several pages at once, one autocannon instance per page (so each page has its
 *     own latency figures), for a bounded time or until `until` settles, and returns per page the
 *     requests, errors, timeouts, non-2xx responses and p50/p95/p99 latency.
 *
 * autocannon's own histogram gives p97.5 but not p95, so latencies are kept per page from its
 * `response` events: a run is bounded in time, so that array is bounded by time, not by case size.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { PROJECT_ROOT } from '../../server/config.ts';
import { Client } from '../web/client.ts';

export interface PageLoad {
  path: string;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  seconds: number;
  /** Status code -> responses, for the responses that were not 2xx (what to look for in the server log). */
  statuses: Record<string, number>;
}

export interface RunningServe {
  /** The server's log lines of requests that failed (status 4xx/5xx) and of errors, the last 50. */
  failedRequestLog: string[];
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const CLI = path.join(PROJECT_ROOT, 'server', 'cli', 'main.ts');

/** `spamcase serve --port 0` with the given environment (SPAMCASE_HOME, DATABASE_URL); resolves with its URL. */
export function startServe(env: Record<string, string | undefined>): Promise<RunningServe> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server logs one line per request on stderr: keep only the tail, for when it fails.
  let errTail = '';
  const failed: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    errTail = (errTail + chunk.toString()).slice(-4000);
    // Log lines of requests that did not succeed and of errors (the last 50): why a load run saw a non-2xx.
    for (const line of chunk.toString().split('\n'))
      if (/"status":[45]\d\d|"level":"error"|"event":"http\.error/.test(line)) failed.push(line.slice(0, 2000));
    if (failed.length > 50) failed.splice(0, failed.length - 50);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) =>
      reject(new Error(`spamcase serve exited with ${code} before listening: ${out} ${errTail}`));
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving (http:\/\/[^\s]+?)\/? \(/.exec(out);
      if (m) {
        child.off('exit', onExit);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({
          url: m[1]!,
          pid: child.pid!,
          child,
          failedRequestLog: failed,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

/** Signs in through the form (CSRF token, new session id) and returns the Cookie header value. */
export async function signedInCookie(url: string, username: string, password: string): Promise<string> {
  const c = new Client(url);
  const res = await c.signIn(username, password);
  if (res.status !== 303 || !c.cookie) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
  return c.cookie;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Latencies of one page, in a growable typed array (one float per response). */
class Latencies {
  values = new Float64Array(4096);
  count = 0;
  push(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }
}

export interface LoadOptions {
  url: string;
  cookie: string;
  paths: string[];
  /** Upper bound of the run. */
  seconds: number;
  /** Connections per page (1: a user waiting for each page before asking the next). */
  connections?: number;
  /** Stop early when this settles (e.g. the concurrent ingest ends). */
  until?: Promise<unknown>;
}

/** One autocannon instance per path, all at once; resolves with each page's figures. */
export async function loadPages(opts: LoadOptions): Promise<PageLoad[]> {
  const started = performance.now();
  const runs = opts.paths.map((p) => {
    const lat = new Latencies();
    let settle: { resolve(r: autocannon.Result): void; reject(e: Error): void } | null = null;
    const done = new Promise<autocannon.Result>((resolve, reject) => (settle = { resolve, reject }));
    const instance = autocannon(
      {
        url: new URL(p, opts.url).toString(),
        connections: opts.connections ?? 1,
        duration: opts.seconds,
        timeout: 30,
        headers: { cookie: opts.cookie, accept: 'text/html' },
      },
      (err, result) =>
        err ? settle!.reject(err instanceof Error ? err : new Error(String(err))) : settle!.resolve(result),
    );
    const statuses: Record<string, number> = {};
    instance.on('response', (_client, status, _bytes, responseTime) => {
      lat.push(responseTime);
      if (status < 200 || status > 299) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    });
    return { path: p, lat, instance, done, statuses };
  });
  if (opts.until) void opts.until.finally(() => runs.forEach((r) => r.instance.stop()));
  const results = await Promise.all(runs.map((r) => r.done));
  const seconds = (performance.now() - started) / 1000;
  return runs.map((r, i) => {
    const res = results[i]!;
    const s = r.lat.sorted();
    return {
      path: r.path,
      requests: res.requests.total,
      ok2xx: res['2xx'],
      non2xx: res.non2xx,
      errors: res.errors,
      timeouts: res.timeouts,
      p50: percentile(s, 50),
      p95: percentile(s, 95),
      p99: percentile(s, 99),
      max: s.length ? s[s.length - 1]! : NaN,
      seconds,
      statuses: r.statuses,
    };
  });
}

/** The pages a legal user looks at most: the dashboard and the accounts, items and campaigns lists. */
export const CASE_PAGES = (slug: string): string[] => [
  `/cases/${slug}`,
  `/cases/${slug}/accounts`,
  `/cases/${slug}/items`,
  `/cases/${slug}/campaigns`,
];
