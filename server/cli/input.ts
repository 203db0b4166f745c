/** Command-line values handed to a use case schema (its own module: main.ts starts without the schema library). */
import { SpamcaseError } from '../errors.ts';
import { parseInput, type Input, type Schema } from '../usecases/input.ts';

/**
 * The command line's values, validated by a use case's schema: a refused input is a usage error
 * (exit 2, with the command's usage), the message the web gives for the same input.
 */
export function cliInput<S extends Schema>(schema: S, raw: Record<string, unknown>): Input<S> {
  try {
    return parseInput(schema, raw);
  } catch (err) {
    if (err instanceof SpamcaseError)
      throw new SpamcaseError('USAGE', err.message, { ...(err.field === undefined ? {} : { field: err.field }) });
    throw err;
  }
}
