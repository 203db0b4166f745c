/** Small helpers every page handler uses: render a page with the shared layout variables, read query values. */
import type { Request, Response } from 'express';
import nunjucks from 'nunjucks';
import { SpamcaseError } from '../../errors.ts';
import { formatMoney, formatNumber, formatPercent } from '../i18n.ts';
import { escapeHtml } from '../render.ts';
import type { RequestState } from '../http.ts';

/** Longest page address the language switch sends back (routes/auth.ts reads `back` up to this). */
export const BACK_MAX = 500;

export function renderPage(
  templates: nunjucks.Environment,
  res: Response,
  state: RequestState,
  template: string,
  vars: Record<string, unknown> = {},
  status = 200,
): void {
  const n = (x: number | null | undefined) => (x === null || x === undefined ? '' : formatNumber(state.lang, x));
  // Exact decimal amounts ("450800.00") in the rule set's currency; percentages of a total.
  const money = (amount: string | null | undefined, currency: string) =>
    amount === null || amount === undefined ? '' : formatMoney(state.lang, amount, currency);
  const pct = (part: number, whole: number) => formatPercent(state.lang, part, whole);
  // The language switch comes back to this page (the `back` field holds at most BACK_MAX characters).
  const req = res.req;
  const back = req.method === 'GET' ? (req.originalUrl.length <= BACK_MAX ? req.originalUrl : req.path) : '/';
  res
    .status(status)
    .type('html')
    .send(
      templates.render(template, {
        t: state.t,
        th: (key: string, vars: Record<string, unknown> = {}) => translateHtml(state.t, n, key, vars),
        n,
        money,
        pct,
        lang: state.lang,
        user: state.user,
        csrf: state.session?.csrfToken ?? '',
        kase: state.access?.record ?? null,
        canWrite: state.access?.canWrite ?? false,
        back,
        ...vars,
      }),
    );
}

/**
 * A catalogue sentence whose values may be markup a filter made (a date's <time>): the sentence and
 * every plain value are escaped, a value already marked safe is put in as it is.
 */
function translateHtml(
  t: (key: string) => string,
  n: (x: number) => string,
  key: string,
  vars: Record<string, unknown>,
): nunjucks.runtime.SafeString {
  const safe: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars))
    safe[k] =
      v instanceof nunjucks.runtime.SafeString
        ? String(v)
        : typeof v === 'number'
          ? n(v)
          : escapeHtml(v === null || v === undefined ? '' : String(v as string));
  const template = escapeHtml(t(key));
  return new nunjucks.runtime.SafeString(template.replace(/\{(\w+)\}/g, (m, name: string) => safe[name] ?? m));
}

export function queryString(req: Request, name: string, max = 300): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw new SpamcaseError('INVALID_INPUT', `query parameter ${name} is not valid`);
  return v;
}

export function bodyString(req: Request, name: string, max = 1000): string {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  if (v === undefined) return '';
  if (typeof v !== 'string' || v.length > max) throw new SpamcaseError('INVALID_INPUT', `field ${name} is not valid`);
  return v;
}

/** A same-site path to return to after sign-in; anything else goes home. */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\r\n]/.test(next))
    return '/';
  return next;
}

export function attachmentFilename(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._ ()-]/g, '_').slice(0, 150) || 'download';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name.slice(0, 150))}`;
}
