/**
 * What "the case as of one custody event" means for an export. Ingest writes items only between an
 * acquisition's `acquisition-started` and `acquired` events, so the case as of event E holds the
 * items, samples and deliveries of the acquisitions started at or before E, and the custody log up
 * to E. Exporting again as of E selects the same rows, hence the same bytes.
 */
import type { Knex } from 'knex';
import { getCase } from '../cases/cases.ts';
import { listCustodyEvents, type CustodyEvent } from '../custody/chain.ts';
import { SpamcaseError } from '../errors.ts';

export interface AcquisitionInfo {
  id: number;
  party: string;
  batesPrefix: string;
  method: string;
  source: string;
  status: string;
}

export interface ExportScope {
  caseId: number;
  caseSlug: string;
  title: string;
  asOf: CustodyEvent;
  events: CustodyEvent[];
  acquisitions: Map<number, AcquisitionInfo>;
  /** Largest acquisition id in scope, and the ids at or below it that started after the as-of event. */
  maxAcquisitionId: number;
  laterAcquisitionIds: number[];
  /** Acquisitions in scope still marked running (in progress, or cut short on a host that has not looked since). */
  running: number[];
  /** Acquisitions in scope whose process was found gone before they finished (their committed samples are in). */
  interrupted: number[];
}

export async function resolveScope(knex: Knex, caseSlug: string, asOfSeq?: number): Promise<ExportScope> {
  const c = await getCase(knex, caseSlug);
  const all = await listCustodyEvents(knex, c.id, c.slug);
  if (all.length === 0) throw new SpamcaseError('INVALID_INPUT', `case ${caseSlug} has no custody events`);
  const seq = asOfSeq ?? all[all.length - 1]!.seq;
  const asOf = all.find((e) => e.seq === seq);
  if (!asOf)
    throw new SpamcaseError('INVALID_INPUT', `case ${caseSlug} has no custody event ${seq} (it has 1-${all.length})`);
  const events = all.filter((e) => e.seq <= seq);
  const inScope = new Set<number>();
  for (const e of events) if (e.action === 'acquisition-started') inScope.add(Number(e.details.acquisition));
  const rows = (await knex('acquisitions as a')
    .join('parties as p', 'p.id', 'a.party_id')
    .where('a.case_id', c.id)
    .orderBy('a.id')
    .select('a.id', 'a.method', 'a.source_name', 'a.status', 'p.name', 'p.bates_prefix')) as Array<{
    id: number;
    method: string;
    source_name: string;
    status: string;
    name: string;
    bates_prefix: string;
  }>;
  const acquisitions = new Map<number, AcquisitionInfo>();
  let maxAcquisitionId = 0;
  for (const r of rows) {
    const id = Number(r.id);
    if (!inScope.has(id)) continue;
    acquisitions.set(id, {
      id,
      party: r.name,
      batesPrefix: r.bates_prefix,
      method: r.method,
      source: r.source_name,
      status: r.status,
    });
    maxAcquisitionId = Math.max(maxAcquisitionId, id);
  }
  const laterAcquisitionIds = rows.map((r) => Number(r.id)).filter((id) => id <= maxAcquisitionId && !inScope.has(id));
  const running = [...acquisitions.values()].filter((a) => a.status === 'running').map((a) => a.id);
  const interrupted = [...acquisitions.values()].filter((a) => a.status === 'interrupted').map((a) => a.id);
  return {
    caseId: c.id,
    caseSlug: c.slug,
    title: c.title,
    asOf,
    events,
    acquisitions,
    maxAcquisitionId,
    laterAcquisitionIds,
    running,
    interrupted,
  };
}

/** Restrict a query to rows whose acquisition column is in scope. */
export function inScope<T extends Knex.QueryBuilder>(q: T, column: string, scope: ExportScope): T {
  q.where(column, '<=', scope.maxAcquisitionId);
  if (scope.laterAcquisitionIds.length > 0) q.whereNotIn(column, scope.laterAcquisitionIds);
  return q;
}
