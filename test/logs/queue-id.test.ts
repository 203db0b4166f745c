/**
 * The `queue-id` match rule: the queue id a receiving server wrote into a harvested item's
 * Received line (Postfix, Sendmail, Exim as they write it) joins the attempts that server's log
 * has for it, for the same recipient, within the queue lifetime; never for another server's line;
 * after `message-id` in precedence. On SQLite and PostgreSQL, through `spamcase logs ingest`'s use
 * case, from real .eml files and log files with hand-checked truth.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { setPartyTrust } from '../../server/attribution/reattribute.ts';
import { createCase } from '../../server/cases/cases.ts';
import { receivedQueueIds } from '../../server/logs/received-ids.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { ingestLogs } from '../../server/usecases/logs.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

test('received queue ids: Postfix, Sendmail and Exim lines; Exchange version ids, comments and lines without by are not read', () => {
  assert.deepEqual(
    receivedQueueIds([
      'from BAY0-OMC1-S10.bay0.hotmail.com (bay0-omc1-s10.bay0.hotmail.com [65.54.245.110]) by mx1.laposte.net (Postfix) with ESMTP id 4F2A1B3C4D for <jean@laposte.net>; Thu,  1 Dec 2005 10:00:02 +0100 (CET)',
      'from bay0-omc1-s10.bay0.hotmail.com (bay0-omc1-s10.bay0.hotmail.com [65.54.245.110]) by mx3.laposte.net. (8.13.8/8.13.8) with ESMTP id jB190006012345 for <jean@laposte.net>; Thu, 1 Dec 2005 10:00:02 +0100',
      'from bay0-omc1-s10.bay0.hotmail.com ([65.54.245.110] helo=BAY0-OMC1-S10.bay0.hotmail.com) by mx2.laposte.net with esmtp (Exim 4.63) id 1EhXyZ-0001Ab-Cd for anne@laposte.net; Thu, 01 Dec 2005 10:00:02 +0100',
      'from EX01.contoso.local (10.1.1.20) by EX02.contoso.local (10.1.1.21) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.6; Tue, 5 Mar 2024 10:15:22 +0000',
      'from mail pickup service by hotmail.com with Microsoft SMTPSVC; Thu, 1 Dec 2005 00:59:58 -0800',
      'from pc (unknown [82.120.5.9]) by mx1.laposte.net (Postfix, id 99) with SMTP; Thu, 1 Dec 2005 10:00:02 +0100',
      '(qmail 12345 invoked by uid 60001); 1 Dec 2005 09:00:00 -0000',
    ]),
    [
      { by: 'mx1.laposte.net', queueId: '4F2A1B3C4D', at: '2005-12-01T09:00:02.000Z' },
      { by: 'mx3.laposte.net', queueId: 'jB190006012345', at: '2005-12-01T09:00:02.000Z' },
      { by: 'mx2.laposte.net', queueId: '1EhXyZ-0001Ab-Cd', at: '2005-12-01T09:00:02.000Z' },
    ],
  );
});

function eml(o: { to: string; messageId?: string; received: string; subject: string }): string {
  return [
    `Delivered-To: ${o.to}`,
    `Received: from mx3.laposte.net (mx3.laposte.net [193.251.214.115]) by mailstore3.laposte.net (Cyrus v2.2.12) with LMTPA; Thu, 1 Dec 2005 10:00:03 +0100`,
    `Received: ${o.received}`,
    'Received: from mail pickup service by hotmail.com with Microsoft SMTPSVC; Thu, 1 Dec 2005 00:59:58 -0800',
    'From: "Offres" <x123@hotmail.com>',
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    'Date: Thu, 1 Dec 2005 00:59:58 -0800',
    ...(o.messageId ? [`Message-ID: <${o.messageId}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Achetez maintenant: ${o.subject}.`,
    '',
  ].join('\r\n');
}

const HOTMAIL = 'from bay0-omc1-s10.bay0.hotmail.com (bay0-omc1-s10.bay0.hotmail.com [65.54.245.110])';

storageTest(
  'logs: the queue-id rule joins a Sendmail and an Exim log to the Received lines of harvested items',
  async ({ ctx }) => {
    const root = tempDir('spamcase-qid-');
    const mail = path.join(root, 'mail');
    fs.mkdirSync(mail);
    const items = {
      // No Message-ID: only the queue id of mx3's Received line joins it.
      a: eml({
        to: 'jean@laposte.net',
        subject: 'Offre A',
        received: `${HOTMAIL} by mx3.laposte.net (8.13.8/8.13.8) with ESMTP id jB190006012345 for <jean@laposte.net>; Thu, 1 Dec 2005 10:00:02 +0100`,
      }),
      // A Message-ID the log has too: the message-id rule comes first.
      b: eml({
        to: 'marie@laposte.net',
        subject: 'Offre B',
        messageId: 'BAY101-F1B@phx.gbl',
        received: `${HOTMAIL} by mx3.laposte.net (8.13.8/8.13.8) with ESMTP id jB19000a012346 for <marie@laposte.net>; Thu, 1 Dec 2005 10:00:02 +0100`,
      }),
      // Its queue id is logged a week later: past the queue lifetime, another message.
      c: eml({
        to: 'luc@laposte.net',
        subject: 'Offre C',
        received: `${HOTMAIL} by mx3.laposte.net (8.13.8/8.13.8) with ESMTP id jB190100012347 for <luc@laposte.net>; Thu, 1 Dec 2005 10:01:00 +0100`,
      }),
      // The same queue id written by another server: not mx3's transaction.
      d: eml({
        to: 'sophie@laposte.net',
        subject: 'Offre D',
        received: `${HOTMAIL} by mx9.laposte.net (8.13.8/8.13.8) with ESMTP id jB190200012348 for <sophie@laposte.net>; Thu, 1 Dec 2005 10:02:00 +0100`,
      }),
      // Received by Exim on mx2.
      e: eml({
        to: 'anne@laposte.net',
        subject: 'Offre E',
        received: `from bay0-omc1-s10.bay0.hotmail.com ([65.54.245.110] helo=BAY0-OMC1-S10.bay0.hotmail.com) by mx2.laposte.net with esmtp (Exim 4.63) id 1EhXyZ-0001Ab-Cd for anne@laposte.net; Thu, 01 Dec 2005 10:03:00 +0100`,
      }),
    };
    for (const [name, text] of Object.entries(items)) fs.writeFileSync(path.join(mail, `${name}.eml`), text);
    const sendmailLog = path.join(root, 'maillog');
    fs.writeFileSync(
      sendmailLog,
      [
        'Dec  1 10:00:02 mx3 sm-mta[12345]: jB190006012345: from=<x123@hotmail.com>, size=900, class=0, nrcpts=2, proto=ESMTP, daemon=MTA, relay=bay0-omc1-s10.bay0.hotmail.com [65.54.245.110]',
        'Dec  1 10:00:03 mx3 sm-mta[12350]: jB190006012345: to=<jean@laposte.net>,<paul@laposte.net>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120900, relay=mailstore3.laposte.net. [10.10.1.3], dsn=2.0.0, stat=Sent (OK)',
        'Dec  1 10:00:02 mx3 sm-mta[12346]: jB19000a012346: from=<x123@hotmail.com>, size=900, class=0, nrcpts=1, msgid=<BAY101-F1B@phx.gbl>, proto=ESMTP, daemon=MTA, relay=bay0-omc1-s10.bay0.hotmail.com [65.54.245.110]',
        'Dec  1 10:00:03 mx3 sm-mta[12351]: jB19000a012346: to=<marie@laposte.net>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120900, relay=mailstore3.laposte.net. [10.10.1.3], dsn=2.0.0, stat=Sent (OK)',
        'Dec  8 10:01:00 mx3 sm-mta[22347]: jB190100012347: from=<other@example.net>, size=900, class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=relay.example.net [198.51.100.20]',
        'Dec  8 10:01:01 mx3 sm-mta[22348]: jB190100012347: to=<luc@laposte.net>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120900, relay=mailstore3.laposte.net. [10.10.1.3], dsn=2.0.0, stat=Sent (OK)',
        'Dec  1 10:02:00 mx3 sm-mta[12348]: jB190200012348: from=<x123@hotmail.com>, size=900, class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=relay.example.net [198.51.100.21]',
        'Dec  1 10:02:01 mx3 sm-mta[12352]: jB190200012348: to=<sophie@laposte.net>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120900, relay=mailstore3.laposte.net. [10.10.1.3], dsn=2.0.0, stat=Sent (OK)',
        '',
      ].join('\n'),
    );
    const eximLog = path.join(root, 'mainlog');
    fs.writeFileSync(
      eximLog,
      [
        '2005-12-01 10:03:00 1EhXyZ-0001Ab-Cd <= x123@hotmail.com H=bay0-omc1-s10.bay0.hotmail.com (BAY0-OMC1-S10.bay0.hotmail.com) [65.54.245.110] P=esmtp S=900 for anne@laposte.net',
        '2005-12-01 10:03:01 1EhXyZ-0001Ab-Cd => anne@laposte.net R=lmtp T=lmtp_store H=mailstore3.laposte.net [10.10.1.3]',
        '2005-12-01 10:03:01 1EhXyZ-0001Ab-Cd Completed',
        '',
      ].join('\n'),
    );

    await createCase(ctx, {
      slug: 'qid',
      title: 'Laposte.net v. Doe',
      parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }],
    });
    await setPartyTrust(ctx, 'qid', 'LPN', { relays: ['laposte.net'] });
    await ingest(ctx, { caseSlug: 'qid', method: 'trap', paths: [mail] });
    const mx3 = await ingestLogs(ctx, {
      case: 'qid',
      server: 'MX3.laposte.net.',
      tz: 'Europe/Paris',
      yearEnd: '2005-12-31',
      paths: [sendmailLog],
    });
    assert.equal(mx3.files[0]!.format, 'sendmail');
    assert.equal(mx3.files[0]!.unknownLines, 0);
    const mx2 = await ingestLogs(ctx, { case: 'qid', server: 'mx2.laposte.net', tz: 'Europe/Paris', paths: [eximLog] });
    assert.deepEqual(mx2.matches, { messageId: 1, queueId: 3, messageIdOnly: 0, ipTime: 0, unmatched: 3 });

    const rows = (await ctx.db
      .knex('attempts as t')
      .leftJoin('items as i', 'i.id', 't.item_id')
      .leftJoin('messages as m', 'm.id', 'i.message_id')
      .orderBy('t.id')
      .select('t.server', 't.queue_id', 't.recipient', 't.result', 't.match_rule', 'm.subject')) as Array<
      Record<string, string | null>
    >;
    assert.deepEqual(
      rows.map((r) => [r.queue_id, r.recipient, r.result, r.match_rule, r.subject]),
      [
        ['jB190006012345', 'jean@laposte.net', 'delivered', 'queue-id', 'Offre A'],
        ['jB190006012345', 'paul@laposte.net', 'delivered', null, null],
        ['jB19000a012346', 'marie@laposte.net', 'delivered', 'message-id', 'Offre B'],
        ['jB190100012347', 'luc@laposte.net', 'delivered', null, null],
        ['jB190200012348', 'sophie@laposte.net', 'delivered', null, null],
        ['1EhXyZ-0001Ab-Cd', 'anne@laposte.net', 'accepted', 'queue-id', 'Offre E'],
        ['1EhXyZ-0001Ab-Cd', 'anne@laposte.net', 'delivered', 'queue-id', 'Offre E'],
      ],
    );
    // The items were read once: a second match reads none again and finds the same.
    const marks = (await ctx.db.knex('received_queue_id_marks').select('through_item_id')) as unknown[];
    assert.equal(marks.length, 1);
    const again = await ingestLogs(ctx, {
      case: 'qid',
      server: 'mx2.laposte.net',
      tz: 'Europe/Paris',
      paths: [eximLog],
    });
    assert.deepEqual(again.matches, mx2.matches);
    // One line with an id per item (the LMTPA and Microsoft SMTPSVC lines name none), each read once.
    assert.equal(Number(((await ctx.db.knex('received_queue_ids').count({ n: '*' }).first()) as { n: number }).n), 5);
  },
  { timeout: 120_000 },
);
