/** Public surface of attribution: what ingest, the report, the CLI, the web and the bundle call. */
export { attribute, storedForm, type Attribution, type StoredAttribution } from './attribute.ts';
export { attributeHeaders } from './attribute-headers.ts';
export { extractFacts, type AttributionFacts } from './facts.ts';
export type { VerifiedDkim, DkimStatus, Candidate } from './account.ts';
export { compileTrust, normalizeTrust, NO_TRUST, type PartyTrust, type TrustMatcher } from './trust.ts';
