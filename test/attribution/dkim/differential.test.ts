/**
 * The verifier against the oracle recorded from mailauth 7.1.0 (differential/oracle.json) on the
 * differential set: 4,308 messages (signed fixtures, edge key records, 300 real SpamAssassin
 * messages signed here and each altered, 3,000 hostile mutations). Every signature's result, d=
 * and s= must be the same, except the differences listed in docs/DKIM.md, pinned here by name.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { verifyDkim } from '../../../server/attribution/dkim/verify.ts';
import { differentialSet, type PinnedKeys } from './differential/cases.ts';

interface Oracle {
  verifier: string;
  keys: PinnedKeys;
  results: Record<string, Array<{ result: string; domain: string | null; selector: string | null; reason: string }>>;
}
const oracle = JSON.parse(fs.readFileSync(new URL('./differential/oracle.json', import.meta.url), 'utf8')) as Oracle;

const variants = (label: string, suffixes: string[]) =>
  ['CRLF', 'LF'].flatMap((eol) => suffixes.map((s) => `${label} ${eol}${s}`));
const EVERY = ['', ' trailing blank lines', ' whitespace in subject', ' From added on top', ' header name case'];

/**
 * Differences from mailauth 7.1.0 decided on purpose (docs/DKIM.md, "Differences from mailauth"):
 * case name -> our results. Each is a signature RFC 6376 says must fail that mailauth's lenient
 * mode passed or reported as having no key.
 */
const DECIDED: Record<string, string[]> = Object.fromEntries(
  [
    // i= outside d= (RFC 6376 section 6.1.1): mailauth passes it with a warning, or says no-key.
    ...variants('rsa2048 i= outside d=', [...EVERY, ' empty snapshot']),
    // key t=s forbids an i= in a subdomain of d= (section 3.6.1): mailauth ignores the flag.
    ...variants('key t=s i= subdomain', EVERY),
    // x= before t= is a malformed signature (section 3.5) whether or not the key is held.
    ...variants('x= before t=', [' empty snapshot']),
    // s= and d= with whitespace inside name no key; b= with a byte outside base64 (a NUL, an @) is not a signature.
    'mutation 255 (0)',
    'mutation 983 (3)',
    'mutation 1844 (4)',
  ].map((name) => [name, ['fail']]),
);

test('every signature of the differential set gets the result mailauth 7.1.0 gave, but for the decided differences', async () => {
  const set = await differentialSet(oracle.keys);
  assert.equal(set.cases.length, Object.keys(oracle.results).length);
  const differences: string[] = [];
  let signatures = 0;
  for (const c of set.cases) {
    const expected = oracle.results[c.name];
    assert.ok(expected, `${c.name} not in the oracle`);
    const got = await verifyDkim(c.raw, set.snapshots[c.snapshot], { at: c.at });
    signatures += got.length;
    const g = got.map((v) => `${v.result} ${v.domain} ${v.selector}`);
    const e = expected.map((v) => `${v.result} ${v.domain} ${v.selector}`);
    const decided = DECIDED[c.name];
    if (decided) {
      assert.deepEqual(
        g.map((x) => x.split(' ')[0]),
        decided,
        `${c.name}: decided difference changed`,
      );
      continue;
    }
    if (JSON.stringify(g) !== JSON.stringify(e))
      differences.push(
        `${c.name}: ours ${JSON.stringify(got.map((v) => [v.result, v.reason]))} mailauth ${JSON.stringify(expected.map((v) => [v.result, v.reason]))}`,
      );
  }
  assert.deepEqual(
    differences,
    [],
    `${differences.length} of ${set.cases.length} messages (${signatures} signatures) differ`,
  );
});
