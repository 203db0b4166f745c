/**
 * The `spamcase` command line: a command table that also produces its help. Every command calls
 * the same domain functions as the web routes. Errors become exit codes here and only here:
 * 0 success, 1 a domain error (message on stderr), 2 usage, 3 fsck or verify found problems.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config.ts';
import { openContext, type Context } from '../context.ts';
import { describeError, isSpamcaseError, SpamcaseError } from '../errors.ts';
import { createCase, getCase, listCases, parsePartySpec } from '../cases/cases.ts';
import { addMember, listMembers, removeMember } from '../cases/members.ts';
import { addUser, listUsers, parseRole, removeUser, setPassword } from '../users/users.ts';
import { readNewPassword } from './password-input.ts';
import { ACQUISITION_METHODS, ingest, type AcquisitionMethod } from '../usecases/ingest.ts';
import { caseReport } from '../report/counts.ts';
import { formatReportTable } from '../report/table.ts';
import { fsck } from '../fsck/fsck.ts';
import { caseDamages, chooseRuleSet } from '../damages/case-damages.ts';
import { csvText, damagesCsv, damagesJson, formatDamagesTable } from '../damages/exhibit.ts';
import { listRuleSets, loadRuleSet } from '../damages/rule-set.ts';
import { LANGS, type Lang } from '../pdf/types.ts';
import { startServer } from '../web/server.ts';
import { formatBytes, ttyProgress, ttyStatusLine } from './progress.ts';
import type { DkimCounts } from '../attribution/dkim/case-dkim.ts';
import { toCsv } from './csv.ts';
import { listExports } from '../export/bundle.ts';
import { buildBundle, writeSummary } from '../usecases/exports.ts';
import { recordVerification, verifyBundle } from '../export/verify.ts';
import { initTrialKeys } from '../signing/keys.ts';
import { campaignDetail, listCampaigns, type CampaignRow } from '../campaigns/queries.ts';
import { explainMember } from '../campaigns/explain.ts';
import { updateCaseCampaigns } from '../usecases/campaigns.ts';
import { setPartyTrust } from '../attribution/reattribute.ts';
import { attribute, partyTrust, verifyDkim } from '../usecases/attribute.ts';
import { listAccounts, listOriginatingIps, type ListOptions } from '../attribution/queries.ts';
import { formatMessageEvidence, messageEvidence } from '../attribution/evidence.ts';
import { changeDefendant, createDefendant, listDefendants, suggestDefendants } from '../attribution/defendants.ts';

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

const CAMPAIGN_CSV_COLUMNS = [
  'number',
  'exemplarBates',
  'exemplarItemId',
  'subject',
  'messages',
  'deliveries',
  'accounts',
  'originatingIps',
  'firstDate',
  'lastDate',
] as const satisfies ReadonlyArray<keyof CampaignRow>;

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new SpamcaseError('USAGE', `--${name} is required`);
  return v;
}

const list = (values: Values, name: string): string[] => (values[name] as string[] | undefined) ?? [];

/** "--trusted-relay PREFIX=value" for one party among several; a plain value when the case has one party. */
function perParty(values: string[], prefixes: string[], option: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const prefix =
      eq > 0 && prefixes.includes(v.slice(0, eq)) ? v.slice(0, eq) : prefixes.length === 1 ? prefixes[0]! : null;
    if (prefix === null)
      throw new SpamcaseError(
        'USAGE',
        `--${option} needs PREFIX=value when the case has several parties (got ${JSON.stringify(v)})`,
      );
    out.set(prefix, [...(out.get(prefix) ?? []), eq > 0 && prefixes.includes(v.slice(0, eq)) ? v.slice(eq + 1) : v]);
  }
  return out;
}

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

function listOptions(values: Values): ListOptions {
  const int = (name: string) => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new SpamcaseError('USAGE', `--${name} must be a whole number`);
    return Number(v);
  };
  const order = values.order as string | undefined;
  if (order !== undefined && order !== 'asc' && order !== 'desc')
    throw new SpamcaseError('USAGE', '--order must be asc or desc');
  return {
    sort: values.sort as string | undefined,
    order,
    limit: int('limit'),
    offset: int('offset'),
    search: values.search as string | undefined,
  };
}

const fmtInt = new Intl.NumberFormat('en-US');

const COMMANDS: Command[] = [
  {
    name: 'case create',
    usage:
      'spamcase case create <name> --title "..." --party "Laposte.net:LPN" [--party "MSN:MSN"] [--jurisdiction "..."] [--trusted-relay [PREFIX=]host-or-cidr]... [--trusted-authserv-id [PREFIX=]id]...',
    summary: 'create a case with its parties (plaintiffs), their Bates prefixes and trusted relays',
    options: {
      title: { type: 'string' },
      party: { type: 'string', multiple: true },
      jurisdiction: { type: 'string' },
      'trusted-relay': { type: 'string', multiple: true },
      'trusted-authserv-id': { type: 'string', multiple: true },
    },
    async run(ctx, values, [slug]) {
      if (!slug)
        throw new SpamcaseError('USAGE', 'name the case: spamcase case create <name> --title ... --party Name:PREFIX');
      const parties = list(values, 'party').map(parsePartySpec);
      const prefixes = parties.map((p) => p.batesPrefix);
      const relays = perParty(list(values, 'trusted-relay'), prefixes, 'trusted-relay');
      const ids = perParty(list(values, 'trusted-authserv-id'), prefixes, 'trusted-authserv-id');
      const c = await createCase(ctx, {
        slug,
        title: required(values, 'title'),
        parties,
        jurisdiction: values.jurisdiction as string | undefined,
      });
      for (const p of c.parties) {
        if (relays.has(p.batesPrefix) || ids.has(p.batesPrefix))
          await setPartyTrust(ctx, slug, p.batesPrefix, {
            relays: relays.get(p.batesPrefix),
            authservIds: ids.get(p.batesPrefix),
          });
      }
      out(
        `created case ${c.slug}: ${c.title} (parties: ${c.parties.map((p) => `${p.name} [${p.batesPrefix}]`).join(', ')})`,
      );
      return 0;
    },
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
    async run(ctx, values) {
      const slug = required(values, 'case');
      const relays = values['no-trusted-relays'] ? [] : (values['trusted-relay'] as string[] | undefined);
      const authservIds = values['trusted-authserv-id'] as string[] | undefined;
      const { party, trust, changed } = await partyTrust(ctx, slug, required(values, 'party'), {
        relays,
        authservIds,
      });
      if (values.json) json({ party, trustedRelays: trust.relays, trustedAuthservIds: trust.authservIds });
      else {
        out(
          `${party}: trusted relays ${trust.relays.join(', ') || '(none)'}; trusted authserv-ids ${trust.authservIds.join(', ') || '(none)'}`,
        );
        if (changed) out(`run "spamcase attribute --case ${slug}" to recompute the attribution with this trust`);
      }
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
      if (values.json)
        json(
          cases.map((c) => ({
            case: c.slug,
            title: c.title,
            createdAt: c.createdAt,
            parties: c.parties.map((p) => ({ name: p.name, batesPrefix: p.batesPrefix })),
          })),
        );
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
      out(
        `case ${values.case as string}: damages rule set ${ruleSet.name} (${ruleSet.title}), sha256 ${ruleSet.sha256}`,
      );
      return 0;
    },
  },
  {
    name: 'ingest',
    usage: `spamcase ingest --case <name> [--party <name>] [--method ${ACQUISITION_METHODS.join('|')}] [--recipient <mailbox>] <path>...`,
    summary: 'harvested spam in: .eml files, folders, mbox (also .gz), maildir, ZIP, ARF reports',
    options: {
      case: { type: 'string' },
      party: { type: 'string' },
      method: { type: 'string' },
      recipient: { type: 'string' },
      json: { type: 'boolean' },
    },
    async run(ctx, values, paths) {
      const progress = ttyProgress(process.stderr);
      const summaries = await ingest(ctx, {
        caseSlug: required(values, 'case'),
        party: values.party as string | undefined,
        method: ((values.method as string | undefined) ?? 'trap') as AcquisitionMethod,
        envelopeRecipient: values.recipient as string | undefined,
        paths,
        budget: loadConfig().ingestBudget,
        onProgress: progress ? (p) => progress.update(p) : undefined,
      });
      progress?.done();
      if (values.json) json(summaries);
      else
        for (const s of summaries) {
          out(
            `${s.source}: ${s.samples} samples (${s.newItems} new items, ${s.exactDuplicates} exact duplicates), ${s.rejected} rejected, ${formatBytes(s.sourceBytes)}, sha256 ${s.sourceSha256}`,
          );
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
          return {
            name,
            title: r.title,
            jurisdiction: r.jurisdiction,
            currency: r.currency,
            source: r.source,
            error: null,
          };
        } catch (err) {
          return { name, title: null, jurisdiction: null, currency: null, source: null, error: describeError(err) };
        }
      });
      if (values.json) json(rows);
      else
        for (const r of rows)
          out(r.error ? `${r.name.padEnd(24)} INVALID: ${r.error}` : `${r.name.padEnd(24)} ${r.currency}  ${r.title}`);
      return 0;
    },
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
    name: 'attribute',
    usage: 'spamcase attribute --case <name> [--json]',
    summary: "recompute every item's account and originating IP from the stored raw messages (after a trust change)",
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const s = await attribute(ctx, required(values, 'case'));
      if (values.json) json(s);
      else
        out(
          `${s.case}: ${fmtInt.format(s.items)} items attributed: ${fmtInt.format(s.accounts)} accounts, ${fmtInt.format(s.originatingIps)} originating IPs`,
        );
      return 0;
    },
  },
  {
    name: 'accounts',
    usage:
      'spamcase accounts --case <name> [--json|--csv] [--sort deliveries|items|messages|recipients|firstSeen|lastSeen] [--order asc|desc] [--limit N] [--offset N] [--search text]',
    summary: 'sender accounts with their volumes, evidence, parties, bot signals and defendant',
    options: LIST_OPTIONS,
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const r = await listAccounts(ctx.db.knex, c.id, listOptions(values));
      const columns = [
        'address',
        'provider',
        'deliveries',
        'items',
        'messages',
        'recipients',
        'firstSeen',
        'lastSeen',
        'parties',
        'evidence',
        'signals',
        'defendant',
      ];
      if (values.json) json(r);
      else if (values.csv) process.stdout.write(toCsv(columns, r.rows as unknown as Array<Record<string, unknown>>));
      else {
        out(`${fmtInt.format(r.total)} accounts${r.rows.length < r.total ? ` (showing ${r.rows.length})` : ''}`);
        for (const a of r.rows)
          out(
            `  ${a.address.padEnd(36)} ${fmtInt.format(a.deliveries).padStart(9)} deliveries ${fmtInt.format(a.messages).padStart(8)} messages  ${a.firstSeen?.slice(0, 10) ?? '-'}..${a.lastSeen?.slice(0, 10) ?? '-'}  ${a.signals.join(',')}${a.defendant ? `  [${a.defendant}]` : ''}`,
          );
      }
      return 0;
    },
  },
  {
    name: 'ips',
    usage:
      'spamcase ips --case <name> [--json|--csv] [--sort deliveries|...] [--order asc|desc] [--limit N] [--offset N] [--search text]',
    summary: 'originating IPs with their volumes, evidence, parties and defendant',
    options: LIST_OPTIONS,
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const r = await listOriginatingIps(ctx.db.knex, c.id, listOptions(values));
      const columns = [
        'ip',
        'deliveries',
        'items',
        'messages',
        'recipients',
        'firstSeen',
        'lastSeen',
        'parties',
        'evidence',
        'defendant',
      ];
      if (values.json) json(r);
      else if (values.csv) process.stdout.write(toCsv(columns, r.rows as unknown as Array<Record<string, unknown>>));
      else {
        out(`${fmtInt.format(r.total)} originating IPs${r.rows.length < r.total ? ` (showing ${r.rows.length})` : ''}`);
        for (const a of r.rows)
          out(
            `  ${a.ip.padEnd(40)} ${fmtInt.format(a.deliveries).padStart(9)} deliveries ${fmtInt.format(a.messages).padStart(8)} messages  ${a.firstSeen?.slice(0, 10) ?? '-'}..${a.lastSeen?.slice(0, 10) ?? '-'}${a.defendant ? `  [${a.defendant}]` : ''}`,
          );
      }
      return 0;
    },
  },
  {
    name: 'message',
    usage: 'spamcase message --case <name> <bates-or-sha256> [--json]',
    summary: 'all evidence about one item: headers, Received analysis, attribution and why, samples',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values, [ref]) {
      if (!ref) throw new SpamcaseError('USAGE', 'name the item by its Bates number or SHA-256');
      const e = await messageEvidence(ctx, required(values, 'case'), ref);
      if (values.json) json(e);
      else out(formatMessageEvidence(e));
      return 0;
    },
  },
  {
    name: 'defendants suggest',
    usage: 'spamcase defendants suggest --case <name> [--json]',
    summary: 'propose groups of accounts (shared originating IPs or /24s, naming patterns) with the reasons',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const groups = await suggestDefendants(ctx.db.knex, c.id);
      if (values.json) json(groups);
      else if (groups.length === 0) out('no groups to suggest');
      else
        groups.forEach((g, i) =>
          out(
            `${i + 1}. ${g.accounts.length} accounts: ${g.accounts.slice(0, 8).join(', ')}${g.accounts.length > 8 ? ', ...' : ''}\n   because: ${g.reasons.slice(0, 6).join('; ')}${g.reasons.length > 6 ? '; ...' : ''}`,
          ),
        );
      return 0;
    },
  },
  {
    name: 'defendants create',
    usage: 'spamcase defendants create --case <name> [--name "Doe 1"] <account-or-ip>...',
    summary: 'group accounts and IPs into a defendant (named, or the next "Doe n")',
    options: { case: { type: 'string' }, name: { type: 'string' } },
    async run(ctx, values, members) {
      const d = await createDefendant(
        ctx,
        required(values, 'case'),
        (values.name as string | undefined) ?? null,
        members,
      );
      out(
        `defendant ${d.name}: ${d.accounts.length} accounts, ${d.ips.length} IPs, ${fmtInt.format(d.deliveries)} deliveries`,
      );
      return 0;
    },
  },
  {
    name: 'defendants add',
    usage: 'spamcase defendants add --case <name> --name <defendant> <account-or-ip>...',
    summary: 'add accounts or IPs to a defendant',
    options: { case: { type: 'string' }, name: { type: 'string' } },
    async run(ctx, values, members) {
      const d = await changeDefendant(ctx, required(values, 'case'), required(values, 'name'), { add: members });
      out(
        `defendant ${d.name}: ${d.accounts.length} accounts, ${d.ips.length} IPs, ${fmtInt.format(d.deliveries)} deliveries`,
      );
      return 0;
    },
  },
  {
    name: 'defendants remove',
    usage: 'spamcase defendants remove --case <name> --name <defendant> <account-or-ip>...',
    summary: 'remove accounts or IPs from a defendant',
    options: { case: { type: 'string' }, name: { type: 'string' } },
    async run(ctx, values, members) {
      const d = await changeDefendant(ctx, required(values, 'case'), required(values, 'name'), { remove: members });
      out(
        `defendant ${d.name}: ${d.accounts.length} accounts, ${d.ips.length} IPs, ${fmtInt.format(d.deliveries)} deliveries`,
      );
      return 0;
    },
  },
  {
    name: 'defendants list',
    usage: 'spamcase defendants list --case <name> [--json]',
    summary: 'the defendants with their accounts, IPs and deliveries',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const ds = await listDefendants(ctx.db.knex, c.id);
      if (values.json) json(ds);
      else if (ds.length === 0) out('no defendants yet: spamcase defendants suggest --case ' + c.slug);
      else
        for (const d of ds)
          out(
            `${d.name.padEnd(24)} ${fmtInt.format(d.deliveries).padStart(9)} deliveries  accounts: ${d.accounts.join(', ') || '-'}  IPs: ${d.ips.join(', ') || '-'}`,
          );
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
        out(
          `${result.case}: ${result.ok ? 'OK' : 'PROBLEMS FOUND'} — ${result.itemsChecked} items and ${result.wrappersChecked} wrappers re-hashed in ${result.segments} pack segment(s), ${result.custodyEvents} custody events`,
        );
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
      const keys = required(values, 'keys');
      const status = ttyStatusLine(process.stderr);
      const fmt = new Intl.NumberFormat('en-US');
      const summary = await verifyDkim(ctx, {
        caseSlug: required(values, 'case'),
        keys,
        onProgress: status
          ? (p) =>
              status.update(
                `${fmt.format(p.items)} of ${fmt.format(p.total)} items, ${fmt.format(p.signedItems)} signed, ${fmt.format(Math.round(p.items / Math.max(p.elapsedMs / 1000, 0.001)))} items/s`,
              )
          : undefined,
      });
      status?.done();
      const { reattributed } = summary;
      if (values.json) {
        json(summary);
        return 0;
      }
      const counts = (c: DkimCounts) =>
        `${fmt.format(c.items)} items: ${fmt.format(c.pass)} pass, ${fmt.format(c.fail)} fail, ${fmt.format(c.noKey)} no key, ${fmt.format(c.notVerified)} not verified, ${fmt.format(c.unsigned)} unsigned`;
      out(
        `${summary.case}: DKIM against ${summary.snapshot.source} (sha256 ${summary.snapshot.sha256}, ${summary.snapshot.records} key records)`,
      );
      for (const w of summary.snapshot.warnings) out(`  warning: ${w}`);
      out(`  this run:  ${counts(summary.run)}`);
      out(`  all items: ${counts(summary.totals)}`);
      if (reattributed)
        out(
          `  re-attributed ${fmtInt.format(reattributed.items)} items with the DKIM results: ${fmtInt.format(reattributed.accounts)} accounts`,
        );
      return 0;
    },
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
    async run(ctx, values) {
      const lang = ((values.lang as string | undefined) ?? 'en') as Lang;
      if (!LANGS.includes(lang)) throw new SpamcaseError('USAGE', `--lang must be one of ${LANGS.join(', ')}`);
      const written = await writeSummary(
        ctx,
        {
          caseSlug: required(values, 'case'),
          lang,
          out: required(values, 'out'),
          organization: values.organization as string | undefined,
          jurisdiction: values.jurisdiction as string | undefined,
          rules: values.rules as string | undefined,
        },
        loadConfig(),
      );
      if (values.json) json(written);
      else
        out(
          `${written.path}: ${written.pages} pages, ${formatBytes(written.bytes)}, sha256 ${written.sha256} (as of custody event ${written.asOfSeq})`,
        );
      return 0;
    },
  },
  {
    name: 'campaigns update',
    usage: 'spamcase campaigns update --case <name> [--json]',
    summary: 'fingerprint messages that have none, then cluster (ingest does this itself)',
    options: { case: { type: 'string' }, json: { type: 'boolean' } },
    async run(ctx, values) {
      const slug = required(values, 'case');
      const u = await updateCaseCampaigns(ctx, slug);
      if (values.json) json(u);
      else {
        out(
          `${slug}: ${u.fingerprinted} messages fingerprinted; ${u.messagesAdded} messages placed, ${u.newCampaigns} new campaigns, ${u.extendedCampaigns} extended, ${u.merges.length} merges (${u.ms} ms)`,
        );
        for (const m of u.merges) out(`  merged ${m.merged.join(', ')} into ${m.into} (${m.messagesMoved} messages)`);
      }
      return 0;
    },
  },
  {
    name: 'campaigns',
    usage:
      'spamcase campaigns --case <name> [--sort messages|number] [--limit N] [--offset N] [--search TEXT] [--json|--csv]',
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
      else if (values.csv)
        process.stdout.write(toCsv([...CAMPAIGN_CSV_COLUMNS], list.rows as unknown as Array<Record<string, unknown>>));
      else {
        out(`${c.slug}: ${list.total} campaigns`);
        out(
          `${'number'.padStart(7)} ${'messages'.padStart(9)} ${'deliv.'.padStart(7)} ${'accts'.padStart(6)}  ${'exemplar'.padEnd(14)} ${'first'.padEnd(10)} ${'last'.padEnd(10)}  subject`,
        );
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
    options: {
      case: { type: 'string' },
      json: { type: 'boolean' },
      member: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
    async run(ctx, values, [numberText]) {
      const c = await getCase(ctx.db.knex, required(values, 'case'));
      const number = Number(numberText);
      if (!Number.isInteger(number) || number < 1)
        throw new SpamcaseError('USAGE', 'name the campaign by its number: spamcase campaign --case X 12');
      const detail = await campaignDetail(ctx.db.knex, c.id, number, {
        limit: values.limit === undefined ? 50 : Number(values.limit),
        offset: values.offset === undefined ? 0 : Number(values.offset),
      });
      const explanation =
        typeof values.member === 'string' ? await explainMember(ctx, c.id, c.slug, values.member) : null;
      if (explanation && explanation.campaign !== detail.campaign.number) {
        throw new SpamcaseError(
          'INVALID_INPUT',
          `item ${explanation.memberBates} is in campaign ${explanation.campaign}, not ${detail.campaign.number}`,
        );
      }
      if (values.json) {
        json(explanation ? { ...detail, explanation } : detail);
        return 0;
      }
      const k = detail.campaign;
      if (k.number !== number) out(`campaign ${number} was merged into campaign ${k.number}`);
      out(`campaign ${k.number}: ${k.subject ?? '(no subject)'}`);
      out(
        `  exemplar ${k.exemplarBates}; ${k.messages} messages, ${k.deliveries} deliveries, ${k.accounts} accounts, ${k.originatingIps ?? '-'} originating IPs, ${k.firstDate ?? '-'} to ${k.lastDate ?? '-'}`,
      );
      if (detail.mergedFrom.length > 0) out(`  merged from campaigns ${detail.mergedFrom.join(', ')}`);
      out('');
      for (const m of detail.members)
        out(
          `  ${m.bates.padEnd(14)} ${m.similarity.toFixed(2)}  ${(m.date ?? '-').slice(0, 10)}  ${(m.from ?? '-').padEnd(28)} ${(m.subject ?? '').slice(0, 50)}`,
        );
      if (explanation) {
        const e = explanation;
        out();
        out(
          `${e.memberBates} against exemplar ${e.exemplarBates}: similarity ${e.similarity.toFixed(2)} (estimated ${e.estimatedSimilarity.toFixed(2)}), ${e.sharedFeatures} shared features of ${e.exemplarFeatures} / ${e.memberFeatures}`,
        );
        out(
          `  subject words shared: ${e.subjectWords.shared.join(' ') || '-'}; only exemplar: ${e.subjectWords.exemplarOnly.join(' ') || '-'}; only member: ${e.subjectWords.memberOnly.join(' ') || '-'}`,
        );
        out(
          `  link domains shared: ${e.domains.shared.join(' ') || '-'}; only exemplar: ${e.domains.exemplarOnly.join(' ') || '-'}; only member: ${e.domains.memberOnly.join(' ') || '-'}`,
        );
        out(`  phrases shared: ${e.phrases.shared.map((p) => `"${p}"`).join(', ') || '-'}`);
        out(`  phrases only in the exemplar: ${e.phrases.exemplarOnly.map((p) => `"${p}"`).join(', ') || '-'}`);
        out(`  phrases only in the member: ${e.phrases.memberOnly.map((p) => `"${p}"`).join(', ') || '-'}`);
      }
      return 0;
    },
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
    async run(ctx, values) {
      const config = loadConfig();
      const asOfText = values['as-of'] as string | undefined;
      const asOfSeq = asOfText === undefined ? undefined : Number(asOfText);
      if (asOfSeq !== undefined && (!Number.isInteger(asOfSeq) || asOfSeq < 1))
        throw new SpamcaseError('USAGE', '--as-of must be a custody event number');
      const lang = ((values.lang as string | undefined) ?? 'en') as Lang;
      if (!LANGS.includes(lang)) throw new SpamcaseError('USAGE', `--lang must be one of ${LANGS.join(', ')}`);
      const slug = required(values, 'case');
      const pause = config.testExportPause;
      const onStage = pause
        ? async (stage: string) => {
            if (stage !== pause) return;
            process.stderr.write(`export paused at stage ${stage} (SPAMCASE_TEST_EXPORT_PAUSE)\n`);
            await new Promise(() => setInterval(() => undefined, 60_000));
          }
        : undefined;
      const { result: r } = await buildBundle(
        ctx,
        { caseSlug: slug, out: required(values, 'out'), lang, asOfSeq, onStage },
        config,
      );
      if (values.json) json(r);
      else {
        out(
          `${r.file}: ${r.identifier}, ${r.items} items, ${r.entries} members, ${formatBytes(r.bytes)}, as of custody event ${r.asOfSeq}`,
        );
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
      const r = await verifyBundle(file, {
        cert: values.cert as string | undefined,
        tsaCert: values['tsa-cert'] as string | undefined,
      });
      const recordedOn = await recordVerification(ctx, r);
      if (values.json) json({ ...r, recordedOn });
      else {
        out(
          `${r.file}: ${r.ok ? 'VERIFIED' : 'FAILED'} — ${r.identifier ?? '(no identifier)'}, ${r.items} items, ${r.payloadFiles} payload files${r.timestamp ? `, timestamp ${r.timestamp}` : ''}`,
        );
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
      if ('p12' in config.signing)
        throw new SpamcaseError(
          'USAGE',
          'SPAMCASE_SIGNING_P12 is set: keys init writes PEM files; unset it or use your own PKCS#12',
        );
      const r = initTrialKeys(config.signing, config.organization, ctx.clock());
      if (values.json) json(r);
      else {
        out(`trial signing certificate written: ${r.cert} (key ${r.key}, mode 600)`);
        out(`  subject ${r.subject.replace(/\n/g, ', ')}`);
        out(`  SHA-256 fingerprint ${r.fingerprint}`);
        out(
          "  bundles signed with it say so; use your organization's certificate for real cases (SPAMCASE_SIGNING_CERT/KEY or _P12)",
        );
      }
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
      out(
        `members of ${record.slug}: ${(await listMembers(ctx.db.knex, record.id)).map((m) => `${m.username} (${m.role})`).join(', ')}`,
      );
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
    usage:
      'spamcase user add <name> [--admin | --role admin|editor|viewer]   (password from a prompt or one line of stdin)',
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
    name: 'serve',
    usage: 'spamcase serve [--port N] [--host ADDR]',
    summary: 'serve the web UI and JSON API (what npm start runs)',
    options: { port: { type: 'string' }, host: { type: 'string' } },
    async run(ctx, values) {
      const config = loadConfig();
      const port = values.port === undefined ? config.http.port : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new SpamcaseError('USAGE', '--port must be a port number');
      const server = await startServer(ctx, {
        host: (values.host as string | undefined) ?? config.http.host,
        port,
        trustProxy: config.http.trustProxy,
      });
      out(
        `spamcase is serving ${server.url} (data root ${ctx.dataRoot}, ${ctx.db.dialect === 'pg' ? 'PostgreSQL' : 'SQLite'}); Ctrl-C stops it`,
      );
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
    '             HOST / PORT (serve, default 127.0.0.1:3000), SPAMCASE_TRUST_PROXY (behind a TLS proxy),',
    '             SPAMCASE_ORGANIZATION, SPAMCASE_SIGNING_CERT +',
    '             SPAMCASE_SIGNING_KEY or SPAMCASE_SIGNING_P12 (+ _PASSWORD), SPAMCASE_TSA_URL (export),',
    '             SPAMCASE_MESSAGE_TIME_BUDGET_MS / SPAMCASE_MESSAGE_MEMORY_BUDGET_MB (ingest, per message).',
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
    const { values, positionals } = parseArgs({
      args: found.rest,
      options: found.command.options,
      allowPositionals: true,
      strict: true,
    });
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
      process.stderr.write(
        `spamcase: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
