/**
 * Geometry of the deliveries-per-day bar chart, rendered as inline SVG by the dashboard and account
 * templates (no script, no library). Days without deliveries between the first and the last are
 * shown as gaps; past MAX_BARS days, days are grouped into equal spans so the chart keeps its width.
 * A y-axis on the left carries round ticks (niceTicks, as the PDF's chart).
 *
 * Outlying dates (a forged Date: of 1970 or 2099 among 2003-2005 mail) would stretch the x-axis until
 * the real span is a few pixels wide, so they are set apart and listed under the chart instead:
 * a day is outside the main span when it lies more than OUTLIER_IQRS interquartile ranges (at least
 * OUTLIER_MIN_DAYS days) before the first quartile or after the third quartile of the deliveries'
 * days (docs/ARCHITECTURE.md, "Dashboard chart"). Every delivery is either in a bar or in that list.
 */
import { niceTicks } from '../report/ticks.ts';

export const MAX_BARS = 120;
/** Width of the bars' area; the y-axis labels take AXIS_WIDTH more on the left. */
export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 160;
export const AXIS_WIDTH = 56;
/** Room above the highest tick for its label. */
const TOP_PAD = 8;
export const OUTLIER_IQRS = 3;
export const OUTLIER_MIN_DAYS = 30;

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  value: number;
}

export interface Tick {
  value: number;
  y: number;
}

export interface DayCount {
  day: string;
  deliveries: number;
}

export interface Chart {
  /** The whole drawing's width (axis and bars) and the bars' baseline. */
  width: number;
  height: number;
  axisWidth: number;
  bars: Bar[];
  ticks: Tick[];
  max: number;
  first: string | null;
  last: string | null;
  /** Days outside the main span, earliest first, and the deliveries on them. */
  outliers: DayCount[];
  outlierDeliveries: number;
}

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);

/** The main span [from, to] of day numbers, by the quartiles of the deliveries' days. */
export function mainSpan(days: DayCount[]): { from: number; to: number } {
  const total = days.reduce((s, d) => s + d.deliveries, 0);
  // The day of the delivery of rank r (1-based) in date order.
  const at = (rank: number) => {
    let seen = 0;
    for (const d of days) {
      seen += d.deliveries;
      if (seen >= rank) return dayNumber(d.day);
    }
    return dayNumber(days[days.length - 1]!.day);
  };
  const q1 = at(Math.max(1, Math.ceil(total * 0.25)));
  const q3 = at(Math.max(1, Math.ceil(total * 0.75)));
  const margin = Math.max(OUTLIER_MIN_DAYS, OUTLIER_IQRS * (q3 - q1));
  return { from: q1 - margin, to: q3 + margin };
}

/** `days`: one row per day with deliveries, in date order. */
export function deliveriesChart(days: DayCount[]): Chart {
  const empty: Chart = {
    width: CHART_WIDTH + AXIS_WIDTH,
    height: CHART_HEIGHT,
    axisWidth: AXIS_WIDTH,
    bars: [],
    ticks: [],
    max: 0,
    first: null,
    last: null,
    outliers: [],
    outlierDeliveries: 0,
  };
  const counted = days.filter((d) => d.deliveries > 0);
  if (counted.length === 0) return empty;
  const span = mainSpan(counted);
  const within = (d: DayCount) => dayNumber(d.day) >= span.from && dayNumber(d.day) <= span.to;
  const inside = counted.filter(within);
  const outliers = counted.filter((d) => !within(d));
  const start = dayNumber(inside[0]!.day);
  const end = dayNumber(inside[inside.length - 1]!.day);
  const length = end - start + 1;
  const perBar = Math.max(1, Math.ceil(length / MAX_BARS));
  const buckets = new Array<number>(Math.ceil(length / perBar)).fill(0);
  for (const d of inside) buckets[Math.floor((dayNumber(d.day) - start) / perBar)]! += d.deliveries;
  const max = Math.max(...buckets);
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const usable = CHART_HEIGHT - TOP_PAD;
  const slot = CHART_WIDTH / buckets.length;
  const dayText = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
  const bars = buckets.map((value, i) => {
    const h = Math.max(value > 0 ? 1 : 0, Math.round((value / top) * usable));
    const from = dayText(start + i * perBar);
    const to = dayText(start + i * perBar + perBar - 1);
    return {
      x: Math.round((AXIS_WIDTH + i * slot) * 100) / 100,
      y: CHART_HEIGHT - h,
      width: Math.max(1, Math.round((slot - (slot > 3 ? 1 : 0)) * 100) / 100),
      height: h,
      label: perBar === 1 ? from : `${from} – ${to}`,
      value,
    };
  });
  return {
    ...empty,
    bars,
    ticks: ticks.map((value) => ({ value, y: Math.round((CHART_HEIGHT - (value / top) * usable) * 100) / 100 })),
    max,
    first: inside[0]!.day,
    last: inside[inside.length - 1]!.day,
    outliers,
    outlierDeliveries: outliers.reduce((s, d) => s + d.deliveries, 0),
  };
}
