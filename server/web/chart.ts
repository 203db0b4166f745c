/**
 * Geometry of the deliveries-per-day bar chart, rendered as inline SVG by the dashboard template
 * (no script, no library). Days without deliveries between the first and the last are shown as
 * gaps; past MAX_BARS days, days are grouped into equal spans so the chart keeps its width.
 */
export const MAX_BARS = 120;
export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 160;

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  value: number;
}

export interface Chart {
  width: number;
  height: number;
  bars: Bar[];
  max: number;
  first: string | null;
  last: string | null;
}

const DAY_MS = 86_400_000;

export function deliveriesChart(days: Array<{ day: string; deliveries: number }>): Chart {
  if (days.length === 0) return { width: CHART_WIDTH, height: CHART_HEIGHT, bars: [], max: 0, first: null, last: null };
  const start = Date.parse(`${days[0]!.day}T00:00:00Z`);
  const end = Date.parse(`${days[days.length - 1]!.day}T00:00:00Z`);
  const span = Math.round((end - start) / DAY_MS) + 1;
  const perBar = Math.max(1, Math.ceil(span / MAX_BARS));
  const buckets = new Array<number>(Math.ceil(span / perBar)).fill(0);
  for (const d of days)
    buckets[Math.floor(Math.round((Date.parse(`${d.day}T00:00:00Z`) - start) / DAY_MS) / perBar)]! += d.deliveries;
  const max = Math.max(...buckets);
  const slot = CHART_WIDTH / buckets.length;
  const bars = buckets.map((value, i) => {
    const h = max === 0 ? 0 : Math.max(value > 0 ? 1 : 0, Math.round((value / max) * (CHART_HEIGHT - 10)));
    const from = new Date(start + i * perBar * DAY_MS).toISOString().slice(0, 10);
    const to = new Date(start + (i * perBar + perBar - 1) * DAY_MS).toISOString().slice(0, 10);
    return {
      x: Math.round(i * slot * 100) / 100,
      y: CHART_HEIGHT - h,
      width: Math.max(1, Math.round((slot - (slot > 3 ? 1 : 0)) * 100) / 100),
      height: h,
      label: perBar === 1 ? from : `${from} – ${to}`,
      value,
    };
  });
  return { width: CHART_WIDTH, height: CHART_HEIGHT, bars, max, first: days[0]!.day, last: days[days.length - 1]!.day };
}
