/**
 * Pages are rendered on the server from templates/web/*.njk (Nunjucks, autoescaping on: every value
 * is HTML-escaped unless a template says otherwise, which none does for message content). Text from
 * messages goes through the `shown` filter: escaped, isolated in <bdi> (it cannot reorder the page
 * around it), each bidirectional control or invisible character shown as a marked U+202E and the
 * value flagged (server/hidden-text.ts); `escapedForm` gives the value as written, hidden characters
 * spelled \u{202E}, for the "as written" view; `shownRaw` is `shown` with that view one click away
 * (a <details> under the value) whenever the value holds a hidden character; `marked` is the plain
 * text form (each one as ⟦U+202E⟧) for places HTML cannot go: <title>, attribute values. The
 * `reason` filter marks them too (reasons quote addresses and header values), and so does every
 * value a catalogue sentence interpolates (server/web/i18n.ts). The list of places is in
 * docs/SECURITY.md, "Hidden characters". Dates go through the `when` filter: a <time> with the UTC instant in
 * datetime= and title=, shown in the case's time zone and the page's language.
 */
import path from 'node:path';
import nunjucks from 'nunjucks';
import { PROJECT_ROOT } from '../config.ts';
import { escapedForm, hasHidden, hiddenSegments, neutralize } from '../hidden-text.ts';
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
  env.addFilter('shownRaw', shownRawFilter);
  env.addFilter('marked', (v: unknown) => (v === null || v === undefined ? '' : neutralize(String(v))));
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

type FilterThis = { ctx?: { t?: (key: string) => string; lang?: Lang } };

/** Message text as HTML: escaped, in <bdi>, hidden characters marked and the whole flagged. */
function shownFilter(this: FilterThis, value: unknown): nunjucks.runtime.SafeString {
  if (value === null || value === undefined || value === '') return new nunjucks.runtime.SafeString('');
  return new nunjucks.runtime.SafeString(`<bdi class="msg">${markedHtml(String(value), this.ctx?.t)}</bdi>`);
}

/** `shown`, and when the value holds a hidden character, the value as written one click away. */
function shownRawFilter(this: FilterThis, value: unknown): nunjucks.runtime.SafeString {
  const html = shownFilter.call(this, value).toString();
  if (value === null || value === undefined || !hasHidden(String(value))) return new nunjucks.runtime.SafeString(html);
  const summary = this.ctx?.t?.('hidden.asWritten') ?? 'As written';
  return new nunjucks.runtime.SafeString(
    `${html}<details class="raw"><summary>${escapeHtml(summary)}</summary><code>${escapeHtml(escapedForm(String(value)))}</code></details>`,
  );
}

/** Escaped HTML of the text, each hidden character a marked U+202E and, if any, a ⚠ flag naming them first. */
function markedHtml(text: string, t: ((key: string) => string) | undefined): string {
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
    const label = t?.('hidden.flag') ?? 'hidden or direction-changing characters';
    html = `<span class="hidden-flag" role="img" aria-label="${escapeHtml(label)}" title="${escapeHtml(label)}: ${escapeHtml(
      [...new Set(hidden.map((s) => s.hidden!))].join(', '),
    )}">⚠</span> ${html}`;
  }
  return html;
}

/**
 * A reason the domain wrote in English, in the page's language (server/web/reasons.ts). One no
 * catalogue pattern knows stays English and says so: lang="en", data-untranslated.
 */
function reasonFilter(this: FilterThis, value: unknown): nunjucks.runtime.SafeString {
  if (value === null || value === undefined || value === '') return new nunjucks.runtime.SafeString('');
  const { text, translated } = translateReason(this.ctx?.lang ?? 'en', String(value));
  const html = hasHidden(text) ? `<bdi class="msg">${markedHtml(text, this.ctx?.t)}</bdi>` : escapeHtml(text);
  return new nunjucks.runtime.SafeString(translated ? html : `<span lang="en" data-untranslated="1">${html}</span>`);
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
