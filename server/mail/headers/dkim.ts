/**
 * The signer tags of a DKIM-Signature field (RFC 6376 section 3.5): d=, i=, s=. Read only, not
 * verified: verification needs DNS and belongs to attribution.
 */
import type { DkimSignature } from './types.ts';

function lowercaseDomainPart(identity: string): string {
  const at = identity.lastIndexOf('@');
  return at < 0 ? identity.toLowerCase() : identity.slice(0, at + 1) + identity.slice(at + 1).toLowerCase();
}

/** Tag names are case-sensitive; whitespace (folding) inside values is removed; the first of a repeated tag wins. */
export function parseDkimSignature(value: string): DkimSignature {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const tag = part.slice(0, eq).trim();
    if (tag === '' || tags.has(tag)) continue;
    tags.set(tag, part.slice(eq + 1).replace(/[ \t\r\n]+/g, ''));
  }
  const d = tags.get('d');
  const i = tags.get('i');
  const s = tags.get('s');
  return {
    d: d === undefined || d === '' ? null : d.toLowerCase(),
    i: i === undefined || i === '' ? null : lowercaseDomainPart(i),
    s: s === undefined || s === '' ? null : s,
    raw: value,
  };
}
