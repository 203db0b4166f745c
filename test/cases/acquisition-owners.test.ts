/**
 * When an acquisition left 'running' counts as interrupted (server/cases/acquisition-owners.ts): only when its owner
 * on this host is gone. Owners are real processes: this one, a live child, a child that has exited, a live process
 * whose recorded start does not match (a reused pid), another host's, and an acquisition made before owners were
 * recorded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import { once } from 'node:events';
import { createCase, getCase } from '../../server/cases/cases.ts';
import { markInterruptedAcquisitions, processStart, thisProcess } from '../../server/cases/acquisition-owners.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import { storageTest } from '../helpers/databases.ts';

storageTest('only an acquisition whose owner on this host is gone is stored as interrupted', async ({ ctx }) => {
  const knex = ctx.db.knex;
  await createCase(ctx, { slug: 'own', title: 'Owners', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const c = await getCase(knex, 'own');
  const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(dead, 'exit');
  try {
    assert.ok(live.pid && dead.pid);
    const me = thisProcess();
    assert.equal(me.pid, process.pid);
    assert.ok(me.start !== null, 'Linux: the start is read from /proc');
    const liveStart = processStart(live.pid);
    assert.ok(liveStart !== null && liveStart !== me.start);
    const owners: Record<string, { owner_host: string | null; owner_pid: number | null; owner_start: string | null }> =
      {
        self: { owner_host: me.host, owner_pid: me.pid, owner_start: me.start },
        live: { owner_host: me.host, owner_pid: live.pid, owner_start: liveStart },
        exited: { owner_host: me.host, owner_pid: dead.pid, owner_start: `${liveStart.split(':')[0]}:1` },
        reused: { owner_host: me.host, owner_pid: live.pid, owner_start: `${liveStart}0` },
        elsewhere: { owner_host: `not-${os.hostname()}`, owner_pid: dead.pid, owner_start: null },
        unrecorded: { owner_host: null, owner_pid: null, owner_start: null },
      };
    const ids: Record<string, number> = {};
    for (const [name, owner] of Object.entries(owners)) {
      const [row] = (await knex('acquisitions').insert(
        {
          case_id: c.id,
          party_id: c.parties[0]!.id,
          method: 'trap',
          source_name: `/in/${name}`,
          operator: 'test',
          started_at: new Date().toISOString(),
          status: 'running',
          samples: 7,
          ...owner,
        },
        ['id'],
      )) as Array<{ id: number } | number>;
      ids[name] = typeof row === 'object' ? Number(row.id) : Number(row);
    }
    const marked = await markInterruptedAcquisitions(ctx);
    assert.deepEqual(marked.map((m) => m.source).sort(), ['/in/exited', '/in/reused']);
    const statuses = Object.fromEntries(
      (
        (await knex('acquisitions').select('source_name', 'status')) as Array<{ source_name: string; status: string }>
      ).map((r) => [r.source_name.slice(4), r.status]),
    );
    assert.deepEqual(statuses, {
      self: 'running',
      live: 'running',
      exited: 'interrupted',
      reused: 'interrupted',
      elsewhere: 'running',
      unrecorded: 'running',
    });
    const events = await listCustodyEvents(knex, c.id, 'own');
    assert.deepEqual(verifyCustodyChain(events), []);
    const interrupted = events.filter((e) => e.action === 'acquisition-interrupted');
    assert.deepEqual(
      interrupted.map((e) => [e.details.acquisition, e.details.pid, e.details.samples, e.actor]),
      [
        [ids.exited, dead.pid, 7, 'test-runner'],
        [ids.reused, live.pid, 7, 'test-runner'],
      ],
    );
    // Two lookers at once write one event each acquisition.
    await knex('acquisitions').where({ id: ids.self }).update({ owner_pid: dead.pid });
    const both = await Promise.all([markInterruptedAcquisitions(ctx), markInterruptedAcquisitions(ctx)]);
    assert.equal(both.flat().length, 1);
    const after = await listCustodyEvents(knex, c.id, 'own');
    assert.equal(after.filter((e) => e.action === 'acquisition-interrupted').length, 3);
  } finally {
    live.kill('SIGKILL');
  }
});
