/**
 * The CLI's words for inputs: the flag or argument that carries each domain field of the shared
 * schemas (server/usecases/), here and only here. A refused input reads "--method must be one of
 * trap, report, ..." on the command line and "method must be one of ..." on the web.
 */
import type { SpamcaseError } from '../errors.ts';

/** Domain field → flag or argument, where it is not `--<field in kebab case>`. */
const CLI_NAMES: Readonly<Record<string, string>> = {
  parties: '--party',
  relays: '--trusted-relay',
  authservIds: '--trusted-authserv-id',
  noRelays: '--no-trusted-relays',
  paths: '<path>',
  slug: '<name>',
  username: '<name>',
  users: '<user>',
  ref: '<bates-or-sha256>',
  file: '<file.zip>',
  number: '<number>',
  members: '<account-or-ip>',
  keys: '--keys',
};

export function cliFlag(field: string): string {
  return CLI_NAMES[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** An error's message with its input named as the command line names it. */
export function cliMessage(err: SpamcaseError): string {
  return err.describe(cliFlag);
}
