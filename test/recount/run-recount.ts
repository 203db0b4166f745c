/**
 * Runs the outside recount (recount.py) on an unzipped bundle's data/ folder: pdftotext of its summary, then the
 * Python script over the CSVs. Returns every figure it checked; the caller asserts on them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RecountCheck {
  figure: string;
  pdf: string;
  csv: string;
  ok: boolean;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recount.py');

export function recount(data: string, workDir: string): RecountCheck[] {
  const text = path.join(workDir, 'summary.txt');
  const pdf = spawnSync('pdftotext', ['-layout', path.join(data, 'summary.pdf'), text], { encoding: 'utf8' });
  assert.equal(pdf.status, 0, pdf.stderr);
  const run = spawnSync('python3', [SCRIPT, data, text], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  return (JSON.parse(run.stdout) as { checks: RecountCheck[] }).checks;
}
