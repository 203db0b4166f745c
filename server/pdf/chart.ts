/**
 * The timeline: deliveries per day (or per N days on long spans), one line per plaintiff, drawn as
 * vector paths so it prints sharp and stays small. Missing days are plotted as zero.
 */
import type { DailyDeliveries } from './types.ts';
import { cellText, contentWidth, type Doc } from './draw.ts';
import { niceTicks } from '../report/ticks.ts';

export { niceTicks };

/** At most this many points per series: longer spans are grouped into N-day buckets. */
export const MAX_CHART_POINTS = 400;

const DAY_MS = 86_400_000;

export interface ChartSeries {
  party: string;
  values: number[];
}

export interface ChartModel {
  start: string;
  bucketDays: number;
  buckets: number;
  series: ChartSeries[];
  max: number;
}

function dayNumber(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Bucket the per-day counts of every plaintiff on one shared axis; null when nothing is dated. */
export function chartModel(timeline: DailyDeliveries[]): ChartModel | null {
  let first = Infinity;
  let last = -Infinity;
  for (const s of timeline) {
    for (const [day] of s.days) {
      const n = dayNumber(day);
      if (Number.isFinite(n)) {
        first = Math.min(first, n);
        last = Math.max(last, n);
      }
    }
  }
  if (!Number.isFinite(first)) return null;
  const span = last - first + 1;
  const bucketDays = Math.max(1, Math.ceil(span / MAX_CHART_POINTS));
  const buckets = Math.ceil(span / bucketDays);
  let max = 0;
  const series = timeline.map((s) => {
    const values = new Array<number>(buckets).fill(0);
    for (const [day, count] of s.days) {
      const n = dayNumber(day);
      if (!Number.isFinite(n)) continue;
      const b = Math.floor((n - first) / bucketDays);
      values[b] = (values[b] ?? 0) + count;
    }
    for (const v of values) max = Math.max(max, v);
    return { party: s.party, values };
  });
  return { start: dayString(first), bucketDays, buckets, series, max };
}

export function drawChart(
  doc: Doc,
  model: ChartModel,
  opts: {
    height: number;
    size: number;
    colors: string[];
    rule: string;
    axisLabel: string;
    formatInt: (n: number) => string;
  },
): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  const top = doc.y;
  const legendH = Math.ceil(model.series.length / 3) * (opts.size * 1.8);
  const labelW = 48;
  const plot = {
    x: left + labelW,
    y: top + opts.size * 1.5,
    w: width - labelW - 4,
    h: opts.height - opts.size * 4 - legendH,
  };
  const ticks = niceTicks(model.max);
  const yMax = ticks[ticks.length - 1]!;
  const yOf = (v: number) => plot.y + plot.h - (v / yMax) * plot.h;
  const xOf = (i: number) => plot.x + (model.buckets === 1 ? plot.w / 2 : (i / (model.buckets - 1)) * plot.w);

  cellText(doc, opts.axisLabel, left, top, labelW + 100, { size: opts.size, weight: 'bold' });
  doc.save().lineWidth(0.3).strokeColor(opts.rule);
  for (const t of ticks) {
    const y = yOf(t);
    doc
      .moveTo(plot.x, y)
      .lineTo(plot.x + plot.w, y)
      .stroke();
    cellText(doc, opts.formatInt(t), left, y - opts.size * 0.5, labelW - 4, { size: opts.size, align: 'right' });
  }
  doc.restore();
  doc
    .save()
    .lineWidth(0.8)
    .strokeColor('#000000')
    .moveTo(plot.x, plot.y)
    .lineTo(plot.x, plot.y + plot.h)
    .lineTo(plot.x + plot.w, plot.y + plot.h)
    .stroke()
    .restore();

  // X labels: the first and last bucket and up to four evenly spaced between.
  const labelCount = Math.min(model.buckets, 6);
  const startDay = dayNumber(model.start);
  const labelWidth = 60;
  for (let k = 0; k < labelCount; k++) {
    const i = labelCount === 1 ? 0 : Math.round((k * (model.buckets - 1)) / (labelCount - 1));
    const x = Math.min(Math.max(xOf(i) - labelWidth / 2, left), left + width - labelWidth);
    cellText(doc, dayString(startDay + i * model.bucketDays), x, plot.y + plot.h + 4, labelWidth, {
      size: opts.size,
      align: 'center',
    });
  }

  const dashes: Array<[number, number] | null> = [null, [4, 2], [1, 2], [6, 2], [3, 3], [8, 3]];
  model.series.forEach((s, si) => {
    const color = opts.colors[si % opts.colors.length] ?? '#000000';
    doc.save().lineWidth(1).strokeColor(color);
    const dash = dashes[si % dashes.length];
    if (dash) doc.dash(dash[0], { space: dash[1] });
    s.values.forEach((v, i) => {
      if (i === 0) doc.moveTo(xOf(i), yOf(v));
      else doc.lineTo(xOf(i), yOf(v));
    });
    if (s.values.length === 1) doc.circle(xOf(0), yOf(s.values[0]!), 1.5);
    doc.stroke().undash().restore();
  });

  // Legend: three entries per line under the axis labels.
  const legendTop = plot.y + plot.h + opts.size * 2.2;
  const colW = width / 3;
  model.series.forEach((s, si) => {
    const lx = left + (si % 3) * colW;
    const ly = legendTop + Math.floor(si / 3) * opts.size * 1.8;
    const color = opts.colors[si % opts.colors.length] ?? '#000000';
    const dash = dashes[si % dashes.length];
    doc.save().lineWidth(1.5).strokeColor(color);
    if (dash) doc.dash(dash[0], { space: dash[1] });
    doc
      .moveTo(lx, ly + opts.size * 0.5)
      .lineTo(lx + 18, ly + opts.size * 0.5)
      .stroke()
      .undash()
      .restore();
    cellText(doc, s.party, lx + 22, ly, colW - 26, { size: opts.size });
  });
  doc.y = top + opts.height;
  doc.x = left;
}
