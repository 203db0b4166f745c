/**
 * Whole-case computations a page shows (damages, defendant suggestions) are kept per custody head:
 * every change to the evidence or its groupings is a custody event, so the same head means the same
 * answer. Nothing is cached while an acquisition runs (counts move without a new head yet). One
 * cache per app (it belongs to one database); a few entries per case.
 */
import type { Knex } from 'knex';

export class HeadCache {
  private readonly entries = new Map<string, { key: string; value: unknown }>();

  /** The value for (case, name, extra) at the case's current custody head, computed when missing. */
  async get<T>(knex: Knex, caseId: number, name: string, extra: string, compute: () => Promise<T>): Promise<T> {
    const head = (await knex('custody_events').where({ case_id: caseId }).max({ seq: 'seq' }).first()) as {
      seq: number | null;
    };
    const running = (await knex('acquisitions')
      .where({ case_id: caseId, status: 'running' })
      .count({ n: '*' })
      .first()) as { n: number | string };
    const slot = `${caseId}:${name}`;
    const key = `${head.seq ?? 0}:${extra}`;
    const hit = this.entries.get(slot);
    if (Number(running.n) === 0 && hit?.key === key) return hit.value as T;
    const value = await compute();
    if (Number(running.n) === 0) this.entries.set(slot, { key, value });
    return value;
  }
}
