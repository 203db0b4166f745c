/**
 * The CLI and the JSON API read their inputs through the same schemas (server/usecases/): run the
 * real CLI (bin/spamcase.js) and the real web app against one case, and the same bad input is
 * refused by both with the same message, each naming the input in its own words (the CLI its flag,
 * the API its query field, which the JSON error also gives), while the same good input gives the
 * same rows.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { createTestEnv } from '../helpers/databases.ts';
import { Client, makeUser, withServer } from '../web/client.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

interface Refusal {
  list: 'accounts' | 'ips' | 'campaigns';
  cli: string[];
  query: string;
  flag: string;
  field: string;
  reason: string;
}

const REFUSALS: Refusal[] = [
  {
    list: 'accounts',
    cli: ['--sort', 'bogus'],
    query: 'sort=bogus',
    flag: '--sort',
    field: 'sort',
    reason: 'must be one of deliveries, items, messages, recipients, firstSeen, lastSeen',
  },
  {
    list: 'accounts',
    cli: ['--limit', 'lots'],
    query: 'limit=lots',
    flag: '--limit',
    field: 'limit',
    reason: 'must be a whole number from 1 to 10000',
  },
  {
    list: 'ips',
    cli: ['--offset=-1'],
    query: 'offset=-1',
    flag: '--offset',
    field: 'offset',
    reason: 'must be a whole number, 0 or more',
  },
  {
    list: 'ips',
    cli: ['--order', 'sideways'],
    query: 'order=sideways',
    flag: '--order',
    field: 'order',
    reason: 'must be one of asc, desc',
  },
  {
    list: 'accounts',
    cli: ['--search', 'x'.repeat(201)],
    query: `q=${'x'.repeat(201)}`,
    flag: '--search',
    field: 'q',
    reason: 'has at most 200 characters',
  },
  {
    list: 'campaigns',
    cli: ['--sort', 'size'],
    query: 'sort=size',
    flag: '--sort',
    field: 'sort',
    reason: 'must be one of messages, number',
  },
  {
    list: 'campaigns',
    cli: ['--limit', '1001'],
    query: 'limit=1001',
    flag: '--limit',
    field: 'limit',
    reason: 'must be a whole number from 1 to 1000',
  },
];

test('the CLI and the JSON API refuse the same bad list input with the same message, and accept the same good one', async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  const { ctx } = env;
  try {
    await createCase(ctx, {
      slug: 'same',
      title: 'Same input',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await ingest(ctx, {
      caseSlug: 'same',
      method: 'trap',
      paths: [path.join(PROJECT_ROOT, 'test', 'fixtures', 'sources')],
    });
    await makeUser(ctx, 'ada', 'admin');
    // Asynchronous, so the server in this process keeps answering while the CLI runs.
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [BIN, ...args],
          { env: { ...process.env, DATABASE_URL: '', ...env.env }, encoding: 'utf8', timeout: 120_000 },
          (err, stdout, stderr) =>
            resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
        );
      });
    await withServer(ctx, async (server) => {
      const web = new Client(server.url);
      await web.signIn('ada');
      for (const r of REFUSALS) {
        const res = await web.get(`/api/cases/same/${r.list}?${r.query}`);
        assert.equal(res.status, 400, r.query);
        const body = (await res.json()) as { error: { code: string; field: string; message: string } };
        assert.deepEqual(body.error, { code: 'INVALID_INPUT', field: r.field, message: `${r.field} ${r.reason}` });
        const run = await cli(r.list, '--case', 'same', ...r.cli);
        assert.equal(run.status, 2, `${r.list} ${r.cli.join(' ')}: ${run.stderr}`);
        assert.equal(run.stderr.split('\n')[0], `spamcase: ${r.flag} ${r.reason}`);
        assert.equal(run.stdout, '');
      }

      // The same good input gives the same rows.
      const apiRows = (await (
        await web.get('/api/cases/same/accounts?sort=items&order=asc&limit=3&offset=1')
      ).json()) as {
        total: number;
        rows: unknown[];
      };
      const cliRun = await cli(
        'accounts',
        '--case',
        'same',
        '--json',
        '--sort',
        'items',
        '--order',
        'asc',
        '--limit',
        '3',
        '--offset',
        '1',
      );
      assert.equal(cliRun.status, 0, cliRun.stderr);
      assert.deepEqual(JSON.parse(cliRun.stdout), apiRows);
      assert.ok(apiRows.total > 3 && apiRows.rows.length === 3, JSON.stringify(apiRows).slice(0, 200));
    });
  } finally {
    await cleanup();
  }
});
