/** Sign-in, sign-out, language setting. */
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { authenticate, setLanguage, LANGS, type Lang } from '../../users/users.ts';
import { createSession, deleteSession, purgeExpiredSessions } from '../sessions.ts';
import { clearSessionCookie, setSessionCookie } from '../security.ts';
import { BACK_MAX, bodyString, queryString, renderPage, safeNext } from './common.ts';
import { SpamcaseError } from '../../errors.ts';

export function authRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/login',
      access: 'public',
      async handler(req, res, state) {
        if (state.user) {
          res.redirect(303, '/');
          return;
        }
        if (!state.session) {
          // An anonymous session carries the sign-in form's CSRF token; it is replaced at sign-in.
          const { id, session } = await createSession(state.ctx.db.knex, null, state.ctx.clock());
          state.session = session;
          setSessionCookie(req, res, id);
        }
        renderPage(deps().templates, res, state, 'login.njk', {
          next: safeNext(queryString(req, 'next', 500)),
          error: null,
        });
      },
    },
    {
      method: 'POST',
      path: '/login',
      access: 'public',
      async handler(req, res, state) {
        const { throttle, templates, log } = deps();
        const username = bodyString(req, 'username', 64).trim().toLowerCase();
        const password = bodyString(req, 'password', 1024);
        const next = safeNext(bodyString(req, 'next', 500));
        const ip = req.ip ?? 'unknown';
        const knex = state.ctx.db.knex;
        if (throttle.blocked(username, ip)) {
          log({ event: 'auth.throttled', user: username, ip });
          renderPage(templates, res, state, 'login.njk', { next, error: state.t('login.throttled'), username }, 429);
          return;
        }
        const user = username && password ? await authenticate(knex, username, password) : null;
        if (!user) {
          throttle.failed(username, ip);
          log({ event: 'auth.failed', user: username, ip });
          renderPage(templates, res, state, 'login.njk', { next, error: state.t('login.failed'), username }, 401);
          return;
        }
        throttle.succeeded(username);
        const now = state.ctx.clock();
        if (state.session) await deleteSession(knex, state.session.idHash);
        await purgeExpiredSessions(knex, now);
        const { id } = await createSession(knex, user.id, now);
        setSessionCookie(req, res, id);
        log({ event: 'auth.signed-in', user: user.username, ip });
        res.redirect(303, next);
      },
    },
    {
      method: 'POST',
      path: '/logout',
      access: 'signed-in',
      async handler(req, res, state) {
        if (state.session) await deleteSession(state.ctx.db.knex, state.session.idHash);
        clearSessionCookie(req, res);
        res.redirect(303, '/login');
      },
    },
    {
      method: 'POST',
      path: '/settings/language',
      access: 'signed-in',
      async handler(req, res, state) {
        const lang = bodyString(req, 'lang', 8);
        if (lang !== '' && !(LANGS as readonly string[]).includes(lang))
          throw new SpamcaseError('INVALID_INPUT', 'unknown language');
        await setLanguage(state.ctx.db.knex, state.user!.id, lang === '' ? null : (lang as Lang));
        res.redirect(303, safeNext(bodyString(req, 'back', BACK_MAX)));
      },
    },
  ];
}
