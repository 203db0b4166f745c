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
