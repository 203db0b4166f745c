/**
 * The signature fields of one raw message, top first: every DKIM-Signature (RFC 6376) and
 * DomainKey-Signature (RFC 4870, the 2004-2007 predecessor) with the tags that identify the
 * signer. Read with ingest's own header splitter, so the index counts the fields ingest saw.
 * Pure: no I/O.
 */
import { parseDkimSignature, splitHeaderSection } from '../../mail/headers/index.ts';
import { parseTagList } from './tag-list.ts';

export type SignatureFieldName = 'DKIM-Signature' | 'DomainKey-Signature';

export interface SignatureField {
  /** Position among the message's signature fields (both kinds), 0 = topmost. */
  index: number;
  field: SignatureFieldName;
  /** d=, lowercased. */
  domain: string | null;
  /** i= (the AUID), domain part lowercased; DomainKeys has no i= and reports null. */
  identity: string | null;
  selector: string | null;
  /** a=, lowercased; DomainKeys defaults to rsa-sha1. */
  algorithm: string | null;
  /** c= as written, lowercased. */
  canonicalization: string | null;
  /** l=, the signed body length, when present and a number. */
  bodyLength: number | null;
  /** Required DKIM tags that are absent (RFC 6376 section 6.1.1: v, a, b, bh, d, h, s). */
  missingTags: string[];
  /** Tag-list syntax problems (repeated tags, parts that are not tag=value). */
  syntaxProblems: string[];
  /** b=, whitespace removed: matches a field to the verifier's result for it. */
  b: string;
}

const REQUIRED_DKIM_TAGS = ['v', 'a', 'b', 'bh', 'd', 'h', 's'] as const;

export function signatureFields(raw: Buffer): SignatureField[] {
  const out: SignatureField[] = [];
  for (const f of splitHeaderSection(raw).fields) {
    const isDkim = f.key === 'dkim-signature';
    if (!isDkim && f.key !== 'domainkey-signature') continue;
    const { tags, repeated, malformed } = parseTagList(f.value);
    const signer = parseDkimSignature(f.value);
    const l = tags.get('l');
    const syntaxProblems = [
      ...repeated.map((t) => `tag ${t}= repeated`),
      ...malformed.map((m) => `"${m}" is not tag=value`),
    ];
    out.push({
      index: out.length,
      field: isDkim ? 'DKIM-Signature' : 'DomainKey-Signature',
      domain: signer.d,
      identity: isDkim ? signer.i : null,
      selector: signer.s,
      algorithm: (tags.get('a') ?? (isDkim ? '' : 'rsa-sha1')).toLowerCase() || null,
      canonicalization: tags.get('c')?.toLowerCase() ?? null,
      bodyLength: l !== undefined && /^\d{1,15}$/.test(l) ? Number(l) : null,
      missingTags: isDkim
        ? REQUIRED_DKIM_TAGS.filter((t) => !tags.has(t) || (t !== 'b' && tags.get(t) === ''))
        : ['d', 's', 'b'].filter((t) => !tags.get(t)),
      syntaxProblems,
      b: tags.get('b') ?? '',
    });
  }
  return out;
}
