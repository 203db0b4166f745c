/**
 * The HTTP app: built by a function that takes its context and never listens on import; tests start
 * it on port 0. Errors become HTTP statuses here and only here; unknown errors are a generic 500
 * with a log id (details go to stderr, never to the client).
 */
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Context } from '../context.ts';
import { isSpamcaseError, SpamcaseError } from '../errors.ts';
import { listCases } from '../cases/cases.ts';
import { caseReport } from '../report/counts.ts';
import { html, Html, renderPage } from './templates.ts';

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};

type Handler = (ctx: Context, params: string[]) => Promise<{ status?: number; json?: unknown; html?: string }>;

const fmt = new Intl.NumberFormat('en-US');

const ROUTES: Array<[string, RegExp, Handler]> = [
  ['GET', /^\/healthz$/, async () => ({ json: { ok: true } })],
  [
    'GET',
    /^\/api\/cases$/,
    async (ctx) => ({ json: (await listCases(ctx.db.knex)).map((c) => ({ case: c.slug, title: c.title, createdAt: c.createdAt, parties: c.parties.map((p) => ({ name: p.name, batesPrefix: p.batesPrefix })) })) }),
  ],
  ['GET', /^\/api\/cases\/([a-z0-9-]{1,63})\/report$/, async (ctx, [slug]) => ({ json: await caseReport(ctx.db.knex, slug!) })],
  [
    'GET',
    /^\/$/,
    async (ctx) => {
      const cases = await listCases(ctx.db.knex);
      let content: Html;
      if (cases.length === 0) {
        content = html`<p class="empty">No cases yet. Create one with <code>npx spamcase case create &lt;name&gt; --title "…" --party "Name:PREFIX"</code>.</p>`;
      } else {
        const rows: Html[] = [];
        for (const c of cases) {
          const r = await caseReport(ctx.db.knex, c.slug);
          rows.push(
            html`<tr><td><a href="/api/cases/${c.slug}/report">${c.slug}</a></td><td>${c.title}</td><td>${fmt.format(r.samples)}</td><td>${fmt.format(r.items)}</td><td>${fmt.format(r.messages)}</td><td>${fmt.format(r.deliveries)}</td><td>${fmt.format(r.accounts)}</td><td>${fmt.format(r.rejected)}</td></tr>`,
          );
        }
        content = html`<table><caption>${cases.length} case(s)</caption><thead><tr><th>case</th><th>title</th><th>samples</th><th>items</th><th>messages</th><th>deliveries</th><th>accounts</th><th>rejected</th></tr></thead><tbody>${new Html(rows.map((r) => r.value).join(''))}</tbody></table>`;
      }
      return { html: renderPage('cases', { content }) };
    },
  ],
];

export function createApp(ctx: Context): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = ROUTES.find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (!route) {
      send(404, 'application/json', JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no such page' } }));
      return;
    }
    const params = route[1].exec(url.pathname)!.slice(1);
    route[2](ctx, params).then(
      (result) => {
        if (result.html !== undefined) send(result.status ?? 200, 'text/html; charset=utf-8', result.html);
        else send(result.status ?? 200, 'application/json', JSON.stringify(result.json));
      },
      (err: unknown) => {
        if (isSpamcaseError(err)) {
          send(err.httpStatus, 'application/json', JSON.stringify({ error: { code: err.code, message: err.message } }));
          return;
        }
        const logId = crypto.randomUUID();
        process.stderr.write(`${JSON.stringify({ event: 'http.error', logId, path: url.pathname, error: err instanceof Error ? err.message : String(err) })}\n`);
        send(500, 'application/json', JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error', logId } }));
      },
    );
  };
}

export async function startServer(ctx: Context, options: { host: string; port: number }): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = http.createServer(createApp(ctx));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new SpamcaseError('USAGE', `cannot listen on ${options.host}:${options.port}: ${err.message}`, { cause: err })));
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
