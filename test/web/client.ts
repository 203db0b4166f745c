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

/**
 * A multipart upload form as a browser sends it: the CSRF token first, then fields, then files. A
 * file `encoded` names itself as RFC 5987 filename*= (how a hand-made client sends a control character).
 */
export function multipart(
  csrf: string,
  fields: Record<string, string>,
  files: Array<{ name: string; data: Buffer; encoded?: boolean }>,
): { body: Buffer; type: string } {
  const b = 'spamcaseUpload7';
  const parts: Buffer[] = [Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`)];
  for (const [k, v] of Object.entries(fields))
    parts.push(Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  for (const f of files)
    parts.push(
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="files"; ${f.encoded ? `filename*=UTF-8''${encodeURIComponent(f.name)}` : `filename="${f.name}"`}\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  parts.push(Buffer.from(`--${b}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${b}` };
}
