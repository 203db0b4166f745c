/** A command of the `spamcase` table: its words, its flags, and the module that runs it (loaded when it runs). */
import type { ParseArgsConfig } from 'node:util';
import type { Context } from '../context.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
/** The flags as node:util parseArgs returns them; commands hand them to a use case's schema (flags.ts). */
export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CommandArgs {
  values: Values;
  positionals: string[];
}

/** Runs one command; returns its exit code (0 success, 3 fsck or verify found problems). */
export type CommandRun = (ctx: Context, args: CommandArgs) => Promise<number>;

/** A module of server/cli/commands/: the commands of one capability, by their names in the table. */
export interface CommandModule {
  commands: Readonly<Record<string, CommandRun>>;
}

export interface CommandSpec {
  /** One or more words: "ingest", "case create", "case member add". */
  name: string;
  usage: string;
  summary: string;
  options: Options;
  /** The module that runs it: imported only when this command runs, so the CLI starts without the others. */
  load(): Promise<CommandModule>;
}
