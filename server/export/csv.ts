/**
 * Text formats of the bundle's index files.
 * CSV: written by server/csv/ under its EVIDENCE_CSV policy: values exactly as recorded, no
 * spreadsheet-formula escaping, since that would change evidence (docs/BUNDLE.md says to import as
 * text); read back by server/csv/parse.ts.
 * Concordance DAT: þ (U+00FE) around every field, DC4 (0x14) between fields, CRLF between rows,
 * UTF-8 with BOM; a newline inside a value becomes ® (0xAE), the Concordance convention, and þ
 * inside a value is dropped since it cannot be escaped. Control, direction and invisible characters
 * are written as visible markers ⟦U+202E⟧ (server/hidden-text.ts): the load file is what a review
 * platform shows reviewers, DC4 inside a subject would otherwise end its field and shift every
 * column after it, and the exact value stays in items.csv and the item itself.
 */
import { csvRow as policyRow, EVIDENCE_CSV } from '../csv/write.ts';
import { neutralize } from '../hidden-text.ts';

export { parseCsv, parseCsvChunks } from '../csv/parse.ts';

export type Cell = string | number | boolean | null | undefined;

/** One row of a bundle CSV: exact values (EVIDENCE_CSV). */
export function csvRow(cells: readonly Cell[]): string {
  return policyRow(cells, EVIDENCE_CSV);
}

export const DAT_QUOTE = '\u00fe';
export const DAT_SEPARATOR = '\u0014';
export const DAT_NEWLINE = '\u00ae';
export const DAT_BOM = '\ufeff';

export function datRow(cells: Cell[]): string {
  const field = (v: Cell) =>
    `${DAT_QUOTE}${
      v === null || v === undefined
        ? ''
        : neutralize(String(v))
            .replace(/\u00fe/g, '')
            .replace(/\r\n|\r|\n/g, DAT_NEWLINE)
    }${DAT_QUOTE}`;
  return `${cells.map(field).join(DAT_SEPARATOR)}\r\n`;
}
