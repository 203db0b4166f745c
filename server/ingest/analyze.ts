/**
 * Everything ingest learns from one sample's bytes, without the database: its hash, whether it is
 * email at all, its header facts and its counting keys (except the message key, which may depend on
 * what the case already holds: see batch-writer.ts).
 * Pure and synchronous, so it can run in a worker thread.
 */
import { sha256Hex } from '../store/pack-store.ts';
import { attributeHeaders, type PartyTrust, type StoredAttribution } from '../attribution/index.ts';
import { looksLikeEmail, parseHeaders, PROBLEM } from '../mail/headers/index.ts';
import { campaignFingerprint } from '../campaigns/fingerprint.ts';
import type { RecentMessages } from './repeats.ts';
import {
  boundedKey,
  deliveryRecipient,
  messageIdentity,
  MAX_ADDRESS_LENGTH,
  normalizeRecipient,
  type RecipientSource,
} from '../mail/keys.ts';

/**
 * Problems after which the header facts are incomplete or unreliable: the item is stored and
 * counted, and these are listed as its parse error. Other problems (no Message-ID, a repeated
 * header) are facts about the spam, not failures to read it.
 */
const PARSE_ERRORS: ReadonlySet<string> = new Set([
  PROBLEM.noBlankLine,
  PROBLEM.sectionTooLarge,
  PROBLEM.tooManyFields,
  PROBLEM.nulByte,
  PROBLEM.malformedLine,
  PROBLEM.noHeader,
]);

/** Longest Message-ID kept as-is; longer (hostile) ones keep a head and a hash of the whole. */
const MAX_MESSAGE_ID_LENGTH = 900;

export type Analysis =
  | { kind: 'rejected'; sha256: string; size: number; reason: string }
  | {
      kind: 'email';
      sha256: string;
      size: number;
      parseError: string | null;
      messageId: string | null;
      identity: string;
      /** Where the body starts: the content key (needed only without a trusted Message-ID) hashes from here. */
      bodyOffset: number;
      fromAddress: string | null;
      subject: string | null;
      date: string | null;
      recipient: string;
      recipientSource: RecipientSource;
      hasHeaders: boolean;
      /**
       * Sender account and originating IP given the party's trust (server/attribution/); null when the header could not
       * be read.
       */
      attribution: StoredAttribution | null;
      /**
       * Campaign fingerprint (MinHash signature of the normalized content, server/campaigns/), null when there is
       * nothing to compare, absent when not asked for.
       */
      campaignFingerprint?: Uint8Array | null;
      /**
       * Set instead of campaignFingerprint when the reader had just seen this Message-ID and identity (repeats.ts):
       * the writer fingerprints the sample itself if it is a new message after all.
       */
      fingerprintDeferred?: true;
    };

/** `knownSha256`: the caller already hashed these exact bytes (a whole file read by sources/). */
export function analyzeSample(
  bytes: Buffer,
  envelopeRecipient: string | null,
  knownSha256: string | null = null,
  trust: PartyTrust | null = null,
  fingerprint: boolean | RecentMessages = true,
): Analysis {
  const sha256 = knownSha256 ?? sha256Hex(bytes);
  const size = bytes.length;
  const verdict = looksLikeEmail(bytes);
  if (!verdict.ok) return { kind: 'rejected', sha256, size, reason: verdict.reason };

  let h: ReturnType<typeof parseHeaders>;
  try {
    h = parseHeaders(bytes);
  } catch (err) {
    // A parser bug must not cost the evidence: keep the item, keyed by its bytes, with the reason.
    const identity = messageIdentity(null, null, null);
    return {
      kind: 'email',
      sha256,
      size,
      parseError: `header parser failed: ${err instanceof Error ? err.message : String(err)}`,
      messageId: null,
      identity,
      bodyOffset: 0,
      fromAddress: null,
      subject: null,
      date: null,
      recipient: envelopeRecipient ? normalizeRecipient(envelopeRecipient) : '',
      recipientSource: envelopeRecipient ? 'envelope' : 'unknown',
      hasHeaders: false,
      attribution: null,
      ...(fingerprint ? { campaignFingerprint: safeFingerprint(bytes, null, -1) } : {}),
    };
  }
  const serious = h.problems.filter((p) => PARSE_ERRORS.has(p));
  const fromAddress = h.from[0]?.address ? boundedKey(h.from[0].address.toLowerCase(), MAX_ADDRESS_LENGTH) : null;
  const subject = h.subject;
  const date = h.date;
  const identity = messageIdentity(fromAddress, subject, date ?? h.dateRaw);
  const recipient = deliveryRecipient({
    deliveredTo: h.deliveredTo,
    xOriginalTo: h.xOriginalTo,
    envelopeRecipient,
    toAndCc: [...h.to, ...h.cc].map((a) => a.address),
  });
  const messageId = h.messageId === null ? null : boundedKey(h.messageId, MAX_MESSAGE_ID_LENGTH);
  return {
    kind: 'email',
    sha256,
    size,
    parseError: serious.length > 0 ? serious.join('; ') : null,
    messageId,
    identity,
    bodyOffset: h.bodyOffset,
    fromAddress,
    subject,
    date,
    recipient: recipient.recipient,
    recipientSource: recipient.source,
    hasHeaders: h.fields.length > 0,
    attribution: h.fields.length > 0 ? attributeHeaders(h, trust) : null,
    ...(!fingerprint
      ? {}
      : fingerprint !== true && messageId !== null && fingerprint.seen(messageId, identity)
        ? { fingerprintDeferred: true as const }
        : { campaignFingerprint: safeFingerprint(bytes, subject, h.bodyOffset) }),
  };
}

/** A fingerprint bug must not cost the evidence: the message is then kept alone (its own campaign). */
export function safeFingerprint(bytes: Buffer, subject: string | null, bodyOffset: number): Uint8Array | null {
  try {
    return campaignFingerprint(bytes, subject, bodyOffset);
  } catch {
    return null;
  }
}
