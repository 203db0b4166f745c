/**
 * Text formats of the bundle's index files.
 * CSV: RFC 4180 (comma, CRLF, fields quoted when they hold a comma, quote, CR or LF; quotes
 * doubled), UTF-8 without BOM. Values are written exactly as recorded: no spreadsheet-formula
 * escaping, since that would change evidence (docs/BUNDLE.md says to import as text).
 * Concordance DAT: þ (U+00FE) around every field, DC4 (0x14) between fields, CRLF between rows,
 * UTF-8 with BOM; a newline inside a value becomes ® (0xAE), the Concordance convention, and þ
 * inside a value is dropped since it cannot be escaped.
 */
export type Cell = string | number | boolean | null | undefined;

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: Cell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const DAT_QUOTE = '\u00fe';
export const DAT_SEPARATOR = '\u0014';
export const DAT_NEWLINE = '\u00ae';
export const DAT_BOM = '\ufeff';

export function datRow(cells: Cell[]): string {
  const field = (v: Cell) =>
    `${DAT_QUOTE}${v === null || v === undefined ? '' : String(v).replace(/\u00fe/g, '').replace(/\r\n|\r|\n/g, DAT_NEWLINE)}${DAT_QUOTE}`;
  return `${cells.map(field).join(DAT_SEPARATOR)}\r\n`;
}

/** Parse one CSV document (RFC 4180) into rows; used by verify to read items.csv back. */
export function* parseCsv(text: string): Generator<string[]> {
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let any = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i += 1;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      yield row;
      row = [];
      field = '';
      any = false;
      i += 1;
      continue;
    } else field += c;
    any = true;
    i += 1;
  }
  if (any || row.length > 0) {
    row.push(field);
    yield row;
  }
}
