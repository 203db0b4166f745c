/**
 * The web app, built by createApp(ctx, options); it never listens on import (server.ts listens).
 * Every route comes from the ROUTES table (routes.ts) with its access level; the access check, the
 * CSRF check and the error handling are applied here, once, for all of them. Typed errors become
 * HTTP statuses in handleError and only there; an unknown error is a generic page with an id, its
 * details only in the structured log (which never holds bodies, passwords or session ids).
 */
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Context } from '../context.ts';
import { isSpamcaseError, SpamcaseError } from '../errors.ts';
import { caseForUser } from '../cases/members.ts';
import { getUserById, type Lang } from '../users/users.ts';
import { langFromAcceptLanguage, translator } from './i18n.ts';
import { createTemplates } from './render.ts';
import { loadSession } from './sessions.ts';
import { checkCsrfToken, checkSameOrigin, readCookie, sessionCookieName, setSecurityHeaders } from './security.ts';
import { LoginThrottle } from './throttle.ts';
import { UploadJobRunner } from './upload-jobs.ts';
import { SearchIndexRunner } from './search-jobs.ts';
import { ExportJobRunner, type ExportConfig } from './export-jobs.ts';
import { AttributionJobRunner } from './attribution-jobs.ts';
import { loadConfig } from '../config.ts';
import type { RequestState, RouteDef } from './http.ts';
import { buildRoutes, type WebDeps } from './routes.ts';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './upload-limits.ts';
import { CaseFigures } from '../usecases/case-figures.ts';
import { DashboardProcesses } from './dashboard-processes.ts';
import { webField, webMessage } from './fields.ts';

/** How often the server looks for acquisitions whose process is gone (upload-jobs.ts markInterrupted). */
export const INTERRUPTED_CHECK_MS = 60_000;

export interface AppOptions {
  /** Express "trust proxy": set when a TLS-terminating proxy sits in front (cookies then get Secure). */
  trustProxy?: boolean | number | string;
  /** Structured log sink (one object per event); default: JSON lines on stderr. */
  log?: (entry: Record<string, unknown>) => void;
  /** Upload limits; each may only be lowered below the built-in maximum, never switched off. */
  uploadLimits?: Partial<UploadLimits>;
  /** Signing key, organization and timestamp authority for bundles and PDFs; default: loadConfig() when a job runs. */
  exportConfig?: ExportConfig;
}

export interface WebApp {
  app: express.Express;
  routes: readonly RouteDef[];
  jobs: UploadJobRunner;
  exportJobs: ExportJobRunner;
  attributionJobs: AttributionJobRunner;
  /** The processes that count the dashboard while an acquisition runs. */
  dashboards: DashboardProcesses;
  close(): Promise<void>;
}

const SLUG_PARAM = /^[a-z0-9][a-z0-9-]{0,62}$/;

function stateOf(res: Response): RequestState {
  return res.locals.state as RequestState;
}

function wantsJson(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/healthz';
}

export async function createApp(ctx: Context, options: AppOptions = {}): Promise<WebApp> {
  const log =
    options.log ??
    ((entry: Record<string, unknown>) =>
      process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`));
  const templates = createTemplates();
  // While an acquisition runs (a web upload's job, `spamcase ingest` elsewhere), the dashboard is counted in a
  // short-lived process of its own, never on the serving thread (dashboard-processes.ts).
  const dashboardProcesses = new DashboardProcesses(ctx.db.config);
  // An upload's job process computes the dashboard's figures at its end and hands them over, so the next visit is
  // fast without the server counting the case; it also indexes the new items for full-text search (upload-jobs.ts).
  // Until then (its clustering and recount included) the case counts as being written.
  const jobs: UploadJobRunner = new UploadJobRunner(ctx.db.knex, log, (caseId, dashboard) =>
    figures.keepDashboard(caseId, dashboard),
  );
  const figures = new CaseFigures(
    ctx.db.knex,
    (caseId, slug) => dashboardProcesses.compute(caseId, slug),
    (caseId) => jobs.busyWith(caseId),
  );
  const searchIndex = new SearchIndexRunner(log, () => jobs.busy());
  await jobs.recover(ctx);
  // A `spamcase ingest` killed while the server runs: its acquisition is found interrupted within a minute. Only a
  // read (of the running acquisitions) unless one is found; never two checks at once.
  let checking = false;
  const interruptedCheck = setInterval(() => {
    if (checking) return;
    checking = true;
    void jobs.markInterrupted(ctx).finally(() => {
      checking = false;
    });
  }, INTERRUPTED_CHECK_MS);
  interruptedCheck.unref();
  searchIndex.scheduleAll(ctx);
  const uploadLimits: UploadLimits = { ...DEFAULT_UPLOAD_LIMITS };
  for (const [k, v] of Object.entries(options.uploadLimits ?? {}) as Array<[keyof UploadLimits, number]>) {
    if (!Number.isInteger(v) || v <= 0)
      throw new SpamcaseError('CONFIG_INVALID', `upload limit ${k} must be a positive whole number`);
    uploadLimits[k] = Math.min(v, DEFAULT_UPLOAD_LIMITS[k]);
  }
  const exportJobs = new ExportJobRunner(() => options.exportConfig ?? loadConfig(), log);
  // After a re-attribution, the dashboard's figures are computed again right away.
  const attributionJobs = new AttributionJobRunner(
    log,
    () => jobs.busy(),
    async (caseId, slug) => {
      await figures.dashboard(caseId, slug);
    },
  );
  const deps: WebDeps = {
    templates,
    jobs,
    exportJobs,
    attributionJobs,
    throttle: new LoginThrottle(),
    log,
    uploadLimits,
    figures,
  };

  const routes = buildRoutes(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = crypto.randomUUID();
    setSecurityHeaders(req, res);
    res.on('finish', () => {
      const state = res.locals.state as RequestState | undefined;
      log({
        event: 'http.request',
        requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        user: state?.user?.username,
      });
    });
    const lang = langFromAcceptLanguage(req.headers['accept-language']) ?? 'en';
    const state: RequestState = { ctx, user: null, session: null, lang, t: translator(lang), access: null, requestId };
    res.locals.state = state;
    next();
  });

  // The session and its user, on every request.
  app.use(async (req, res, next) => {
    const state = stateOf(res);
    const now = ctx.clock();
    const session = await loadSession(ctx.db.knex, readCookie(req, sessionCookieName(req)), now);
    if (session) {
      state.session = session;
      if (session.userId !== null) {
        const user = await getUserById(ctx.db.knex, session.userId);
        if (user) {
          state.user = user;
          state.ctx = { ...ctx, actor: `web:${user.username}` };
          const lang: Lang = user.lang ?? state.lang;
          state.lang = lang;
          state.t = translator(lang);
        }
      }
    }
    next();
  });

  const formBody = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 });

  for (const route of routes) {
    const chain: express.RequestHandler[] = [];
    chain.push(async (req, res, next) => {
      const state = stateOf(res);
      if (route.access !== 'public' && !state.user) {
        if (wantsJson(req)) throw new SpamcaseError('UNAUTHENTICATED', 'sign in first');
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl.slice(0, 500))}`);
        return;
      }
      const user = state.user;
      if (route.access === 'editor' && user!.role === 'viewer')
        throw new SpamcaseError('FORBIDDEN', 'viewers cannot do this');
      if (route.access === 'admin' && user!.role !== 'admin')
        throw new SpamcaseError('FORBIDDEN', 'only an admin can do this');
      if (route.access === 'case-read' || route.access === 'case-write') {
        const slug = String(req.params.slug ?? '');
        if (!SLUG_PARAM.test(slug)) throw new SpamcaseError('CASE_NOT_FOUND', 'no such case');
        state.access = await caseForUser(ctx.db.knex, user!, slug);
        if (route.access === 'case-write' && !state.access.canWrite)
          throw new SpamcaseError('FORBIDDEN', 'viewers cannot change a case');
      }
      next();
    });
    if (route.method === 'POST') {
      if (!route.multipart) chain.push(formBody);
      chain.push((req, res, next) => {
        checkSameOrigin(req);
        const headerToken = req.headers['x-csrf-token'];
        if (route.multipart) {
          if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data'))
            throw new SpamcaseError('INVALID_INPUT', 'expected a multipart form');
          if (headerToken !== undefined) checkCsrfToken(stateOf(res).session, headerToken);
        } else {
          checkCsrfToken(stateOf(res).session, headerToken ?? (req.body as Record<string, unknown> | undefined)?._csrf);
        }
        next();
      });
    }
    chain.push(async (req, res) => {
      await route.handler(req, res, stateOf(res));
    });
    if (route.method === 'GET') app.get(route.path, ...chain);
    else app.post(route.path, ...chain);
  }

  app.use((_req, _res, next) => next(new SpamcaseError('NOT_FOUND', 'no such page')));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const state = (res.locals.state as RequestState | undefined) ?? {
      t: translator('en'),
      lang: 'en' as Lang,
      user: null,
      session: null,
      requestId: crypto.randomUUID(),
    };
    let status = 500;
    let code = 'INTERNAL';
    let message = state.t('error.internal');
    let logId: string | null = null;
    let field: string | null = null;
    const bodyError = err as { type?: string; status?: number };
    if (isSpamcaseError(err)) {
      status = err.httpStatus;
      code = err.code;
      message =
        status === 404 ? state.t('error.notFound') : status >= 500 ? state.t('error.internal') : webMessage(err);
      if (status < 500 && status !== 404 && err.field !== undefined) field = webField(err.field);
      if (status >= 500) {
        logId = state.requestId;
        log({ event: 'http.error', logId, method: req.method, path: req.path, code: err.code, error: err.message });
      }
    } else if (
      typeof bodyError?.status === 'number' &&
      bodyError.status >= 400 &&
      bodyError.status < 500 &&
      typeof bodyError.type === 'string'
    ) {
      status = bodyError.status; // body-parser: too large, malformed
      code = 'INVALID_INPUT';
      message = state.t('error.badRequest');
    } else {
      logId = state.requestId;
      log({
        event: 'http.error',
        logId,
        method: req.method,
        path: req.path,
        error: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status);
    if (wantsJson(req)) {
      res.json({ error: { code, message, ...(field ? { field } : {}), ...(logId ? { logId } : {}) } });
      return;
    }
    res.type('html').send(
      templates.render('error.njk', {
        t: state.t,
        lang: state.lang,
        user: state.user,
        csrf: state.session?.csrfToken,
        status,
        message,
        logId,
        code,
      }),
    );
  });

  return {
    app,
    routes,
    jobs,
    exportJobs,
    attributionJobs,
    dashboards: dashboardProcesses,
    close: async () => {
      clearInterval(interruptedCheck);
      await Promise.all([jobs.close(), exportJobs.close(), searchIndex.close(), attributionJobs.close()]);
      dashboardProcesses.close();
    },
  };
}
