/**
 * `npm start` as a user runs it, stopped as a user stops it: SIGTERM to npm (a service manager,
 * `kill`), and Ctrl-C (SIGINT to the whole foreground process group). Either way npm exits, the
 * port is closed, and no process it started (the shell, node, the server) is left behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../server/config.ts';
import { tempDir } from '../helpers/databases.ts';
import { processTree } from '../helpers/proc-tree.ts';

/** Alive: in /proc and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function startNpm(): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const home = tempDir('spamcase-start-');
  const child = spawn('npm', ['start', '--silent'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, SPAMCASE_HOME: home, DATABASE_URL: '', PORT: '0', SPAMCASE_PORT: '', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a terminal gives a foreground job
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let text = '';
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not serve within 120 s: ${errors}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /serving http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before serving: ${errors}`)));
  });
  return { child, port, exited };
}

async function stopsCleanly(signal: 'SIGTERM' | 'SIGINT', toGroup: boolean): Promise<void> {
  const { child, port, exited } = await startNpm();
  const tree = processTree(child.pid!).slice(1);
  assert.ok(tree.length >= 1, 'npm started a process');
  assert.ok(await portOpen(port), 'the server answers before the signal');
  if (toGroup) process.kill(-child.pid!, signal);
  else child.kill(signal);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000));
  const result = await Promise.race([exited, timeout]);
  assert.notEqual(result, 'timeout', `npm start did not exit within 30 s of ${signal}`);
  // Its children may outlive npm by a moment (each handles the signal itself): give them 10 s.
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = tree.filter(alive);
  if (left.length > 0) for (const pid of left) process.kill(pid, 'SIGKILL');
  assert.deepEqual(left, [], `processes left behind after ${signal}`);
  assert.equal(await portOpen(port), false, 'the port is closed');
}

test('npm start stopped with SIGTERM leaves no server process behind and closes its port', { timeout: 200_000 }, () =>
  stopsCleanly('SIGTERM', false),
);

test('npm start stopped with Ctrl-C (SIGINT to its process group) leaves nothing behind', { timeout: 200_000 }, () =>
  stopsCleanly('SIGINT', true),
);
