/**
 * The PDF's wording and layout, one JSON file per language under templates/pdf/ (no logic in
 * them). Strings hold {placeholders}; a placeholder the code does not fill, or a key one language
 * lacks, is an error at load time or render time, never a silently empty line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import { SpamcaseError } from '../errors.ts';
import type { Lang } from './types.ts';

export const PDF_TEMPLATE_DIR = path.join(PROJECT_ROOT, 'templates', 'pdf');

export interface PdfLayout {
  pageSize: string;
  margins: { top: number; bottom: number; left: number; right: number };
  titleSize: number;
  headingSize: number;
  bodySize: number;
  tableSize: number;
  smallSize: number;
  chartHeight: number;
  accent: string;
  rule: string;
  headerFill: string;
  seriesColors: string[];
}

type TextValue = string | string[] | Record<string, string>;

export interface PdfTemplate {
  lang: string;
  layout: PdfLayout;
  number: { thousands: string; decimal: string; money: string };
  text: Record<string, TextValue>;
}

const cache = new Map<string, PdfTemplate>();

export function loadPdfTemplate(lang: Lang, dir = PDF_TEMPLATE_DIR): PdfTemplate {
  const file = path.join(dir, `${lang}.json`);
  const hit = cache.get(file);
  if (hit) return hit;
  let parsed: PdfTemplate;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as PdfTemplate;
  } catch (err) {
    throw new SpamcaseError('CONFIG_INVALID', `PDF template ${file} cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const problems: string[] = [];
  if (typeof parsed.lang !== 'string') problems.push('"lang" must be a string');
  if (typeof parsed.layout !== 'object' || parsed.layout === null) problems.push('"layout" is missing');
  if (
    typeof parsed.number?.thousands !== 'string' ||
    typeof parsed.number?.decimal !== 'string' ||
    !parsed.number?.money?.includes('{amount}')
  ) {
    problems.push('"number" needs "thousands", "decimal" and "money" (with {amount})');
  }
  if (typeof parsed.text !== 'object' || parsed.text === null) problems.push('"text" is missing');
  if (problems.length > 0) throw new SpamcaseError('CONFIG_INVALID', `PDF template ${file}: ${problems.join('; ')}`);
  cache.set(file, parsed);
  return parsed;
}

/** Fill {name} placeholders; a placeholder without a value is a programming error. */
export function fill(template: string, vars: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`PDF template placeholder {${name}} has no value`);
    return String(v);
  });
}

/** Accessors that name the missing key instead of printing "undefined". */
export class Wording {
  constructor(readonly template: PdfTemplate) {}

  s(key: string, vars?: Record<string, string | number>): string {
    const v = this.template.text[key];
    if (typeof v !== 'string')
      throw new SpamcaseError('CONFIG_INVALID', `PDF template (${this.template.lang}) has no text "${key}"`);
    return fill(v, vars);
  }

  list(key: string, vars?: Record<string, string | number>): string[] {
    const v = this.template.text[key];
    if (!Array.isArray(v))
      throw new SpamcaseError('CONFIG_INVALID', `PDF template (${this.template.lang}) has no list "${key}"`);
    return v.map((line) => fill(line, vars));
  }

  /** A name from a map (method names, custody actions); unknown names print as they are. */
  name(key: string, value: string): string {
    const v = this.template.text[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new SpamcaseError('CONFIG_INVALID', `PDF template (${this.template.lang}) has no map "${key}"`);
    return v[value] ?? value;
  }

  int(n: number): string {
    const sign = n < 0 ? '-' : '';
    const digits = String(Math.trunc(Math.abs(n)));
    return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, this.template.number.thousands);
  }

  /** An integer amount in minor units, with the currency's number of decimals. */
  money(minor: number, currency: string): string {
    const decimals = currencyDecimals(currency);
    const abs = Math.abs(minor);
    const scale = 10 ** decimals;
    const major = Math.floor(abs / scale);
    const frac = decimals > 0 ? this.template.number.decimal + String(abs % scale).padStart(decimals, '0') : '';
    return fill(this.template.number.money, { amount: `${minor < 0 ? '-' : ''}${this.int(major)}${frac}`, currency });
  }
}

export function currencyDecimals(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "2026-11-27T23:10:45.123Z" => "2026-11-27". */
export function isoDay(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '';
}

/** "2026-11-27T23:10:45.123Z" => "2026-11-27 23:10 UTC". */
export function isoMinute(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '';
}
