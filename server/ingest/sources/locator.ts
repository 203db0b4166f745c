/**
 * Locators: where a sample or file came from, relative to the input path (see README.md).
 *
 *   dir/a.eml                 file in the input directory ('/' between path segments)
 *   box.mbox#42               42nd entry of an mbox (1-based)
 *   archive.zip!dir/a.eml     member of a ZIP
 *   archive.zip!inner.zip!x   member of a ZIP inside a ZIP
 *   box.mbox.gz#3             gzip adds no segment: the decompressed bytes stand for the file
 *   report.eml/rfc822[1]      first inner message unwrapped from a report, forward or bounce
 *   archive.zip!a.eml[2]      second ZIP member with the same name as an earlier one
 *
 * The separators ! # [ ] and % itself, and control characters, are percent-encoded inside
 * names so that a locator always reads back one way.
 */

const NEEDS_ESCAPE = /[%!#[\]\x00-\x1f\x7f]/;
const ESCAPE_ALL = /[%!#[\]\x00-\x1f\x7f]/g;

/** A file or member name as it appears inside a locator. */
export function escapeName(name: string): string {
  if (!NEEDS_ESCAPE.test(name)) return name;
  return name.replace(ESCAPE_ALL, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function childPath(dirLocator: string, name: string): string {
  const escaped = escapeName(name);
  return dirLocator === '' ? escaped : `${dirLocator}/${escaped}`;
}

export function memberLocator(archiveLocator: string, memberName: string, occurrence: number): string {
  const base = `${archiveLocator}!${escapeName(memberName)}`;
  return occurrence > 1 ? `${base}[${occurrence}]` : base;
}

export function mboxEntryLocator(mboxLocator: string, entryNumber: number): string {
  return `${mboxLocator}#${entryNumber}`;
}

export function innerMessageLocator(wrapperLocator: string, index: number): string {
  return `${wrapperLocator}/rfc822[${index}]`;
}
