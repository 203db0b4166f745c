/** The `spamcase` command as a user runs it (bin/spamcase.js in a child process), on the given environment. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../server/config.ts';

export const BIN = path.join(PROJECT_ROOT, 'bin', 'spamcase.js');

/** Runs `spamcase ...args` with `env` over this process's environment (no DATABASE_URL unless `env` sets one). */
export function spamcase(
  env: Record<string, string>,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
