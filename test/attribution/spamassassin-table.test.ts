/**
 * Hand-checked attribution of real spam from the SpamAssassin corpus. The harvesting party is the
 * corpus owner's mail system (netnoteinc.com, jmason.org, slashnull.org, webnote.net and the three
 * addresses its fetchmail lines name by IP only); each row was checked by reading the message's
 * Received chain: the origin is the client of the first hop not written by those systems, or the
 * webmail's X-Originating-IP when that hop is the webmail's own outbound server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHeaders } from '../../server/mail/headers/index.ts';
import { attribute } from '../../server/attribution/attribute.ts';
import { extractFacts } from '../../server/attribution/facts.ts';
import { compileTrust } from '../../server/attribution/trust.ts';
import { corpusMessage } from '../mail/headers/load-samples.ts';

const trust = compileTrust({
  relays: [
    'netnoteinc.com',
    'jmason.org',
    'slashnull.org',
    'webnote.net',
    '212.17.35.15',
    '213.105.180.140',
    '193.120.211.219',
  ],
  authservIds: [],
});

// [group, number, expected account, account evidence rank, expected originating IP, why]
const TABLE: Array<[string, string, string, string, string, string]> = [
  [
    'spam-2',
    '00001',
    'startnow2002@hotmail.com',
    'from',
    '194.125.145.45',
    'via the ILUG list server; Return-Path is the list bounce address ilug-admin',
  ],
  [
    'spam-2',
    '00010',
    'dockut2@hotmail.com',
    'from',
    '64.161.22.236',
    'via the FoRK list (xent.com); five forged lines below',
  ],
  [
    'spam-2',
    '00017',
    'jbgaspar@hotmail.com',
    'return-path',
    '212.19.228.225',
    'open relay www.virtex-sametime.nl, Postfix recorded "unknown"',
  ],
  ['spam-2', '00022', 'sweetyea@hotmail.com', 'return-path', '211.163.115.18', 'relay mail.taizhou.cngb.com'],
  ['spam-2', '00033', 'hgreene6g87@hotmail.com', 'return-path', '210.83.130.50', 'relay mail.chinabal.com'],
  [
    'spam-2',
    '00035',
    '2b1lf@msn.com',
    'return-path',
    '63.140.240.58',
    'relay bnfep04e.boone.winstar.net; HELO zhmwx.msn.com below is forged',
  ],
  ['spam-2', '00046', 'acerra@hotmail.com', 'return-path', '62.168.77.19', 'relay kiwwi.cz'],
  ['spam-2', '00047', 'acana67062@hotmail.com', 'return-path', '62.180.96.10', 'relay marvin.innovatio.de'],
  [
    'spam-2',
    '00103',
    'sat@niederhasli.ch',
    'return-path',
    '202.9.145.15',
    'X-Originating-Ip 202.7.181.234 is not a webmail record: the relay extmail01.eth.net is the origin',
  ],
  [
    'spam-2',
    '00123',
    'sat@boerse.ch',
    'return-path',
    '211.218.127.190',
    'same sender, relay fw.entum.com; forged X-Originating-Ip ignored',
  ],
  ['spam-2', '00124', 'sat@niederhasli.ch', 'return-path', '210.12.4.125', 'relay baby.dinly.com'],
  [
    'spam-2',
    '00151',
    'carolynn492416@aol.com',
    'return-path',
    '211.217.127.29',
    'through dogma and mandark (trusted by IP) from ns.sixa.net',
  ],
  [
    'spam-2',
    '00179',
    'amu2@c4.com',
    'return-path',
    '208.197.227.7',
    'chek.com relay homer.chek.com: no webmail line, so its X-Originating-Ip is not used',
  ],
  ['spam-2', '00238', 'walteribe@c4.com', 'return-path', '208.197.227.7', 'same chek.com relay'],
  ['spam-2', '00301', 'lefty@spl.at', 'return-path', '216.241.23.34', 'mandark trusted by IP; insico.unete.cl sent it'],
  [
    'spam-2',
    '00339',
    'lob@cheerful.com',
    'return-path',
    '205.158.62.44',
    'outblaze webmail, but its X-Originating-Ip is 127.0.0.1: the outbound relay is the origin',
  ],
  [
    'spam-2',
    '00340',
    'importune@pediatrician.com',
    'return-path',
    '205.158.62.57',
    'outblaze webmail with private X-Originating-Ip 192.168.96.2',
  ],
  [
    'spam-2',
    '00341',
    'inconsolable@japan.com',
    'return-path',
    '208.35.53.2',
    'outblaze webmail: "from [208.35.53.2] ... with http" and X-Originating-Ip agree',
  ],
  ['spam-2', '00342', 'juiblex@registerednurses.com', 'return-path', '200.75.42.2', 'outblaze webmail'],
  [
    'spam-2',
    '00343',
    'extensor@paris.com',
    'return-path',
    '205.158.62.55',
    'outblaze webmail with private X-Originating-Ip',
  ],
  ['spam-2', '00344', 'axolotl@madrid.com', 'return-path', '213.96.188.148', 'outblaze webmail'],
  ['spam-2', '00355', 'sylow@doglover.com', 'return-path', '66.17.40.126', 'outblaze webmail through mta1-3'],
  [
    'spam-2',
    '00451',
    'hgh4616@eudoramail.com',
    'return-path',
    '211.123.25.250',
    'mail.pas2.ne.jp; HELO smtp0732.mail.yahoo.com from 127.0.0.1 below is forged',
  ],
  ['spam-2', '00605', 'babegirl2u473666p42@z.com', 'return-path', '211.250.23.251', 'IDENT:nobody@[211.250.23.251]'],
  [
    'spam-2',
    '00755',
    'aa@insurancemail.net',
    'return-path',
    '65.217.159.66',
    'sendmail "(may be forged)" note on the reverse name; the IP stands',
  ],
  [
    'spam-2',
    '00905',
    'ads@cardsinadvance.com',
    'from',
    '64.161.22.236',
    'via FoRK; Return-Path fork-admin is the list bounce address',
  ],
  [
    'spam-2',
    '01205',
    'lilblackraincloud@yahoo.com',
    'return-path',
    '200.223.42.101',
    'HELO "yahoo.com" from a Brazilian address; Received lines below From are forged',
  ],
  [
    'spam-2',
    '01355',
    'salesandleads2628@flashmail.com',
    'return-path',
    '81.80.28.82',
    'starcom.oleane.net; domain case folded (Flashmail.com)',
  ],
  [
    'spam-1',
    '00082',
    'hk.jh@caramail.com',
    'return-path',
    '208.164.180.11',
    'caramail webmail: its outbound relay handed it over, X-Originating-Ip is its record',
  ],
  [
    'spam-1',
    '00100',
    'gwfqjulie@msn.com',
    'return-path',
    '218.14.180.52',
    'HELO 64.105.237.170 is a lie; the recorded client is 218.14.180.52',
  ],
  ['spam-1', '00128', 'sally@mailme.dk', 'return-path', '195.101.1.125', 'HELO mailme.dk from a Wanadoo address'],
  [
    'spam-1',
    '00142',
    'tdbannie@aol.com',
    'return-path',
    '205.210.42.30',
    'relayed by smtp.easydns.com; the lines below it cannot be checked',
  ],
  ['spam-1', '00315', 'williams.t@caramail.com', 'return-path', '217.10.163.34', 'caramail webmail'],
  ['spam-1', '00389', 'wequitychambers@caramail.com', 'return-path', '192.116.122.187', 'caramail webmail'],
  ['spam-1', '00390', 'wequitychambers@caramail.com', 'return-path', '192.116.122.187', 'same sender, second message'],
  ['spam-1', '00432', 'k_bakar100@mail.com', 'return-path', '64.110.146.116', 'outblaze webmail (mail.com)'],
];

test(`${TABLE.length} hand-checked SpamAssassin messages resolve to the expected account and originating IP`, () => {
  assert.ok(TABLE.length >= 30);
  const wrong: string[] = [];
  for (const [group, number, account, rank, ip, why] of TABLE) {
    const a = attribute(extractFacts(parseHeaders(corpusMessage(group, number))), trust);
    if (a.account !== account || a.accountRank !== rank || a.originatingIp !== ip) {
      wrong.push(
        `${group}/${number} (${why}): got ${a.account} [${a.accountRank}] ${a.originatingIp}, expected ${account} [${rank}] ${ip}`,
      );
    }
  }
  assert.deepEqual(wrong, []);
});

test('a list bounce address in Return-Path is recorded as refused, and the From attributes', () => {
  const a = attribute(extractFacts(parseHeaders(corpusMessage('spam-2', '00010'))), trust);
  assert.deepEqual(
    a.candidates.map((c) => [c.source, c.address, c.rank]),
    [
      ['Sender', 'fork-admin@xent.com', 'claimed'],
      ['Return-Path', 'fork-admin@xent.com', 'refused'],
      ['From', 'dockut2@hotmail.com', 'from'],
    ],
  );
});

test('forged Received lines below the origin are kept, marked, and never believed', () => {
  const a = attribute(extractFacts(parseHeaders(corpusMessage('spam-2', '00010'))), trust);
  assert.equal(a.originHop, 3);
  assert.deepEqual(a.hopRoles, [
    'internal',
    'fetch',
    'party',
    'origin',
    'not-believed',
    'not-believed',
    'not-believed',
    'not-believed',
    'not-believed',
    'not-believed',
    'not-believed',
  ]);
});
