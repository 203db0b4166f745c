/**
 * Mail server logs with known truth, consistent with the message corpus (generate.ts): the same
 * bot accounts, IPs, Message-IDs, recipients and mx1 queue ids. Feed `collect()` to generateCorpus's
 * `onMessage`, then `writeLogs()`:
 *
 * - mx1.laposte.net (Postfix, syslog, Europe/Paris, no year): for each harvested delivery one
 *   session with the queue id of its Received line, delivered over LMTP at the Received time + 1 s;
 *   for the recipients not harvested one more queued transaction (delivered, or bounced for some);
 *   refusals for unknown users (the dictionary attack of 2005) in the same session; rotated into
 *   maillog.2.gz, maillog.1 and maillog, each file's modification time just after its last line.
 * - mx2.laposte.net (Exim mainlog, Europe/Paris): refused RCPTs for unknown users and policy
 *   refusals from the same relays and senders.
 * - mx3.laposte.net (Sendmail, syslog, Europe/Paris): RCPT refusals for unknown users in both of
 *   sendmail's forms (check_rcpt, `<r>... User unknown`) logged before their transaction's
 *   `from=... nrcpts=0` line, check_relay refusals at connect (no recipient: read, not attempts), and
 *   messages not harvested: deferred then sent, or bounced with the server's own DSN.
 * - ex1.laposte.net (Exchange message tracking log, UTC, CRLF): other mailboxes' copies of
 *   harvested messages (RECEIVE then DELIVER, some deferred first, some FAIL after the RECEIVE:
 *   matched by Message-ID only), FAIL refusals for unknown users with no RECEIVE, AGENTINFO rows,
 *   subjects quoted with commas, doubled quotes and a line break.
 * - a few lines no reader knows, counted as unknown.
 *
 * The truth is what a correct reader, matcher and counter must find (docs/LOGS.md): per account
 * and per IP (the originating IP of a matched attempt, else the log's client) attempts, refusals for
 * unknown users, deliveries and matched attempts; per envelope sender, the unmatched attempts by outcome.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Rng, type GeneratedMessage } from './generate.ts';

export interface LogVolume {
  attempts: number;
  refusedUnknownUsers: number;
  delivered: number;
  matchedSamples: number;
}

export interface UnmatchedTruth {
  refusedUnknownUsers: number;
  refusedPolicy: number;
  delivered: number;
  bounced: number;
}

export interface LogTruth {
  lines: number;
  unknownLines: number;
  totals: LogVolume & { refusedPolicy: number; bounced: number };
  accounts: Map<string, LogVolume>;
  ips: Map<string, LogVolume>;
  /**
   * Per envelope sender, the attempts written that no harvested item can match (refusals, and mail to
   * mailboxes nobody harvested with no Message-ID the case has), by what became of them.
   */
  unmatched: Map<string, UnmatchedTruth>;
  files: { postfix: string[]; exim: string[]; sendmail: string[]; exchange: string[] };
}

export function collect(): { messages: GeneratedMessage[]; onMessage: (m: GeneratedMessage) => void } {
  const messages: GeneratedMessage[] = [];
  return { messages, onMessage: (m) => messages.push(m) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Wall-clock parts of a UTC instant in Europe/Paris (CET, UTC+1, for the corpus's Dec-Jan span). */
function paris(sec: number): Date {
  return new Date((sec + 3600) * 1000);
}
function syslogStamp(sec: number): string {
  const d = paris(sec);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
function eximStamp(sec: number): string {
  return paris(sec).toISOString().slice(0, 19).replace('T', ' ');
}
function exchangeStamp(sec: number, ms: number): string {
  return new Date(sec * 1000 + ms).toISOString();
}

const EXCHANGE_FIELDS =
  'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version';

/** One CSV field as Exchange writes it: quoted when it holds a comma, a quote or a line break. */
function csv(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const FIRST = ['jean', 'marie', 'paul', 'anne', 'luc', 'sophie', 'pierre', 'julie'];

interface Block {
  at: number;
  lines: string[];
}

export function writeLogs(
  messages: readonly GeneratedMessage[],
  out: string,
  options: { seed?: number; rotations?: number } = {},
): LogTruth {
  const rng = new Rng(options.seed ?? 7);
  fs.mkdirSync(out, { recursive: true });
  const accounts = new Map<string, LogVolume>();
  const ips = new Map<string, LogVolume>();
  const unmatched = new Map<string, UnmatchedTruth>();
  const totals = { attempts: 0, refusedUnknownUsers: 0, delivered: 0, matchedSamples: 0, refusedPolicy: 0, bounced: 0 };
  const bump = (map: Map<string, LogVolume>, key: string, f: (v: LogVolume) => void) => {
    let v = map.get(key);
    if (!v) map.set(key, (v = { attempts: 0, refusedUnknownUsers: 0, delivered: 0, matchedSamples: 0 }));
    f(v);
  };
  const count = (
    account: string,
    ip: string,
    kind: 'unknown' | 'policy' | 'delivered' | 'bounced',
    matched: boolean,
  ): void => {
    const f = (v: LogVolume) => {
      v.attempts += 1;
      if (kind === 'unknown') v.refusedUnknownUsers += 1;
      if (kind === 'delivered') v.delivered += 1;
      if (matched) v.matchedSamples += 1;
    };
    bump(accounts, account, f);
    bump(ips, ip, f);
    totals.attempts += 1;
    if (kind === 'unknown') totals.refusedUnknownUsers += 1;
    if (kind === 'policy') totals.refusedPolicy += 1;
    if (kind === 'delivered') totals.delivered += 1;
    if (kind === 'bounced') totals.bounced += 1;
    if (matched) totals.matchedSamples += 1;
    else {
      let u = unmatched.get(account);
      if (!u) unmatched.set(account, (u = { refusedUnknownUsers: 0, refusedPolicy: 0, delivered: 0, bounced: 0 }));
      if (kind === 'unknown') u.refusedUnknownUsers += 1;
      if (kind === 'policy') u.refusedPolicy += 1;
      if (kind === 'delivered') u.delivered += 1;
      if (kind === 'bounced') u.bounced += 1;
    }
  };

  const postfix: Block[] = [];
  const exim: Block[] = [];
  const sendmail: Block[] = [];
  const exchange: Block[] = [];
  let sendmailQueue = 0;
  let exchangeId = 0;
  let pid = 1000;
  let extraQueue = 0;
  for (const m of messages) {
    const client = `${m.relayHost}[${m.relayIp}]`;
    const helo = m.relayHost.toUpperCase().replace('.BAY0.HOTMAIL.COM', '.bay0.hotmail.com');
    const mid = m.messageId === undefined ? '' : `<${m.messageId}>`;
    m.harvested.forEach((h, i) => {
      const s = pid++;
      const lines: string[] = [];
      const at = h.at;
      lines.push(`${syslogStamp(at - 1)} mx1 postfix/smtpd[${s}]: connect from ${client}`);
      // The dictionary attack: unknown mailboxes tried in the first session of some messages.
      if (i === 0) {
        const n = rng.chance(0.6) ? rng.range(1, 6) : 0;
        for (let k = 0; k < n; k++) {
          const rcpt = `${rng.pick(FIRST)}.${rng.token(5, 'abcdefghijklmnopqrstuvwxyz')}@laposte.net`;
          lines.push(
            `${syslogStamp(at)} mx1 postfix/smtpd[${s}]: NOQUEUE: reject: RCPT from ${client}: 550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown in virtual mailbox table; from=<${m.account}> to=<${rcpt}> proto=ESMTP helo=<${helo}>`,
          );
          count(m.account, m.relayIp, 'unknown', false);
        }
      }
      lines.push(`${syslogStamp(at)} mx1 postfix/smtpd[${s}]: ${h.queueId}: client=${client}`);
      if (mid) lines.push(`${syslogStamp(at)} mx1 postfix/cleanup[${s + 1}]: ${h.queueId}: message-id=${mid}`);
      lines.push(
        `${syslogStamp(at)} mx1 postfix/qmgr[220]: ${h.queueId}: from=<${m.account}>, size=${rng.range(2000, 9000)}, nrcpt=1 (queue active)`,
      );
      lines.push(`${syslogStamp(at)} mx1 postfix/smtpd[${s}]: disconnect from ${client}`);
      lines.push(
        `${syslogStamp(at + 1)} mx1 postfix/lmtp[${s + 2}]: ${h.queueId}: to=<${h.recipient}>, relay=mailstore${rng.range(1, 12)}.laposte.net[10.10.1.${rng.range(1, 50)}]:2003, delay=1.1, delays=0.1/0/0.1/0.9, dsn=2.1.5, status=sent (250 2.1.5 Ok)`,
      );
      lines.push(`${syslogStamp(at + 1)} mx1 postfix/qmgr[220]: ${h.queueId}: removed`);
      postfix.push({ at: at - 1, lines });
      count(m.account, m.originatingIp, 'delivered', true);
    });
    if (m.notHarvested.length > 0) {
      const at = (m.harvested[0]?.at ?? m.date + 30) + 2;
      const qid = `F${(extraQueue++).toString(16).toUpperCase().padStart(9, '0')}`;
      const s = pid++;
      const lines = [
        `${syslogStamp(at)} mx1 postfix/smtpd[${s}]: connect from ${client}`,
        `${syslogStamp(at)} mx1 postfix/smtpd[${s}]: ${qid}: client=${client}`,
      ];
      if (mid) lines.push(`${syslogStamp(at)} mx1 postfix/cleanup[${s + 1}]: ${qid}: message-id=${mid}`);
      lines.push(
        `${syslogStamp(at)} mx1 postfix/qmgr[220]: ${qid}: from=<${m.account}>, size=4000, nrcpt=${m.notHarvested.length} (queue active)`,
      );
      // Matched by Message-ID alone when the message has its own Message-ID (a shared one keys the
      // harvested messages by content, so it joins nothing): same email, a mailbox not harvested.
      const matched = m.messageId !== undefined && !m.messageIdShared && m.harvested.length > 0;
      for (const rcpt of m.notHarvested) {
        const bounce = rng.chance(0.1);
        lines.push(
          bounce
            ? `${syslogStamp(at + 1)} mx1 postfix/lmtp[${s + 2}]: ${qid}: to=<${rcpt}>, relay=mailstore1.laposte.net[10.10.1.1]:2003, delay=1, delays=0/0/0/1, dsn=5.2.2, status=bounced (host mailstore1.laposte.net said: 552 5.2.2 Over quota)`
            : `${syslogStamp(at + 1)} mx1 postfix/lmtp[${s + 2}]: ${qid}: to=<${rcpt}>, relay=mailstore1.laposte.net[10.10.1.1]:2003, delay=1, delays=0/0/0/1, dsn=2.1.5, status=sent (250 2.1.5 Ok)`,
        );
        count(m.account, matched ? m.originatingIp : m.relayIp, bounce ? 'bounced' : 'delivered', matched);
      }
      lines.push(`${syslogStamp(at + 1)} mx1 postfix/qmgr[220]: ${qid}: removed`);
      lines.push(`${syslogStamp(at + 1)} mx1 postfix/smtpd[${s}]: disconnect from ${client}`);
      postfix.push({ at, lines });
    }
    // mx2 (Exim): some messages also tried the backup MX with unknown mailboxes, or were refused by policy.
    if (rng.chance(0.3)) {
      const at = m.date + rng.range(1, 900);
      const lines: string[] = [];
      const n = rng.range(1, 4);
      for (let k = 0; k < n; k++) {
        const policy = rng.chance(0.2);
        const rcpt = `${rng.pick(FIRST)}.${rng.token(6, 'abcdefghijklmnopqrstuvwxyz')}@laposte.net`;
        lines.push(
          `${eximStamp(at)} H=${m.relayHost} (${helo}) [${m.relayIp}] F=<${m.account}> rejected RCPT <${rcpt}>: ${policy ? 'relay not permitted' : 'Unknown user'}`,
        );
        count(m.account, m.relayIp, policy ? 'policy' : 'unknown', false);
      }
      exim.push({ at, lines });
    }
    // mx3 (Sendmail): refusals before the transaction's from= line, connection refusals, and mail
    // not harvested (unmatched: no Message-ID the case has).
    if (rng.chance(0.3)) {
      const at = m.date + rng.range(1, 900);
      const s = pid++;
      const relay = `${m.relayHost} [${m.relayIp}]`;
      const lines: string[] = [];
      const qid = () => `jB1${(sendmailQueue++).toString(36).padStart(5, '0')}${String(s).padStart(6, '0')}`;
      if (rng.chance(0.2)) {
        lines.push(
          `${syslogStamp(at)} mx3 sm-mta[${s}]: NOQUEUE: ruleset=check_relay, arg1=${m.relayHost}, arg2=${m.relayIp}, relay=${relay}, reject=554 5.7.1 Rejected ${m.relayIp} found in bl.spamcop.net`,
        );
        // Refused at connect, before any recipient: a line read, not an attempt (docs/GLOSSARY.md).
      }
      const q = qid();
      const n = rng.range(1, 4);
      for (let k = 0; k < n; k++) {
        const rcpt = `${rng.pick(FIRST)}.${rng.token(7, 'abcdefghijklmnopqrstuvwxyz')}@laposte.net`;
        lines.push(
          rng.chance(0.5)
            ? `${syslogStamp(at)} mx3 sm-mta[${s}]: ${q}: ruleset=check_rcpt, arg1=<${rcpt}>, relay=${relay}, reject=550 5.1.1 <${rcpt}>... User unknown`
            : `${syslogStamp(at)} mx3 sm-mta[${s}]: ${q}: <${rcpt}>... User unknown`,
        );
        count(m.account, m.relayIp, 'unknown', false);
      }
      lines.push(
        `${syslogStamp(at + 1)} mx3 sm-mta[${s}]: ${q}: from=<${m.account}>, size=0, class=0, nrcpts=0, proto=ESMTP, daemon=MTA, relay=${relay}`,
      );
      if (rng.chance(0.4)) {
        const q2 = qid();
        const rcpt = `${rng.pick(FIRST)}.${rng.token(7, 'abcdefghijklmnopqrstuvwxyz')}@wanadoo.fr`;
        const bounce = rng.chance(0.3);
        lines.push(
          `${syslogStamp(at + 2)} mx3 sm-mta[${s}]: ${q2}: from=<${m.account}>, size=${rng.range(2000, 9000)}, class=0, nrcpts=1, msgid=<${rng.token(12)}.mx3@${m.relayHost}>, proto=ESMTP, daemon=MTA, relay=${relay}`,
          `${syslogStamp(at + 3)} mx3 sm-mta[${s + 1}]: ${q2}: to=<${rcpt}>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=124000, relay=smtp-in.orange.fr. [193.252.22.65], dsn=4.0.0, stat=Deferred: Connection refused by smtp-in.orange.fr.`,
        );
        if (bounce) {
          const dsn = qid();
          lines.push(
            `${syslogStamp(at + 903)} mx3 sm-mta[${s + 2}]: ${q2}: to=<${rcpt}>, delay=00:15:01, xdelay=00:00:01, mailer=esmtp, pri=214000, relay=smtp-in.orange.fr. [193.252.22.65], dsn=5.1.1, stat=User unknown`,
            `${syslogStamp(at + 903)} mx3 sm-mta[${s + 2}]: ${q2}: ${dsn}: DSN: User unknown`,
            `${syslogStamp(at + 904)} mx3 sm-mta[${s + 2}]: ${dsn}: to=<${m.account}>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=${relay}, dsn=2.0.0, stat=Sent (OK)`,
          );
        } else
          lines.push(
            `${syslogStamp(at + 903)} mx3 sm-mta[${s + 2}]: ${q2}: to=<${rcpt}>, delay=00:15:01, xdelay=00:00:01, mailer=esmtp, pri=214000, relay=smtp-in.orange.fr. [193.252.22.65], dsn=2.0.0, stat=Sent (${qid()} Message accepted for delivery)`,
          );
        count(m.account, m.relayIp, bounce ? 'bounced' : 'delivered', false);
      }
      sendmail.push({ at, lines });
    }
    // ex1 (Exchange): other mailboxes' copies of harvested messages (matched by Message-ID only),
    // refusals with no RECEIVE.
    const own = m.messageId !== undefined && !m.messageIdShared && m.harvested.length > 0;
    if (rng.chance(0.25)) {
      const at = m.date + rng.range(1, 900);
      const lines: string[] = [];
      const subject = rng.chance(0.2) ? `Offre, "exclusive"\r\n${m.account}` : `Offre, "exclusive" ${rng.token(4)}`;
      const row = (ms: number, o: Record<string, string>) => {
        const v: Record<string, string> = {
          'date-time': exchangeStamp(at, ms),
          'server-hostname': 'EX1',
          'server-ip': '193.251.214.120',
          'message-subject': subject,
          'sender-address': m.account,
          'return-path': m.account,
          directionality: 'Incoming',
          'transport-traffic-type': 'Email',
          'schema-version': '15.01.2507.006',
          ...o,
        };
        lines.push(
          EXCHANGE_FIELDS.split(',')
            .map((f) => csv(v[f] ?? ''))
            .join(','),
        );
      };
      const nmid = () =>
        `${(exchangeId++).toString(16).padStart(8, '0')}-${rng.token(4, '0123456789abcdef')}-4${rng.token(3, '0123456789abcdef')}-8${rng.token(3, '0123456789abcdef')}-${rng.token(12, '0123456789abcdef')}`;
      const client = {
        'client-ip': m.relayIp,
        'client-hostname': m.relayHost,
        source: 'SMTP',
        'connector-id': 'EX1\\Default Frontend EX1',
      };
      if (own) {
        const id = nmid();
        const internal = String(12884900000 + exchangeId);
        const rcpts = Array.from(
          { length: rng.range(1, 3) },
          () => `${rng.pick(FIRST)}.${rng.token(6, 'abcdefghijklmnopqrstuvwxyz')}@laposte.net`,
        );
        const base = {
          'internal-message-id': internal,
          'message-id': `<${m.messageId}>`,
          'network-message-id': id,
          'log-id': id,
        };
        row(0, {
          ...client,
          ...base,
          'event-id': 'RECEIVE',
          'recipient-address': rcpts.join(';'),
          'recipient-count': String(rcpts.length),
          'total-bytes': '4321',
        });
        row(5, {
          ...base,
          source: 'AGENT',
          'event-id': 'AGENTINFO',
          'source-context': 'Transport.MailboxRule,Transport.TransportRule',
          'recipient-address': rcpts.join(';'),
        });
        rcpts.forEach((rcpt, k) => {
          const fail = k > 0 && rng.chance(0.3);
          if (rng.chance(0.2))
            row(10 + k, {
              ...base,
              source: 'SMTP',
              'event-id': 'DEFER',
              'recipient-address': rcpt,
              'recipient-status': '451 4.4.0 Mailbox database is offline',
            });
          row(
            900 + k,
            fail
              ? {
                  ...base,
                  source: 'ROUTING',
                  'event-id': 'FAIL',
                  'recipient-address': rcpt,
                  'recipient-status': '550 5.2.2 RESOLVER.RST.MailboxFull; mailbox full',
                }
              : {
                  ...base,
                  source: 'STOREDRIVER',
                  'event-id': 'DELIVER',
                  'recipient-address': rcpt,
                  'total-bytes': '4521',
                  'client-ip': '193.251.214.120',
                  'client-hostname': 'EX1',
                },
          );
          count(m.account, m.originatingIp, fail ? 'bounced' : 'delivered', true);
        });
      }
      if (rng.chance(0.5)) {
        const id = nmid();
        const rcpts = Array.from(
          { length: rng.range(1, 3) },
          () => `${rng.pick(FIRST)}.${rng.token(6, 'abcdefghijklmnopqrstuvwxyz')}@laposte.net`,
        );
        row(1, {
          ...client,
          'event-id': 'FAIL',
          'internal-message-id': String(12884900000 + exchangeId),
          'network-message-id': id,
          'log-id': id,
          'recipient-address': rcpts.join(';'),
          'recipient-status': rcpts
            .map(() => '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup')
            .join(';'),
          'recipient-count': String(rcpts.length),
          'total-bytes': '0',
        });
        for (let k = 0; k < rcpts.length; k++) count(m.account, m.relayIp, 'unknown', false);
      }
      // Exchange writes its rows in time order; each entry is one record (its stamp first).
      lines.sort();
      if (lines.length > 0) exchange.push({ at, lines });
    }
  }
  // Lines no reader knows: kept and counted.
  let unknownLines = 0;
  for (let k = 0; k < 5 && postfix.length > 0; k++) {
    postfix[rng.int(postfix.length)]!.lines.push(`${rng.token(20)} garbled \u00e9\u00e8 line ${k}`);
    unknownLines += 1;
  }
  if (exim.length > 0) {
    exim[0]!.lines.push('2005-12 truncated');
    unknownLines += 1;
  }
  if (sendmail.length > 0) {
    sendmail[sendmail.length >> 1]!.lines.push(
      `${syslogStamp(sendmail[sendmail.length >> 1]!.at)} mx3 sm-mta[9]: jB1zzzzz000009: to=<cut@laposte.net>, del`,
    );
    unknownLines += 1;
  }
  if (exchange.length > 0) {
    exchange[exchange.length >> 1]!.lines.push(
      `${exchangeStamp(exchange[exchange.length >> 1]!.at, 0)},garbled row without an event`,
    );
    unknownLines += 1;
  }
  postfix.sort((a, b) => a.at - b.at);
  exim.sort((a, b) => a.at - b.at);
  sendmail.sort((a, b) => a.at - b.at);
  exchange.sort((a, b) => a.at - b.at);

  let lines = 0;
  const files = { postfix: [] as string[], exim: [] as string[], sendmail: [] as string[], exchange: [] as string[] };
  const rotations = options.rotations ?? 3;
  const per = Math.ceil(postfix.length / rotations);
  for (let r = 0; r < rotations; r++) {
    // r = 0 is the oldest: maillog.2.gz; then maillog.1; the newest is maillog.
    const part = postfix.slice(r * per, (r + 1) * per);
    const number = rotations - 1 - r;
    const name = number === 0 ? 'maillog' : number === 1 ? 'maillog.1' : `maillog.${number}.gz`;
    const text = part.flatMap((b) => b.lines).join('\n') + (part.length > 0 ? '\n' : '');
    lines += part.reduce((n, b) => n + b.lines.length, 0);
    const file = path.join(out, name);
    fs.writeFileSync(
      file,
      name.endsWith('.gz') ? zlib.gzipSync(Buffer.from(text, 'latin1')) : Buffer.from(text, 'latin1'),
    );
    const last = part.length > 0 ? part[part.length - 1]!.at : Date.UTC(2006, 1, 1) / 1000;
    fs.utimesSync(file, last + 3600, last + 3600);
    files.postfix.push(file);
  }
  const eximText = exim.flatMap((b) => b.lines).join('\n') + '\n';
  lines += exim.reduce((n, b) => n + b.lines.length, 0);
  const eximFile = path.join(out, 'mainlog');
  fs.writeFileSync(eximFile, Buffer.from(eximText, 'latin1'));
  files.exim.push(eximFile);

  const sendmailText = sendmail.flatMap((b) => b.lines).join('\n') + '\n';
  lines += sendmail.reduce((n, b) => n + b.lines.length, 0);
  const sendmailFile = path.join(out, 'mx3', 'maillog');
  fs.mkdirSync(path.dirname(sendmailFile), { recursive: true });
  fs.writeFileSync(sendmailFile, Buffer.from(sendmailText, 'latin1'));
  const last = sendmail.length > 0 ? sendmail[sendmail.length - 1]!.at + 3600 : Date.UTC(2006, 1, 1) / 1000;
  fs.utimesSync(sendmailFile, last, last);
  files.sendmail.push(sendmailFile);

  // A record's line break inside a quoted field is a line of the file: counted as lines are.
  const first = exchange.length > 0 ? exchange[0]!.at : Date.UTC(2005, 11, 1) / 1000;
  const exchangeRecords = [
    '#Software: Microsoft Exchange Server',
    '#Version: 15.01.2507.006',
    '#Log-type: Message Tracking Log',
    `#Date: ${exchangeStamp(first, 0)}`,
    `#Fields: ${EXCHANGE_FIELDS}`,
    ...exchange.flatMap((b) => b.lines),
  ];
  const exchangeText = exchangeRecords.join('\r\n') + '\r\n';
  lines += exchangeText.split('\r\n').length - 1;
  const exchangeFile = path.join(out, 'MSGTRK20051201-1.LOG');
  fs.writeFileSync(exchangeFile, Buffer.from(exchangeText, 'latin1'));
  files.exchange.push(exchangeFile);
  return { lines, unknownLines, totals, accounts, ips, unmatched, files };
}
