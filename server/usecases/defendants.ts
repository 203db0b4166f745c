/**
 * Grouping accounts and IPs into defendants (`spamcase defendants create|add|remove`, the web's
 * defendants form): one act with its action, each a custody event (attribution/defendants.ts).
 */
import type { Context } from '../context.ts';
import { SpamcaseError } from '../errors.ts';
import { changeDefendant, createDefendant, type DefendantSummary } from '../attribution/defendants.ts';
import * as v from 'valibot';
import { caseName, oneOf, optionalText, textList, type Input } from './input.ts';

/** Accounts (addresses of up to 320 characters) and IPs named in one request. */
const MEMBERS_MAX = 10_000;

/** Accounts (addresses) and originating IPs, named to group them into a defendant or take them out. */
const members = v.pipe(textList(320, MEMBERS_MAX), v.minLength(1, 'is required: name at least one account or IP'));

export const defendantChangeInput = v.object({
  case: caseName,
  action: oneOf(['create', 'add', 'remove']),
  /** create: the defendant's name (default the next "Doe n"); add and remove: the defendant changed. */
  name: optionalText(200),
  members,
});

export type DefendantChangeInput = Input<typeof defendantChangeInput>;

export async function changeDefendants(ctx: Context, input: DefendantChangeInput): Promise<DefendantSummary> {
  if (input.action === 'create') return createDefendant(ctx, input.case, input.name ?? null, input.members);
  if (input.name === undefined) throw new SpamcaseError('USAGE', 'is required: which defendant', { field: 'name' });
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
