/**
 * A custody event as staff read it: the action's name and a sentence in the user's language
 * (`custody.action.<action>`, `custody.sentence.<action>` in the catalogues, with the details'
 * values in their {placeholders}), then every detail the sentence does not use as "label: value"
 * (`custody.field.<key>`, else the key itself). The JSON that was hashed stays one click away.
 */
import type { CustodyAction } from '../custody/chain.ts';
import type { Lang } from '../users/users.ts';
import { catalogue, formatNumber, type Translate } from './i18n.ts';

/**
 * Every action the chain records, each with its name and sentence in both catalogues: a new action
 * in CustodyAction does not compile until it is added here (and to the catalogues).
 */
export const CUSTODY_ACTIONS: Readonly<Record<CustodyAction, true>> = {
  'case-created': true,
  'acquisition-started': true,
  acquired: true,
  'acquisition-interrupted': true,
  fsck: true,
  'dkim-verified': true,
  'damages-rules-chosen': true,
  'trust-changed': true,
  attributed: true,
  'defendant-created': true,
  'defendant-changed': true,
  'defendant-removed': true,
  'campaigns-clustered': true,
  'campaigns-merged': true,
  exported: true,
  verified: true,
  'member-added': true,
  'member-removed': true,
  'tag-created': true,
  'tag-renamed': true,
  'tag-deleted': true,
  tagged: true,
  untagged: true,
  'note-added': true,
  'note-removed': true,
  'time-zone-set': true,
};

export interface CustodyText {
  name: string;
  sentence: string | null;
  facts: Array<{ label: string; value: string }>;
}

/** Deep values are written out, never as JSON: "LPN: laposte.net, 193.251.0.0/16". */
function valueText(lang: Lang, t: Translate, v: unknown, depth = 0): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return formatNumber(lang, v);
  if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
  if (typeof v === 'string') return v;
  if (Array.isArray(v))
    return v.length === 0 ? '—' : v.map((x) => valueText(lang, t, x, depth + 1)).join(depth ? ', ' : '; ');
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${fieldLabel(t, k)} ${valueText(lang, t, x, depth + 1)}`)
      .join(', ');
  return String(v);
}

function fieldLabel(t: Translate, key: string): string {
  const label = t(`custody.field.${key}`);
  return `${label === `custody.field.${key}` ? key : label}:`;
}

export function custodyText(lang: Lang, t: Translate, action: string, details: Record<string, unknown>): CustodyText {
  const en = catalogue('en');
  const nameKey = `custody.action.${action}`;
  const sentenceKey = `custody.sentence.${action}`;
  const used = new Set<string>();
  let sentence: string | null = null;
  if (en[sentenceKey] !== undefined) {
    const template = t(sentenceKey);
    for (const m of template.matchAll(/\{(\w+)\}/g)) used.add(m[1]!);
    const vars: Record<string, string> = {};
    for (const k of used) vars[k] = valueText(lang, t, details[k]);
    sentence = t(sentenceKey, vars);
  }
  // An upload's source is the server's temporary copy: its file name is what staff know it by (the
  // path stays in the JSON that was hashed).
  if (typeof details.fileName === 'string') used.add('source');
  const facts = Object.entries(details)
    .filter(([k, v]) => !used.has(k) && v !== undefined)
    .map(([k, v]) => ({ label: fieldLabel(t, k), value: valueText(lang, t, v) }));
  return { name: en[nameKey] !== undefined ? t(nameKey) : action, sentence, facts };
}
