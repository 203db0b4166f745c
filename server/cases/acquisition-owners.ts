/**
 * Who runs an acquisition, and what becomes of one whose process is gone. Every acquisition records
 * its owner when it starts: the host name, the process id and the process's start (on Linux the boot
 * id and the start time in clock ticks from /proc, so a reused pid or a reboot is not taken for the
 * same process). An acquisition still 'running' whose owner, on this host, no longer exists was cut
 * short (SIGKILL, out of memory, power loss): `markInterruptedAcquisitions` stores it as 'interrupted'
 * with an `acquisition-interrupted` custody event. The samples it committed stay; nothing else of it
 * changes. It is called at every start of an ingest, of a mail-log acquisition and of the web server,
 * and by the web server when an upload's job process ends abnormally. An owner on another host is
 * left alone (that host's next start judges it): only a process's own host can tell it is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Context } from '../context.ts';
import { appendCustodyEvent } from '../custody/chain.ts';

export interface ProcessOwner {
  host: string;
  pid: number;
  /** `<boot id>:<start ticks>` on Linux; null where /proc cannot tell (the pid alone is then checked). */
  start: string | null;
}

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** A process's state letter and start time in clock ticks since boot (/proc/<pid>/stat fields 3 and 22), or null. */
function procStat(pid: number): { state: string; startTicks: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTicks = fields[19];
  return state && startTicks ? { state, startTicks } : null;
}

/** The start token of a running process (`<boot id>:<start ticks>`), or null where /proc cannot tell. */
export function processStart(pid: number): string | null {
  const boot = bootId();
  const stat = procStat(pid);
  return boot && stat ? `${boot}:${stat.startTicks}` : null;
}

let self: ProcessOwner | undefined;

/** This process as an acquisition's owner. */
export function thisProcess(): ProcessOwner {
  self ??= { host: os.hostname(), pid: process.pid, start: processStart(process.pid) };
  return self;
}

/** The owner columns of an acquisition row started by this process. */
export function ownerColumns(): { owner_host: string; owner_pid: number; owner_start: string | null } {
  const me = thisProcess();
  return { owner_host: me.host, owner_pid: me.pid, owner_start: me.start };
}

/**
 * 'gone': the owner's process no longer exists (or its pid now belongs to another process, or the host
 * rebooted); 'alive': it exists; 'unknown': it ran on another host, or its owner was not recorded.
 */
export function ownerState(owner: {
  host: string | null;
  pid: number | null;
  start: string | null;
}): 'gone' | 'alive' | 'unknown' {
  if (owner.host === null || owner.pid === null) return 'unknown';
  const me = thisProcess();
  if (owner.host !== me.host) return 'unknown';
  if (owner.pid === me.pid && owner.start === me.start) return 'alive';
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
  }
  const stat = procStat(owner.pid);
  // A killed process its parent has not reaped yet is a zombie: it runs no more.
  if (stat && (stat.state === 'Z' || stat.state === 'X')) return 'gone';
  if (owner.start === null) return 'alive';
  const now = processStart(owner.pid);
  if (now === null) return stat === null && bootId() !== null ? 'gone' : 'alive';
  return now === owner.start ? 'alive' : 'gone';
}

export interface InterruptedAcquisition {
  acquisition: number;
  caseSlug: string;
  source: string;
  owner: { host: string; pid: number };
}

interface RunningRow {
  id: number | string;
  case_id: number | string;
  slug: string;
  source_name: string;
  file_name: string | null;
  samples: number | string;
  new_items: number | string;
  rejected: number | string;
  owner_host: string | null;
  owner_pid: number | string | null;
  owner_start: string | null;
}

/**
 * Store as interrupted every acquisition still 'running' whose owner on this host is gone, each with an
 * `acquisition-interrupted` custody event (in the same transaction; an acquisition another caller marked
 * first is skipped, so two callers at once write one event). Returns those it marked.
 */
export async function markInterruptedAcquisitions(
  ctx: Context,
  options: { caseId?: number } = {},
): Promise<InterruptedAcquisition[]> {
  const knex: Knex = ctx.db.knex;
  const q = knex('acquisitions as a')
    .join('cases as c', 'c.id', 'a.case_id')
    .where('a.status', 'running')
    .whereNotNull('a.owner_host')
    .orderBy('a.id')
    .select(
      'a.id',
      'a.case_id',
      'c.slug',
      'a.source_name',
      'a.file_name',
      'a.samples',
      'a.new_items',
      'a.rejected',
      'a.owner_host',
      'a.owner_pid',
      'a.owner_start',
    );
  if (options.caseId !== undefined) q.where('a.case_id', options.caseId);
  const rows = (await q) as RunningRow[];
  const marked: InterruptedAcquisition[] = [];
  for (const r of rows) {
    const owner = {
      host: r.owner_host,
      pid: r.owner_pid === null ? null : Number(r.owner_pid),
      start: r.owner_start,
    };
    if (ownerState(owner) !== 'gone') continue;
    const id = Number(r.id);
    const done = await knex.transaction(async (trx) => {
      const n = await trx('acquisitions').where({ id, status: 'running' }).update({ status: 'interrupted' });
      if (Number(n) !== 1) return false;
      // The counts of what it committed, read under the write lock (its last batch may have landed since).
      const now = (await trx('acquisitions').where({ id }).first('samples', 'new_items', 'rejected')) as {
        samples: number | string;
        new_items: number | string;
        rejected: number | string;
      };
      await appendCustodyEvent(trx, {
        caseId: Number(r.case_id),
        caseSlug: r.slug,
        at: ctx.clock(),
        actor: ctx.actor,
        action: 'acquisition-interrupted',
        details: {
          acquisition: id,
          source: r.source_name,
          fileName: r.file_name ?? undefined,
          samples: Number(now.samples),
          newItems: Number(now.new_items),
          rejected: Number(now.rejected),
          host: owner.host,
          pid: owner.pid,
        },
      });
      return true;
    });
    if (done)
      marked.push({
        acquisition: id,
        caseSlug: r.slug,
        source: r.source_name,
        owner: { host: owner.host!, pid: owner.pid! },
      });
  }
  return marked;
}
