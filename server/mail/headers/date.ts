/**
 * The Date header to ISO 8601 UTC. RFC 5322 section 3.3 with its obsolete forms (two-digit years,
 * named zones), plus what spamware writes: no weekday or a wrong one, asctime order
 * ("Thu Aug 22 13:17:22 2002"), missing seconds, ISO 8601. Deliberately not Date.parse: that one
 * reads a zone-less date in the machine's local time zone.
 */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** Zone names to minutes east of UTC. RFC 5322 4.3, plus a few common unambiguous ones. */
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  cet: 60,
  cest: 120,
  met: 60,
  mest: 120,
  eet: 120,
  eest: 180,
  wet: 0,
  west: 60,
  bst: 60,
  jst: 540,
  kst: 540,
  hkt: 480,
};

const TIME = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?$/;
const NUMERIC_ZONE = /^(?:[+-](?=[+-]))?([+-]?)(\d{2}):?(\d{2})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function month(token: string): number | undefined {
  if (token.length < 3) return undefined;
  return MONTHS[token.slice(0, 3).toLowerCase()];
}

function fullYear(token: string): number | null {
  if (!/^\d{2,4}$/.test(token)) return null;
  const y = Number(token);
  if (token.length === 2) return y < 50 ? 2000 + y : 1900 + y; // RFC 5322 4.3
  // Three digits, or the Y2K bug of printing tm_year as "0102": years since 1900.
  if (token.length === 3 || token.startsWith('0')) return 1900 + y;
  return y;
}

/**
 * Minutes east of UTC. Missing or unknown alphabetic zones are -0000, i.e. UTC (RFC 5322 4.3).
 * Spamware forms accepted: "+-0500" (the last sign counts), "0530" (no sign: east), "GMT+1".
 * Null for a numeric zone that is still not one ("01800").
 */
function zoneOffset(token: string | undefined): number | null {
  if (token === undefined || /^[a-z]+$/i.test(token))
    return token === undefined ? 0 : (ZONES[token.toLowerCase()] ?? 0);
  const m = NUMERIC_ZONE.exec(token);
  if (m !== null) {
    const minutes = Number(m[3]);
    if (minutes > 59) return null;
    const offset = Number(m[2]) * 60 + minutes;
    return m[1] === '-' ? -offset : offset;
  }
  const named = /^(?:gmt|utc|ut)([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(token); // "GMT+1", "UTC+01:00"
  if (named !== null) {
    const offset = Number(named[2]) * 60 + Number(named[3] ?? 0);
    return named[1] === '-' ? -offset : offset;
  }
  return null;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year: number, mon: number): number {
  if (mon !== 1) return MONTH_DAYS[mon]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}
/** The instants whose UTC year is 1900-9999, the years an ISO string here may carry. */
const MIN_INSTANT = Date.UTC(1900, 0, 1);
const MAX_INSTANT = Date.UTC(10000, 0, 1);

function build(
  year: number,
  mon: number,
  day: number,
  h: number,
  mi: number,
  s: number,
  offset: number,
): string | null {
  if (mon < 0 || mon > 11 || year < 1900 || year > 9999 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60)
    return null;
  // Reject Feb 30 and kin (the day must exist in its month), without a Date to round-trip through.
  if (day > 28 && day > daysInMonth(year, mon)) return null;
  const at = Date.UTC(year, mon, day, h, mi, s) - offset * 60_000;
  if (at < MIN_INSTANT || at >= MAX_INSTANT) return null;
  return new Date(at).toISOString();
}

/** "Wed, 21 Aug 2002 20:31:57 -1600" => "2002-08-22T12:31:57.000Z"; null when it does not parse. */
export function parseMailDate(value: string): string | null {
  const text = value
    .replace(/\([^()]*\)/g, ' ')
    .replace(/,/g, ' ')
    .trim();
  const iso = ISO.exec(text);
  if (iso !== null) {
    const offset = zoneOffset(iso[7] === undefined || /^z$/i.test(iso[7]) ? undefined : iso[7]);
    if (offset === null) return null;
    return build(
      Number(iso[1]),
      Number(iso[2]) - 1,
      Number(iso[3]),
      Number(iso[4]),
      Number(iso[5]),
      Number(iso[6] ?? 0),
      offset,
    );
  }
  const tokens = text.split(/\s+/);
  // A leading weekday (any word that is not a month) is ignored.
  if (tokens.length > 0 && /^[a-z]+\.?$/i.test(tokens[0] as string) && month(tokens[0] as string) === undefined)
    tokens.shift();
  let day: number;
  let mon: number | undefined;
  let year: number | null;
  let time: string | undefined;
  let zone: string | undefined;
  const first = tokens[0] ?? '';
  if (/^\d{1,2}$/.test(first)) {
    // RFC order: 21 Aug 2002 20:31:57 -1600 (also "21-Aug-2002")
    day = Number(first);
    mon = month(tokens[1] ?? '');
    year = fullYear(tokens[2] ?? '');
    time = tokens[3];
    zone = tokens[4];
  } else if (/^\d{1,2}-[a-z]{3,}-\d{2,4}$/i.test(first)) {
    const [d, mo, y] = first.split('-') as [string, string, string];
    day = Number(d);
    mon = month(mo);
    year = fullYear(y);
    time = tokens[1];
    zone = tokens[2];
  } else if (/^\d{4}[/-]\d{1,2}[/-]\d{1,2}$/.test(first)) {
    // "2002/09/14 Sat 02:29:32 CDT"
    const [y, mo, d] = first.split(/[/-]/) as [string, string, string];
    year = Number(y);
    mon = Number(mo) - 1;
    day = Number(d);
    const rest = /^[a-z]+$/i.test(tokens[1] ?? '') ? 2 : 1;
    time = tokens[rest];
    zone = tokens[rest + 1];
  } else if (month(first) !== undefined && /^\d{1,2}$/.test(tokens[1] ?? '')) {
    // asctime order: Aug 22 13:17:22 2002 [zone], or Aug 22 2002 13:17:22 [zone]
    mon = month(first);
    day = Number(tokens[1]);
    if (TIME.test(tokens[2] ?? '')) {
      time = tokens[2];
      if (/^\d{2,4}$/.test(tokens[3] ?? '')) {
        year = fullYear(tokens[3] as string);
        zone = tokens[4];
      } else {
        zone = tokens[3];
        year = fullYear(tokens[4] ?? '');
      }
    } else {
      year = fullYear(tokens[2] ?? '');
      time = tokens[3];
      zone = tokens[4];
    }
  } else {
    return null;
  }
  if (mon === undefined || year === null || time === undefined) return null;
  const t = TIME.exec(time);
  if (t === null) return null;
  const offset = zoneOffset(zone);
  if (offset === null) return null;
  return build(year, mon, day, Number(t[1]), Number(t[2]), Number(t[3] ?? 0), offset);
}
