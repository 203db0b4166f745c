/**
 * The `spamcase` command line: a command table that also produces its help. Every command calls
 * the same domain functions as the web routes. Errors become exit codes here and only here:
 * 0 success, 1 a domain error (message on stderr), 2 usage, 3 fsck found problems.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.ts';
import { openContext, type Context } from '../context.ts';
import { isSpamcaseError, SpamcaseError } from '../errors.ts';
import { createCase, getCase, listCases, parsePartySpec } from '../cases/cases.ts';
import { addMember, listMembers, removeMember } from '../cases/members.ts';
import { addUser, listUsers, parseRole, removeUser, setPassword } from '../users/users.ts';
import { readNewPassword } from './password-input.ts';
import { ACQUISITION_METHODS, ingest, type AcquisitionMethod } from '../ingest/ingest.ts';
import { caseReport } from '../report/counts.ts';
import { formatReportTable } from '../report/table.ts';
import { fsck } from '../fsck/fsck.ts';
import { startServer } from '../web/server.ts';
import { formatBytes, ttyProgress } from './progress.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

interface Command {
  name: string;
  usage: string;
  summary: string;
  options: Options;
  run(ctx: Context, values: Values, positionals: string[]): Promise<number>;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const json = (value: unknown) => out(JSON.stringify(value, null, 2));

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new SpamcaseError('USAGE', `--${name} is required`);
  return v;
}

const COMMANDS: Command[] = [
  {
    name: 'case create',
    usage: 'spamcase case create <name> --title "..." --party "Laposte.net:LPN" [--party "MSN:MSN"] [--jurisdiction "..."]',
    summary: 'create a case with its parties (plaintiffs) and their Bates prefixes',
    options: { title: { type: 'string' }, party: { type: 'string', multiple: true }, jurisdiction: { type: 'string' } },
    async run(ctx, values, [slug]) {
      if (!slug) throw new SpamcaseError('USAGE', 'name the case: spamcase case create <name> --title ... --party Name:PREFIX');
      const parties = ((values.party as string[] | undefined) ?? []).map(parsePartySpec);
      const c = await createCase(ctx, { slug, title: required(values, 'title'), parties, jurisdiction: values.jurisdiction as string | undefined });
      out(`created case ${c.slug}: ${c.title} (parties: ${c.parties.map((p) => `${p.name} [${p.batesPrefix}]`).join(', ')})`);
      return 0;
    },
  },
  {
    name: 'case list',
    usage: 'spamcase case list [--json]',
    summary: 'list the cases',
    options: { json: { type: 'boolean' } },
    async run(ctx, values) {
      const cases = await listCases(ctx.db.knex);
      if (values.json) json(cases.map((c) => ({ case: c.slug, title: c.title, createdAt: c.createdAt, parties: c.parties.map((p) => ({ name: p.name, batesPrefix: p.batesPrefix })) })));
      else if (cases.length === 0) out('no cases yet: spamcase case create <name> --title "..." --party "Name:PREFIX"');
      else for (const c of cases) out(`${c.slug.padEnd(24)} ${c.title}  (${c.parties.map((p) => p.name).join(', ')})`);
      return 0;
    },
  },
  {
    name: 'case member add',
    usage: 'spamcase case member add --case <name> <user>...',
    summary: 'let users see a case in the web UI (admins see every case)',
    options: { case: { type: 'string' } },
    async run(ctx, values, users) {
      if (users.length === 0) throw new SpamcaseError('USAGE', 'name at least one user');
      const record = await getCase(ctx.db.knex, required(values, 'case'));
      for (const u of users) await addMember(ctx, record, u);
      out(`members of ${record.slug}: ${(await listMembers(ctx.db.knex, record.id)).map((m) => `${m.username} (${m.role})`).join(', ')}`);
      return 0;
    },
  },
  {
    name: 'case member remove',
    usage: 'spamcase case member remove --case <name> <user>...',
    summary: 'take a case away from users',
    options: { case: { type: 'string' } },
    async run(ctx, values, users) {
      if (users.length === 0) throw new SpamcaseError('USAGE', 'name at least one user');
      const record = await getCase(ctx.db.knex, required(values, 'case'));
      for (const u of users) await removeMember(ctx, record, u);
      out(`removed from ${record.slug}: ${users.join(', ')}`);
      return 0;
    },
  },
  {
    name: 'user add',
    usage: 'spamcase user add <name> [--admin | --role admin|editor|viewer]   (password from a prompt or one line of stdin)',
    summary: 'make a web UI account; the first one: spamcase user add --admin <name>',
    options: { admin: { type: 'boolean' }, role: { type: 'string' } },
    async run(ctx, values, [name]) {
      if (!name) throw new SpamcaseError('USAGE', 'name the user');
      const role = values.admin ? 'admin' : parseRole((values.role as string | undefined) ?? 'viewer');
      const user = await addUser(ctx.db.knex, { username: name, role, password: await readNewPassword() }, ctx.clock());
      out(`added user ${user.username} (${user.role})`);
      return 0;
    },
  },
  {
    name: 'user list',
    usage: 'spamcase user list [--json]',
    summary: 'list web UI accounts and their roles',
    options: { json: { type: 'boolean' } },
    async run(ctx, values) {
      const users = await listUsers(ctx.db.knex);
      if (values.json) json(users.map((u) => ({ user: u.username, role: u.role, createdAt: u.createdAt })));
      else if (users.length === 0) out('no users yet: spamcase user add --admin <name>');
      else for (const u of users) out(`${u.username.padEnd(24)} ${u.role.padEnd(8)} since ${u.createdAt}`);
      return 0;
    },
  },
  {
    name: 'user remove',
    usage: 'spamcase user remove <name>',
    summary: 'delete an account, its sessions and case memberships',
    options: {},
    async run(ctx, _values, [name]) {
      if (!name) throw new SpamcaseError('USAGE', 'name the user');
      await removeUser(ctx.db.knex, name);
      out(`removed user ${name}`);
      return 0;
    },
  },
  {
    name: 'user passwd',
    usage: 'spamcase user passwd <name>   (password from a prompt or one line of stdin)',
    summary: "set a user's password (signs them out everywhere)",
    options: {},
    async run(ctx, _values, [name]) {
      if (!name) throw new SpamcaseError('USAGE', 'name the user');
      await setPassword(ctx.db.knex, name, await readNewPassword(), ctx.clock());
      out(`password changed for ${name}; their sessions are closed`);
      return 0;
    },
  },
  {
    name: 'ingest',
    usage: `spamcase ingest --case <name> [--party <name>] [--method ${ACQUISITION_METHODS.join('|')}] [--recipient <mailbox>] <path>...`,
    summary: 'harvested spam in: .eml files, folders, mbox (also .gz), maildir, ZIP, ARF reports',
    options: { case: { type: 'string' }, party: { type: 'string' }, method: { type: 'string' }, recipient: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values, paths) {
      const progress = ttyProgress(process.stderr);
      const summaries = await ingest(ctx, {
        caseSlug: required(values, 'case'),
        party: values.party as string | undefined,
        method: ((values.method as string | undefined) ?? 'trap') as AcquisitionMethod,
        envelopeRecipient: values.recipient as string | undefined,
        paths,
        onProgress: progress ? (p) => progress.update(p) : undefined,
      });
      progress?.done();
      if (values.json) json(summaries);
      else
        for (const s of summaries) {
          out(`${s.source}: ${s.samples} samples (${s.newItems} new items, ${s.exactDuplicates} exact duplicates), ${s.rejected} rejected, ${formatBytes(s.sourceBytes)}, sha256 ${s.sourceSha256}`);
        }
      return 0;
    },
  },
  {
    name: 'report',
    usage: 'spamcase report --case <name> [--json]',
    summary: 'the counts: samples, items, exact duplicates, messages, deliveries, accounts, per party',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const report = await caseReport(ctx.db.knex, required(values, 'case'));
      if (values.json) json(report);
      else out(formatReportTable(report));
      return 0;
    },
  },
  {
    name: 'fsck',
    usage: 'spamcase fsck --case <name> [--json]',
    summary: 're-hash every stored item; check the store, the index and the custody chain agree',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const result = await fsck(ctx, required(values, 'case'));
      if (values.json) json(result);
      else {
        out(`${result.case}: ${result.ok ? 'OK' : 'PROBLEMS FOUND'} — ${result.itemsChecked} items and ${result.wrappersChecked} wrappers re-hashed in ${result.segments} pack segment(s), ${result.custodyEvents} custody events`);
        for (const p of result.problems) out(`  problem: ${p}`);
        for (const w of result.warnings) out(`  warning: ${w}`);
      }
      return result.ok ? 0 : 3;
    },
  },
  {
    name: 'serve',
    usage: 'spamcase serve [--port N] [--host ADDR]',
    summary: 'serve the web UI and JSON API (what npm start runs)',
    options: { port: { type: 'string' }, host: { type: 'string' } },
    async run(ctx, values) {
      const config = loadConfig();
      const port = values.port === undefined ? config.http.port : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SpamcaseError('USAGE', '--port must be a port number');
      const server = await startServer(ctx, { host: (values.host as string | undefined) ?? config.http.host, port, trustProxy: config.http.trustProxy });
      out(`spamcase is serving ${server.url} (data root ${ctx.dataRoot}, ${ctx.db.dialect === 'pg' ? 'PostgreSQL' : 'SQLite'}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    },
  },
];

export function helpText(): string {
  const lines = ['spamcase: evidence builder for spam litigation', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(18)} ${c.summary}`, `  ${''.padEnd(18)} ${c.usage}`);
  lines.push(
    '',
    'Environment: SPAMCASE_HOME (data root, default ./cases), DATABASE_URL (postgres://… instead of SQLite),',
    '             HOST / PORT (serve, default 127.0.0.1:3000), SPAMCASE_TRUST_PROXY (behind a TLS proxy).',
  );
  return lines.join('\n');
}

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command: c, rest: argv.slice(words.length) };
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    out(helpText());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`spamcase: unknown command "${argv.join(' ')}"\n\n${helpText()}\n`);
    return 2;
  }
  let ctx: Context | null = null;
  try {
    const { values, positionals } = parseArgs({ args: found.rest, options: found.command.options, allowPositionals: true, strict: true });
    ctx = await openContext();
    return await found.command.run(ctx, values as Values, positionals);
  } catch (err) {
    if (isSpamcaseError(err)) {
      process.stderr.write(`spamcase: ${err.message}\n`);
      if (err.code === 'USAGE') process.stderr.write(`usage: ${found.command.usage}\n`);
      return err.code === 'USAGE' ? 2 : 1;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`spamcase: ${(err as Error).message}\nusage: ${found.command.usage}\n`);
      return 2;
    }
    throw err;
  } finally {
    await ctx?.db.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined && /server[/\\]cli[/\\]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`spamcase: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
