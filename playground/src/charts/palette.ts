/**
 * Colours of the chart layer, the report's (docs/reports.md "Plots"): Okabe-Ito for series
 * (colour-blind safe; past eight series, lines repeat colours with dashes) and ColorBrewer's
 * RdBu, fixed to -1..1, for cosine heat maps.
 */
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'] as const;

export function seriesColour(i: number): string {
  return SERIES_COLOURS[i % SERIES_COLOURS.length]!;
}

/** Dash pattern for series i: solid for the first eight, then dashes. */
export function seriesDash(i: number): number[] | undefined {
  const round = Math.floor(i / SERIES_COLOURS.length);
  return round === 0 ? undefined : round === 1 ? [6, 4] : [2, 3];
}

/** RdBu (11 classes), from -1 (red) to +1 (blue). */
const RDBU = ['#67001f', '#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac', '#053061'];

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** The diverging colour of v in [-1, 1] (clamped), interpolated between RdBu's classes. */
export function divergingColour(v: number): string {
  const x = (Math.max(-1, Math.min(1, v)) + 1) / 2 * (RDBU.length - 1);
  const i = Math.min(RDBU.length - 2, Math.floor(x));
  const f = x - i;
  const a = rgb(RDBU[i]!), b = rgb(RDBU[i + 1]!);
  const c = a.map((u, k) => Math.round(u + (b[k]! - u) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
