/**
 * CSV for staff spreadsheets (RFC 4180). Spam controls many cell values (addresses, subjects), so a
 * cell that a spreadsheet would run as a formula (starting with = + - @, tab or CR) is prefixed
 * with a single quote, as OWASP advises against CSV injection.
 */
function cell(value: unknown): string {
  let text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('; ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(columns: string[], rows: Array<Record<string, unknown>>): string {
  return (
    [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n'
  );
}
