/**
 * Authentication-Results (RFC 8601): "authserv-id; method=result ptype.property=value; ...".
 * Anyone can write one, so a result counts only when its authserv-id is one the party trusts.
 */

/** Characters of one field that are read. */
export const MAX_AUTH_RESULTS_CHARS = 4096;

export interface AuthResult {
  method: string;
  result: string;
  /** ptype.property=value pairs ("header.d" => "example.com", "smtp.mailfrom" => "a@b"). */
  props: Record<string, string>;
}

export interface AuthResults {
  authservId: string;
  results: AuthResult[];
}

function stripComments(text: string): string {
  let out = '';
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

export function parseAuthenticationResults(value: string): AuthResults | null {
  const parts = stripComments(value.slice(0, MAX_AUTH_RESULTS_CHARS)).split(';');
  const authservId = (parts[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (authservId === '' || authservId.includes('=')) return null;
  const results: AuthResult[] = [];
  for (const part of parts.slice(1)) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    const first = /^([a-z0-9-]+)=([a-z0-9-]+)$/i.exec(words[0] ?? '');
    if (!first) continue;
    const props: Record<string, string> = {};
    for (const w of words.slice(1)) {
      const m = /^([a-z0-9-]+\.[a-z0-9-]+)=(.+)$/i.exec(w);
      if (m) props[m[1]!.toLowerCase()] = m[2]!.replace(/^"|"$/g, '');
    }
    results.push({ method: first[1]!.toLowerCase(), result: first[2]!.toLowerCase(), props });
  }
  return { authservId, results };
}
