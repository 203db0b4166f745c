/**
 * HTML page templates live in templates/pages (adaptable without touching code). `{{name}}` is
 * replaced by the value, HTML-escaped; values built from other escaped fragments are passed as Html.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.ts';

export class Html {
  constructor(readonly value: string) {}
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function html(strings: TemplateStringsArray, ...values: Array<string | number | Html>): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += (v instanceof Html ? v.value : escapeHtml(String(v))) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

const cache = new Map<string, string>();

export function renderPage(name: string, vars: Record<string, string | Html>): string {
  let template = cache.get(name);
  if (template === undefined) {
    template = fs.readFileSync(path.join(PROJECT_ROOT, 'templates', 'pages', `${name}.html`), 'utf8');
    cache.set(name, template);
  }
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = vars[key];
    if (v === undefined) return '';
    return v instanceof Html ? v.value : escapeHtml(v);
  });
}
