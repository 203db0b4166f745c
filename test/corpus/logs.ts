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
 * - a few lines no reader knows, counted as unknown.
 *
 * The truth is what a correct reader, matcher and counter must find (docs/LOGS.md): per account
 * and per IP (the originating IP of a matched attempt, else the log's client) attempts, refusals for
 * unknown users, deliveries and matched attempts.
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

export interface LogTruth {
  lines: number;
  unknownLines: number;
  totals: LogVolume & { refusedPolicy: number; bounced: number };
  accounts: Map<string, LogVolume>;
  ips: Map<string, LogVolume>;
  files: { postfix: string[]; exim: string[] };
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
  };

  const postfix: Block[] = [];
  const exim: Block[] = [];
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
  postfix.sort((a, b) => a.at - b.at);
  exim.sort((a, b) => a.at - b.at);

  let lines = 0;
  const files = { postfix: [] as string[], exim: [] as string[] };
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
  return { lines, unknownLines, totals, accounts, ips, files };
}
