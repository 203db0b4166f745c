/**
 * `node --import tsx test/bench/fingerprint-cpu.ts <corpus dir> [files]`: CPU µs per message of
 * each stage of the campaign fingerprint, on the first `files` (default 10,000) messages of a bench
 * corpus, held in memory so reading is not measured. Each stage runs over every message in turn
 * (process CPU time, this one thread; steadier than wall time on a loaded machine), then the whole
 * fingerprint as ingest runs it, cache cold (a fresh process per run of this script). Not a test file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseHeaders } from '../../server/mail/headers/index.ts';
import { extractBodyText } from '../../server/mail/text/body-text.ts';
import { htmlToText } from '../../server/mail/text/html-text.ts';
import { contentHashes } from '../../server/campaigns/normalize/token-hashes.ts';
import { featureHashesOfTokens } from '../../server/campaigns/features.ts';
import { minhashSignature } from '../../server/campaigns/minhash.ts';
import { campaignFingerprint } from '../../server/campaigns/fingerprint.ts';

const [dir, filesText] = process.argv.slice(2);
if (!dir) throw new Error('usage: fingerprint-cpu.ts <corpus dir> [files]');
const wanted = Number(filesText ?? 10000);
const files: string[] = [];
const walk = (d: string) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (files.length >= wanted) return;
    const full = path.join(d, e.name);
    if (e.isDirectory()) walk(full);
    else if (e.name.endsWith('.eml')) files.push(full);
  }
};
walk(dir);
const raws = files.map((f) => fs.readFileSync(f));
const heads = raws.map((r) => parseHeaders(r));

const cpu = (fn: () => void): number => {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / raws.length;
};
const out: Record<string, number> = {};
let bodies: ReturnType<typeof extractBodyText>[] = [];
out['MIME walk and decode'] = cpu(() => (bodies = raws.map((r) => extractBodyText(r))));
out['HTML to text'] = cpu(() => {
  for (const b of bodies) for (const h of b.html) htmlToText(h);
});
let contents: ReturnType<typeof contentHashes>[] = [];
out['content hashes (MIME walk, HTML, tokens)'] = cpu(
  () => (contents = raws.map((r, i) => contentHashes(r, heads[i]!.subject))),
);
out['features and MinHash'] = cpu(() => {
  for (const c of contents) minhashSignature(featureHashesOfTokens(c.body, c.subject, c.domains));
});
out['whole fingerprint, as ingest (cache included)'] = cpu(() => {
  raws.forEach((r, i) => campaignFingerprint(r, heads[i]!.subject, heads[i]!.bodyOffset));
});
process.stdout.write(
  `${JSON.stringify({ messages: raws.length, usPerMessage: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v * 10) / 10])) })}\n`,
);
