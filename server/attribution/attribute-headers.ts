/**
 * Attribution of one sample at ingest, in the reader thread: from its parsed headers and its
 * party's trust to the stored form the batch writer inserts. Measured: deciding here rather than in
 * the (single) writer thread keeps attribution off the ingest's critical path.
 */
import type { ParsedHeaders } from '../mail/headers/types.ts';
import { attribute, storedForm, UNREADABLE, type StoredAttribution } from './attribute.ts';
import { extractFacts } from './facts.ts';
import { matcherFor } from './party-trust.ts';
import { NO_TRUST, type PartyTrust } from './trust.ts';

export function attributeHeaders(h: ParsedHeaders, trust: PartyTrust | null): StoredAttribution {
  try {
    return storedForm(attribute(extractFacts(h), matcherFor(trust ?? NO_TRUST)));
  } catch {
    // An attribution bug must not cost the evidence: the item is stored and counted, unattributed.
    return UNREADABLE;
  }
}
