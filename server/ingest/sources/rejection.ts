/**
 * Why a piece of input gives no sample. Thrown inside the readers and turned into a 'rejected'
 * event by the unit (physical file or archive member) that was being read; never leaves readSource.
 */
import { describeError } from '../../errors.ts';

/**
 * 'unit': only the file or member being read is rejected, its siblings go on.
 * 'input': a budget shared by the whole input file is spent (total bytes, entries): the member,
 * every archive around it and the input file are rejected, nothing more is read from it.
 */
export type RejectionScope = 'unit' | 'input';

export class Rejection extends Error {
  readonly reason: string;
  readonly scope: RejectionScope;

  constructor(reason: string, scope: RejectionScope = 'unit') {
    super(reason);
    this.name = 'Rejection';
    this.reason = reason;
    this.scope = scope;
  }
}

/** Any thrown value as a Rejection; unknown errors become unit rejections prefixed with `context`. */
export function asRejection(err: unknown, context: string): Rejection {
  if (err instanceof Rejection) return err;
  return new Rejection(`${context}: ${describeError(err)}`);
}

/** `EACCES`, `ELOOP`... for fs errors, the message otherwise. */
export function fsErrorReason(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${code} (${describeError(err)})` : describeError(err);
}
