/**
 * `node --import tsx test/bench/profile-stages.ts <dir-of-.cpuprofile> <samples>`: where the CPU of
 * a profiled ingest went, by stage, per thread (one profile per thread: `node --cpu-prof` writes
 * one for the main thread and one for each worker). Each profiler sample is given to the innermost
 * frame of project code (or knex, better-sqlite3, GC) on its stack, then to a stage by file and
 * function name. Prints, per thread, µs of sampled time per ingested sample and the share of each
 * stage; with `--scale-us M,R` (the main and reader threads' measured CPU µs, thread-cpu.ts) the
 * shares are turned into CPU µs per sample. Not a test file.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const RULES: Array<[RegExp, string | ((fn: string) => string)]> = [
  [/\/server\/mail\/text\/html-text/, 'fingerprint: HTML to text'],
  [/\/server\/mail\/(text|mime)\//, 'fingerprint: MIME walk and decode'],
  [/\/server\/campaigns\/normalize\//, 'fingerprint: token hashes'],
  [/\/server\/campaigns\/(features|minhash)/, 'fingerprint: features and MinHash'],
  [/\/server\/campaigns\/fingerprint/, 'fingerprint: cache key'],
  [/\/server\/campaigns\//, 'campaigns: clustering'],
  [/\/server\/mail\/headers\//, 'header parse'],
  [/\/server\/attribution\/record/, 'writer: attribution volumes'],
  [/\/server\/attribution\//, 'attribution'],
  [/\/server\/store\/pack-store/, (fn) => (fn === 'sha256Hex' ? 'SHA-256' : 'writer: pack append and fsync')],
  [/\/node_modules\/knex\//, 'writer: knex'],
  [/\/server\/db\//, 'writer: bulk insert'],
  [/\/server\/ingest\/sources\//, 'read and split'],
  [/\/server\/ingest\/batch-writer|\/server\/ingest\/id-allocation/, 'writer: batch logic'],
  [/\/server\/ingest\/analyze/, 'keys and glue'],
  [/\/server\/mail\/keys/, 'keys and glue'],
  [/\/server\/ingest\//, 'hand-off and glue'],
  [/\/server\/(report|custody|cases|usecases)\//, 'recount and custody'],
  [/\/server\//, 'other project code'],
  [/\/test\/bench\//, 'bench accounting'],
];

function stageOf(stack: ProfileNode[]): string {
  const leaf = stack[0]!.callFrame;
  if (leaf.functionName === '(garbage collector)') return 'GC (on this thread)';
  if (leaf.functionName === '(program)') return '(program: native, unattributed)';
  if (leaf.functionName === '(idle)') return '(idle)';
  if (leaf.url === '' && stack.some((n) => /better-sqlite3/.test(n.callFrame.url))) return 'writer: SQLite statements';
  for (const n of stack) {
    const { url, functionName } = n.callFrame;
    if (/better-sqlite3/.test(url)) return 'writer: SQLite statements';
    for (const [re, stage] of RULES) if (re.test(url)) return typeof stage === 'string' ? stage : stage(functionName);
  }
  return 'other (node internals)';
}

function stages(file: string): { totalUs: number; byStage: Map<string, number> } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageCache = new Map<number, string>();
  const byStage = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    let stage = stageCache.get(id);
    if (stage === undefined) {
      const stack: ProfileNode[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!);
      stage = stageOf(stack);
      stageCache.set(id, stage);
    }
    // A sample's time is the delta to the next one.
    const dt = p.timeDeltas[i + 1] ?? 0;
    if (stage === '(idle)') continue;
    totalUs += dt;
    byStage.set(stage, (byStage.get(stage) ?? 0) + dt);
  }
  return { totalUs, byStage };
}

const [dir, samplesText, ...rest] = process.argv.slice(2);
const samples = Number(samplesText);
if (!dir || !Number.isFinite(samples) || samples <= 0)
  throw new Error('usage: profile-stages.ts <dir> <samples> [--scale-us MAIN,READER]');
const scaleAt = rest.indexOf('--scale-us');
const scale = scaleAt >= 0 ? rest[scaleAt + 1]!.split(',').map(Number) : null;
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => ({ f, p: stages(path.join(dir, f)) }))
  .sort((a, b) => b.p.totalUs - a.p.totalUs);
// cpuprofile names are CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile: thread 0 is the main thread.
for (const { f, p } of files) {
  const threadId = Number(f.split('.')[4]);
  const label = threadId === 0 ? 'ingest (main) thread' : `worker thread ${threadId} (reader)`;
  const measured = scale ? (threadId === 0 ? scale[0] : scale[1]) : undefined;
  const perSample = (measured ?? p.totalUs) / samples;
  console.log(
    `\n${label}: ${(p.totalUs / samples).toFixed(1)} µs sampled per sample${measured ? `, ${perSample.toFixed(1)} µs CPU measured` : ''}`,
  );
  for (const [stage, us] of [...p.byStage].sort((a, b) => b[1] - a[1])) {
    const share = us / p.totalUs;
    if (share < 0.005) continue;
    console.log(`  ${stage.padEnd(40)} ${(share * perSample).toFixed(1).padStart(7)} µs  ${(share * 100).toFixed(1)}%`);
  }
}
