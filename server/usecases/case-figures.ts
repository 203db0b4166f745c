/**
 * Whole-case figures a page shows again and again: the dashboard (counts, deliveries per day,
 * rejection reasons, top accounts and campaigns), the damages under the chosen rule set, the
 * defendant suggestions. Every change to the evidence or its groupings is a custody event, so the
 * same custody head means the same answer: one cache per app (it belongs to one database), keyed by
 * the case's head, a few entries per case.
 *
 * While an acquisition runs, counts move without a new head. Damages and suggestions are then
 * computed for each view and not kept. The dashboard keeps its last figures, says as of when, and
 * is recomputed in the background at most every RUNNING_REFRESH_MS: at a million messages one
 * computation takes seconds, and recomputing it for every view during an ingest made the page take
 * 7-10 s. The server gives a `whileRunning` that computes it in a short-lived process of its own
 * (web/dashboard-processes.ts), so its serving thread never counts a case while an acquisition runs.
 */
import type { Knex } from 'knex';
import { caseReport, type CaseReport } from '../report/counts.ts';
import { deliveriesPerDay, rejectionReasons } from '../report/lists.ts';
import { listAccounts, type AccountRow } from '../attribution/queries.ts';
import { suggestDefendants, type DefendantSuggestions } from '../attribution/defendants.ts';
import { SHARED_IP_MAX_ACCOUNTS } from '../attribution/shared-infrastructure.ts';
import { listCampaigns, type CampaignRow } from '../campaigns/queries.ts';
import { caseDamages } from '../damages/case-damages.ts';
import type { DamagesResult } from '../damages/compute.ts';
import { loadRuleSet } from '../damages/rule-set.ts';

/** Rows in the dashboard's top accounts and top campaigns. */
export const DASHBOARD_TOP = 5;

/** While an acquisition runs, the dashboard's figures are recomputed at most this often (ms). */
export const RUNNING_REFRESH_MS = 30_000;

export interface Dashboard {
  report: CaseReport;
  /** Deliveries per day (UTC), for the chart. */
  days: Array<{ day: string; deliveries: number }>;
  undated: number;
  reasons: Array<{ reason: string; count: number }>;
  topAccounts: AccountRow[];
  topCampaigns: CampaignRow[];
}

interface Head {
  /** The custody head, as a cache key. */
  key: string;
  /** An acquisition of the case is running. */
  running: boolean;
}

async function headOf(knex: Knex, caseId: number): Promise<Head> {
  const head = (await knex('custody_events').where({ case_id: caseId }).max({ seq: 'seq' }).first()) as {
    seq: number | null;
  };
  const running = (await knex('acquisitions')
    .where({ case_id: caseId, status: 'running' })
    .count({ n: '*' })
    .first()) as { n: number | string };
  return { key: `${head.seq ?? 0}`, running: Number(running.n) > 0 };
}

/** The dashboard's figures, counted now (seconds at a million messages). */
export async function computeDashboard(knex: Knex, caseId: number, slug: string): Promise<Dashboard> {
  const perDay = await deliveriesPerDay(knex, caseId);
  return {
    report: await caseReport(knex, slug),
    days: perDay.days,
    undated: perDay.undated,
    reasons: await rejectionReasons(knex, caseId),
    topAccounts: (await listAccounts(knex, caseId, { sort: 'deliveries', order: 'desc', limit: DASHBOARD_TOP })).rows,
    topCampaigns: (await listCampaigns(knex, caseId, { sort: 'messages', limit: DASHBOARD_TOP, servingRequest: true }))
      .rows,
  };
}

/**
 * A dashboard computed with no acquisition running, at custody head `key` (`at`: when, ms since 1970). A web
 * upload's ingest process computes it at its end and hands it to the server (upload-jobs.ts), so the server's
 * next view does not count the case on its serving thread.
 */
export interface SettledDashboard {
  key: string;
  value: Dashboard;
  at: number;
}

export class CaseFigures {
  private readonly dashboards = new Map<number, { key: string; value: Dashboard; at: number; settled: boolean }>();
  /**
   * Dashboard computations in flight per case and kind: one started while an acquisition ran never answers a view
   * after it ended.
   */
  private readonly computing = new Map<string, Promise<Dashboard>>();
  private readonly entries = new Map<string, { key: string; value: unknown }>();

  /**
   * `whileRunning` computes the dashboard while an acquisition of the case runs (the server: in another process);
   * without it, it is computed here, as with no acquisition running. `writing` says that a writer this process
   * started is still at work on the case (the server: an upload job, which also clusters and recounts after its
   * acquisitions end, then hands its settled dashboard over): the case is then treated as if an acquisition ran.
   */
  constructor(
    private readonly knex: Knex,
    private readonly whileRunning?: (caseId: number, slug: string) => Promise<Dashboard>,
    private readonly writing: (caseId: number) => boolean = () => false,
  ) {}

  /** The dashboard's figures; `asOf` (ISO 8601) is when they were computed, set while an acquisition runs. */
  async dashboard(caseId: number, slug: string): Promise<Dashboard & { asOf: string | null }> {
    const head = await headOf(this.knex, caseId);
    const cached = this.dashboards.get(caseId);
    if (!head.running && !this.writing(caseId)) {
      if (cached?.settled && cached.key === head.key) return { ...cached.value, asOf: null };
      return { ...(await this.computeOnce(caseId, slug, head.key, true)), asOf: null };
    }
    if (!cached) {
      const value = await this.computeOnce(caseId, slug, head.key, false);
      return { ...value, asOf: new Date(this.dashboards.get(caseId)?.at ?? Date.now()).toISOString() };
    }
    // A failed background computation is retried by a later view; the figures shown stay as they were.
    if (Date.now() - cached.at > RUNNING_REFRESH_MS)
      this.computeOnce(caseId, slug, head.key, false).catch(() => undefined);
    return { ...cached.value, asOf: new Date(cached.at).toISOString() };
  }

  /** The settled dashboard kept for the case, if one is (computed by dashboard() with no acquisition running). */
  settledDashboard(caseId: number): SettledDashboard | null {
    const d = this.dashboards.get(caseId);
    return d?.settled ? { key: d.key, value: d.value, at: d.at } : null;
  }

  /**
   * Keep a settled dashboard computed by another process on the same database, unless the one kept is for a later
   * custody head. A later view checks the head as always: a dashboard for an older head is computed again.
   */
  keepDashboard(caseId: number, d: SettledDashboard): void {
    const kept = this.dashboards.get(caseId);
    if (kept && Number(kept.key) > Number(d.key)) return;
    this.dashboards.set(caseId, { key: d.key, value: d.value, at: d.at, settled: true });
  }

  /**
   * The damages under the case's chosen rule set (`chosenRules`, as stored), as `spamcase damages` computes them
   * (with the warning when the file changed since it was chosen); kept per custody head and rule set bytes.
   */
  async chosenDamages(caseId: number, slug: string, chosenRules: string): Promise<DamagesResult> {
    const sha = loadRuleSet(chosenRules).sha256;
    return this.atHead(caseId, 'damages', sha, async () => (await caseDamages(this.knex, slug)).result);
  }

  /**
   * Defendant suggestions (groups of accounts with their reasons, the shared infrastructure left out), kept per
   * custody head and threshold.
   */
  async suggestions(caseId: number, maxAccountsPerIp = SHARED_IP_MAX_ACCOUNTS): Promise<DefendantSuggestions> {
    return this.atHead(caseId, 'suggestions', String(maxAccountsPerIp), () =>
      suggestDefendants(this.knex, caseId, { maxAccountsPerIp }),
    );
  }

  /** The value for (case, name, extra) at the case's current custody head, computed when missing. */
  private async atHead<T>(caseId: number, name: string, extra: string, compute: () => Promise<T>): Promise<T> {
    const head = await headOf(this.knex, caseId);
    const slot = `${caseId}:${name}`;
    const key = `${head.key}:${extra}`;
    const hit = this.entries.get(slot);
    if (!head.running && hit?.key === key) return hit.value as T;
    const value = await compute();
    if (!head.running) this.entries.set(slot, { key, value });
    return value;
  }

  private computeOnce(caseId: number, slug: string, key: string, settled: boolean): Promise<Dashboard> {
    const slot = `${caseId}:${settled}`;
    const inFlight = this.computing.get(slot);
    if (inFlight) return inFlight;
    const at = Date.now();
    const compute = !settled && this.whileRunning ? this.whileRunning : computeDashboard.bind(null, this.knex);
    const p = (async () => {
      const value = await compute(caseId, slug);
      // A settled dashboard kept meanwhile (an upload job's, at its end) is newer than figures started before it.
      const kept = this.dashboards.get(caseId);
      if (!(kept?.settled && !settled && kept.at >= at)) this.dashboards.set(caseId, { key, value, at, settled });
      return value;
    })().finally(() => this.computing.delete(slot));
    this.computing.set(slot, p);
    return p;
  }
}
