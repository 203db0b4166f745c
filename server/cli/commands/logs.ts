/** `spamcase logs ingest|report`: mail server logs as evidence, and the attempts they hold per account and IP. */
import { csvText, STAFF_CSV } from '../../csv/write.ts';
import { caseInput } from '../../usecases/input.ts';
import {
  ATTEMPT_VOLUMES_CSV_COLUMNS,
  attemptVolumeRows,
  ingestLogs,
  logsIngestInput,
  logsReport,
} from '../../usecases/logs.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { formatBytes, ttyStatusLine } from '../progress.ts';
import { fmtInt, json, out, write } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async 'logs ingest'(ctx, { values, positionals }) {
    const input = cliInput(logsIngestInput, {
      case: values.case,
      party: values.party,
      server: values.server,
      tz: values.tz,
      format: values.format,
      yearEnd: values['year-end'],
      paths: positionals,
    });
    const status = ttyStatusLine(process.stderr);
    const r = await ingestLogs(
      ctx,
      input,
      status
        ? (p) =>
            status.update(
              `${p.file}: ${fmtInt.format(p.lines)} lines, ${formatBytes(p.bytes)}, ${fmtInt.format(Math.round(p.lines / Math.max(p.elapsedMs / 1000, 0.001)))} lines/s`,
            )
        : undefined,
    );
    status?.done();
    if (values.json) json(r);
    else {
      for (const f of r.files)
        out(
          `${f.source}: ${f.format}, ${fmtInt.format(f.lines)} lines (${fmtInt.format(f.unknownLines)} not understood, kept), ${fmtInt.format(f.attempts)} attempt events, ${formatBytes(f.bytes)}, sha256 ${f.sha256}` +
            (f.sameContentAs !== null ? ` (same content as log file ${f.sameContentAs}: stored, not read again)` : ''),
        );
      out(
        `matched to harvested items: ${fmtInt.format(r.matches.messageId)} by Message-ID and recipient, ${fmtInt.format(r.matches.queueId)} by the server's queue id in the Received line, ${fmtInt.format(r.matches.messageIdOnly)} by Message-ID only, ${fmtInt.format(r.matches.ipTime)} by hand-off IP and time; ${fmtInt.format(r.matches.unmatched)} not matched`,
      );
    }
    return 0;
  },
  async 'logs report'(ctx, { values }) {
    const input = cliInput(caseInput, { case: values.case });
    const r = await logsReport(ctx, input.case);
    if (values.json) json(r);
    else if (values.csv) write(csvText([ATTEMPT_VOLUMES_CSV_COLUMNS, ...attemptVolumeRows(r)], STAFF_CSV));
    else {
      const t = r.totals;
      out(
        `${fmtInt.format(t.logFiles)} log files, ${fmtInt.format(t.lines)} lines (${fmtInt.format(t.unknownLines)} not understood)`,
      );
      out(
        `${fmtInt.format(t.attempts)} attempts: ${fmtInt.format(t.refusedUnknownUsers)} refused (unknown user), ${fmtInt.format(t.refusedPolicy)} refused (policy), ${fmtInt.format(t.delivered)} delivered, ${fmtInt.format(t.bounced)} bounced; ${fmtInt.format(t.matchedSamples)} matched to harvested items`,
      );
      for (const [title, list] of [
        ['accounts', r.accounts],
        ['originating IPs (the log client when no item matched)', r.ips],
      ] as const) {
        out(`\n${title}: attempts / refused unknown user / delivered / matched`);
        for (const x of list.slice(0, 20))
          out(
            `  ${x.key.padEnd(40)} ${fmtInt.format(x.attempts).padStart(9)} ${fmtInt.format(x.refusedUnknownUsers).padStart(9)} ${fmtInt.format(x.delivered).padStart(9)} ${fmtInt.format(x.matchedSamples).padStart(9)}`,
          );
        if (list.length > 20) out(`  … ${fmtInt.format(list.length - 20)} more (--csv or --json)`);
      }
    }
    return 0;
  },
};
