/** `spamcase user add|list|remove|passwd` and `spamcase case member add|remove`: web accounts and who sees a case. */
import { getCase } from '../../cases/cases.ts';
import { addMember, listMembers, removeMember } from '../../cases/members.ts';
import { addUser, listUsers, removeUser, setPassword } from '../../users/users.ts';
import { membersInput, userAddInput, userInput } from '../../usecases/users.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { readNewPassword } from '../password-input.ts';
import { json, out } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async 'case member add'(ctx, { values, positionals }) {
    const input = cliInput(membersInput, { case: values.case, users: positionals });
    const record = await getCase(ctx.db.knex, input.case);
    for (const u of input.users) await addMember(ctx, record, u);
    out(
      `members of ${record.slug}: ${(await listMembers(ctx.db.knex, record.id)).map((m) => `${m.username} (${m.role})`).join(', ')}`,
    );
    return 0;
  },

  async 'case member remove'(ctx, { values, positionals }) {
    const input = cliInput(membersInput, { case: values.case, users: positionals });
    const record = await getCase(ctx.db.knex, input.case);
    for (const u of input.users) await removeMember(ctx, record, u);
    out(`removed from ${record.slug}: ${input.users.join(', ')}`);
    return 0;
  },

  async 'user add'(ctx, { values, positionals: [username] }) {
    const input = cliInput(userAddInput, { username, role: values.role, admin: values.admin });
    const role = input.admin ? 'admin' : input.role;
    const user = await addUser(
      ctx.db.knex,
      { username: input.username, role, password: await readNewPassword() },
      ctx.clock(),
    );
    out(`added user ${user.username} (${user.role})`);
    return 0;
  },

  async 'user list'(ctx, { values }) {
    const users = await listUsers(ctx.db.knex);
    if (values.json) json(users.map((u) => ({ user: u.username, role: u.role, createdAt: u.createdAt })));
    else if (users.length === 0) out('no users yet: spamcase user add --admin <name>');
    else for (const u of users) out(`${u.username.padEnd(24)} ${u.role.padEnd(8)} since ${u.createdAt}`);
    return 0;
  },

  async 'user remove'(ctx, { positionals: [username] }) {
    const input = cliInput(userInput, { username });
    await removeUser(ctx.db.knex, input.username);
    out(`removed user ${input.username}`);
    return 0;
  },

  async 'user passwd'(ctx, { positionals: [username] }) {
    const input = cliInput(userInput, { username });
    await setPassword(ctx.db.knex, input.username, await readNewPassword(), ctx.clock());
    out(`password changed for ${input.username}; their sessions are closed`);
    return 0;
  },
};
