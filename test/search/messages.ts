/** Messages whose words are known, for the search and hostile-text tests (storage and browser). */
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Five messages whose words are known; the items get MSN-000001.. in file-name order. */
export const MESSAGES: Record<string, string> = {
  '1.eml':
    'From: Bob Spammer <x123@hotmail.com>\r\nTo: alice@laposte.net\r\nSubject: Cheap Viagra now\r\n' +
    'Message-ID: <1@t>\r\nDate: Mon, 2 Jan 2006 10:00:00 +0000\r\n\r\nLimited offer: click here to buy pharmaceuticals.\r\n',
  '2.eml':
    `From: =?utf-8?B?${b64('Zoë Vendeuse')}?= <zoe@example.org>\r\nTo: bob@example.com\r\nSubject: =?utf-8?Q?R=C3=A9sum=C3=A9_of_the_meeting?=\r\n` +
    'Message-ID: <2@t>\r\nDate: Mon, 2 Jan 2006 11:00:00 +0000\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
    '<p>Buy Cialis &amp; save <script>alert(1)</script>caf=C3=A9</p>\r\n',
  '3.eml':
    'From: c@example.net\r\nTo: alice@laposte.net\r\nSubject: Choosers, & friends\r\nMessage-ID: <3@t>\r\n' +
    'Date: Mon, 2 Jan 2006 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n' +
    `Content-Transfer-Encoding: base64\r\n\r\n${b64("beggars can't be choosers")}\r\n`,
  '4.eml':
    `From: d@example.net\r\nTo: e@example.net\r\nSubject: =?utf-8?B?${b64('中文邮件测试')}?=\r\nMessage-ID: <4@t>\r\n` +
    'Date: Mon, 2 Jan 2006 13:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n发票 invoice\r\n',
  '5.eml':
    'From: f@example.net\r\nTo: alice@laposte.net\r\nSubject: Here click\r\nMessage-ID: <5@t>\r\n' +
    'Date: Mon, 2 Jan 2006 14:00:00 +0000\r\n\r\nno pharmacy words here, buy nothing\r\n',
};

/** A subject with U+202E (it would read "Invoice exe.png") and a From display name in RFC 2047 encoded words. */
export const RLO_SUBJECT = 'Invoice \u202Egnp.exe';
export const RLO_MESSAGE =
  `From: =?utf-8?B?${b64('Zoë \u202EVendeuse')}?= <zoe@example.org>\r\nTo: alice@laposte.net\r\n` +
  `Subject: =?utf-8?B?${b64(RLO_SUBJECT)}?=\r\nMessage-ID: <rlo@t>\r\nDate: Mon, 2 Jan 2006 10:00:00 +0000\r\n` +
  'Content-Type: text/plain; charset=utf-8\r\n\r\nOpen the attached invoice\u200B now.\r\n';
