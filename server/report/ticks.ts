/** Axis ticks shared by the web dashboard's chart and the PDF summary's: one rule for both. */

/** 0, a round step, ... at or above max (1, 2, 5 x 10^k steps). */
export function niceTicks(max: number, target = 5): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) ticks.push(Math.max(0, Math.round(v)));
  return [...new Set(ticks)];
}
