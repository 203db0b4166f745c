/**
 * What commands print, on standard output. When the reader of a pipe goes away
 * (`spamcase campaigns --case x | head -1`), the next write fails with EPIPE: the rest of the
 * output is dropped, the command ends as it would have, and the process exits quietly instead of
 * dying on an unhandled 'error' event with a stack trace (as `yes | head` does).
 */
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

/** One line. */
export function out(line = ''): void {
  write(`${line}\n`);
}

/** A value as indented JSON, for scripts. */
export function json(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

let numberFormat: Intl.NumberFormat | null = null;
/** Whole numbers with thousands separators (12,345). The formatter is made on first use: it costs tens of ms. */
export const fmtInt = {
  format: (n: number | bigint): string => (numberFormat ??= new Intl.NumberFormat('en-US')).format(n),
};
