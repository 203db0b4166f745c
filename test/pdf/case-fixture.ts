/** A real case for the PDF tests: a generated corpus with known truth, ingested by two plaintiffs. */
import path from 'node:path';
import { generateCorpus, type CorpusTruth } from '../corpus/generate.ts';
import { tempDir, type TestEnv } from '../helpers/databases.ts';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import type { Lang } from '../../server/pdf/types.ts';

/** Whitespace (including the French thin no-break space) collapsed to one space. */
export const flat = (s: string) => s.replace(/[\s\u00a0\u202f]+/g, ' ');
export const fmt = (lang: Lang, n: number) => flat(new Intl.NumberFormat(lang === 'en' ? 'en-US' : 'fr-FR').format(n));

export async function ingestTwoPlaintiffs(
  env: TestEnv,
  messages = 240,
): Promise<{ caseId: number; truth: CorpusTruth }> {
  const out = path.join(tempDir('spamcase-pdf-corpus-'), 'corpus');
  const truth = await generateCorpus({ out, messages, seed: 7, layout: 'mixed' });
  const c = await createCase(env.ctx, {
    slug: 'lpn-2006',
    title: 'Laposte.net and MSN Hotmail v. Does 1-20',
    parties: [
      { name: 'Laposte.net', batesPrefix: 'LPN' },
      { name: 'MSN Hotmail', batesPrefix: 'MSN' },
    ],
  });
  await ingest(env.ctx, {
    caseSlug: 'lpn-2006',
    party: 'LPN',
    method: 'trap',
    paths: [path.join(out, 'trap'), path.join(out, 'maildir')],
  });
  await ingest(env.ctx, {
    caseSlug: 'lpn-2006',
    party: 'MSN',
    method: 'report',
    paths: [path.join(out, 'reports.mbox')],
  });
  return { caseId: c.id, truth };
}
