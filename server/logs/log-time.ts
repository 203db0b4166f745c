/**
 * Times in logs: local wall-clock time in the zone the party declared, turned into UTC. Syslog
 * timestamps (`Dec  1 10:00:00`) carry no year; the year is decided from the file's provenance
 * (docs/LOGS.md): the reference time (the file's modification time as acquired, or the --year-end
 * the party gave) is the latest a line can be, so each line takes the latest year that does not put
 * it more than one day after the reference. A log spanning New Year, read in January, gets December
 * of the year before for its December lines.
 */

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

export function monthNumber(name: string): number | undefined {
  return MONTHS[name];
}

const DAY_MS = 86_400_000;

/** The year of a syslog month/day, given the reference (UTC ms): the latest not past reference + 1 day. */
export function syslogYear(month: number, day: number, referenceMs: number): number {
  const ref = new Date(referenceMs);
  const year = ref.getUTCFullYear();
  const candidate = Date.UTC(year, month - 1, day);
  return candidate > referenceMs + DAY_MS ? year - 1 : year;
}

/** Converts local wall-clock times of one IANA zone to UTC; caches the offset per local hour. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    // Throws RangeError for an unknown zone: the caller validates the zone with isTimeZone first.
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset (local − UTC, ms) of the zone at the UTC instant. */
  private offsetAt(utcMs: number): number {
    const parts = this.format.formatToParts(new Date(utcMs));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return local - Math.floor(utcMs / 1000) * 1000;
  }

  /**
   * UTC ms of a local time. In the hour repeated when clocks go back, the first (summer) instant is
   * taken; a time skipped when clocks go forward is read with the offset before the change.
   */
  toUtc(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
    const localMs = Date.UTC(year, month - 1, day, hour, minute, second);
    const key = Math.floor(localMs / 3_600_000);
    let offset = this.offsets.get(key);
    if (offset === undefined) {
      const before = this.offsetAt(localMs - 43_200_000);
      const after = this.offsetAt(localMs + 43_200_000);
      const early = localMs - Math.max(before, after);
      const late = localMs - Math.min(before, after);
      const earlyValid = this.offsetAt(early) === localMs - early;
      const lateValid = this.offsetAt(late) === localMs - late;
      offset = earlyValid ? localMs - early : lateValid ? localMs - late : before;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(key, offset);
    }
    return localMs - offset;
  }
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
