/**
 * The command table is the CLI: every command in it has its help (`spamcase <command> --help`,
 * generated from the table, so a new command without help fails here), a module under
 * server/cli/commands/ that runs it, and main.ts imports none of those modules until one runs.
 * Writing to a pipe whose reader went away ends quietly (exit 0, nothing on stderr).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { COMMANDS, main } from '../../server/cli/main.ts';
import { ACQUISITION_METHODS } from '../../server/usecases/ingest.ts';
import { createTestEnv, tempDir } from '../helpers/databases.ts';

const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

/** Run main() in this process with stdout captured. */
async function captured(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main(argv), stdout };
  } finally {
    process.stdout.write = write;
  }
}

test('every command of the table answers --help with its summary, its usage and each of its options', async () => {
  assert.equal(COMMANDS.length, new Set(COMMANDS.map((c) => c.name)).size, 'command names are unique');
  for (const c of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      const r = await captured([...c.name.split(' '), flag]);
      assert.equal(r.code, 0, `${c.name} ${flag}`);
      assert.ok(r.stdout.startsWith(`spamcase ${c.name}: ${c.summary}\n`), `${c.name}: ${r.stdout.slice(0, 80)}`);
      assert.ok(r.stdout.includes(`usage: ${c.usage}\n`), c.name);
      for (const o of Object.keys(c.options)) assert.match(r.stdout, new RegExp(`\\n  --${o}\\b`), `${c.name} --${o}`);
    }
    assert.ok(c.summary.length > 10 && c.usage.startsWith(`spamcase ${c.name}`), `${c.name} has words for its help`);
  }
  const all = await captured(['--help']);
  for (const c of COMMANDS) assert.ok(all.stdout.includes(`\n  ${c.name.padEnd(18)} ${c.summary}\n`), c.name);
});

test('every command of the table has the module that runs it, and main.ts imports no command module itself', async () => {
  for (const c of COMMANDS) {
    const mod = await c.load();
    assert.equal(typeof mod.commands[c.name], 'function', `${c.name} is run by its module`);
  }
  const modules = fs.readdirSync(path.join(PROJECT_ROOT, 'server', 'cli', 'commands'));
  for (const m of modules)
    assert.ok(
      COMMANDS.some((c) => c.load.toString().includes(`./commands/${m}`)),
      `commands/${m} is loaded by some command`,
    );
  const staticImports = [
    ...fs.readFileSync(path.join(PROJECT_ROOT, 'server', 'cli', 'main.ts'), 'utf8').matchAll(/^import (?!type).*$/gm),
  ].map((m) => m[0]);
  assert.deepEqual(
    staticImports.filter((l) => /commands\/|usecases\/|context\.ts|valibot/.test(l)),
    [],
    'commands, use cases, the schema library and the database load only when a command runs',
  );
  assert.ok(COMMANDS.find((c) => c.name === 'ingest')!.usage.includes(`--method ${ACQUISITION_METHODS.join('|')}`));
});

test('the real CLI: spamcase accounts --help (once "Unknown option") and help <command>', () => {
  const env = { ...process.env, SPAMCASE_HOME: tempDir(), DATABASE_URL: '' };
  for (const args of [
    ['accounts', '--help'],
    ['help', 'accounts'],
  ]) {
    const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^spamcase accounts: sender accounts/);
    assert.match(r.stdout, /\n {2}--search <value>\n/);
  }
  const bad = spawnSync(process.execPath, [BIN, 'accounts', '--frobnicate'], { env, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /usage: spamcase accounts --case <name>/);
});

test('a pipe closed before the output is written ends the command quietly with exit 0 (no EPIPE stack trace)', async () => {
  const { env, cleanup } = await createTestEnv('sqlite');
  try {
    const childEnv = { ...process.env, DATABASE_URL: '', ...env.env };
    const created = spawnSync(process.execPath, [BIN, 'case', 'create', 'pipe', '--title', 'Pipe', '--party', 'A:AA'], {
      env: childEnv,
      encoding: 'utf8',
    });
    assert.equal(created.status, 0, created.stderr);
    const ingested = spawnSync(
      process.execPath,
      [BIN, 'ingest', '--case', 'pipe', path.join(PROJECT_ROOT, 'test', 'fixtures', 'sources')],
      { env: childEnv, encoding: 'utf8' },
    );
    assert.equal(ingested.status, 0, ingested.stderr);
    for (const args of [['campaigns', '--case', 'pipe'], ['accounts', '--case', 'pipe', '--csv'], ['--help']]) {
      const child = spawn(process.execPath, [BIN, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader goes away before a byte is read, as `| head -0` would
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(stderr, '', `${args.join(' ')}: nothing on stderr`);
      assert.equal(code, 0, args.join(' '));
    }
  } finally {
    await cleanup();
  }
});
