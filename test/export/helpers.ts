/**
 * Shared by the export tests (not a test file): a case ingested from the generated corpus, a trial
 * signing key, running outside tools, rewriting a bundle ZIP member by member (for tamper tests).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import type { Context } from '../../server/context.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { initTrialKeys } from '../../server/signing/keys.ts';
import { readCentralDirectory, walkMembers } from '../../server/export/zip-reader.ts';
import { ZipWriter } from '../../server/export/zip-writer.ts';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { tempDir } from '../helpers/databases.ts';

export async function ingestedCase(
  ctx: Context,
  slug: string,
  messages: number,
  seed = 5,
): Promise<{ truth: CorpusTruth; corpus: string }> {
  const corpus = path.join(tempDir('spamcase-export-corpus-'), 'c');
  const truth = await generateCorpus({ out: corpus, messages, seed, layout: 'mixed' });
  await createCase(ctx, { slug, title: `${slug} v. Doe 1-20`, parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  await ingest(ctx, {
    caseSlug: slug,
    method: 'trap',
    paths: [path.join(corpus, 'trap'), path.join(corpus, 'reports.mbox'), path.join(corpus, 'maildir')],
    threaded: false,
  });
  return { truth, corpus };
}

export function trialKeys(organization = 'Test Org'): { cert: string; key: string } {
  const dir = tempDir('spamcase-keys-');
  const files = { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  initTrialKeys(files, organization, new Date());
  return files;
}

export function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; input?: Buffer } = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function unzipTo(zip: string): string {
  const dir = tempDir('spamcase-unzip-');
  const r = run('unzip', ['-q', zip, '-d', dir]);
  if (r.code !== 0) throw new Error(`unzip failed: ${r.stderr}`);
  const [top] = fs.readdirSync(dir);
  return path.join(dir, top!);
}

/** Every member of a bundle, in archive order, as name → bytes. */
export function readMembers(zip: string): Array<{ name: string; data: Buffer }> {
  const fd = fs.openSync(zip, 'r');
  try {
    const { members } = readCentralDirectory(fd);
    const out: Array<{ name: string; data: Buffer }> = [];
    walkMembers(
      fd,
      members,
      (m, d) => out.push({ name: m.name, data: Buffer.from(d) }),
      (m, p) => {
        throw new Error(`${m.name}: ${p}`);
      },
    );
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** Write members to a new ZIP with the production writer (valid CRCs: only content changes). */
export function writeMembers(zip: string, members: Array<{ name: string; data: Buffer }>): void {
  const fd = fs.openSync(zip, 'wx');
  try {
    const w = new ZipWriter(fd, '2026-01-01T00:00:00Z', path.join(tempDir('spamcase-cd-'), 'central'));
    for (const m of members) w.addBuffer(m.name, m.data);
    w.finish();
  } finally {
    fs.closeSync(fd);
  }
}
