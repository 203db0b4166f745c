/**
 * A case with harvested spam and the four servers' generated logs of the same messages (test/corpus/logs.ts):
 * Postfix (rotated, one file gzip'd) on mx1, Exim on mx2, Sendmail on mx3, Exchange on ex1. The corpus and logs
 * are generated once per test process; the truth is what the generator wrote.
 */
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import type { Context } from '../../server/context.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { ingestLogs } from '../../server/usecases/logs.ts';
import { collect, writeLogs, type LogTruth } from '../corpus/logs.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { tempDir } from './databases.ts';

let cached: Promise<{ corpus: string; truth: LogTruth }> | undefined;

/** 300 generated messages as .eml files and the logs of their delivery, with the truth. */
export function logsFixture(): Promise<{ corpus: string; truth: LogTruth }> {
  cached ??= (async () => {
    const root = tempDir('spamcase-logs-');
    const corpus = path.join(root, 'corpus');
    const c = collect();
    await generateCorpus({ out: corpus, messages: 300, seed: 24, layout: 'eml', onMessage: c.onMessage });
    const truth = writeLogs(c.messages, path.join(root, 'logs'));
    return { corpus, truth };
  })();
  return cached;
}

/** The servers of the fixture's logs: name, declared time zone, and which files. */
export const LOG_SERVERS = [
  { server: 'mx1.laposte.net', tz: 'Europe/Paris', files: 'postfix' },
  { server: 'mx2.laposte.net', tz: 'Europe/Paris', files: 'exim' },
  { server: 'mx3.laposte.net', tz: 'Europe/Paris', files: 'sendmail' },
  { server: 'ex1.laposte.net', tz: 'UTC', files: 'exchange' },
] as const;

/**
 * Case `slug` (Laposte.net, LPN, and any `otherParties`, which hold nothing yet): the corpus ingested for
 * LPN, then every server's logs, acquired by LPN.
 */
export async function buildLogsCase(
  ctx: Context,
  slug: string,
  otherParties: ReadonlyArray<{ name: string; batesPrefix: string }> = [],
): Promise<LogTruth> {
  const { corpus, truth } = await logsFixture();
  await createCase(ctx, {
    slug,
    title: 'Laposte.net v. Doe',
    parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }, ...otherParties],
  });
  await setPartyTrust(ctx, slug, 'LPN', { relays: ['laposte.net'] });
  await ingest(ctx, { caseSlug: slug, method: 'trap', party: 'LPN', paths: [corpus] });
  for (const s of LOG_SERVERS)
    await ingestLogs(ctx, { case: slug, party: 'LPN', server: s.server, tz: s.tz, paths: truth.files[s.files] });
  return truth;
}
