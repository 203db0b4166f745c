/** Reading CSV (RFC 4180) back: verify reads the bundle's items.csv with it, a chunk at a time. */
import { StringDecoder } from 'node:string_decoder';

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
