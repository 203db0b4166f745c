/**
 * The syslog frame around a daemon's message: `Dec  1 10:00:00 mx1 postfix/smtpd[123]: text`
 * (BSD, no year, local time of the declared zone) or `2005-12-01T10:00:00.123+01:00 mx1 ...`
 * (RFC 3339, its own offset). Pure; the year rule and the zone are given (log-time.ts).
 */
import { monthNumber, syslogYear, type ZoneClock } from './log-time.ts';

export interface SyslogFrame {
  /** UTC ms. */
  at: number;
  host: string;
  /** The program's last path part: `smtpd` of `postfix/smtpd`. */
  program: string;
  /** Everything before the last `/` of the tag: `postfix`, `postfix-in`, `exim` (empty if none). */
  suite: string;
  text: string;
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/**
 * The last BSD stamp read (`Dec  1 10:00:00`, 15 characters) and its UTC instant, per clock and year
 * reference: consecutive lines mostly share their second, and the year rule and zone lookup are
 * then skipped (the instant is a pure function of the stamp, the zone and the reference).
 */
interface StampCache {
  clock: ZoneClock | null;
  reference: number;
  stamp: string;
  at: number;
}
const lastStamp: StampCache = { clock: null, reference: Number.NaN, stamp: '', at: 0 };

export function parseSyslogFrame(line: string, clock: ZoneClock, yearReferenceMs: number): SyslogFrame | null {
  let at: number;
  let rest: number;
  if (
    lastStamp.clock === clock &&
    lastStamp.reference === yearReferenceMs &&
    line.length >= 16 &&
    line.charCodeAt(15) === 32 &&
    line.startsWith(lastStamp.stamp)
  ) {
    at = lastStamp.at;
    rest = 16;
  } else {
    const frame = frameStart(line, clock, yearReferenceMs);
    if (frame === null) return null;
    at = frame.at;
    rest = frame.rest;
  }
  const hostEnd = line.indexOf(' ', rest);
  if (hostEnd < 0) return null;
  const host = line.slice(rest, hostEnd);
  const colon = line.indexOf(': ', hostEnd + 1);
  if (colon < 0) return null;
  const tagStart = hostEnd + 1;
  const bracket = line.indexOf('[', tagStart);
  const tagEnd = bracket >= 0 && bracket < colon ? bracket : colon;
  const slash = line.lastIndexOf('/', tagEnd - 1);
  const hasSlash = slash >= tagStart;
  return {
    at,
    host,
    program: line.slice(hasSlash ? slash + 1 : tagStart, tagEnd),
    suite: hasSlash ? line.slice(tagStart, slash) : '',
    text: line.slice(colon + 2),
  };
}

/** The stamp of a line (BSD or RFC 3339): its UTC instant and where the host starts; null if none. */
function frameStart(line: string, clock: ZoneClock, yearReferenceMs: number): { at: number; rest: number } | null {
  let at: number;
  let rest: number;
  const month = monthNumber(line.slice(0, 3));
  if (month !== undefined) {
    // "Dec  1 10:00:00 " : day padded with a space or a zero
    if (line.length < 16 || line.charCodeAt(3) !== 32 || line.charCodeAt(15) !== 32) return null;
    const day = line.charCodeAt(4) === 32 ? digits2(`0${line[5]}`, 0) : digits2(line, 4);
    const h = digits2(line, 7);
    const mi = digits2(line, 10);
    const se = digits2(line, 13);
    if (day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return null;
    const year = syslogYear(month, day, yearReferenceMs);
    at = clock.toUtc(year, month, day, h, mi, se);
    rest = 16;
    lastStamp.clock = clock;
    lastStamp.reference = yearReferenceMs;
    lastStamp.stamp = line.slice(0, 15);
    lastStamp.at = at;
  } else {
    const space = line.indexOf(' ');
    if (space < 0) return null;
    const m = ISO.exec(line.slice(0, space));
    if (!m) return null;
    const local = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    const z = m[7]!;
    const offset = z === 'Z' ? 0 : (z[0] === '-' ? -1 : 1) * (+z.slice(1, 3) * 60 + +z.slice(4, 6)) * 60_000;
    at = local - offset;
    rest = space + 1;
  }
  return { at, rest };
}
