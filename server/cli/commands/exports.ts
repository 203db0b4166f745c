/**
 * `spamcase export|verify|exports|pdf`: the signed evidence bundle, its verification, the bundles
 * written, and the PDF summary (the web's routes/exports.ts builds the same through export-jobs.ts).
 */
import { loadConfig } from '../../config.ts';
import { caseInput } from '../../usecases/input.ts';
import { buildBundle, bundleInput, summaryInput, writeSummary } from '../../usecases/exports.ts';
import { verifyAndRecord, verifyInput } from '../../usecases/verify.ts';
import { getCase } from '../../cases/cases.ts';
import { listExports } from '../../export/bundle.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { formatBytes } from '../progress.ts';
import { json, out } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async export(ctx, { values }) {
    const input = cliInput(bundleInput, {
      case: values.case,
      out: values.out,
      asOf: values['as-of'],
      lang: values.lang,
    });
    const config = loadConfig();
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
      { caseSlug: input.case, out: input.out, lang: input.lang, asOfSeq: input.asOf, onStage },
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

  async verify(ctx, { values, positionals: [file] }) {
    const input = cliInput(verifyInput, {
      file,
      cert: values.cert,
      fingerprint: values.fingerprint,
      tsaCert: values['tsa-cert'],
    });
    const { result: r, recordedOn } = await verifyAndRecord(ctx, input);
    if (values.json) json({ ...r, recordedOn });
    else {
      const verdict =
        r.status === 'verified'
          ? `VERIFIED (signer established by ${r.signerEstablishedBy === 'trust-store' ? 'the trust store' : `the given ${r.signerEstablishedBy}`})`
          : r.status === 'intact-signer-not-established'
            ? 'contents intact, signer not established'
            : 'FAILED';
      out(
        `${r.file}: ${verdict} — ${r.identifier ?? '(no identifier)'}, ${r.items} items, ${r.payloadFiles} payload files${r.timestamp ? `, timestamp ${r.timestamp}` : ''}`,
      );
      if (r.signer) out(`  signed by ${r.signer} (${r.signerFingerprint})`);
      for (const p of r.problems) out(`  FAIL ${p.file}: ${p.problem}`);
      for (const w of r.warnings) out(`  warning: ${w}`);
      if (recordedOn) out(`  recorded as a custody event of case ${recordedOn}`);
    }
    // 0 verified, 3 a problem found, 4 every check passed but nothing established who signed.
    return r.status === 'verified' ? 0 : r.status === 'failed' ? 3 : 4;
  },

  async exports(ctx, { values }) {
    const c = await getCase(ctx.db.knex, cliInput(caseInput, { case: values.case }).case);
    const rows = await listExports(ctx.db.knex, c.id);
    if (values.json) json(rows);
    else if (rows.length === 0) out(`no exports of ${c.slug} yet: spamcase export --case ${c.slug} --out bundle.zip`);
    else for (const e of rows) out(`${e.createdAt}  ${e.identifier}  ${e.items} items  ${e.sha256}  ${e.fileName}`);
    return 0;
  },

  async pdf(ctx, { values }) {
    const input = cliInput(summaryInput, {
      case: values.case,
      out: values.out,
      lang: values.lang,
      rules: values.rules,
      organization: values.organization,
      jurisdiction: values.jurisdiction,
    });
    const written = await writeSummary(
      ctx,
      {
        caseSlug: input.case,
        lang: input.lang,
        out: input.out,
        organization: input.organization,
        jurisdiction: input.jurisdiction,
        rules: input.rules,
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
};
