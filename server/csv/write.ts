/**
 * Writing CSV (RFC 4180: comma, CRLF, a field quoted when it holds a comma, quote, CR or LF, quotes
 * doubled; UTF-8 without BOM), for every CSV spamcase writes, under one of two named policies:
 *
 * | policy       | outputs                                                      | formulas |
 * | ------------ | ------------------------------------------------------------ | -------- |
 * | STAFF_CSV    | `spamcase accounts|ips|campaigns|damages --csv`; the web's    | guarded  |
 * |              | items, acquisitions, rejections, accounts, ips, campaigns    |          |
 * |              | and damages downloads                                        |          |
 * | EVIDENCE_CSV | the bundle's items.csv, accounts.csv, ips.csv,               | exact    |
 * |              | campaigns.csv, deliveries.csv, damages.csv                   |          |
 *
 * Why: staff open their downloads in a spreadsheet, and spam controls many values (addresses,
 * subjects, display names); a cell starting with = + - @, a tab or a CR is run as a formula there,
 * so STAFF_CSV prefixes it with a single quote, as OWASP advises against CSV injection. The
 * bundle's index files are evidence: an outside expert recounts every figure from them and matches
 * them to the items by hash, so EVIDENCE_CSV writes every value exactly as recorded, and
 * docs/BUNDLE.md says to import them as text. STAFF_CSV also shows each bidirectional control or
 * invisible character as a marker ⟦U+202E⟧ (server/hidden-text.ts), so a spreadsheet cannot show a
 * subject reordered; the bundle keeps them, exactly.
 */
import { neutralize } from '../hidden-text.ts';

export type Cell = string | number | boolean | null | undefined | readonly string[];

export interface CsvPolicy {
  name: 'staff' | 'evidence';
  /** Prefix a cell a spreadsheet would run as a formula with a single quote. */
  guardFormulas: boolean;
  /** Show bidirectional controls and invisible characters as visible markers. */
  markHidden: boolean;
}

export const STAFF_CSV: CsvPolicy = { name: 'staff', guardFormulas: true, markHidden: true };
export const EVIDENCE_CSV: CsvPolicy = { name: 'evidence', guardFormulas: false, markHidden: false };

/** What a spreadsheet runs as a formula (OWASP: = + - @, and tab and CR, which some readers strip first). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null and undefined are empty, a list is joined with "; ". */
export function csvCell(value: Cell, policy: CsvPolicy): string {
  let text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('; ') : String(value);
  if (policy.markHidden) text = neutralize(text);
  if (policy.guardFormulas && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row, with its CRLF. */
export function csvRow(cells: readonly Cell[], policy: CsvPolicy): string {
  return `${cells.map((c) => csvCell(c, policy)).join(',')}\r\n`;
}

/** A whole document: rows (the header first). */
export function csvText(rows: ReadonlyArray<readonly Cell[]>, policy: CsvPolicy): string {
  return rows.map((r) => csvRow(r, policy)).join('');
}
