/**
 * Records the differential oracle: run once, with the verifier of the day, to pin its result for
 * every signature of the differential set (status, d=, s=) together with the keys that rebuild
 * the set. Re-recording is a deliberate act: `node --import tsx test/attribution/dkim/differential/record-oracle.ts`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyDkim } from '../../../../server/attribution/dkim/verify.ts';
import { differentialSet, generateKeys } from './cases.ts';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'oracle.json');
const keys = generateKeys();
const set = await differentialSet(keys);
type Row = { result: string; domain: string | null; selector: string | null; reason: string };
const results: Record<string, Row[]> = {};
for (const c of set.cases) {
  if (c.name in results) throw new Error(`duplicate case name ${c.name}`);
  const r = await verifyDkim(c.raw, set.snapshots[c.snapshot], { at: c.at });
  results[c.name] = r.map((v) => ({ result: v.result, domain: v.domain, selector: v.selector, reason: v.reason }));
}
const verifier = process.argv[2] ?? 'mailauth 7.1.0';
fs.writeFileSync(
  out,
  [
    '{',
    `"verifier": ${JSON.stringify(verifier)},`,
    `"recorded": ${JSON.stringify(new Date().toISOString())},`,
    `"keys": ${JSON.stringify(keys)},`,
    '"results": {',
    Object.entries(results)
      .map(([name, r]) => `${JSON.stringify(name)}: ${JSON.stringify(r)}`)
      .join(',\n'),
    '}}',
  ].join('\n') + '\n',
);
console.log(`${set.cases.length} messages, ${Object.values(results).flat().length} results -> ${out}`);
