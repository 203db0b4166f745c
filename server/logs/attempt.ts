/** One attempt: one recipient of one transaction as a mail server logged it (docs/GLOSSARY.md). */

export const ATTEMPT_RESULTS = [
  'accepted',
  'delivered',
  'refused-unknown-user',
  'refused-policy',
  'bounced',
  'deferred',
] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];

export interface Attempt {
  /** Line number in the log file (1-based). */
  line: number;
  /** ISO 8601 UTC. */
  at: string;
  clientIp: string | null;
  clientName: string | null;
  helo: string | null;
  sender: string | null;
  recipient: string | null;
  result: AttemptResult;
  queueId: string | null;
  /** Normalized as the message index keeps it (server/mail/headers/message-id.ts). */
  messageId: string | null;
  statusText: string | null;
}

/** What a reader says of one line: attempts (zero or more), or that it did not understand it. */
export interface LineReader {
  /** Reads one line (without its newline); returns false when the line was not understood. */
  read(line: string, lineNo: number, emit: (a: Attempt) => void): boolean;
  /**
   * Called once after the last line: hands over what the reader still held waiting for a later line
   * (Sendmail's RCPT refusals await their transaction's `from=` line; an Exchange record its end).
   */
  finish?(emit: (a: Attempt) => void): void;
}

/** Lower-cased address from `<a@b>` or `a@b`; null for the null sender `<>` or nothing. */
export function envelopeAddress(value: string | undefined): string | null {
  if (value === undefined) return null;
  let v = value.trim();
  if (v.startsWith('<')) v = v.slice(1);
  if (v.endsWith('>')) v = v.slice(0, -1);
  return v === '' ? null : v.toLowerCase();
}

/** Refusals for a mailbox that does not exist: SMTP 550 5.1.1 and the servers' own words. */
const UNKNOWN_USER =
  /\b5\.1\.1\b|\b5\.1\.10\b|RecipNotFound|RecipientNotFound|user unknown|unknown user|no such user|recipient address rejected: user unknown|mailbox unavailable|unrouteable address/i;

export function refusalResult(text: string): AttemptResult {
  return UNKNOWN_USER.test(text) ? 'refused-unknown-user' : 'refused-policy';
}
