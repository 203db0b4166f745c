/**
 * The Exchange message tracking log reader on a MSGTRK log as Exchange 2016 writes it (the
 * header, then one CSV record per event with the columns its #Fields line names), a log of
 * Exchange 2010 with fewer columns in another order, quoted fields with commas, doubled quotes
 * and a line break, several recipients in one row, unknown events and garbled records.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { detectFormat, readLines } from '../../server/logs/acquire.ts';
import type { Attempt } from '../../server/logs/attempt.ts';
import { csvFields, ExchangeReader } from '../../server/logs/exchange.ts';
import { MAX_LOG_LINE_BYTES } from '../../server/logs/limits.ts';

const FIELDS_2016 =
  '#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version';

const HEADER_2016 = [
  '\u00ef\u00bb\u00bf#Software: Microsoft Exchange Server',
  '#Version: 15.01.2507.006',
  '#Log-type: Message Tracking Log',
  '#Date: 2024-03-05T10:00:00.000Z',
  FIELDS_2016,
];

const NMID = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

function read(text: string) {
  const attempts: Attempt[] = [];
  const reader = new ExchangeReader();
  const totals = readLines(Buffer.from(text, 'latin1'), reader, (a) => attempts.push(a));
  reader.finish((a) => attempts.push(a));
  return { attempts, totals };
}

test('csv: RFC 4180 fields, quoted commas and doubled quotes; an open quote asks for the next line', () => {
  assert.deepEqual(csvFields('a,"b, c","say ""hi""",,e'), ['a', 'b, c', 'say "hi"', '', 'e']);
  assert.deepEqual(csvFields('a,"multi\nline",c'), ['a', 'multi\nline', 'c']);
  assert.equal(csvFields('a,"open'), null);
});

test('exchange 2016: received from the Internet for two recipients, one delivered, one failed after acceptance; deferred; a refusal; known and unknown events', () => {
  const rows = [
    // The front end receives from the Internet, then proxies to the back end (a second RECEIVE).
    `2024-03-05T10:15:22.123Z,65.54.245.110,BAY0-OMC1-S10.bay0.hotmail.com,10.1.1.20,EX01,08DC3C1A2B3C4D5E;2024-03-05T10:15:21.998Z;0,EX01\\Default Frontend EX01,SMTP,RECEIVE,12884901889,<BAY101-F1ABC@phx.gbl>,${NMID},marie@contoso.com;paul@contoso.com,,4321,2,,,"Gagnez, vite: un ""cadeau""",X123@hotmail.com,X123@hotmail.com,,Incoming,,65.54.245.110,10.1.1.20,,Email,${NMID},15.01.2507.006`,
    `2024-03-05T10:15:22.310Z,10.1.1.20,EX01.contoso.local,10.1.1.20,EX01,08DC3C1A2B3C4D5F;2024-03-05T10:15:22.200Z;0,EX01\\Default EX01,SMTP,RECEIVE,12884901890,<BAY101-F1ABC@phx.gbl>,${NMID},marie@contoso.com;paul@contoso.com,,4521,2,,,"Gagnez, vite: un ""cadeau""",X123@hotmail.com,X123@hotmail.com,,Incoming,,65.54.245.110,10.1.1.20,,Email,${NMID},15.01.2507.006`,
    `2024-03-05T10:15:22.400Z,,,,EX01,"Transport.MailboxRule,Transport.TransportRule",,AGENT,AGENTINFO,12884901890,<BAY101-F1ABC@phx.gbl>,${NMID},marie@contoso.com;paul@contoso.com,,4521,2,,,"Gagnez, vite: un ""cadeau""",X123@hotmail.com,X123@hotmail.com,,Incoming,,,,S:CompCost=|ETR=0,Email,${NMID},15.01.2507.006`,
    `2024-03-05T10:15:23.456Z,10.1.1.20,EX01,10.1.1.21,EX02,MDB:5a1b-4c2d;Mailbox:7e3f;Event:123456;MessageClass:IPM.Note;CreationTime:2024-03-05T10:15:22.310Z;ClientType:StoreDriver,,STOREDRIVER,DELIVER,12884901891,<BAY101-F1ABC@phx.gbl>,${NMID},marie@contoso.com,,4521,1,,,"Gagnez, vite: un ""cadeau""",X123@hotmail.com,X123@hotmail.com,2024-03-05T10:15:22.310Z;SRV=EX02.contoso.local:TOTAL-SUB=0.1,Incoming,,65.54.245.110,10.1.1.20,,Email,${NMID},15.01.2507.006`,
    `2024-03-05T10:15:23.500Z,10.1.1.20,EX01,,EX01,,,ROUTING,FAIL,12884901890,<BAY101-F1ABC@phx.gbl>,${NMID},paul@contoso.com,"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",4521,1,,,"Gagnez, vite: un ""cadeau""",X123@hotmail.com,X123@hotmail.com,,Incoming,,65.54.245.110,10.1.1.20,,Email,${NMID},15.01.2507.006`,
    `2024-03-05T10:15:23.600Z,,,,EX01,,,DSN,DSN,12884901892,<4f1a2b3c@EX01.contoso.local>,7a7a7a7a-0000-4000-8000-000000000001,x123@hotmail.com,,9000,1,,12884901890,Undeliverable: Gagnez,MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com,<>,,Originating,,,,,Email,7a7a7a7a-0000-4000-8000-000000000001,15.01.2507.006`,
    `2024-03-05T10:20:00.000Z,10.1.1.20,EX01,192.0.2.1,mx.example.org,;250 2.0.0 OK;ClientSubmitTime:,EX01\\Internet,SMTP,DEFER,12884901893,<news-77@contoso.com>,8b8b8b8b-0000-4000-8000-000000000002,c@example.org,"451 4.4.0 Primary target IP address responded with: ""421 4.7.0 Try again later.""",2000,1,,,News,news@contoso.com,news@contoso.com,,Originating,,10.1.1.30,10.1.1.20,,Email,8b8b8b8b-0000-4000-8000-000000000002,15.01.2507.006`,
    // No RECEIVE of this message was logged: a refusal.
    `2024-03-05T10:21:00.000Z,82.120.5.9,pc,10.1.1.20,EX01,,EX01\\Default Frontend EX01,SMTP,FAIL,12884901894,,9c9c9c9c-0000-4000-8000-000000000003,nobody@contoso.com;jean@contoso.com,"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found;550 5.7.1 Client host rejected",0,2,,,,a@b.example,a@b.example,,Incoming,,82.120.5.9,10.1.1.20,,Email,9c9c9c9c-0000-4000-8000-000000000003,15.01.2507.006`,
    `2024-03-05T10:22:00.000Z,,,,EX01,,,ROUTING,NEWFANGLEDEVENT,12884901895,<x@contoso.com>,,a@contoso.com,,1,1,,,,b@contoso.com,,,,,,,,Email,,15.01.2507.006`,
    `2024-03-05 10:22:00,,,,EX01,,,ROUTING,DELIVER,12884901896,<y@contoso.com>,,a@contoso.com,,1,1,,,,b@contoso.com,,,,,,,,Email,,15.01.2507.006`,
  ];
  const { attempts, totals } = read([...HEADER_2016, ...rows].join('\r\n') + '\r\n');
  assert.deepEqual(totals, { lines: 15, unknownLines: 2, longLines: 0 });
  assert.deepEqual(
    attempts.map((a) => [a.line, a.at, a.result, a.recipient, a.clientIp, a.sender, a.queueId]),
    [
      [6, '2024-03-05T10:15:22.123Z', 'accepted', 'marie@contoso.com', '65.54.245.110', 'x123@hotmail.com', NMID],
      [6, '2024-03-05T10:15:22.123Z', 'accepted', 'paul@contoso.com', '65.54.245.110', 'x123@hotmail.com', NMID],
      [7, '2024-03-05T10:15:22.310Z', 'accepted', 'marie@contoso.com', '65.54.245.110', 'x123@hotmail.com', NMID],
      [7, '2024-03-05T10:15:22.310Z', 'accepted', 'paul@contoso.com', '65.54.245.110', 'x123@hotmail.com', NMID],
      [9, '2024-03-05T10:15:23.456Z', 'delivered', 'marie@contoso.com', '65.54.245.110', 'x123@hotmail.com', NMID],
      [10, '2024-03-05T10:15:23.500Z', 'bounced', 'paul@contoso.com', '65.54.245.110', 'x123@hotmail.com', NMID],
      [
        12,
        '2024-03-05T10:20:00.000Z',
        'deferred',
        'c@example.org',
        null,
        'news@contoso.com',
        '8b8b8b8b-0000-4000-8000-000000000002',
      ],
      [
        13,
        '2024-03-05T10:21:00.000Z',
        'refused-unknown-user',
        'nobody@contoso.com',
        '82.120.5.9',
        'a@b.example',
        '9c9c9c9c-0000-4000-8000-000000000003',
      ],
      [
        13,
        '2024-03-05T10:21:00.000Z',
        'refused-policy',
        'jean@contoso.com',
        '82.120.5.9',
        'a@b.example',
        '9c9c9c9c-0000-4000-8000-000000000003',
      ],
    ],
  );
  assert.equal(attempts[0]!.messageId, 'BAY101-F1ABC@phx.gbl');
  assert.equal(attempts[0]!.clientName, 'bay0-omc1-s10.bay0.hotmail.com');
  assert.equal(
    attempts[5]!.statusText,
    '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
  );
  assert.equal(
    attempts[6]!.statusText,
    '451 4.4.0 Primary target IP address responded with: "421 4.7.0 Try again later."',
  );
  assert.deepEqual(
    attempts.slice(7).map((a) => a.statusText),
    ['550 5.1.1 RESOLVER.ADR.RecipNotFound; not found', '550 5.7.1 Client host rejected'],
  );
  assert.equal(detectFormat(Buffer.from(HEADER_2016.join('\r\n'), 'latin1')), 'exchange');
});

test('exchange 2010: the columns come from #Fields (fewer, another order); a subject with a line break; a record never closed', () => {
  const text = [
    '#Software: Microsoft Exchange Server',
    '#Version: 14.0.0.0',
    '#Log-type: Message Tracking Log',
    '#Date: 2010-06-01T08:00:00.000Z',
    '#Fields: date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data',
    '2010-06-01T08:01:00.000Z,198.51.100.7,mail.example.net,192.0.2.5,HUB01,08CCAB1234567890,HUB01\\Default HUB01,SMTP,RECEIVE,4242,<m-2010@example.net>,jean@contoso.com,,1234,1,,,"Line one',
    'line two, with a comma",s@example.net,s@example.net,,Incoming,,,,',
    '2010-06-01T08:01:01.000Z,192.0.2.5,HUB01,192.0.2.6,HUB01,,,STOREDRIVER,DELIVER,4242,<m-2010@example.net>,jean@contoso.com,,1234,1,,,"Line one',
    'line two, with a comma",s@example.net,s@example.net,,Incoming,,,,',
    '2010-06-01T08:01:02.000Z,192.0.2.5,HUB01,,HUB01,,,ROUTING,REDIRECT,4243,<m-2@example.net>,a@contoso.com,,1,1,b@contoso.com,,x,s@example.net,,,,,,,',
    `2010-06-01T08:02:00.000Z,,,,HUB01,,,ROUTING,DELIVER,4244,<m-3@example.net>,jean@contoso.com,,1,1,,,"${'z'.repeat(MAX_LOG_LINE_BYTES)}`,
    'tail of the broken record',
  ].join('\n');
  const { attempts, totals } = read(text);
  // The record never closed: its first line is over the limit (long, cut), and the record grows past
  // the limit on its second line, which is not understood either.
  assert.deepEqual(totals, { lines: 12, unknownLines: 2, longLines: 1 });
  assert.deepEqual(
    attempts.map((a) => [a.line, a.result, a.recipient, a.clientIp, a.clientName, a.messageId, a.queueId]),
    [
      [6, 'accepted', 'jean@contoso.com', '198.51.100.7', 'mail.example.net', 'm-2010@example.net', '4242'],
      // Exchange 2010 has no network-message-id: the hub's own internal id ties its DELIVER to its RECEIVE.
      [8, 'delivered', 'jean@contoso.com', '198.51.100.7', 'mail.example.net', 'm-2010@example.net', '4242'],
    ],
  );
});

test('exchange: a row before any #Fields line, or a #Fields line without date-time and event-id, is not understood', () => {
  const { attempts, totals } = read(
    [
      '2024-03-05T10:15:22.123Z,65.54.245.110,h,10.1.1.20,EX01,,,SMTP,RECEIVE,1,<a@b>,,r@contoso.com,,1,1',
      '#Fields: time,event',
      '#Fields: date-time,event-id,recipient-address,sender-address,message-id,client-ip',
      '2024-03-05T10:15:22.123Z,RECEIVE,r@contoso.com,s@example.net,<a@b>,192.0.2.9',
      'garbage',
    ].join('\n'),
  );
  assert.deepEqual(totals, { lines: 5, unknownLines: 3, longLines: 0 });
  assert.deepEqual(
    attempts.map((a) => [a.line, a.result, a.recipient, a.clientIp, a.queueId]),
    [[4, 'accepted', 'r@contoso.com', '192.0.2.9', null]],
  );
});
