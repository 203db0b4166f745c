/** A CSV download streamed page by page, so a list of a million rows never sits in memory. */
import type { Response } from 'express';
import type { Page } from '../report/lists.ts';
import { csvLine } from './routes/common.ts';

/** Rows per query while streaming a CSV download. */
export const CSV_CHUNK = 5000;

export async function streamCsv<T>(
  res: Response,
  filename: string,
  header: string[],
  fetch: (after: string | null) => Promise<Page<T>>,
  row: (r: T) => Array<string | number | boolean | null>,
): Promise<void> {
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(csvLine(header));
  let after: string | null = null;
  do {
    const page: Page<T> = await fetch(after);
    let chunk = '';
    for (const r of page.rows) chunk += csvLine(row(r));
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    after = page.next;
  } while (after);
  res.end();
}
