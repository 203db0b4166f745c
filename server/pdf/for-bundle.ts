/**
 * The summary PDF an evidence bundle embeds (data/summary.pdf): gathered as of the custody event
 * the bundle is exported as of, naming the bundle and the SHA-256 of its manifest without the
 * summary's own line (docs/BUNDLE.md), with the damages table when the case has a chosen rule set.
 */
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { getRuleSetChoice } from '../damages/case-damages.ts';
import { gatherSummaryData } from './gather.ts';
import { renderSummaryPdf } from './render.ts';
import type { Lang } from './types.ts';

export interface BundleSummaryInfo {
  identifier: string;
  asOfSeq: number;
  manifestWithoutSummarySha256: string;
  /** The signer certificate's SHA-256 fingerprint, printed on the cover. */
  signerFingerprint?: string;
}

export function bundleSummaryPdf(
  ctx: Context,
  caseSlug: string,
  opts: { lang: Lang; organization?: string },
): (info: BundleSummaryInfo) => Promise<Buffer> {
  return async (info) => {
    const record = await getCase(ctx.db.knex, caseSlug);
    const choice = await getRuleSetChoice(ctx.db.knex, record.id);
    const data = await gatherSummaryData(ctx, record.id, {
      asOfSeq: info.asOfSeq,
      bundle: {
        identifier: info.identifier,
        manifestSha256: info.manifestWithoutSummarySha256,
        signerFingerprint: info.signerFingerprint,
      },
      ...(opts.organization === undefined ? {} : { organization: opts.organization }),
      ...(record.jurisdiction ? { jurisdiction: record.jurisdiction } : {}),
      ...(choice ? { rules: choice.rules } : {}),
    });
    return renderSummaryPdf(data, { lang: opts.lang });
  };
}
