/**
 * Typed errors. Every error the product raises on purpose is a SpamcaseError with a stable code;
 * the CLI and the HTTP layer turn them into exit codes / HTTP statuses in exactly one place each.
 * An error about one input names it in `field`, by its domain name ("method", "party", "limit"),
 * and its message then reads after that name ("must be one of trap, report, ..."): errors speak
 * the domain, and each front end names the input in its own words (`describe`): the CLI its flag
 * (server/cli/flags.ts), the web its form or query field (server/web/fields.ts).
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CASE_NOT_FOUND'
  | 'CASE_EXISTS'
  | 'PARTY_NOT_FOUND'
  | 'RULE_SET_NOT_FOUND'
  | 'CAMPAIGN_NOT_FOUND'
  | 'INVALID_INPUT'
  | 'INPUT_UNREADABLE'
  | 'LIMIT_EXCEEDED'
  | 'STORE_CORRUPT'
  | 'DB_CONFLICT'
  | 'DB_BUSY'
  | 'USAGE'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CSRF_REJECTED'
  | 'THROTTLED'
  | 'USER_EXISTS'
  | 'USER_NOT_FOUND'
  | 'INTERRUPTED';

const HTTP_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  CASE_NOT_FOUND: 404,
  CASE_EXISTS: 409,
  PARTY_NOT_FOUND: 404,
  RULE_SET_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  INVALID_INPUT: 400,
  INPUT_UNREADABLE: 400,
  LIMIT_EXCEEDED: 413,
  STORE_CORRUPT: 500,
  DB_CONFLICT: 409,
  DB_BUSY: 503,
  USAGE: 400,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  THROTTLED: 429,
  USER_EXISTS: 409,
  USER_NOT_FOUND: 404,
  INTERRUPTED: 503,
};

export interface SpamcaseErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** The input that was wrong, by its domain name; the message then reads after that name. */
  field?: string;
}

export class SpamcaseError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: SpamcaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpamcaseError';
    this.code = code;
    this.details = options.details;
    this.field = options.field;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** The message with its input named by `label` (a front end's word for a domain field name). */
  describe(label: (field: string) => string): string {
    return this.field === undefined ? this.message : `${label(this.field)} ${this.message}`;
  }
}

export function isSpamcaseError(err: unknown, code?: ErrorCode): err is SpamcaseError {
  return err instanceof SpamcaseError && (code === undefined || err.code === code);
}

/** A short, safe description of any thrown value (for logs and parse-error columns); a field by its domain name. */
export function describeError(err: unknown): string {
  if (err instanceof SpamcaseError) return err.describe((field) => field);
  if (err instanceof Error) return err.message;
  return String(err);
}
