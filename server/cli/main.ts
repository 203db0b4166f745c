/**
 * The `spamcase` command line: a command table that also produces its help. Every command calls
 * the same domain functions as the web routes. Errors become exit codes here and only here:
 * 0 success, 1 a domain error (message on stderr), 2 usage, 3 fsck found problems.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.ts';
import { openContext, type Context } from '../context.ts';
import { describeError, isSpamcaseError, SpamcaseError } from '../errors.ts';
import { createCase, listCases, parsePartySpec } from '../cases/cases.ts';
import { ACQUISITION_METHODS, ingest, type AcquisitionMethod } from '../ingest/ingest.ts';
import { caseReport } from '../report/counts.ts';
import { formatReportTable } from '../report/table.ts';
import { fsck } from '../fsck/fsck.ts';
import { caseDamages, chooseRuleSet } from '../damages/case-damages.ts';
import { csvText, damagesCsv, damagesJson, formatDamagesTable } from '../damages/exhibit.ts';
import { listRuleSets, loadRuleSet } from '../damages/rule-set.ts';
import { writeSummaryPdf } from '../pdf/write.ts';
import { LANGS, type Lang } from '../pdf/types.ts';
import { startServer } from '../web/server.ts';
import { formatBytes, ttyProgress, ttyStatusLine } from './progress.ts';
import { loadKeySnapshot } from '../attribution/dkim/key-snapshot.ts';
import { verifyCaseDkim, type DkimCounts } from '../attribution/dkim/case-dkim.ts';

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
    name: 'case set',
    usage: 'spamcase case set --case <name> --rules <rule set name or file>',
    summary: 'choose the damages rule set for a case (a custody event); report --json then has a damages section',
    options: { case: { type: 'string' }, rules: { type: 'string' } },
    async run(ctx, values) {
      const ruleSet = await chooseRuleSet(ctx, required(values, 'case'), required(values, 'rules'));
      out(`case ${values.case as string}: damages rule set ${ruleSet.name} (${ruleSet.title}), sha256 ${ruleSet.sha256}`);
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
    name: 'damages rules',
    usage: 'spamcase damages rules [--json]',
    summary: 'list the damages rule sets in templates/damages/ (and whether each one is valid)',
    options: { json: { type: 'boolean' } },
    async run(_ctx, values) {
      const rows = listRuleSets().map((name) => {
        try {
          const r = loadRuleSet(name);
          return { name, title: r.title, jurisdiction: r.jurisdiction, currency: r.currency, source: r.source, error: null };
        } catch (err) {
          return { name, title: null, jurisdiction: null, currency: null, source: null, error: describeError(err) };
        }
      });
      if (values.json) json(rows);
      else for (const r of rows) out(r.error ? `${r.name.padEnd(24)} INVALID: ${r.error}` : `${r.name.padEnd(24)} ${r.currency}  ${r.title}`);
      return 0;
    },
  },
  {
    name: 'damages',
    usage: 'spamcase damages --case <name> [--rules <rule set name or file>] [--defendant <name>] [--lang en|fr] [--save] [--json|--csv]',
    summary: 'damages under a rule set: per plaintiff, defendant and violation category; low, claimed, maximum; the method',
    options: {
      case: { type: 'string' },
      rules: { type: 'string' },
      defendant: { type: 'string' },
      lang: { type: 'string' },
      save: { type: 'boolean' },
      json: { type: 'boolean' },
      csv: { type: 'boolean' },
    },
    async run(ctx, values) {
      const slug = required(values, 'case');
      const lang = (values.lang as string | undefined) ?? 'en';
      if (lang !== 'en' && lang !== 'fr') throw new SpamcaseError('USAGE', '--lang is en or fr');
      if (values.json && values.csv) throw new SpamcaseError('USAGE', 'choose --json or --csv, not both');
      if (values.save) await chooseRuleSet(ctx, slug, required(values, 'rules'));
      const { result } = await caseDamages(ctx.db.knex, slug, {
        ...(values.rules === undefined ? {} : { rules: values.rules as string }),
        ...(values.defendant === undefined ? {} : { defendant: values.defendant as string }),
      });
      if (values.json) json(damagesJson(result, lang));
      else if (values.csv) process.stdout.write(csvText(damagesCsv(result)));
      else out(formatDamagesTable(result, lang));
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
    name: 'dkim',
    usage: 'spamcase dkim --case <name> --keys <snapshot.txt|snapshot.json> [--json]',
    summary: 'verify DKIM signatures offline, against key records captured at harvest time (never DNS)',
    options: { case: { type: 'string' }, keys: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const snapshot = loadKeySnapshot(required(values, 'keys'));
      const status = ttyStatusLine(process.stderr);
      const fmt = new Intl.NumberFormat('en-US');
      const summary = await verifyCaseDkim(ctx, {
        caseSlug: required(values, 'case'),
        snapshot,
        onProgress: status
          ? (p) => status.update(`${fmt.format(p.items)} of ${fmt.format(p.total)} items, ${fmt.format(p.signedItems)} signed, ${fmt.format(Math.round(p.items / Math.max(p.elapsedMs / 1000, 0.001)))} items/s`)
          : undefined,
      });
      status?.done();
      if (values.json) {
        json(summary);
        return 0;
      }
      const counts = (c: DkimCounts) =>
        `${fmt.format(c.items)} items: ${fmt.format(c.pass)} pass, ${fmt.format(c.fail)} fail, ${fmt.format(c.noKey)} no key, ${fmt.format(c.notVerified)} not verified, ${fmt.format(c.unsigned)} unsigned`;
      out(`${summary.case}: DKIM against ${summary.snapshot.source} (sha256 ${summary.snapshot.sha256}, ${summary.snapshot.records} key records)`);
      for (const w of summary.snapshot.warnings) out(`  warning: ${w}`);
      out(`  this run:  ${counts(summary.run)}`);
      out(`  all items: ${counts(summary.totals)}`);
      return 0;
    },
  },
  {
    name: 'pdf',
    usage: 'spamcase pdf --case <name> [--lang en|fr] [--organization "..."] [--jurisdiction "..."] --out summary.pdf [--json]',
    summary: 'the PDF summary for a complaint (caption, counts, method, accounts, timeline, custody, declaration)',
    options: { case: { type: 'string' }, lang: { type: 'string' }, out: { type: 'string' }, organization: { type: 'string' }, jurisdiction: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const lang = ((values.lang as string | undefined) ?? 'en') as Lang;
      if (!LANGS.includes(lang)) throw new SpamcaseError('USAGE', `--lang must be one of ${LANGS.join(', ')}`);
      const written = await writeSummaryPdf(ctx, required(values, 'case'), {
        lang,
        out: required(values, 'out'),
        organization: values.organization as string | undefined,
        jurisdiction: values.jurisdiction as string | undefined,
      });
      if (values.json) json(written);
      else out(`${written.path}: ${written.pages} pages, ${formatBytes(written.bytes)}, sha256 ${written.sha256} (as of custody event ${written.asOfSeq})`);
      return 0;
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
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(12)} ${c.summary}`, `  ${''.padEnd(12)} ${c.usage}`);
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
