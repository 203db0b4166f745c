/**
 * The web's words for inputs: the query or form field that carries each domain field of the shared
 * schemas (server/usecases/schemas.ts), here and only here. Handlers read a request's values under
 * their domain names with queryInput / formInput, hand them to the schema, and an error about one
 * input names the field the page or API client sent (webMessage).
 */
import type { Request } from 'express';
import type { SpamcaseError } from '../errors.ts';

/** Domain field → query or form field, where the two differ. */
const WEB_FIELDS: Readonly<Record<string, string>> = {
  search: 'q',
  paths: 'files',
  relays: 'trusted_relays',
  authservIds: 'trusted_authserv_ids',
  asOf: 'as_of',
  tsaCert: 'tsa_cert',
  users: 'username',
  timeZone: 'time_zone',
};

export function webField(field: string): string {
  return WEB_FIELDS[field] ?? field;
}

/** An error's message with its input named as the web names it ("q has at most 200 characters"). */
export function webMessage(err: SpamcaseError): string {
  return err.describe(webField);
}

function pick(source: Record<string, unknown> | undefined, fields: readonly string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const f of fields) raw[f] = source?.[webField(f)];
  return raw;
}

/** The query values of `fields` (domain names), read from their web names. */
export function queryInput(req: Request, fields: readonly string[]): Record<string, unknown> {
  return pick(req.query as Record<string, unknown>, fields);
}

/** The form values of `fields` (domain names), read from their web names. */
export function formInput(req: Request, fields: readonly string[]): Record<string, unknown> {
  return pick(req.body as Record<string, unknown> | undefined, fields);
}
