/** `spamcase subpoena networks|accounts`: whom to subpoena, for which IPs and times, or which accounts. */
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { SUBPOENA_ACCOUNTS_CSV, SUBPOENA_NETWORKS_CSV, subpoenaInput, subpoenaList } from '../../usecases/subpoena.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { fmtInt, json, out, write } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async 'subpoena networks'(ctx, { values }) {
    const r = await subpoenaList(ctx, {
      ...cliInput(subpoenaInput, { case: values.case, list: 'networks' }),
      list: 'networks',
    });
    if (values.json) json(r);
    else if (values.csv)
      write(csvText([SUBPOENA_NETWORKS_CSV.columns, ...r.deliveries.map(SUBPOENA_NETWORKS_CSV.cells)], STAFF_CSV));
    else {
      out(`network owners: ${r.ownerData.label}: today's allocations, not those of the mail's date`);
      if (r.operators.length === 0) out('no originating IPs');
      for (const o of r.operators)
        out(
          `${(o.asn || '-').padEnd(9)} ${o.networkOperator.slice(0, 40).padEnd(40)} ${fmtInt.format(o.ips).padStart(6)} IPs ${fmtInt.format(o.deliveries).padStart(8)} deliveries  received ${o.firstReceivedUtc ?? '?'} to ${o.lastReceivedUtc ?? '?'}`,
        );
      out(`(every delivery with its IP and both UTC times: --csv or --json)`);
    }
    return 0;
  },
  async 'subpoena accounts'(ctx, { values }) {
    const r = await subpoenaList(ctx, {
      ...cliInput(subpoenaInput, { case: values.case, list: 'accounts' }),
      list: 'accounts',
    });
    if (values.json) json(r);
    else if (values.csv)
      write(csvText([SUBPOENA_ACCOUNTS_CSV.columns, ...r.accounts.map(SUBPOENA_ACCOUNTS_CSV.cells)], STAFF_CSV));
    else {
      if (r.providers.length === 0) out('no accounts');
      for (const p of r.providers)
        out(
          `${p.accountProvider.slice(0, 30).padEnd(30)} ${fmtInt.format(p.accounts).padStart(7)} accounts ${fmtInt.format(p.deliveries).padStart(9)} deliveries  seen ${p.firstSeenUtc ?? '?'} to ${p.lastSeenUtc ?? '?'}`,
        );
      out(`(every account with first and last seen: --csv or --json)`);
    }
    return 0;
  },
};
