/**
 * The `spamcase` command line: a command table that also produces its help. Every command calls
 * the same domain functions as the web routes. Errors become exit codes here and only here:
 * 0 success, 1 a domain error (message on stderr), 2 usage, 3 fsck found problems.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.ts';
import { openContext, type Context } from '../context.ts';
import { isSpamcaseError, SpamcaseError } from '../errors.ts';
import { createCase, listCases, parsePartySpec } from '../cases/cases.ts';
import { ACQUISITION_METHODS, ingest, type AcquisitionMethod } from '../ingest/ingest.ts';
import { caseReport } from '../report/counts.ts';
import { formatReportTable } from '../report/table.ts';
import { fsck } from '../fsck/fsck.ts';
import { getCase } from '../cases/cases.ts';
import { campaignDetail, listCampaigns, type CampaignRow } from '../campaigns/queries.ts';
import { explainMember } from '../campaigns/explain.ts';
import { fingerprintMissing } from '../campaigns/backfill.ts';
import { updateCampaigns } from '../campaigns/update.ts';
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

const CAMPAIGN_CSV_COLUMNS = ['number', 'exemplarBates', 'exemplarItemId', 'subject', 'messages', 'deliveries', 'accounts', 'originatingIps', 'firstDate', 'lastDate'] as const satisfies ReadonlyArray<keyof CampaignRow>;

/** RFC 4180 field; a leading = + - @ is prefixed with ' so spreadsheets do not run spam subjects as formulas. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new SpamcaseError('USAGE', `--${name} is required`);
  return v;
}

const COMMANDS: Command[] = [
  {
    name: 'case create',
    usage: 'spamcase case create <name> --title "..." --party "Laposte.net:LPN" [--party "MSN:MSN"]',
    summary: 'create a case with its parties (plaintiffs) and their Bates prefixes',
    options: { title: { type: 'string' }, party: { type: 'string', multiple: true } },
    async run(ctx, values, [slug]) {
      if (!slug) throw new SpamcaseError('USAGE', 'name the case: spamcase case create <name> --title ... --party Name:PREFIX');
      const parties = ((values.party as string[] | undefined) ?? []).map(parsePartySpec);
      const c = await createCase(ctx, { slug, title: required(values, 'title'), parties });
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
    name: 'campaigns update',
    usage: 'spamcase campaigns update --case <name> [--json]',
    summary: 'fingerprint messages that have none, then cluster (ingest does this itself)',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const fingerprinted = await fingerprintMissing(ctx, c.id, c.slug);
      const u = await updateCampaigns(ctx, c.id, c.slug);
      if (values.json) json({ fingerprinted, ...u });
      else {
        out(`${c.slug}: ${fingerprinted} messages fingerprinted; ${u.messagesAdded} messages placed, ${u.newCampaigns} new campaigns, ${u.extendedCampaigns} extended, ${u.merges.length} merges (${u.ms} ms)`);
        for (const m of u.merges) out(`  merged ${m.merged.join(', ')} into ${m.into} (${m.messagesMoved} messages)`);
      }
      return 0;
    },
  },
  {
    name: 'campaigns',
    usage: 'spamcase campaigns --case <name> [--sort messages|number] [--limit N] [--offset N] [--search TEXT] [--json|--csv]',
    summary: 'campaigns (near-identical content), largest first: exemplar, messages, deliveries, accounts, dates',
    options: {
      case: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
      sort: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
      search: { type: 'string' },
    },
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const num = (name: string) => (values[name] === undefined ? undefined : Number(values[name]));
      const list = await listCampaigns(ctx.db.knex, c.id, {
        sort: values.sort as string | undefined,
        limit: num('limit') ?? (values.csv ? 1000 : 50),
        offset: num('offset'),
        search: values.search as string | undefined,
      });
      if (values.json) json(list);
      else if (values.csv) {
        out(CAMPAIGN_CSV_COLUMNS.join(','));
        for (const r of list.rows) out(CAMPAIGN_CSV_COLUMNS.map((k) => csvField(r[k])).join(','));
      } else {
        out(`${c.slug}: ${list.total} campaigns`);
        out(`${'number'.padStart(7)} ${'messages'.padStart(9)} ${'deliv.'.padStart(7)} ${'accts'.padStart(6)}  ${'exemplar'.padEnd(14)} ${'first'.padEnd(10)} ${'last'.padEnd(10)}  subject`);
        for (const r of list.rows) {
          out(
            `${String(r.number).padStart(7)} ${String(r.messages).padStart(9)} ${String(r.deliveries).padStart(7)} ${String(r.accounts).padStart(6)}  ${r.exemplarBates.padEnd(14)} ${(r.firstDate ?? '-').slice(0, 10).padEnd(10)} ${(r.lastDate ?? '-').slice(0, 10).padEnd(10)}  ${(r.subject ?? '').slice(0, 60)}`,
          );
        }
      }
      return 0;
    },
  },
  {
    name: 'campaign',
    usage: 'spamcase campaign --case <name> <number> [--member BATES] [--limit N] [--offset N] [--json]',
    summary: 'one campaign: exemplar, sizes, members with their similarity; --member: which features matched',
    options: { case: { type: 'string' }, json: { type: 'boolean' }, member: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } },
    async run(ctx, values, [numberText]) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const number = Number(numberText);
      if (!Number.isInteger(number) || number < 1) throw new SpamcaseError('USAGE', 'name the campaign by its number: spamcase campaign --case X 12');
      const detail = await campaignDetail(ctx.db.knex, c.id, number, {
        limit: values.limit === undefined ? 50 : Number(values.limit),
        offset: values.offset === undefined ? 0 : Number(values.offset),
      });
      const explanation = typeof values.member === 'string' ? await explainMember(ctx, c.id, c.slug, values.member) : null;
      if (explanation && explanation.campaign !== detail.campaign.number) {
        throw new SpamcaseError('INVALID_INPUT', `item ${explanation.memberBates} is in campaign ${explanation.campaign}, not ${detail.campaign.number}`);
      }
      if (values.json) {
        json(explanation ? { ...detail, explanation } : detail);
        return 0;
      }
      const k = detail.campaign;
      if (k.number !== number) out(`campaign ${number} was merged into campaign ${k.number}`);
      out(`campaign ${k.number}: ${k.subject ?? '(no subject)'}`);
      out(`  exemplar ${k.exemplarBates}; ${k.messages} messages, ${k.deliveries} deliveries, ${k.accounts} accounts, ${k.originatingIps ?? '-'} originating IPs, ${k.firstDate ?? '-'} to ${k.lastDate ?? '-'}`);
      if (detail.mergedFrom.length > 0) out(`  merged from campaigns ${detail.mergedFrom.join(', ')}`);
      out('');
      for (const m of detail.members) out(`  ${m.bates.padEnd(14)} ${m.similarity.toFixed(2)}  ${(m.date ?? '-').slice(0, 10)}  ${(m.from ?? '-').padEnd(28)} ${(m.subject ?? '').slice(0, 50)}`);
      if (explanation) {
        const e = explanation;
        out();
        out(`${e.memberBates} against exemplar ${e.exemplarBates}: similarity ${e.similarity.toFixed(2)} (estimated ${e.estimatedSimilarity.toFixed(2)}), ${e.sharedFeatures} shared features of ${e.exemplarFeatures} / ${e.memberFeatures}`);
        out(`  subject words shared: ${e.subjectWords.shared.join(' ') || '-'}; only exemplar: ${e.subjectWords.exemplarOnly.join(' ') || '-'}; only member: ${e.subjectWords.memberOnly.join(' ') || '-'}`);
        out(`  link domains shared: ${e.domains.shared.join(' ') || '-'}; only exemplar: ${e.domains.exemplarOnly.join(' ') || '-'}; only member: ${e.domains.memberOnly.join(' ') || '-'}`);
        out(`  phrases shared: ${e.phrases.shared.map((p) => `"${p}"`).join(', ') || '-'}`);
        out(`  phrases only in the exemplar: ${e.phrases.exemplarOnly.map((p) => `"${p}"`).join(', ') || '-'}`);
        out(`  phrases only in the member: ${e.phrases.memberOnly.map((p) => `"${p}"`).join(', ') || '-'}`);
      }
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
      const server = await startServer(ctx, { host: (values.host as string | undefined) ?? config.http.host, port });
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
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(17)} ${c.summary}`, `  ${''.padEnd(17)} ${c.usage}`);
  lines.push(
    '',
    'Environment: SPAMCASE_HOME (data root, default ./cases), DATABASE_URL (postgres://… instead of SQLite),',
    '             SPAMCASE_PORT / SPAMCASE_HOST (serve).',
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
