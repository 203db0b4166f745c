/**
 * What commands print, on standard output. A line for people (`out`) shows each control, direction
 * or invisible character of the evidence as a marker ⟦U+202E⟧ (server/hidden-text.ts), as the web
 * pages and staff CSVs do: an ESC in a subject would otherwise drive the terminal and an override
 * reorder the line. JSON for scripts (`json`) and CSV (`write`) are written as they are (CSV under
 * its own policy, server/csv/write.ts). When the reader of a pipe goes away
 * (`spamcase campaigns --case x | head -1`), the next write fails with EPIPE: the rest of the
 * output is dropped, the command ends as it would have, and the process exits quietly instead of
 * dying on an unhandled 'error' event with a stack trace (as `yes | head` does).
 */
import { neutralize } from '../hidden-text.ts';

let closed = false;
let guarded = false;

/** Before the first write (once): EPIPE on stdout marks it closed; any other error is thrown as before. */
export function guardStdout(stream: NodeJS.WriteStream = process.stdout): void {
  if (guarded) return;
  guarded = true;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed = true;
      return;
    }
    throw err;
  });
}

/** Text as it is (CSV, a table written in one piece). */
export function write(text: string): void {
  if (closed) return;
  process.stdout.write(text);
}

/** One line for people, hidden characters marked. */
export function out(line = ''): void {
  write(`${neutralize(line)}\n`);
}

/** A value as indented JSON, for scripts: exact (JSON escapes C0 controls itself). */
export function json(value: unknown): void {
  write(`${JSON.stringify(value, null, 2)}\n`);
}

let numberFormat: Intl.NumberFormat | null = null;
/** Whole numbers with thousands separators (12,345). The formatter is made on first use: it costs tens of ms. */
export const fmtInt = {
  format: (n: number | bigint): string => (numberFormat ??= new Intl.NumberFormat('en-US')).format(n),
};
