/**
 * Interface text in English and French from message catalogues (templates/web/i18n/<lang>.json,
 * adaptable without code). The language is the user's setting, else the browser's Accept-Language,
 * else English. A key missing from a catalogue falls back to English, then to the key itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import { LANGS, type Lang } from '../users/users.ts';
import { neutralize } from '../hidden-text.ts';

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

const catalogues = new Map<Lang, Record<string, string>>();

export function catalogue(lang: Lang): Record<string, string> {
  let c = catalogues.get(lang);
  if (!c) {
    c = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, 'templates', 'web', 'i18n', `${lang}.json`), 'utf8'),
    ) as Record<string, string>;
    catalogues.set(lang, c);
  }
  return c;
}

const numberFormats: Record<Lang, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US'),
  fr: new Intl.NumberFormat('fr-FR'),
};

export function translator(lang: Lang): Translate {
  const own = catalogue(lang);
  const fallback = catalogue('en');
  return (key, vars) => {
    const text = own[key] ?? fallback[key] ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => {
      const v = vars[name];
      if (v === undefined) return m;
      // A value from a message or a user (a file name, an address) cannot reorder the sentence around it.
      return typeof v === 'number' ? numberFormats[lang].format(v) : neutralize(v);
    });
  };
}

export function formatNumber(lang: Lang, n: number): string {
  return numberFormats[lang].format(n);
}

const LOCALES: Record<Lang, string> = { en: 'en-US', fr: 'fr-FR' };

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * An exact decimal amount ("450800.00", as damagesJson writes it) in the page's language and the
 * rule set's currency: `$450,800.00`, `€450,800.00`, `450 800,00 €`. The amount goes to Intl as
 * text, never through a JavaScript number, so no digit is rounded. CSV and JSON keep the plain text.
 */
export function formatMoney(lang: Lang, amount: string, currency: string): string {
  const key = `${lang} ${currency}`;
  let f = moneyFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang], { style: 'currency', currency });
    moneyFormats.set(key, f);
  }
  // Node 20's Intl formats a decimal string exactly (Intl.NumberFormat v3); the type says number.
  return f.format(amount as unknown as number);
}

const percentFormats: Record<Lang, Intl.NumberFormat> = {
  en: new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }),
  fr: new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 }),
};

/** part / whole as a percentage with at most one decimal ("45.6%", "45,6 %"); '' when whole is 0. */
export function formatPercent(lang: Lang, part: number, whole: number): string {
  return whole > 0 ? percentFormats[lang].format(part / whole) : '';
}

/** A date as a page shows it: the UTC instant (datetime=), the same in UTC words (title=), and local text. */
export interface ShownDate {
  iso: string;
  utc: string;
  local: string;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(lang: Lang, timeZone: string, style: 'datetime' | 'date'): Intl.DateTimeFormat {
  const key = `${lang} ${timeZone} ${style}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      LOCALES[lang],
      style === 'date'
        ? { timeZone, year: 'numeric', month: 'short', day: 'numeric' }
        : {
            timeZone,
            year: 'numeric',
            month: 'short',
            day: 'numeric',
            hour: 'numeric',
            minute: '2-digit',
            second: '2-digit',
            timeZoneName: 'short',
          },
    );
    dateFormats.set(key, f);
  }
  return f;
}

const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A stored UTC date (ISO 8601, or a bare UTC day "2005-03-01") in the case's time zone and the page's
 * language; null when the value is not a date (it is then shown as written). A bare day is a UTC day
 * and stays that day whatever the zone. `style: 'date'` leaves the time out.
 */
export function formatDate(
  lang: Lang,
  timeZone: string,
  value: string,
  style: 'datetime' | 'date' = 'datetime',
): ShownDate | null {
  const dayOnly = DAY_ONLY.test(value);
  const ms = Date.parse(dayOnly ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms) || (!dayOnly && !/(Z|[+-]\d{2}:?\d{2})$/i.test(value))) return null;
  const d = new Date(ms);
  const iso = d.toISOString();
  if (dayOnly) return { iso: value, utc: `${value} UTC`, local: dateFormat(lang, 'UTC', 'date').format(d) };
  return {
    iso,
    utc: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`,
    local: dateFormat(lang, timeZone, style).format(d),
  };
}

/** The first supported language in an Accept-Language header (q-values honoured), else null. */
export function langFromAcceptLanguage(header: string | undefined): Lang | null {
  if (!header) return null;
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: (tag ?? '').toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((x) => x.tag && Number.isFinite(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranked) if ((LANGS as readonly string[]).includes(r.tag)) return r.tag as Lang;
  return null;
}
