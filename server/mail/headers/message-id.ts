/**
 * Message-ID normalization: the key that joins the copies of one message captured at different
 * hops. Keeps the local part's case (it is opaque), lowercases the domain part.
 */

/** Remove comments (parenthesized, nestable) and all whitespace; quoted strings keep their content. */
function stripCommentsAndSpace(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += ch + (value[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth > 0) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
      continue;
    }
    if (quoted) {
      if (ch === '"') quoted = false;
      if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\n') out += ch;
      continue;
    }
    if (ch === '(') depth = 1;
    else if (ch === '"') {
      quoted = true;
      out += ch;
    } else if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\n') out += ch;
  }
  return out;
}

/**
 * "<ABC.123@Example.COM> (comment)" => "ABC.123@example.com". The first <...> if any, else the
 * trimmed value; whitespace and comments dropped; the part after the last "@" lowercased.
 * Null when nothing is left.
 */
export function normalizeMessageId(value: string): string | null {
  const clean = stripCommentsAndSpace(value);
  let id = clean;
  const open = clean.indexOf('<');
  if (open >= 0) {
    const close = clean.indexOf('>', open + 1);
    id = close >= 0 ? clean.slice(open + 1, close) : clean.slice(open + 1);
  }
  if (id === '') return null;
  const at = id.lastIndexOf('@');
  if (at >= 0) id = id.slice(0, at + 1) + id.slice(at + 1).toLowerCase();
  return id;
}
