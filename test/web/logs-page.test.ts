/**
 * The case's "Logs" page and the dashboard's logs panel (issue 24 item 4): a real case with harvested spam and the
 * four servers' generated logs (test/helpers/logs-case.ts), served by the real app. Every figure the page and its
 * CSVs show, walked page by page, is the generator's truth; hostile sender text from a log line is shown marked.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingestLogs } from '../../server/usecases/logs.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';
import { buildLogsCase } from '../helpers/logs-case.ts';
import type { LogVolume } from '../corpus/logs.ts';
import { Client, makeUser, withServer } from './client.ts';

interface Row extends LogVolume {
  key: string;
  linked: string | null;
}

/** The rows of one attempts table of the page, from its cells' data attributes. */
function tableRows(html: string, id: string): Row[] {
  const table = new RegExp(`<table class="list" id="${id}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';
  return [...table.matchAll(/<tr data-key="([^"]*)"><td>([\s\S]*?)<\/td>([\s\S]*?)<\/tr>/g)].map((m) => {
    const num = (name: string) => Number(new RegExp(`data-${name}="(\\d+)"`).exec(m[3]!)![1]);
    return {
      key: m[1]!.replace(/&amp;/g, '&').replace(/&#64;/g, '@'),
      linked: /href="([^"]+)"/.exec(m[2]!)?.[1]?.replace(/&amp;/g, '&') ?? null,
      attempts: num('attempts'),
      refusedUnknownUsers: num('unknown'),
      delivered: num('delivered'),
      matchedSamples: num('matched'),
    };
  });
}

storageTest(
  'the Logs page and its CSVs give the generator truth per account and per IP, paged; the dashboard links to it',
  async ({ ctx }) => {
    await makeUser(ctx, 'ada', 'admin');
    const truth = await buildLogsCase(ctx, 'lpn');
    await createCase(ctx, { slug: 'nologs', title: 'No logs', parties: [{ name: 'MSN', batesPrefix: 'MSN' }] });
    await withServer(ctx, async (server) => {
      const c = new Client(server.url);
      await c.signIn('ada');
      const first = await c.page('/cases/lpn/logs');
      assert.equal(first.status, 200);
      assert.match(first.html, /aria-current="page">Server logs</, 'a tab of its own');
      const total = (name: string) =>
        Number(new RegExp(`data-total="${name}">([^<]*)<`).exec(first.html)![1]!.replace(/\D/g, ''));
      assert.equal(total('attempts'), truth.totals.attempts);
      assert.equal(total('refusedUnknownUsers'), truth.totals.refusedUnknownUsers);
      assert.equal(total('refusedPolicy'), truth.totals.refusedPolicy);
      assert.equal(total('delivered'), truth.totals.delivered);
      assert.equal(total('bounced'), truth.totals.bounced);
      assert.equal(total('matchedSamples'), truth.totals.matchedSamples);

      // One row per file acquired, with its lines, unknown lines and SHA-256.
      const files = [...first.html.matchAll(/<tr data-log-file="\d+">([\s\S]*?)<\/tr>/g)].map((m) => m[1]!);
      assert.equal(files.length, Object.values(truth.files).flat().length);
      const sum = (name: string) =>
        files.reduce((s, f) => s + Number(new RegExp(`data-${name}="(\\d+)"`).exec(f)![1]), 0);
      assert.equal(sum('lines'), truth.lines);
      assert.equal(sum('unknown'), truth.unknownLines);
      // A file's events: one attempt row per log event and recipient (several events can be one attempt).
      const rows = await ctx.db.knex('attempts').count({ n: '*' }).first();
      assert.equal(sum('events'), Number(rows!.n));
      assert.ok(sum('events') >= truth.totals.attempts);
      assert.ok(files.every((f) => /<code translate="no">[0-9a-f]{64}<\/code>/.test(f)));
      assert.ok(files.some((f) => f.includes('maillog.2.gz')) && files.some((f) => f.includes('Europe/Paris')));

      // Walk both lists page by page (each page's next link), as staff would.
      for (const [id, offset, expected] of [
        ['log-accounts', 'aoffset', truth.accounts],
        ['log-ips', 'ioffset', truth.ips],
      ] as const) {
        const seen: Row[] = [];
        let html = first.html;
        let pages = 1;
        for (;;) {
          seen.push(...tableRows(html, id));
          const section = html.slice(html.indexOf(`id="${id}-title"`));
          const next = new RegExp(`<a rel="next" href="([^"]*${offset}=[^"]*)"`).exec(
            section.slice(0, section.indexOf('</nav>')),
          )?.[1];
          if (!next) break;
          html = (await c.page(next.replace(/&amp;/g, '&'))).html;
          pages += 1;
        }
        assert.ok(pages > 1 || expected.size <= 50, `${id}: ${pages} pages`);
        assert.equal(seen.length, expected.size, `${id}: every key once`);
        for (const r of seen) {
          const want = expected.get(r.key);
          assert.ok(want, `${id}: ${r.key} is in the truth`);
          assert.deepEqual(
            {
              attempts: r.attempts,
              refusedUnknownUsers: r.refusedUnknownUsers,
              delivered: r.delivered,
              matchedSamples: r.matchedSamples,
            },
            want,
            `${id}: ${r.key}`,
          );
        }
        // A key with matched samples is a harvested item's account or IP: it links to that page.
        const matched = seen.filter((r) => r.matchedSamples > 0);
        assert.ok(matched.length > 0);
        for (const r of matched)
          assert.equal(
            r.linked,
            id === 'log-accounts'
              ? `/cases/lpn/accounts/${encodeURIComponent(r.key)}`
              : `/cases/lpn/ips?q=${encodeURIComponent(r.key)}`,
          );

        // The CSV holds every key with the same figures.
        const res = await c.get(`/cases/lpn/logs/${id === 'log-accounts' ? 'accounts' : 'ips'}.csv`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
        const lines = (await res.text()).trim().split(/\r?\n/);
        assert.equal(
          lines[0],
          `${id === 'log-accounts' ? 'account' : 'originating_ip'},attempts,refused_unknown_users,refused_policy,delivered,bounced,matched_samples`,
        );
        assert.equal(lines.length - 1, expected.size);
        for (const line of lines.slice(1)) {
          const [key, attempts, unknown, , delivered, , matched] = line.split(',');
          assert.deepEqual(
            {
              attempts: Number(attempts),
              refusedUnknownUsers: Number(unknown),
              delivered: Number(delivered),
              matchedSamples: Number(matched),
            },
            expected.get(key!),
            `csv ${key}`,
          );
        }
      }

      // The dashboard: a panel with the totals, linking to the page; none for a case without logs.
      const dash = (await c.page('/cases/lpn')).html;
      const panel = /<section id="dash-logs"[\s\S]*?<\/section>/.exec(dash)?.[0];
      assert.ok(panel, 'the dashboard has a logs panel');
      assert.match(panel, /href="\/cases\/lpn\/logs"/);
      assert.ok(panel.includes(`${truth.totals.attempts.toLocaleString('en-US')} attempts`), panel);
      assert.doesNotMatch((await c.page('/cases/nologs')).html, /id="dash-logs"/);
      assert.match((await c.page('/cases/nologs/logs')).html, /id="no-log-files"/);
    });
  },
  { timeout: 600_000 },
);

storageTest("a log line's hostile sender is shown escaped, isolated and flagged on the Logs page", async ({ ctx }) => {
  await makeUser(ctx, 'ada', 'admin');
  await createCase(ctx, { slug: 'hostile', title: 'Hostile', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
  const dir = tempDir('spamcase-hostile-log-');
  const file = path.join(dir, 'maillog');
  // A sender as a log records it: whatever the client sent inside from=<...> (no '>').
  const sender = 'moc.elpmaxe\u202e"onmouseover="alert(1)<img src=x onerror=alert(1)@evil.example';
  fs.writeFileSync(
    file,
    `Dec  1 10:00:01 mx1 postfix/smtpd[4321]: NOQUEUE: reject: RCPT from unknown[82.120.5.9]: 550 5.1.1 <jean.nobody@laposte.net>: Recipient address rejected: User unknown in virtual mailbox table; from=<${sender}> to=<jean.nobody@laposte.net> proto=ESMTP helo=<pc>\n`,
  );
  await ingestLogs(ctx, { case: 'hostile', server: 'mx1.laposte.net', tz: 'Europe/Paris', paths: [file] });
  await withServer(ctx, async (server) => {
    const c = new Client(server.url);
    await c.signIn('ada');
    const { html } = await c.page('/cases/hostile/logs');
    const row = /<table class="list" id="log-accounts"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    assert.match(row, /evil\.example/, 'the refusal is an attempt of that sender');
    assert.doesNotMatch(row, /<img/);
    assert.doesNotMatch(row, /"onmouseover=/);
    // Log bytes are read as latin1 (docs/LOGS.md): the UTF-8 of U+202E arrives as "â", U+0080, "®", and
    // the control character is marked and flagged as any hidden character of a message.
    assert.match(
      row,
      /<bdi class="msg"><span class="hidden-flag"[^>]*>⚠<\/span> moc\.elpmaxe\S*<span class="hidden-char"/,
    );
    assert.match(row, /&lt;img src=x onerror=alert\(1\)@evil\.example<\/bdi>/);
    const csv = await (await c.get('/cases/hostile/logs/accounts.csv')).text();
    assert.ok(csv.includes('evil.example'), 'the CSV has the account');
  });
});
