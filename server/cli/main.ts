/**
 * The `spamcase` command line: a command table that also produces its help (`spamcase --help`,
 * `spamcase <command> --help`). Each command runs in its capability's module under commands/,
 * imported only when that command runs, and calls the same use cases (server/usecases/) as the web
 * routes. Errors become exit codes here and only here: 0 success, 1 a domain error (message on
 * stderr), 2 usage (a refused input or flag, with the command's usage), 3 fsck or verify found
 * problems, 4 verify found the contents intact but the signer not established (no --cert,
 * --fingerprint or trust store said who must have signed).
 */
import { parseArgs } from 'node:util';
import type { Context } from '../context.ts';
import { isSpamcaseError } from '../errors.ts';
import type { CommandSpec, Options } from './command.ts';
import { cliMessage } from './flags.ts';
import { guardStdout, out } from './output.ts';

const LIST_OPTIONS: Options = {
  case: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  sort: { type: 'string' },
  order: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  search: { type: 'string' },
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'case create',
    usage:
      'spamcase case create <name> --title "..." --party "Laposte.net:LPN" [--party "MSN:MSN"] [--jurisdiction "..."] [--time-zone Europe/Paris] [--trusted-relay [PREFIX=]host-or-cidr]... [--trusted-authserv-id [PREFIX=]id]...',
    summary:
      'create a case with its parties (plaintiffs), their Bates prefixes and trusted relays, and the time zone its pages show dates in (default UTC)',
    options: {
      title: { type: 'string' },
      party: { type: 'string', multiple: true },
      jurisdiction: { type: 'string' },
      'time-zone': { type: 'string' },
      'trusted-relay': { type: 'string', multiple: true },
      'trusted-authserv-id': { type: 'string', multiple: true },
    },
    load: () => import('./commands/cases.ts'),
  },
  {
    name: 'case party',
    usage:
      'spamcase case party --case <name> --party <name> [--trusted-relay host-or-cidr]... [--trusted-authserv-id id]... [--no-trusted-relays] [--json]',
    summary: "show or change a party's trusted relays and authserv-ids (each list given replaces the old one)",
    options: {
      case: { type: 'string' },
      party: { type: 'string' },
      'trusted-relay': { type: 'string', multiple: true },
      'trusted-authserv-id': { type: 'string', multiple: true },
      'no-trusted-relays': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    load: () => import('./commands/attribution.ts'),
  },
  {
    name: 'case list',
    usage: 'spamcase case list [--json]',
    summary: 'list the cases',
    options: { json: { type: 'boolean' } },
    load: () => import('./commands/cases.ts'),
  },
  {
    name: 'case set',
    usage: 'spamcase case set --case <name> [--rules <rule set name or file>] [--time-zone <IANA zone>]',
    summary:
      'choose the damages rule set for a case (report --json then has a damages section) or the time zone its pages show dates in; each a custody event',
    options: { case: { type: 'string' }, rules: { type: 'string' }, 'time-zone': { type: 'string' } },
    load: () => import('./commands/damages.ts'),
  },
  {
    name: 'ingest',
    usage:
      'spamcase ingest --case <name> [--party <name>] [--method trap|report|feed|bounce|mailbox] [--recipient <mailbox>] [--custodian "..."] [--notes "..."] [--skip-index] <path>...',
    summary: 'harvested spam in: .eml files, folders, mbox (also .gz), maildir, ZIP, ARF reports',
    options: {
      case: { type: 'string' },
      party: { type: 'string' },
      method: { type: 'string' },
      recipient: { type: 'string' },
      custodian: { type: 'string' },
      notes: { type: 'string' },
      'skip-index': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    load: () => import('./commands/ingest.ts'),
  },
  {
    name: 'index',
    usage: 'spamcase index --case <name> [--json]',
    summary: 'bring the full-text search index up to date (ingest does this after its acquisitions; resumable)',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/ingest.ts'),
  },
  {
    name: 'logs ingest',
    usage:
      'spamcase logs ingest --case <name> [--party <name>] --server <name> --tz <IANA zone> [--format postfix|exim|sendmail|exchange] [--year-end YYYY-MM-DD] <log file>...',
    summary:
      'mail server logs in as evidence (plain, gzip, rotated sets: maillog maillog.1 maillog.2.gz): stored byte for byte, attempts read, matched to harvested items',
    options: {
      case: { type: 'string' },
      party: { type: 'string' },
      server: { type: 'string' },
      tz: { type: 'string' },
      format: { type: 'string' },
      'year-end': { type: 'string' },
      json: { type: 'boolean' },
    },
    load: () => import('./commands/logs.ts'),
  },
  {
    name: 'logs report',
    usage: 'spamcase logs report --case <name> [--json | --csv]',
    summary:
      'attempts from the mail server logs per account and originating IP: refused for unknown users, delivered, matched to harvested items',
    options: { case: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } },
    load: () => import('./commands/logs.ts'),
  },
  {
    name: 'report',
    usage: 'spamcase report --case <name> [--json]',
    summary: 'the counts: samples, items, exact duplicates, messages, deliveries, accounts, per party',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/report.ts'),
  },
  {
    name: 'damages rules',
    usage: 'spamcase damages rules [--json]',
    summary: 'list the damages rule sets in templates/damages/ (and whether each one is valid)',
    options: { json: { type: 'boolean' } },
    load: () => import('./commands/damages.ts'),
  },
  {
    name: 'damages',
    usage:
      'spamcase damages --case <name> [--rules <rule set name or file>] [--defendant <name>] [--lang en|fr] [--save] [--json|--csv]',
    summary:
      'damages under a rule set: per plaintiff, defendant and violation category; low, claimed, maximum; the method',
    options: {
      case: { type: 'string' },
      rules: { type: 'string' },
      defendant: { type: 'string' },
      lang: { type: 'string' },
      save: { type: 'boolean' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
    },
    load: () => import('./commands/damages.ts'),
  },
  {
    name: 'attribute',
    usage: 'spamcase attribute --case <name> [--json]',
    summary: "recompute every item's account and originating IP from the stored raw messages (after a trust change)",
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/attribution.ts'),
  },
  {
    name: 'accounts',
    usage:
      'spamcase accounts --case <name> [--json|--csv] [--sort deliveries|items|messages|recipients|firstSeen|lastSeen] [--order asc|desc] [--limit N] [--offset N] [--search text]',
    summary: 'sender accounts with their volumes, evidence, parties, bot signals and defendant',
    options: LIST_OPTIONS,
    load: () => import('./commands/attribution.ts'),
  },
  {
    name: 'ips',
    usage:
      'spamcase ips --case <name> [--json|--csv] [--sort deliveries|items|messages|recipients|firstSeen|lastSeen] [--order asc|desc] [--limit N] [--offset N] [--search text]',
    summary: 'originating IPs with their volumes, evidence, parties and defendant',
    options: LIST_OPTIONS,
    load: () => import('./commands/attribution.ts'),
  },
  {
    name: 'message',
    usage: 'spamcase message --case <name> <bates-or-sha256> [--json]',
    summary: 'all evidence about one item: headers, Received analysis, attribution and why, samples',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/attribution.ts'),
  },
  {
    name: 'defendants suggest',
    usage: 'spamcase defendants suggest --case <name> [--shared-ip-accounts N] [--json]',
    summary:
      "propose groups of accounts joined by shared originating IPs, never through shared infrastructure (provider servers, the party's relays, IPs of more than N accounts, default 25), each reason with its strength",
    options: { case: { type: 'string' }, 'shared-ip-accounts': { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/defendants.ts'),
  },
  {
    name: 'defendants create',
    usage: 'spamcase defendants create --case <name> [--name "Doe 1"] <account-or-ip>...',
    summary: 'group accounts and IPs into a defendant (named, or the next "Doe n")',
    options: { case: { type: 'string' }, name: { type: 'string' } },
    load: () => import('./commands/defendants.ts'),
  },
  {
    name: 'defendants add',
    usage: 'spamcase defendants add --case <name> --name <defendant> <account-or-ip>...',
    summary: 'add accounts or IPs to a defendant',
    options: { case: { type: 'string' }, name: { type: 'string' } },
    load: () => import('./commands/defendants.ts'),
  },
  {
    name: 'defendants remove',
    usage: 'spamcase defendants remove --case <name> --name <defendant> [<account-or-ip>...]',
    summary: 'remove accounts or IPs from a defendant; with none, remove the defendant (undo a confirmed group)',
    options: { case: { type: 'string' }, name: { type: 'string' } },
    load: () => import('./commands/defendants.ts'),
  },
  {
    name: 'defendants list',
    usage: 'spamcase defendants list --case <name> [--json]',
    summary: 'the defendants with their accounts, IPs and deliveries',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/defendants.ts'),
  },
  {
    name: 'subpoena networks',
    usage: 'spamcase subpoena networks --case <name> [--json | --csv]',
    summary:
      'per network operator (AS), every delivery from its originating IPs with both UTC times (Date header, believed Received), for subpoenas and preservation letters',
    options: { case: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } },
    load: () => import('./commands/subpoena.ts'),
  },
  {
    name: 'subpoena accounts',
    usage: 'spamcase subpoena accounts --case <name> [--json | --csv]',
    summary: 'per account provider (sender domain), the accounts with first and last seen (UTC) and their counts',
    options: { case: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } },
    load: () => import('./commands/subpoena.ts'),
  },
  {
    name: 'fsck',
    usage: 'spamcase fsck --case <name> [--json]',
    summary: 're-hash every stored item; check the store, the index and the custody chain agree',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/report.ts'),
  },
  {
    name: 'dkim',
    usage: 'spamcase dkim --case <name> --keys <snapshot.txt|snapshot.json> [--json]',
    summary: 'verify DKIM signatures offline, against key records captured at harvest time (never DNS)',
    options: { case: { type: 'string' }, keys: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/attribution.ts'),
  },
  {
    name: 'pdf',
    usage:
      'spamcase pdf --case <name> [--lang en|fr] [--rules <damages rule set>] [--organization "..."] [--jurisdiction "..."] --out summary.pdf [--json]',
    summary:
      'the PDF summary for a complaint (caption, counts, method, accounts, IPs, campaigns, timeline, damages, custody, declaration)',
    options: {
      case: { type: 'string' },
      lang: { type: 'string' },
      rules: { type: 'string' },
      out: { type: 'string' },
      organization: { type: 'string' },
      jurisdiction: { type: 'string' },
      json: { type: 'boolean' },
    },
    load: () => import('./commands/exports.ts'),
  },
  {
    name: 'campaigns update',
    usage: 'spamcase campaigns update --case <name> [--json]',
    summary: 'fingerprint messages that have none, then cluster (ingest does this itself)',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/campaigns.ts'),
  },
  {
    name: 'campaigns',
    usage:
      'spamcase campaigns --case <name> [--sort messages|number] [--order asc|desc] [--limit N] [--offset N] [--search TEXT] [--json|--csv]',
    summary: 'campaigns (near-identical content), largest first: exemplar, messages, deliveries, accounts, dates',
    options: {
      case: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      sort: { type: 'string' },
      order: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      search: { type: 'string' },
    },
    load: () => import('./commands/campaigns.ts'),
  },
  {
    name: 'campaign',
    usage: 'spamcase campaign --case <name> <number> [--member BATES] [--limit N] [--offset N] [--json]',
    summary: 'one campaign: exemplar, sizes, members with their similarity; --member: which features matched',
    options: {
      case: { type: 'string' },
      json: { type: 'boolean' },
      member: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
    load: () => import('./commands/campaigns.ts'),
  },
  {
    name: 'export',
    usage: 'spamcase export --case <name> --out <file.zip> [--as-of <custody event seq>] [--lang en|fr] [--json]',
    summary: 'write the signed evidence bundle (BagIt in a ZIP, with the PDF summary) of a case, as of a custody event',
    options: {
      case: { type: 'string' },
      out: { type: 'string' },
      'as-of': { type: 'string' },
      lang: { type: 'string' },
      json: { type: 'boolean' },
    },
    load: () => import('./commands/exports.ts'),
  },
  {
    name: 'verify',
    usage:
      'spamcase verify <file.zip> [--cert <signer or CA certificate.pem> | --fingerprint <SHA-256>] [--tsa-cert <tsa.pem>] [--json]',
    summary:
      'check a bundle: ZIP, BagIt, every checksum, signature, signer, timestamp, custody chain, items.csv (exit 0 verified, 3 failed, 4 intact but signer not established)',
    options: {
      cert: { type: 'string' },
      fingerprint: { type: 'string' },
      'tsa-cert': { type: 'string' },
      json: { type: 'boolean' },
    },
    load: () => import('./commands/exports.ts'),
  },
  {
    name: 'exports',
    usage: 'spamcase exports --case <name> [--json]',
    summary: 'list the bundles exported from a case, with their SHA-256',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    load: () => import('./commands/exports.ts'),
  },
  {
    name: 'keys init',
    usage: 'spamcase keys init',
    summary: 'make a self-signed signing certificate for TRYING the product (not for court use)',
    options: { json: { type: 'boolean' } },
    load: () => import('./commands/keys.ts'),
  },
  {
    name: 'case member add',
    usage: 'spamcase case member add --case <name> <user>...',
    summary: 'let users see a case in the web UI (admins see every case)',
    options: { case: { type: 'string' } },
    load: () => import('./commands/users.ts'),
  },
  {
    name: 'case member remove',
    usage: 'spamcase case member remove --case <name> <user>...',
    summary: 'take a case away from users',
    options: { case: { type: 'string' } },
    load: () => import('./commands/users.ts'),
  },
  {
    name: 'user add',
    usage:
      'spamcase user add <name> [--admin | --role admin|editor|viewer]   (password from a prompt or one line of stdin)',
    summary: 'make a web UI account; the first one: spamcase user add --admin <name>',
    options: { admin: { type: 'boolean' }, role: { type: 'string' } },
    load: () => import('./commands/users.ts'),
  },
  {
    name: 'user list',
    usage: 'spamcase user list [--json]',
    summary: 'list web UI accounts and their roles',
    options: { json: { type: 'boolean' } },
    load: () => import('./commands/users.ts'),
  },
  {
    name: 'user remove',
    usage: 'spamcase user remove <name>',
    summary: 'delete an account, its sessions and case memberships',
    options: {},
    load: () => import('./commands/users.ts'),
  },
  {
    name: 'user passwd',
    usage: 'spamcase user passwd <name>   (password from a prompt or one line of stdin)',
    summary: "set a user's password (signs them out everywhere)",
    options: {},
    load: () => import('./commands/users.ts'),
  },
  {
    name: 'serve',
    usage: 'spamcase serve [--port N] [--host ADDR]',
    summary: 'serve the web UI and JSON API (what npm start runs)',
    options: { port: { type: 'string' }, host: { type: 'string' } },
    load: () => import('./commands/serve.ts'),
  },
];

export function helpText(): string {
  const lines = ['spamcase: evidence builder for spam litigation', '', 'Commands:'];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(18)} ${c.summary}`, `  ${''.padEnd(18)} ${c.usage}`);
  lines.push(
    '',
    'spamcase <command> --help shows one command and its options.',
    '',
    'Environment: SPAMCASE_HOME (data root, default ./cases), DATABASE_URL (postgres://… instead of SQLite),',
    '             HOST / PORT (serve, default 127.0.0.1:3000), SPAMCASE_TRUST_PROXY (behind a TLS proxy),',
    '             SPAMCASE_ORGANIZATION, SPAMCASE_SIGNING_CERT +',
    '             SPAMCASE_SIGNING_KEY or SPAMCASE_SIGNING_P12 (+ _PASSWORD), SPAMCASE_TSA_URL (export),',
    '             SPAMCASE_MESSAGE_TIME_BUDGET_MS / SPAMCASE_MESSAGE_MEMORY_BUDGET_MB (ingest, per message).',
  );
  return lines.join('\n');
}

/** One command's help: what it does, its usage, and every option it takes. */
export function commandHelp(c: CommandSpec): string {
  const options = Object.entries(c.options).map(
    ([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}${o.multiple ? ' (repeatable)' : ''}`,
  );
  return [`spamcase ${c.name}: ${c.summary}`, '', `usage: ${c.usage}`, '', 'options:', ...options, '  --help, -h'].join(
    '\n',
  );
}

export function findCommand(argv: readonly string[]): { command: CommandSpec; rest: string[] } | null {
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command: c, rest: argv.slice(words.length) };
  }
  return null;
}

const HELP = new Set(['--help', '-h']);

export async function main(argv: string[]): Promise<number> {
  guardStdout();
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || (argv[0] === 'help' && argv.length === 1)) {
    out(helpText());
    return 0;
  }
  const asked = argv[0] === 'help' ? argv.slice(1) : argv;
  const found = findCommand(asked);
  if (!found) {
    process.stderr.write(`spamcase: unknown command "${argv.join(' ')}"\n\n${helpText()}\n`);
    return 2;
  }
  if (argv[0] === 'help' || found.rest.some((a) => HELP.has(a))) {
    out(commandHelp(found.command));
    return 0;
  }
  let ctx: Context | null = null;
  try {
    const { values, positionals } = parseArgs({
      args: found.rest,
      options: found.command.options,
      allowPositionals: true,
      strict: true,
    });
    const [{ commands }, { openContext }] = await Promise.all([found.command.load(), import('../context.ts')]);
    const run = commands[found.command.name];
    if (!run) throw new Error(`command "${found.command.name}" is in the table but not in its module`);
    ctx = await openContext();
    return await run(ctx, { values, positionals });
  } catch (err) {
    if (isSpamcaseError(err)) {
      process.stderr.write(`spamcase: ${cliMessage(err)}\n`);
      if (err.code === 'USAGE') process.stderr.write(`usage: ${found.command.usage}\n`);
      return err.code === 'USAGE' ? 2 : 1;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(
        `spamcase: ${(err as Error).message}\nusage: ${found.command.usage}\n(spamcase ${found.command.name} --help lists its options)\n`,
      );
      return 2;
    }
    throw err;
  } finally {
    await ctx?.db.close();
  }
}

// Run as a script (`node --import tsx server/cli/main.ts`, `node dist/server/cli/main.js`), not imported.
const invokedDirectly = process.argv[1] !== undefined && /server[/\\]cli[/\\]main\.[jt]s$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `spamcase: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
