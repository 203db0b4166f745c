/** The attribution commands as a user runs them, as child processes against a real store and database. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { spamcase } from '../helpers/cli.ts';

storageTest(
  'trusted relays at creation, accounts as CSV, ips as JSON, one message, a trust change and re-attribution',
  async ({ env: e }) => {
    const out = path.join(tempDir('spamcase-cli-attr-'), 'corpus');
    const truth = await generateCorpus({ out, messages: 120, seed: 5, layout: 'eml' });
    assert.equal(
      spamcase(
        e,
        'case',
        'create',
        'lpn',
        '--title',
        'T',
        '--party',
        'Laposte.net:LPN',
        '--trusted-relay',
        'laposte.net',
      ).code,
      0,
    );
    assert.equal(spamcase(e, 'ingest', '--case', 'lpn', out).code, 0);

    const csv = spamcase(e, 'accounts', '--case', 'lpn', '--csv', '--limit', '3');
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\r\n');
    assert.equal(
      lines[0],
      'account,provider,deliveries,items,messages,recipients,first_seen,last_seen,parties,evidence,signals,defendant',
    );
    assert.equal(lines.length, 4);
    assert.ok(lines[1]!.startsWith(`${truth.topAccounts[0]!.address},microsoft,${truth.topAccounts[0]!.deliveries},`));

    const ips = JSON.parse(spamcase(e, 'ips', '--case', 'lpn', '--json', '--limit', '1').stdout) as {
      total: number;
      rows: Array<{ ip: string; deliveries: number }>;
    };
    assert.equal(ips.total, truth.originatingIps);
    assert.deepEqual({ ip: ips.rows[0]!.ip, deliveries: ips.rows[0]!.deliveries }, truth.topOriginatingIps[0]);

    const message = spamcase(e, 'message', '--case', 'lpn', 'LPN-0000001');
    assert.equal(message.code, 0, message.stderr);
    assert.match(message.stdout, /originating IP: \S+ {2}\[X-Originating-IP recorded by microsoft\]/);
    assert.match(
      message.stdout,
      /hand-off IP: 65\.54\.\S+ \(bay0-omc\d-s\d+\.bay0\.hotmail\.com\) {2}provider microsoft/,
    );
    assert.match(message.stdout, / hand-off {6}believed {5}from /);
    assert.equal(spamcase(e, 'message', '--case', 'lpn', 'LPN-9999999').code, 1);

    // A party claiming Hotmail's relays as its own: no hand-off, the X-Originating-IP only an unconfirmed header.
    const claim = ['case', 'party', '--case', 'lpn', '--party', 'LPN', '--trusted-relay', 'laposte.net'];
    const changed = spamcase(e, ...claim, '--trusted-relay', '65.54.0.0/16');
    assert.equal(changed.code, 0, changed.stderr);
    const reattributed = spamcase(e, 'attribute', '--case', 'lpn');
    assert.equal(reattributed.code, 0, reattributed.stderr);
    const after = JSON.parse(spamcase(e, 'ips', '--case', 'lpn', '--json').stdout) as {
      rows: Array<{ ip: string; evidence: string }>;
    };
    assert.ok(after.rows.every((r) => /unconfirmed/.test(r.evidence)));
    assert.match(spamcase(e, 'message', '--case', 'lpn', 'LPN-0000001').stdout, /hand-off IP: \(none\)/);
    const bad = spamcase(e, 'case', 'party', '--case', 'lpn', '--party', 'LPN', '--trusted-relay', 'not a host!');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /trusted relay must be/);
    assert.equal(spamcase(e, 'accounts', '--case', 'lpn', '--limit', 'lots').code, 2);
  },
  { timeout: 240_000 },
);
