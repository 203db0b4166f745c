/**
 * Inputs, validated at the edge. The CLI (flags, arguments) and the web (query strings, form
 * fields, JSON) hand the same raw values to the same schema (schemas.ts), so both accept and refuse
 * the same inputs with the same message. A refused input is a SpamcaseError with the input's domain
 * name as its `field` and a message that reads after that name ("must be one of asc, desc"); each
 * front end names the field in its own words (the CLI its flag, the web its form field).
 *
 * Valibot rather than zod: the same kind of schema library (typed output, no dependencies, engines
 * that admit Node 20), but modular: loading it took 20-50 ms against zod's 110-280 ms on this
 * machine in the same run, and the CLI must start in under 300 ms (docs/ARCHITECTURE.md).
 */
import * as v from 'valibot';
import { SpamcaseError } from '../errors.ts';

export type Schema = v.GenericSchema;
export type Input<S extends Schema> = v.InferOutput<S>;

/** A required text input, trimmed: absent or blank is "is required". */
export function requiredText(max: number) {
  return v.pipe(
    v.string('is required'),
    v.trim(),
    v.nonEmpty('is required'),
    v.maxLength(max, `has at most ${max} characters`),
  );
}

/** An optional text input: absent, or blank (an empty form field), is undefined. */
export function optionalText(max: number, opts: { trim?: boolean } = {}) {
  return v.optional(
    v.pipe(
      v.string('must be text'),
      v.maxLength(max, `has at most ${max} characters`),
      v.transform((s) => {
        const t = opts.trim === false ? s : s.trim();
        return t.trim() === '' ? undefined : t;
      }),
    ),
  );
}

/** A whole number from `min` to `max`, given as digits (a flag, a query value) or a number (JSON). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const message =
    max === Number.MAX_SAFE_INTEGER
      ? `must be a whole number, ${min} or more`
      : `must be a whole number from ${min} to ${max}`;
  return v.pipe(
    v.union([v.string(), v.number()], message),
    v.transform((x) => (typeof x === 'number' ? x : /^\d{1,15}$/.test(x.trim()) ? Number(x.trim()) : NaN)),
    v.check((n) => Number.isInteger(n) && n >= min && n <= max, message),
  );
}

/** One of a fixed list of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return v.picklist(values, `must be one of ${values.join(', ')}`);
}

/** A yes/no input: a CLI flag (true when given) or a form field ("1", "true", "on"). */
export function yesNo() {
  return v.optional(
    v.pipe(
      v.union([v.boolean(), v.string()], 'must be yes or no'),
      v.transform((x) => x === true || x === '1' || x === 'true' || x === 'on'),
    ),
    false,
  );
}

/** A list of text values: a repeated CLI flag or argument, or several form values. */
export function textList(max: number, maxItems: number) {
  return v.optional(
    v.pipe(
      v.array(
        v.pipe(v.string('must be text'), v.maxLength(max, `has at most ${max} characters per value`)),
        'must be a list',
      ),
      v.maxLength(maxItems, `holds at most ${maxItems} values`),
      v.transform((list) => list.map((s) => s.trim()).filter((s) => s !== '')),
    ),
    [],
  );
}

/** Validate raw front-end values against a schema; the first problem (in the schema's field order) is thrown. */
export function parseInput<S extends Schema>(schema: S, raw: unknown): Input<S> {
  const r = v.safeParse(schema, raw, { abortEarly: true });
  if (r.success) return r.output;
  const issue = r.issues[0];
  const key = issue.path?.[0]?.key;
  throw new SpamcaseError('INVALID_INPUT', issue.message, typeof key === 'string' ? { field: key } : {});
}

/** A case's short name (its slug: letters, digits and dashes; cases.ts says what a new one may be). */
export const caseName = requiredText(63);
/** A path given on the command line or made by the server. */
export const PATH_MAX = 4096;

/** The input of every act on one whole case (report, fsck, attribute, ...). */
export const caseInput = v.object({ case: caseName });
