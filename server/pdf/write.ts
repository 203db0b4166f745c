/**
 * writeSummaryPdf: gather, render and write the summary atomically (a temp file beside the
 * target, fsync'd, renamed into place; removed on failure), so a reader never sees half a PDF.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { SpamcaseError } from '../errors.ts';
import { sha256Hex } from '../store/pack-store.ts';
import { gatherSummaryData, type GatherOptions } from './gather.ts';
import { renderSummaryPdf } from './render.ts';
import type { Lang } from './types.ts';

export async function writeFileAtomic(target: string, bytes: Buffer): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fs.promises.open(temp, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
    await fh.close();
    await fs.promises.rename(temp, target);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
}

export interface WrittenSummary {
  path: string;
  bytes: number;
  sha256: string;
  pages: number;
  asOfSeq: number;
}

export async function writeSummaryPdf(
  ctx: Context,
  caseSlug: string,
  opts: GatherOptions & { lang: Lang; out: string },
): Promise<WrittenSummary> {
  const dir = path.dirname(path.resolve(opts.out));
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new SpamcaseError('INVALID_INPUT', `cannot write ${opts.out}: folder ${dir} does not exist`);
  const record = await getCase(ctx.db.knex, caseSlug);
  const data = await gatherSummaryData(ctx, record.id, opts);
  const pdf = await renderSummaryPdf(data, { lang: opts.lang });
  await writeFileAtomic(opts.out, pdf);
  const pages = (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
  return { path: opts.out, bytes: pdf.length, sha256: sha256Hex(pdf), pages, asOfSeq: data.asOf.seq };
}
