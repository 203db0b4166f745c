/**
 * Pages are rendered on the server from templates/web/*.njk (Nunjucks, autoescaping on: every value
 * is HTML-escaped unless a template says otherwise, which none does for message content). Text from
 * messages goes through the `shown` filter: escaped, isolated in <bdi> (it cannot reorder the page
 * around it), each bidirectional control or invisible character shown as a marked U+202E and the
 * value flagged (server/hidden-text.ts); `escapedForm` gives the value as written, hidden characters
 * spelled \u{202E}, for the "as written" view. Dates go through the `when` filter: a <time> with the
 * UTC instant in datetime= and title=, shown in the case's time zone and the page's language.
 */
import path from 'node:path';
import nunjucks from 'nunjucks';
import { PROJECT_ROOT } from '../config.ts';
import { escapedForm, hasHidden, hiddenSegments } from '../hidden-text.ts';
import type { Lang } from '../users/users.ts';
import { translateReason } from './reasons.ts';
import { formatDate } from './i18n.ts';

export const TEMPLATE_DIR = path.join(PROJECT_ROOT, 'templates', 'web');

export function createTemplates(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATE_DIR, { noCache: false }), {
    autoescape: true,
    throwOnUndefined: false,
    trimBlocks: true,
    lstripBlocks: true,
  });
  env.addFilter('shown', shownFilter);
  env.addFilter('escapedForm', (v: unknown) => (v === null || v === undefined ? '' : escapedForm(String(v))));
  env.addFilter('reason', reasonFilter);
  env.addFilter('when', whenFilter);
  env.addGlobal('hasHidden', (v: unknown) => typeof v === 'string' && hasHidden(v));
  return env;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Message text as HTML: escaped, in <bdi>, hidden characters marked and the whole flagged. */
function shownFilter(this: { ctx?: { t?: (key: string) => string } }, value: unknown): nunjucks.runtime.SafeString {
  if (value === null || value === undefined || value === '') return new nunjucks.runtime.SafeString('');
  const text = String(value);
  const segments = hiddenSegments(text);
  const hidden = segments.filter((s) => s.hidden !== null);
  let html = segments
    .map((s) =>
      s.hidden === null
        ? escapeHtml(s.text)
        : `<span class="hidden-char" title="${escapeHtml(s.hidden)}">${escapeHtml(s.text)}</span>`,
    )
    .join('');
  if (hidden.length > 0) {
    const label = this.ctx?.t?.('hidden.flag') ?? 'hidden or direction-changing characters';
    html = `<span class="hidden-flag" role="img" aria-label="${escapeHtml(label)}" title="${escapeHtml(label)}: ${escapeHtml(
      [...new Set(hidden.map((s) => s.hidden!))].join(', '),
    )}">⚠</span> ${html}`;
  }
  return new nunjucks.runtime.SafeString(`<bdi class="msg">${html}</bdi>`);
}

/**
 * A reason the domain wrote in English, in the page's language (server/web/reasons.ts). One no
 * catalogue pattern knows stays English and says so: lang="en", data-untranslated.
 */
function reasonFilter(this: { ctx?: { lang?: Lang } }, value: unknown): nunjucks.runtime.SafeString {
  if (value === null || value === undefined || value === '') return new nunjucks.runtime.SafeString('');
  const { text, translated } = translateReason(this.ctx?.lang ?? 'en', String(value));
  return new nunjucks.runtime.SafeString(
    translated ? escapeHtml(text) : `<span lang="en" data-untranslated="1">${escapeHtml(text)}</span>`,
  );
}

/**
 * A stored UTC date as `<time datetime="…Z" title="… UTC">local</time>`: in the case's time zone (the
 * page's `kase`, or the zone given, e.g. each case's on the case list) and the page's language.
 * `{{ d | when }}`, `{{ d | when('date') }}`, `{{ d | when('date', c.timeZone) }}`. A value that is
 * not a date is shown as written; none as '—'.
 */
function whenFilter(
  this: { ctx?: { lang?: Lang; kase?: { timeZone?: string } | null } },
  value: unknown,
  style: 'datetime' | 'date' = 'datetime',
  timeZone?: string,
): nunjucks.runtime.SafeString {
  if (value === null || value === undefined || value === '') return new nunjucks.runtime.SafeString('—');
  const text = String(value);
  const zone = timeZone ?? this.ctx?.kase?.timeZone ?? 'UTC';
  const shown = formatDate(this.ctx?.lang ?? 'en', zone, text, style);
  if (!shown) return new nunjucks.runtime.SafeString(escapeHtml(text));
  return new nunjucks.runtime.SafeString(
    `<time datetime="${escapeHtml(shown.iso)}" title="${escapeHtml(shown.utc)}">${escapeHtml(shown.local)}</time>`,
  );
}
