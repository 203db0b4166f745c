/**
 * The benchmark's corpus, generated once and cached: `corpus-child.ts <dir> <messages> <seed>`.
 * Generates into `<dir>.partial` and renames it when complete, so an interrupted generation is never
 * taken for a corpus. Prints the truth (truth.json) as one JSON line. Its own process, so the
 * generator's memory is not counted in any measure.
 */
import fs from 'node:fs';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';

const [dir, messagesText, seedText] = process.argv.slice(2);
const messages = Number(messagesText);
const seed = Number(seedText);
if (!dir || !Number.isInteger(messages) || messages <= 0 || !Number.isInteger(seed))
  throw new Error('usage: corpus-child.ts <dir> <messages> <seed>');
const truthFile = `${dir}/truth.json`;
let generatedMs: number | null = null;
if (!fs.existsSync(truthFile)) {
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = Date.now();
  await generateCorpus({ out: partial, messages, seed, layout: 'eml' });
  fs.renameSync(partial, dir);
  generatedMs = Date.now() - t0;
}
const truth = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as CorpusTruth;
process.stdout.write(`${JSON.stringify({ dir, generatedMs, truth })}\n`);
