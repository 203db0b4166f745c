/** The case list, creating a case, health, static files. */
import fs from 'node:fs';
import path from 'node:path';
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { isSpamcaseError, SpamcaseError } from '../../errors.ts';
import { caseListRow, openCase, timeZoneInput, visibleCases } from '../../usecases/cases.ts';
import { setCaseTimeZone } from '../../cases/cases.ts';
import { parseInput } from '../../usecases/input.ts';
import { caseCreateInput } from '../../usecases/cases.ts';
import { formInput, webMessage } from '../fields.ts';
import { TEMPLATE_DIR } from '../render.ts';
import { bodyString, renderPage } from './common.ts';

/** The zones this server's Intl knows, offered as the case's time zone (any of them is accepted). */
export const TIME_ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];

const STATIC_FILES: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'progress.js': 'text/javascript; charset=utf-8',
};

export function caseRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      async handler(_req, res) {
        res.json({ ok: true });
      },
    },
    {
      method: 'GET',
      path: '/static/:file',
      access: 'public',
      async handler(req, res) {
        const file = String(req.params.file);
        const type = STATIC_FILES[file];
        if (!type) throw new SpamcaseError('NOT_FOUND', 'no such file');
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.type(type).send(fs.readFileSync(path.join(TEMPLATE_DIR, 'static', file)));
      },
    },
    {
      method: 'GET',
      path: '/',
      access: 'signed-in',
      async handler(_req, res, state) {
        const cases = await visibleCases(state.ctx.db.knex, state.user!);
        renderPage(deps().templates, res, state, 'cases.njk', { cases });
      },
    },
    {
      method: 'GET',
      path: '/api/cases',
      access: 'signed-in',
      async handler(_req, res, state) {
        res.json((await visibleCases(state.ctx.db.knex, state.user!)).map(caseListRow));
      },
    },
    {
      method: 'GET',
      path: '/cases/new',
      access: 'editor',
      async handler(_req, res, state) {
        renderPage(deps().templates, res, state, 'case-new.njk', {
          form: { slug: '', title: '', parties: '', jurisdiction: '', timeZone: 'UTC' },
          timeZones: TIME_ZONES,
          error: null,
        });
      },
    },
    {
      method: 'POST',
      path: '/cases',
      access: 'editor',
      async handler(req, res, state) {
        const form = {
          slug: bodyString(req, 'slug', 63).trim(),
          title: bodyString(req, 'title', 500),
          parties: bodyString(req, 'parties', 5000),
          jurisdiction: bodyString(req, 'jurisdiction', 200),
          timeZone: bodyString(req, 'time_zone', 64),
        };
        try {
          const input = parseInput(caseCreateInput, { ...form, parties: form.parties.split(/\r?\n/) });
          // The editor who made the case is its first member (admins see every case anyway).
          const created = await openCase(
            state.ctx,
            input,
            state.user!.role === 'admin' ? {} : { firstMember: state.user!.username },
          );
          res.redirect(303, `/cases/${created.slug}`);
        } catch (err) {
          if (isSpamcaseError(err) && err.httpStatus < 500) {
            renderPage(
              deps().templates,
              res,
              state,
              'case-new.njk',
              { form, timeZones: TIME_ZONES, error: webMessage(err) },
              err.httpStatus,
            );
            return;
          }
          throw err;
        }
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/settings',
      access: 'case-read',
      async handler(_req, res, state) {
        renderPage(deps().templates, res, state, 'case-settings.njk', {
          form: { timeZone: state.access!.record.timeZone },
          timeZones: TIME_ZONES,
          error: null,
        });
      },
    },
    {
      method: 'POST',
      path: '/cases/:slug/settings',
      access: 'case-write',
      async handler(req, res, state) {
        const c = state.access!.record;
        const raw = formInput(req, ['timeZone']);
        try {
          const input = parseInput(timeZoneInput, { ...raw, case: c.slug });
          await setCaseTimeZone(state.ctx, c.slug, input.timeZone);
        } catch (err) {
          if (isSpamcaseError(err) && err.httpStatus < 500) {
            renderPage(
              deps().templates,
              res,
              state,
              'case-settings.njk',
              {
                form: { timeZone: typeof raw.timeZone === 'string' ? raw.timeZone : '' },
                timeZones: TIME_ZONES,
                error: webMessage(err),
              },
              err.httpStatus,
            );
            return;
          }
          throw err;
        }
        res.redirect(303, `/cases/${c.slug}/settings`);
      },
    },
  ];
}
