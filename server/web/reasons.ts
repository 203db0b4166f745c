/**
 * Reasons written by the domain in English (attribution's "why", rejection reasons, DKIM results)
 * shown in the user's language. Each `why.*` value of the English catalogue is also the pattern of
 * the reason it translates: its {name} placeholders match the variable parts, and the French value
 * with the same key is written with what they matched. A reason no pattern matches is shown as the
 * domain wrote it (and marked untranslated on the page, for the French-pages test to find).
 */
import type { Lang } from '../users/users.ts';
import { catalogue } from './i18n.ts';

interface Pattern {
  key: string;
  re: RegExp;
  names: string[];
}

const patterns = new Map<Lang, Pattern[]>();

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compiled(): Pattern[] {
  let list = patterns.get('en');
  if (!list) {
    list = [];
    for (const [key, value] of Object.entries(catalogue('en'))) {
      if (!key.startsWith('why.') || key.startsWith('why.note.')) continue;
      const names: string[] = [];
      const source = value
        .split(/(\{\w+\})/)
        .map((part) => {
          const m = /^\{(\w+)\}$/.exec(part);
          if (!m) return escapeRe(part);
          names.push(m[1]!);
          return '(.+?)';
        })
        .join('');
      list.push({ key, re: new RegExp(`^${source}$`, 's'), names });
    }
    // The most literal text first: "client {ip} is private or reserved" before "client {ip} is {owner}".
    list.sort((a, b) => b.re.source.replace(/\(\.\+\?\)/g, '').length - a.re.source.replace(/\(\.\+\?\)/g, '').length);
    patterns.set('en', list);
  }
  return list;
}

/** The reason in the user's language, and whether a catalogue pattern knew it. */
export function translateReason(lang: Lang, text: string): { text: string; translated: boolean } {
  if (lang === 'en' || text === '') return { text, translated: true };
  const own = catalogue(lang);
  // A note the domain appends to any reason (" (party has no trusted relays configured)").
  for (const [key, note] of Object.entries(catalogue('en'))) {
    if (!key.startsWith('why.note.') || !text.endsWith(note) || text === note) continue;
    const rest = translateReason(lang, text.slice(0, -note.length));
    return { text: rest.text + (own[key] ?? note), translated: rest.translated && own[key] !== undefined };
  }
  for (const p of compiled()) {
    const m = p.re.exec(text);
    if (!m) continue;
    const template = own[p.key];
    if (template === undefined) return { text, translated: false };
    const vars = new Map(p.names.map((n, i) => [n, m[i + 1]!]));
    return { text: template.replace(/\{(\w+)\}/g, (all, name: string) => vars.get(name) ?? all), translated: true };
  }
  return { text, translated: false };
}
