/**
 * Hidden characters in what the CLI prints for people, from a case of hostile messages, on both
 * databases: `spamcase message` and `spamcase campaigns` show each control, direction or invisible
 * character as its marker ⟦U+202E⟧ (an ESC in a subject never reaches the terminal, an override
 * never reorders the line), while `--json` for scripts keeps the value exactly.
 */
import assert from 'node:assert/strict';
import { storageTest } from '../helpers/databases.ts';
import { spamcase } from '../helpers/cli.ts';
import { hostileCase } from '../fixtures/hostile/case.ts';
import { HIDDEN_PROBE, HOSTILE_ADDRESS } from '../fixtures/hostile/messages.ts';

storageTest('the CLI marks hidden characters in its text output and keeps them in --json', async ({ ctx, env }) => {
  await hostileCase(ctx, 'h');
  const message = spamcase(env, 'message', '--case', 'h', 'LPN-0000002');
  assert.equal(message.code, 0, message.stderr);
  assert.equal(HIDDEN_PROBE.exec(message.stdout), null, 'no hidden character reaches the terminal');
  assert.ok(message.stdout.includes('Bell⟦U+0007⟧ and ESC⟦U+001B⟧[31m caféПривет'), message.stdout);
  assert.ok(message.stdout.includes('⟦U+202E⟧txt.exe@spam.example'));
  const campaigns = spamcase(env, 'campaigns', '--case', 'h');
  assert.equal(campaigns.code, 0, campaigns.stderr);
  assert.equal(HIDDEN_PROBE.exec(campaigns.stdout), null);
  assert.ok(campaigns.stdout.includes('Invoice ⟦U+202E⟧gnp.exe'), campaigns.stdout);
  const json = spamcase(env, 'accounts', '--case', 'h', '--json');
  assert.equal(json.code, 0, json.stderr);
  const rows = (JSON.parse(json.stdout) as { rows: Array<{ address: string }> }).rows;
  assert.ok(
    rows.some((r) => r.address === HOSTILE_ADDRESS),
    'the JSON holds the address exactly',
  );
});
