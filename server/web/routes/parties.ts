/**
 * The Parties page: each party's trust (trusted relays, authserv-ids), changed by an editor as
 * `spamcase case party` changes it (the same use case, `partyTrust`, a `trust-changed` custody event),
 * then the case re-attributed in the background as `spamcase attribute` does it (attribution-jobs.ts,
 * ending in its `attributed` custody event). A job page shows its progress and refreshes itself
 * while it runs (a meta refresh: no script).
 */
import type { Request, Response } from 'express';
import type { RequestState, RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { SpamcaseError, isSpamcaseError } from '../../errors.ts';
import { parseInput } from '../../usecases/input.ts';
import { attributionCurrency, partyTrust, partyTrustInput } from '../../usecases/attribute.ts';
import { loadPartyTrust } from '../../attribution/party-trust.ts';
import type { AttributionJob } from '../attribution-jobs.ts';
import { webMessage } from '../fields.ts';
import { bodyString, renderPage } from './common.ts';

/** What one textarea may hold: the whole form body is at most 64 kB (app.ts). */
const TRUST_FIELD_MAX = 64_000;

/** One value per line (spaces and commas also separate: no valid relay or authserv-id holds one). */
function lines(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

function jobView(j: AttributionJob) {
  return { ...j, percent: j.total ? Math.floor((100 * j.items) / j.total) : j.status === 'done' ? 100 : 0 };
}

export function partyRoutes(deps: () => WebDeps): RouteDef[] {
  const caseOf = (state: RequestState) => state.access!.record;

  async function partiesView(state: RequestState) {
    const c = caseOf(state);
    const parties = [];
    for (const p of c.parties)
      parties.push({ name: p.name, batesPrefix: p.batesPrefix, trust: await loadPartyTrust(state.ctx.db.knex, p.id) });
    const currency = await attributionCurrency(state.ctx, c.slug);
    const jobs = deps().attributionJobs.list(c.id).slice(0, 5).map(jobView);
    const active = deps().attributionJobs.active(c.id);
    return { parties, currency, jobs, active: active ? jobView(active) : null };
  }

  async function page(
    res: Response,
    state: RequestState,
    extra: { error?: string | null; form?: { party: string; relays: string; authservIds: string } | null } = {},
    status = 200,
  ) {
    renderPage(
      deps().templates,
      res,
      state,
      'parties.njk',
      { ...(await partiesView(state)), error: extra.error ?? null, form: extra.form ?? null, section: 'parties' },
      status,
    );
  }

  const submitJob = (state: RequestState) =>
    deps().attributionJobs.submit(state.ctx, {
      caseId: caseOf(state).id,
      caseSlug: caseOf(state).slug,
      createdBy: state.user!.username,
    });

  const jobOf = (req: Request, state: RequestState) => {
    const id = String(req.params.job);
    const job = /^\d{1,9}$/.test(id) ? deps().attributionJobs.get(caseOf(state).id, Number(id)) : null;
    if (!job) throw new SpamcaseError('NOT_FOUND', 'no such re-attribution job');
    return job;
  };

  return [
    {
      method: 'GET',
      path: '/cases/:slug/parties',
      access: 'case-read',
      async handler(_req, res, state) {
        await page(res, state);
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/parties',
      access: 'case-read',
      async handler(_req, res, state) {
        const v = await partiesView(state);
        res.json({
          parties: v.parties.map((p) => ({
            party: p.name,
            batesPrefix: p.batesPrefix,
            trustedRelays: p.trust.relays,
            trustedAuthservIds: p.trust.authservIds,
          })),
          attribution: v.currency,
          jobs: v.jobs,
        });
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/parties/trust',
      access: 'case-write',
      async handler(req, res, state) {
        const form = {
          party: bodyString(req, 'party', 200),
          relays: bodyString(req, 'trusted_relays', TRUST_FIELD_MAX),
          authservIds: bodyString(req, 'trusted_authserv_ids', TRUST_FIELD_MAX),
        };
        try {
          const input = parseInput(partyTrustInput, {
            case: caseOf(state).slug,
            party: form.party,
            relays: lines(form.relays),
            authservIds: lines(form.authservIds),
          });
          // Both lists are always given: the form shows the whole trust, an emptied box empties the list.
          await partyTrust(state.ctx, input.case, input.party, {
            relays: input.relays ?? [],
            authservIds: input.authservIds ?? [],
          });
        } catch (err) {
          if (isSpamcaseError(err) && err.httpStatus < 500) {
            await page(res, state, { error: webMessage(err), form }, err.httpStatus);
            return;
          }
          throw err;
        }
        const job = submitJob(state);
        res.redirect(303, `/cases/${caseOf(state).slug}/parties/jobs/${job.id}`);
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/parties/reattribute',
      access: 'case-write',
      async handler(_req, res, state) {
        const job = submitJob(state);
        res.redirect(303, `/cases/${caseOf(state).slug}/parties/jobs/${job.id}`);
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/parties/jobs/:job',
      access: 'case-read',
      async handler(req, res, state) {
        renderPage(deps().templates, res, state, 'attribution-job.njk', {
          job: jobView(jobOf(req, state)),
          section: 'parties',
        });
      },
    },
    {
      method: 'GET',
      path: '/api/cases/:slug/parties/jobs/:job',
      access: 'case-read',
      async handler(req, res, state) {
        res.json(jobView(jobOf(req, state)));
      },
    },
  ];
}
