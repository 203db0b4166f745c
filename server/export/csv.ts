/**
 * Text formats of the bundle's index files.
 * CSV: RFC 4180 (comma, CRLF, fields quoted when they hold a comma, quote, CR or LF; quotes
 * doubled), UTF-8 without BOM. Values are written exactly as recorded: no spreadsheet-formula
 * escaping, since that would change evidence (docs/BUNDLE.md says to import as text).
 * Concordance DAT: þ (U+00FE) around every field, DC4 (0x14) between fields, CRLF between rows,
 * UTF-8 with BOM; a newline inside a value becomes ® (0xAE), the Concordance convention, and þ
 * inside a value is dropped since it cannot be escaped.
 */
import { StringDecoder } from 'node:string_decoder';

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
    `${DAT_QUOTE}${
      v === null || v === undefined
        ? ''
        : String(v)
            .replace(/\u00fe/g, '')
            .replace(/\r\n|\r|\n/g, DAT_NEWLINE)
    }${DAT_QUOTE}`;
  return `${cells.map(field).join(DAT_SEPARATOR)}\r\n`;
}

/**
 * Parse one CSV document (RFC 4180) into rows; used by verify to read items.csv back. Fields are
 * sliced out of the text (never built character by character), so memory stays near the text's.
 */
export function* parseCsv(text: string): Generator<string[]> {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        let j = i + 1;
        let hasEscapes = false;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            j = n;
            break;
          }
          if (text[q + 1] === '"') {
            hasEscapes = true;
            j = q + 2;
            continue;
          }
          j = q;
          break;
        }
        field = text.slice(i + 1, j);
        if (hasEscapes) field = field.replace(/""/g, '"');
        i = Math.min(j + 1, n);
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\r' && text[j] !== '\n') j++;
        field = text.slice(i, j);
        i = j;
      }
      row.push(field);
      if (i < n && text[i] === ',') {
        i += 1;
        continue;
      }
      if (i < n && text[i] === '\r') i += 1;
      if (i < n && text[i] === '\n') i += 1;
      break;
    }
    yield row;
  }
}

/**
 * Parse a CSV document arriving in chunks (a member of a ZIP read a few MiB at a time): each chunk
 * is cut after its last line break that lies outside quotes (an even number of quote characters
 * before it, doubled quotes included), the complete rows are parsed with `parseCsv`, and the rest
 * waits for the next chunk. Memory is one chunk, whatever the document's size.
 */
export function* parseCsvChunks(chunks: Iterable<Buffer>): Generator<string[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for (const chunk of chunks) {
    const text = carry + decoder.write(chunk);
    let inQuotes = false;
    let cut = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10 && !inQuotes) cut = i + 1;
    }
    if (cut < 0) {
      carry = text;
      continue;
    }
    yield* parseCsv(text.slice(0, cut));
    carry = text.slice(cut);
  }
  carry += decoder.end();
  if (carry !== '') yield* parseCsv(carry);
}
