/** Web accounts and who may see a case, as `spamcase user ...` and `spamcase case member ...` change them. */
import * as v from 'valibot';
import { ROLES } from '../users/users.ts';
import { caseName, oneOf, requiredText, textList, yesNo } from './input.ts';

export const userInput = v.object({ username: requiredText(64) });

export const userAddInput = v.object({
  username: requiredText(64),
  role: v.optional(oneOf(ROLES), 'viewer'),
  admin: yesNo(),
});

export const membersInput = v.object({
  case: caseName,
  users: v.pipe(textList(64, 1000), v.minLength(1, 'is required: name at least one user')),
});
