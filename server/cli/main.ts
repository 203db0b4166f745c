/**
 * The `spamcase` command line: a command table that also produces its help. Every command calls
 * the same domain functions as the web routes. Errors become exit codes here and only here:
 * 0 success, 1 a domain error (message on stderr), 2 usage, 3 fsck or verify found problems.
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
import { startServer } from '../web/server.ts';
import { formatBytes, ttyProgress } from './progress.ts';
import { exportBundle, listExports } from '../export/bundle.ts';
import { recordVerification, verifyBundle } from '../export/verify.ts';
import { initTrialKeys } from '../signing/keys.ts';
import { getCase } from '../cases/cases.ts';

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
    name: 'export',
    usage: 'spamcase export --case <name> --out <file.zip> [--as-of <custody event seq>] [--json]',
    summary: 'write the signed evidence bundle (BagIt in a ZIP) of a case, as of a custody event',
    options: { case: { type: 'string' }, out: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const config = loadConfig();
      const asOfText = values['as-of'] as string | undefined;
      const asOfSeq = asOfText === undefined ? undefined : Number(asOfText);
      if (asOfSeq !== undefined && (!Number.isInteger(asOfSeq) || asOfSeq < 1)) throw new SpamcaseError('USAGE', '--as-of must be a custody event number');
      const r = await exportBundle(ctx, required(values, 'case'), { out: required(values, 'out'), signing: config.signing, organization: config.organization, tsaUrl: config.tsaUrl, asOfSeq });
      if (values.json) json(r);
      else {
        out(`${r.file}: ${r.identifier}, ${r.items} items, ${r.entries} members, ${formatBytes(r.bytes)}, as of custody event ${r.asOfSeq}`);
        out(`  sha256 ${r.sha256}`);
        out(`  signed by ${r.signer} (${r.signerFingerprint})${r.timestamp ? ', timestamped' : ''}`);
        for (const w of r.warnings) out(`  warning: ${w}`);
      }
      return 0;
    },
  },
  {
    name: 'verify',
    usage: 'spamcase verify <file.zip> [--cert <signer or CA certificate.pem>] [--tsa-cert <tsa.pem>] [--json]',
    summary: 'check a bundle: ZIP, BagIt, every checksum, signature, timestamp, custody chain, items.csv',
    options: { cert: { type: 'string' }, 'tsa-cert': { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values, [file]) {
      if (!file) throw new SpamcaseError('USAGE', 'name the bundle: spamcase verify <file.zip>');
      const r = await verifyBundle(file, { cert: values.cert as string | undefined, tsaCert: values['tsa-cert'] as string | undefined });
      const recordedOn = await recordVerification(ctx, r);
      if (values.json) json({ ...r, recordedOn });
      else {
        out(`${r.file}: ${r.ok ? 'VERIFIED' : 'FAILED'} — ${r.identifier ?? '(no identifier)'}, ${r.items} items, ${r.payloadFiles} payload files${r.timestamp ? `, timestamp ${r.timestamp}` : ''}`);
        if (r.signer) out(`  signed by ${r.signer} (${r.signerFingerprint})`);
        for (const p of r.problems) out(`  FAIL ${p.file}: ${p.problem}`);
        for (const w of r.warnings) out(`  warning: ${w}`);
        if (recordedOn) out(`  recorded as a custody event of case ${recordedOn}`);
      }
      return r.ok ? 0 : 3;
    },
  },
  {
    name: 'exports',
    usage: 'spamcase exports --case <name> [--json]',
    summary: 'list the bundles exported from a case, with their SHA-256',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const rows = await listExports(ctx.db.knex, c.id);
      if (values.json) json(rows);
      else if (rows.length === 0) out(`no exports of ${c.slug} yet: spamcase export --case ${c.slug} --out bundle.zip`);
      else for (const e of rows) out(`${e.createdAt}  ${e.identifier}  ${e.items} items  ${e.sha256}  ${e.fileName}`);
      return 0;
    },
  },
  {
    name: 'keys init',
    usage: 'spamcase keys init',
    summary: 'make a self-signed signing certificate for TRYING the product (not for court use)',
    options: { json: { type: 'boolean' } },
    async run(ctx, values) {
      const config = loadConfig();
      if ('p12' in config.signing) throw new SpamcaseError('USAGE', 'SPAMCASE_SIGNING_P12 is set: keys init writes PEM files; unset it or use your own PKCS#12');
      const r = initTrialKeys(config.signing, config.organization, ctx.clock());
      if (values.json) json(r);
      else {
        out(`trial signing certificate written: ${r.cert} (key ${r.key}, mode 600)`);
        out(`  subject ${r.subject.replace(/\n/g, ', ')}`);
        out(`  SHA-256 fingerprint ${r.fingerprint}`);
        out('  bundles signed with it say so; use your organization\'s certificate for real cases (SPAMCASE_SIGNING_CERT/KEY or _P12)');
      }
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
    '             SPAMCASE_PORT / SPAMCASE_HOST (serve), SPAMCASE_ORGANIZATION, SPAMCASE_SIGNING_CERT +',
    '             SPAMCASE_SIGNING_KEY or SPAMCASE_SIGNING_P12 (+ _PASSWORD), SPAMCASE_TSA_URL (export).',
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
