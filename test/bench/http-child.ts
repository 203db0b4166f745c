/**
 * The HTTP part of `npm run bench`, in its own process (autocannon's own work is not the server's):
 * `http-child.ts '<json>'` with { url, cookie, pages, seconds, connections, together }.
 *   together false: each page alone, one after the other: first an uncached fetch (timed), then
 *                   autocannon for `seconds`;
 *   together true:  all pages at once (the load test): starts at the first byte on standard input
 *                   (the harness writes it once the concurrent ingest has committed items) and
 *                   stops when standard input closes (the ingest ended) or `seconds` pass. Reading
 *                   stdin, not a signal, so an early "stop" cannot come before this process listens.
 * Prints one JSON line: { pages: PageLoad[] (+ firstMs per page when alone) }.
 */
import { loadPages, type PageLoad } from './load.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  cookie: string;
  pages: string[];
  seconds: number;
  connections: number;
  together: boolean;
};
const pages: Array<PageLoad & { firstMs?: number }> = [];
if (opts.together) {
  let go: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (go = resolve));
  const stopped = new Promise<void>((resolve) => {
    process.stdin.on('data', () => go());
    process.stdin.on('end', () => (go(), resolve()));
    process.stdin.resume();
  });
  await started;
  pages.push(
    ...(await loadPages({
      url: opts.url,
      cookie: opts.cookie,
      paths: opts.pages,
      seconds: opts.seconds,
      connections: opts.connections,
      until: stopped,
    })),
  );
} else {
  for (const p of opts.pages) {
    const t0 = performance.now();
    const res = await fetch(new URL(p, opts.url), { headers: { cookie: opts.cookie }, redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status} (not signed in?)`);
    const firstMs = performance.now() - t0;
    const [load] = await loadPages({
      url: opts.url,
      cookie: opts.cookie,
      paths: [p],
      seconds: opts.seconds,
      connections: opts.connections,
    });
    pages.push({ ...load!, firstMs });
  }
}
process.stdout.write(`${JSON.stringify({ pages })}\n`);
process.exit(0);
