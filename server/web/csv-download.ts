/**
 * A CSV download streamed page by page, so a list of a million rows never sits in memory; staff
 * open it in a spreadsheet, so it is written under the STAFF_CSV policy (server/csv/write.ts).
 */
import type { Response } from 'express';
import type { Page } from '../report/lists.ts';
import { csvRow, STAFF_CSV } from '../csv/write.ts';
import type { ListCsv } from '../usecases/lists.ts';

/** Rows per query while streaming a CSV download. */
export const CSV_CHUNK = 5000;

export async function streamCsv<T>(
  res: Response,
  filename: string,
  csv: ListCsv<T>,
  fetch: (after: string | null) => Promise<Page<T>>,
): Promise<void> {
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(csvRow(csv.columns, STAFF_CSV));
  let after: string | null = null;
  do {
    const page: Page<T> = await fetch(after);
    let chunk = '';
    for (const r of page.rows) chunk += csvRow(csv.cells(r), STAFF_CSV);
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    after = page.next;
  } while (after);
  res.end();
}
