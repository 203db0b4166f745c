/**
 * `spamcase attribute|accounts|ips|message|dkim|case party`: re-attribution, the sender accounts and
 * originating IPs with their volumes, one item's evidence, DKIM verified offline, a party's trust (the web's
 * routes/attribution.ts).
 */
import { caseInput } from '../../usecases/input.ts';
import { attribute, dkimInput, partyTrust, partyTrustInput, verifyDkim } from '../../usecases/attribute.ts';
import { ACCOUNTS_CSV, IPS_CSV, messageInput, volumeListInput } from '../../usecases/lists.ts';
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { getCase } from '../../cases/cases.ts';
import { listAccounts, listOriginatingIps } from '../../attribution/queries.ts';
import { formatMessageEvidence, messageEvidence } from '../../attribution/evidence.ts';
import type { DkimCounts } from '../../attribution/dkim/case-dkim.ts';
import type { CommandModule, Values } from '../command.ts';
import { cliInput } from '../input.ts';
import { ttyStatusLine } from '../progress.ts';
import { fmtInt, json, out, write } from '../output.ts';

function listQuery(values: Values) {
  return cliInput(volumeListInput, {
    sort: values.sort,
    order: values.order,
    limit: values.limit,
    offset: values.offset,
    search: values.search,
  });
}

export const commands: CommandModule['commands'] = {
  async 'case party'(ctx, { values }) {
    const input = cliInput(partyTrustInput, {
      case: values.case,
      party: values.party,
      relays: values['trusted-relay'],
      authservIds: values['trusted-authserv-id'],
      noRelays: values['no-trusted-relays'],
    });
    const { party, trust, changed } = await partyTrust(ctx, input.case, input.party, {
      relays: input.noRelays ? [] : input.relays,
      authservIds: input.authservIds,
    });
    if (values.json) json({ party, trustedRelays: trust.relays, trustedAuthservIds: trust.authservIds });
    else {
      out(
        `${party}: trusted relays ${trust.relays.join(', ') || '(none)'}; trusted authserv-ids ${trust.authservIds.join(', ') || '(none)'}`,
      );
      if (changed) out(`run "spamcase attribute --case ${input.case}" to recompute the attribution with this trust`);
    }
    return 0;
  },

  async attribute(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const s = await attribute(ctx, input.case);
    if (values.json) json(s);
    else
      out(
        `${s.case}: ${fmtInt.format(s.items)} items attributed: ${fmtInt.format(s.accounts)} accounts, ${fmtInt.format(s.originatingIps)} originating IPs`,
      );
    return 0;
  },

  async accounts(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const q = listQuery(values);
    const c = await getCase(ctx.db.knex, input.case);
    const r = await listAccounts(ctx.db.knex, c.id, q);
    if (values.json) json(r);
    else if (values.csv) write(csvText([ACCOUNTS_CSV.columns, ...r.rows.map(ACCOUNTS_CSV.cells)], STAFF_CSV));
    else {
      out(`${fmtInt.format(r.total)} accounts${r.rows.length < r.total ? ` (showing ${r.rows.length})` : ''}`);
      for (const a of r.rows)
        out(
          `  ${a.address.padEnd(36)} ${fmtInt.format(a.deliveries).padStart(9)} deliveries ${fmtInt.format(a.messages).padStart(8)} messages  ${a.firstSeen?.slice(0, 10) ?? '-'}..${a.lastSeen?.slice(0, 10) ?? '-'}  ${a.signals.join(',')}${a.defendant ? `  [${a.defendant}]` : ''}`,
        );
    }
    return 0;
  },

  async ips(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const q = listQuery(values);
    const c = await getCase(ctx.db.knex, input.case);
    const r = await listOriginatingIps(ctx.db.knex, c.id, q);
    if (values.json) json(r);
    else if (values.csv) write(csvText([IPS_CSV.columns, ...r.rows.map(IPS_CSV.cells)], STAFF_CSV));
    else {
      out(`${fmtInt.format(r.total)} originating IPs${r.rows.length < r.total ? ` (showing ${r.rows.length})` : ''}`);
      for (const a of r.rows)
        out(
          `  ${a.ip.padEnd(40)} ${fmtInt.format(a.deliveries).padStart(9)} deliveries ${fmtInt.format(a.messages).padStart(8)} messages  ${a.firstSeen?.slice(0, 10) ?? '-'}..${a.lastSeen?.slice(0, 10) ?? '-'}${a.defendant ? `  [${a.defendant}]` : ''}`,
        );
    }
    return 0;
  },

  async message(ctx, { values, positionals: [ref] }) {
    const input = cliInput(messageInput, { case: values.case, ref });
    const e = await messageEvidence(ctx, input.case, input.ref);
    if (values.json) json(e);
    else out(formatMessageEvidence(e));
    return 0;
  },

  async dkim(ctx, { values }) {
    const input = cliInput(dkimInput, { case: values.case, keys: values.keys });
    const status = ttyStatusLine(process.stderr);
    const summary = await verifyDkim(ctx, {
      caseSlug: input.case,
      keys: input.keys,
      onProgress: status
        ? (p) =>
            status.update(
              `${fmtInt.format(p.items)} of ${fmtInt.format(p.total)} items, ${fmtInt.format(p.signedItems)} signed, ${fmtInt.format(Math.round(p.items / Math.max(p.elapsedMs / 1000, 0.001)))} items/s`,
            )
        : undefined,
    });
    status?.done();
    if (values.json) {
      json(summary);
      return 0;
    }
    const { reattributed } = summary;
    const counts = (c: DkimCounts) =>
      `${fmtInt.format(c.items)} items: ${fmtInt.format(c.pass)} pass, ${fmtInt.format(c.fail)} fail, ${fmtInt.format(c.noKey)} no key, ${fmtInt.format(c.notVerified)} not verified, ${fmtInt.format(c.unsigned)} unsigned`;
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
};
