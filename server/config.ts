/**
 * The one place configuration is read. Every key is documented here and validated at start-up;
 * bad configuration reports every problem at once.
 *
 *   SPAMCASE_HOME   data root (default: `cases/` in the project). Holds one folder per case and,
 *                   unless DATABASE_URL is set, the SQLite index `spamcase.sqlite`.
 *   DATABASE_URL    postgres://user@host:port/db — use PostgreSQL (a team on a shared server)
 *                   instead of the embedded SQLite file.
 *   SPAMCASE_PORT   port for `spamcase serve` / `npm start` (default 8080; 0 picks a free port).
 *   SPAMCASE_HOST   address to listen on (default 127.0.0.1: the web UI is not exposed by default).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpamcaseError } from './errors.ts';

export interface Config {
  dataRoot: string;
  database: { client: 'sqlite'; filename: string } | { client: 'pg'; url: string };
  http: { host: string; port: number };
}

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

  const portText = env.SPAMCASE_PORT?.trim() || '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`SPAMCASE_PORT must be a port number 0-65535 (got ${JSON.stringify(portText)})`);
  const host = env.SPAMCASE_HOST?.trim() || '127.0.0.1';

  if (problems.length > 0) {
    throw new SpamcaseError('CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  return { dataRoot, database, http: { host, port } };
}
