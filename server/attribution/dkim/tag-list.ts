/**
 * The tag=value lists of RFC 6376 section 3.2, shared by DKIM-Signature fields and key records.
 * Tag names are case-sensitive; folding whitespace inside a value is removed; the first of a
 * repeated tag wins (a repeat is reported). Pure: no I/O.
 */

export interface TagList {
  tags: Map<string, string>;
  /** Tags written more than once (RFC 6376 section 3.2: such a list is invalid). */
  repeated: string[];
  /** Parts that are not `name=value` (garbage between semicolons). */
  malformed: string[];
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export function parseTagList(value: string): TagList {
  const tags = new Map<string, string>();
  const repeated: string[] = [];
  const malformed: string[] = [];
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? '' : part.slice(0, eq).trim();
    if (!TAG_NAME.test(name)) {
      malformed.push(part.trim().slice(0, 40));
      continue;
    }
    if (tags.has(name)) {
      repeated.push(name);
      continue;
    }
    tags.set(name, part.slice(eq + 1).replace(/[ \t\r\n]+/g, ''));
  }
  return { tags, repeated, malformed };
}
