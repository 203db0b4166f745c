/**
 * A small HTTP client for web tests: keeps the session cookie like a browser, reads the CSRF token
 * from the pages it gets, never follows redirects by itself (tests assert them). Not a test file.
 */
import assert from 'node:assert/strict';
import type { Context } from '../../server/context.ts';
import { addUser, type Role } from '../../server/users/users.ts';
import { startServer, type RunningServer } from '../../server/web/server.ts';
import type { AppOptions } from '../../server/web/app.ts';

export const TEST_PASSWORD = 'correct horse battery staple 7';

export class Client {
  cookie: string | null = null;
  csrf: string | null = null;

  constructor(readonly base: string) {}

  async request(
    method: string,
    path: string,
    init: { body?: string | Buffer | FormData; headers?: Record<string, string>; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.cookie) headers.cookie = this.cookie;
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(new URL(path, this.base), { method, headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const value = pair!.slice(pair!.indexOf('=') + 1);
      this.cookie = value ? pair! : null;
    }
    return res;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('GET', path, { headers });
  }

  /** GET a page and remember its CSRF token. */
  async page(path: string): Promise<{ status: number; html: string }> {
    const res = await this.get(path);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1]!;
    return { status: res.status, html };
  }

  /** POST a form with the remembered CSRF token (unless one is given). */
  async post(path: string, form: Record<string, string> = {}, withCsrf = true): Promise<Response> {
    return this.request('POST', path, { form: withCsrf ? { _csrf: this.csrf ?? '', ...form } : form });
  }

  async signIn(username: string, password = TEST_PASSWORD): Promise<Response> {
    await this.page('/login');
    const res = await this.post('/login', { username, password, next: '/' });
    if (res.status === 303) await this.page('/');
    return res;
  }
}

export async function makeUser(ctx: Context, username: string, role: Role): Promise<void> {
  await addUser(ctx.db.knex, { username, role, password: TEST_PASSWORD }, new Date());
}

export async function withServer(
  ctx: Context,
  fn: (server: RunningServer, logs: Array<Record<string, unknown>>) => Promise<void>,
  options: AppOptions = {},
): Promise<void> {
  const logs: Array<Record<string, unknown>> = [];
  const server = await startServer(ctx, { host: '127.0.0.1', port: 0, log: (e) => logs.push(e), ...options });
  try {
    await fn(server, logs);
  } finally {
    await server.close();
  }
}

export function assertRedirect(res: Response, to: RegExp): void {
  assert.equal(res.status, 303, `expected a redirect, got ${res.status}`);
  assert.match(res.headers.get('location') ?? '', to);
}
