/** The shapes header parsing returns. Plain data: everything here is JSON-serializable. */

/** One header field as it stands in the message. */
export interface HeaderField {
  /** The field name as written ("Message-Id"). */
  name: string;
  /** The field name lowercased ("message-id"): what lookups use. */
  key: string;
  /** The value, unfolded (line breaks before WSP removed), trimmed, not yet RFC 2047-decoded. */
  value: string;
}

/** One mailbox from an address header. */
export interface Address {
  /**
   * "local@domain": domain lowercased, local part as written (unquoted when the quotes were only syntax); '' when none
   * is recoverable.
   */
  address: string;
  /** Decoded display name, or ''. */
  name: string;
}

/** The tags of one DKIM-Signature field that identify the signer. Not verified here. */
export interface DkimSignature {
  /** Signing domain (d=), lowercased. */
  d: string | null;
  /** Agent or user identifier (i=), domain part lowercased. */
  i: string | null;
  /** Selector (s=), as written. */
  s: string | null;
  /** The unfolded field value. */
  raw: string;
}

export interface ParsedHeaders {
  /** Every header field, in order, repeated ones kept. */
  fields: HeaderField[];
  /** Byte offset in the raw Buffer where the body starts (after the blank line); raw.length when there is no body. */
  bodyOffset: number;
  messageId: string | null;
  /** ISO 8601 UTC when the Date header parses, else null. */
  date: string | null;
  dateRaw: string | null;
  from: Address[];
  sender: Address[];
  replyTo: Address[];
  to: Address[];
  cc: Address[];
  /** The envelope sender address; '' for the null sender <>. */
  returnPath: string | null;
  /** Addresses, topmost header first. */
  deliveredTo: string[];
  xOriginalTo: string[];
  /** RFC 2047-decoded. */
  subject: string | null;
  /** Unfolded values, topmost first. */
  received: string[];
  xOriginatingIp: string[];
  xOriginatingEmail: string[];
  dkimSignatures: DkimSignature[];
  authenticationResults: string[];
  /** What was wrong with the input, in stable human-readable wording, each once. */
  problems: string[];
}

export type EmailCheck = { ok: true } | { ok: false; reason: string };
