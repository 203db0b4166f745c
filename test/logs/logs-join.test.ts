/**
 * A case with harvested spam and generated Postfix (rotated, gzip'd), Exim, Sendmail and Exchange logs of the same
 * messages: the attempts per account and IP, refusals for unknown users, deliveries and matches
 * equal the log generator's truth, on SQLite and PostgreSQL; the logs are stored byte for byte and
 * acquired with custody events; reading the same log again (or its content under another rotation
 * name) changes no count.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createCase } from '../../server/cases/cases.ts';
import { storeDir } from '../../server/context.ts';
import { listCustodyEvents, verifyCustodyChain } from '../../server/custody/chain.ts';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { fsck as fsckCase } from '../../server/fsck/fsck.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { ingestLogs, logsReport } from '../../server/usecases/logs.ts';
import { MATCH_PAGE_ROWS, matchAttempts } from '../../server/logs/match.ts';
import type { LogVolume } from '../corpus/logs.ts';
import { logsFixture } from '../helpers/logs-case.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

function volumes(list: Array<{ key: string } & LogVolume>): Map<string, LogVolume> {
  return new Map(
    list.map((x) => [
      x.key,
      {
        attempts: x.attempts,
        refusedUnknownUsers: x.refusedUnknownUsers,
        delivered: x.delivered,
        matchedSamples: x.matchedSamples,
      },
    ]),
  );
}

function sortedEntries(m: Map<string, LogVolume>) {
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1));
}

storageTest(
  'logs: attempts per account and IP equal the generator truth, matched to the harvested items',
  async ({ ctx }) => {
    const { corpus, truth } = await logsFixture();
    await createCase(ctx, {
      slug: 'lpn',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'lpn', 'LPN', { relays: ['laposte.net'] });
    await ingest(ctx, { caseSlug: 'lpn', method: 'trap', paths: [corpus] });

    const mx1 = await ingestLogs(ctx, {
      case: 'lpn',
      server: 'mx1.laposte.net',
      tz: 'Europe/Paris',
      paths: truth.files.postfix,
    });
    assert.deepEqual(
      mx1.files.map((f) => [f.rotationName, f.format]),
      [
        ['maillog.2.gz', 'postfix'],
        ['maillog.1', 'postfix'],
        ['maillog', 'postfix'],
      ],
    );
    const mx2 = await ingestLogs(ctx, {
      case: 'lpn',
      server: 'mx2.laposte.net',
      tz: 'Europe/Paris',
      paths: truth.files.exim,
    });
    assert.equal(mx2.files[0]!.format, 'exim');
    assert.ok(
      mx2.matches.messageId > 0 && mx2.matches.queueId > 0 && mx2.matches.messageIdOnly > 0 && mx2.matches.ipTime > 0,
      JSON.stringify(mx2.matches),
    );
    const mx3 = await ingestLogs(ctx, {
      case: 'lpn',
      server: 'mx3.laposte.net',
      tz: 'Europe/Paris',
      paths: truth.files.sendmail,
    });
    assert.equal(mx3.files[0]!.format, 'sendmail');
    const ex1 = await ingestLogs(ctx, {
      case: 'lpn',
      server: 'ex1.laposte.net',
      tz: 'UTC',
      paths: truth.files.exchange,
    });
    assert.equal(ex1.files[0]!.format, 'exchange');
    assert.ok(ex1.matches.messageIdOnly > mx2.matches.messageIdOnly, JSON.stringify(ex1.matches));
    const files = [...mx1.files, ...mx2.files, ...mx3.files, ...ex1.files];
    assert.equal(
      files.reduce((n, f) => n + f.lines, 0),
      truth.lines,
    );
    assert.equal(
      files.reduce((n, f) => n + f.unknownLines, 0),
      truth.unknownLines,
    );
    for (const f of files)
      assert.equal(
        f.sha256,
        (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(f.source)).digest('hex'),
      );

    const r = await logsReport(ctx, 'lpn');
    assert.deepEqual(
      {
        attempts: r.totals.attempts,
        refusedUnknownUsers: r.totals.refusedUnknownUsers,
        refusedPolicy: r.totals.refusedPolicy,
        delivered: r.totals.delivered,
        bounced: r.totals.bounced,
        matchedSamples: r.totals.matchedSamples,
      },
      truth.totals,
    );
    assert.deepEqual(sortedEntries(volumes(r.accounts)), sortedEntries(truth.accounts));
    assert.deepEqual(sortedEntries(volumes(r.ips)), sortedEntries(truth.ips));

    // The same log again, and maillog.1 gzip'd as the next rotation would: stored, counted nowhere.
    const again = path.join(tempDir('spamcase-logs-again-'), 'maillog.2.gz');
    fs.writeFileSync(again, zlib.gzipSync(fs.readFileSync(truth.files.postfix[1]!)));
    const re = await ingestLogs(ctx, {
      case: 'lpn',
      server: 'mx1.laposte.net',
      tz: 'Europe/Paris',
      paths: [truth.files.postfix[0]!, again],
    });
    assert.ok(re.files.every((f) => f.sameContentAs !== null && f.attempts === 0));
    assert.deepEqual((await logsReport(ctx, 'lpn')).totals, { ...r.totals, logFiles: r.totals.logFiles + 2 });

    const record = (await ctx.db.knex('cases').where({ slug: 'lpn' }).first('id')) as { id: number };
    const events = await listCustodyEvents(ctx.db.knex, record.id, 'lpn');
    assert.deepEqual(verifyCustodyChain(events), []);
    const acquired = events.filter(
      (e) => e.action === 'acquired' && e.details.method === undefined && e.details.server,
    );
    assert.equal(acquired.length, 8);
    assert.equal(acquired[0]!.details.rotationName, 'maillog.2.gz');
    assert.equal(acquired[0]!.details.timeZone, 'Europe/Paris');
    const fsck = await fsckCase(ctx, 'lpn');
    assert.deepEqual(fsck.problems, []);
    assert.equal(fsck.unreferencedRecords, 0);

    // The queue-id and IP+time rules read their candidates in pages: pages of 3 attempts match
    // every attempt as one page of MATCH_PAGE_ROWS did.
    const snapshot = async () =>
      (
        await ctx.db.knex('attempts').where({ case_id: record.id }).orderBy('id').select('id', 'item_id', 'match_rule')
      ).map(
        (a: { id: number | string; item_id: number | string | null; match_rule: string | null }) =>
          `${a.id}:${a.item_id ?? '-'}:${a.match_rule ?? '-'}`,
      );
    const onePage = await snapshot();
    assert.ok(onePage.length < MATCH_PAGE_ROWS, `${onePage.length} attempts`);
    const totals = await matchAttempts(ctx.db.knex, record.id, storeDir(ctx, 'lpn'), 3);
    assert.deepEqual(await snapshot(), onePage);
    assert.ok(totals.queueId > 3 && totals.ipTime > 0, JSON.stringify(totals));
  },
  { timeout: 300_000 },
);
