/**
 * Building what leaves the case: the signed evidence bundle (with the PDF summary it embeds) and the
 * PDF summary alone. Both front ends call these with the signing setup of the configuration
 * (config.ts: certificate and key or PKCS#12, organization, timestamp authority); `spamcase export`
 * and `spamcase pdf` write where the user says, the web into the case's own folder.
 */
import type { Context } from '../context.ts';
import type { Config } from '../config.ts';
import { getCase } from '../cases/cases.ts';
import { getRuleSetChoice } from '../damages/case-damages.ts';
import { exportBundle, type ExportOptions, type ExportResult } from '../export/bundle.ts';
import { bundleSummaryPdf } from '../pdf/for-bundle.ts';
import { writeSummaryPdf, type WrittenSummary } from '../pdf/write.ts';
import type { Lang } from '../pdf/types.ts';
import * as v from 'valibot';
import { caseName, oneOf, optionalText, PATH_MAX, requiredText, wholeNumber } from './input.ts';
import { LANGS } from '../pdf/types.ts';

export const bundleInput = v.object({
  case: caseName,
  out: requiredText(PATH_MAX),
  /** As of this custody event (its number); default the latest. */
  asOf: v.optional(wholeNumber(1)),
  lang: v.optional(oneOf(LANGS), 'en'),
});

export const summaryInput = v.object({
  case: caseName,
  out: requiredText(PATH_MAX),
  lang: v.optional(oneOf(LANGS), 'en'),
  rules: optionalText(PATH_MAX),
  organization: optionalText(200),
  jurisdiction: optionalText(200),
});

/** What the web builds in the background: a bundle or a PDF summary, in a language. */
export const exportJobInput = v.object({
  kind: oneOf(['bundle', 'pdf']),
  lang: oneOf(LANGS),
});

/** What signs and names a bundle: from loadConfig() (SPAMCASE_SIGNING_*, SPAMCASE_ORGANIZATION, SPAMCASE_TSA_URL). */
export type SigningSetup = Pick<Config, 'signing' | 'organization' | 'tsaUrl'>;

export interface BundleInput {
  caseSlug: string;
  out: string;
  /** The summary PDF's language. */
  lang: Lang;
  /** As of this custody event (default: the latest). */
  asOfSeq?: number;
  onStage?: ExportOptions['onStage'];
}

export interface BuiltBundle {
  result: ExportResult;
  /** The bundle's row in the exports table (downloads name it by this id). */
  exportId: number | null;
}

/** The signed BagIt bundle of a case, with the PDF summary as of the same custody event. */
export async function buildBundle(ctx: Context, input: BundleInput, setup: SigningSetup): Promise<BuiltBundle> {
  const c = await getCase(ctx.db.knex, input.caseSlug);
  const result = await exportBundle(ctx, c.slug, {
    out: input.out,
    signing: setup.signing,
    organization: setup.organization,
    tsaUrl: setup.tsaUrl,
    asOfSeq: input.asOfSeq,
    summaryPdf: bundleSummaryPdf(ctx, c.slug, { lang: input.lang, organization: setup.organization }),
    onStage: input.onStage,
  });
  const row = (await ctx.db
    .knex('exports')
    .where({ case_id: c.id, sha256: result.sha256 })
    .orderBy('id', 'desc')
    .first('id')) as { id: number } | undefined;
  return { result, exportId: row ? Number(row.id) : null };
}

export interface SummaryInput {
  caseSlug: string;
  out: string;
  lang: Lang;
  /** Default: the organization of the signing setup (the one bundles name). */
  organization?: string;
  jurisdiction?: string;
  /** A damages rule set (name or file); default: the case's chosen one, if any. */
  rules?: string;
}

/** The PDF summary for a complaint, written atomically; with the damages table when a rule set applies. */
export async function writeSummary(
  ctx: Context,
  input: SummaryInput,
  setup: Pick<SigningSetup, 'organization'>,
): Promise<WrittenSummary> {
  const c = await getCase(ctx.db.knex, input.caseSlug);
  const rules = input.rules ?? (await getRuleSetChoice(ctx.db.knex, c.id))?.rules;
  return writeSummaryPdf(ctx, c.slug, {
    lang: input.lang,
    out: input.out,
    organization: input.organization ?? setup.organization,
    ...(input.jurisdiction === undefined ? {} : { jurisdiction: input.jurisdiction }),
    ...(rules === undefined ? {} : { rules }),
  });
}
