/**
 * Grouping accounts and IPs into defendants (`spamcase defendants create|add|remove`, the web's
 * defendants form): one act with its action, each a custody event (attribution/defendants.ts); `remove` with no
 * members undoes a whole defendant.
 */
import type { Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { changeDefendant, createDefendant, removeDefendant, type DefendantSummary } from '../attribution/defendants.ts';
import * as v from 'valibot';
import { caseName, oneOf, optionalText, textList, wholeNumber, type Input } from './input.ts';

/** Accounts (addresses of up to 320 characters) and IPs named in one request. */
const MEMBERS_MAX = 10_000;

/**
 * Accounts (addresses) and originating IPs, named to group them into a defendant or take them out; none with
 * `remove` takes the whole defendant back (the undo of a confirmed suggestion).
 */
const members = textList(320, MEMBERS_MAX);

export const defendantChangeInput = v.object({
  case: caseName,
  action: oneOf(['create', 'add', 'remove']),
  /** create: the defendant's name (default the next "Doe n"); add and remove: the defendant changed. */
  name: optionalText(200),
  members,
});

/** The defendant suggestions' one setting: IPs seen for more accounts than this link none. */
export const suggestionsInput = v.object({
  case: caseName,
  sharedIpAccounts: v.optional(wholeNumber(2, 1_000_000)),
});

export type DefendantChangeInput = Input<typeof defendantChangeInput>;

/** What a change left: the defendant as it is now, or (after `remove` with no members) null. */
export async function changeDefendants(ctx: Context, input: DefendantChangeInput): Promise<DefendantSummary | null> {
  if (input.members.length === 0 && input.action !== 'remove')
    throw new SpamcaseError('INVALID_INPUT', 'is required: name at least one account or IP', { field: 'members' });
  if (input.action === 'create') return createDefendant(ctx, input.case, input.name ?? null, input.members);
  if (input.name === undefined) throw new SpamcaseError('USAGE', 'is required: which defendant', { field: 'name' });
  if (input.action === 'remove' && input.members.length === 0) {
    await removeDefendant(ctx, input.case, input.name);
    return null;
  }
  return changeDefendant(
    ctx,
    input.case,
    input.name,
    input.action === 'add' ? { add: input.members } : { remove: input.members },
  );
}

/** Accounts or IPs typed in one text: one per line, or separated by commas, semicolons or spaces. */
export function memberList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
