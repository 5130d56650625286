/**
 * Line chart with several series, a legend, a title and labelled axes. The x axis can be log
 * scaled; a log axis that must show x = 0 (epsilon sweeps: {0, 1e-12 .. 1e-7}) gives 0 its own
 * slot behind a broken-axis mark, and the segment across the break is drawn dashed. A series may
 * carry a band (the 95% interval over seeds), shaded behind its line with a whisker per point.
 */
import { seriesColour, seriesDash } from './palette.ts';
import { linearScale, logScale, type Scale } from './scale.ts';
import { chartTitle, drawAxes, leftMargin, legend, legendHeight, n, plotNote, svgDocument, type Rect } from './frame.ts';

export interface LineSeries {
  name: string;
  /** [x, y] points; y = null (or non-finite) leaves a gap. */
  points: Array<[number, number | null]>;
  /** An interval around the line, [x, lo, hi] (e.g. the 95% interval over seeds): a shaded band with whiskers. */
  band?: Array<[number, number, number]>;
}

export interface LineChartOptions {
  title: string;
  /** Axis titles, with units, e.g. "training step" or "AUC (0-1)". */
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  width?: number;
  height?: number;
  /** Log10 x axis; x = 0 is shown in a separate slot, negative x values are dropped. */
  xLog?: boolean;
  /** Fixed y range (otherwise fitted to the data with nice ticks). */
  yMin?: number;
  yMax?: number;
  /** Draw point markers (default: when a series has at most 40 points). */
  markers?: boolean;
}

export function lineChart(opts: LineChartOptions): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 360;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of opts.series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || (opts.xLog && x < 0)) continue;
      xs.push(x);
      if (y !== null && Number.isFinite(y)) ys.push(y);
    }
    for (const [x, lo, hi] of s.band ?? []) if (Number.isFinite(x) && !(opts.xLog && x < 0) && Number.isFinite(lo) && Number.isFinite(hi)) ys.push(lo, hi);
  }
  const hasData = ys.length > 0;
  const yLo = opts.yMin ?? (hasData ? Math.min(...ys) : 0);
  const yHi = opts.yMax ?? (hasData ? Math.max(...ys) : 1);
  const names = opts.series.map((s) => s.name);
  const legendW = width - 40;
  const lh = opts.series.length > 0 ? legendHeight(names, legendW) + 6 : 0;
  const top = 34;
  const bottomAxis = 46;
  const plotH = height - top - bottomAxis - lh;
  let yScale = linearScale(yLo, yHi, top + plotH, top, Math.max(3, Math.round(plotH / 50)));
  const left = leftMargin(yScale);
  const plot: Rect = { x: left, y: top, w: width - left - 20, h: plotH };
  yScale = linearScale(yLo, yHi, plot.y + plot.h, plot.y, Math.max(3, Math.round(plotH / 50)));

  let xScale: Scale;
  if (opts.xLog) {
    const pos = xs.filter((x) => x > 0);
    const hasZero = xs.some((x) => x === 0);
    const minPos = pos.length ? Math.min(...pos) : 1;
    const maxPos = pos.length ? Math.max(...pos) : 10;
    xScale = logScale(minPos, maxPos, plot.x + 8, plot.x + plot.w - 8, hasZero);
  } else {
    const xLo = xs.length ? Math.min(...xs) : 0;
    const xHi = xs.length ? Math.max(...xs) : 1;
    xScale = linearScale(xLo, xHi, plot.x, plot.x + plot.w, Math.max(3, Math.round(plot.w / 90)));
  }

  const body: string[] = [chartTitle(width, opts.title), drawAxes(plot, xScale, yScale, opts.xLabel, opts.yLabel)];
  if (!hasData) body.push(plotNote(plot, 'no data'));
  opts.series.forEach((s, i) => {
    const colour = seriesColour(i);
    const dash = seriesDash(i);
    const pts = s.points
      .filter(([x]) => Number.isFinite(x) && !(opts.xLog && x < 0))
      .map(([x, y]) => ({ x, px: xScale.map(x), py: y !== null && Number.isFinite(y) ? yScale.map(y) : NaN }))
      .sort((a, b) => a.x - b.x);
    // Split into runs of finite points; a run crossing the log axis break is drawn dashed.
    let d = '';
    let broken = '';
    let prev: { x: number; px: number; py: number } | null = null;
    for (const p of pts) {
      if (!Number.isFinite(p.py)) {
        prev = null;
        continue;
      }
      if (prev && opts.xLog && prev.x === 0 && p.x > 0) {
        broken += `M${n(prev.px)} ${n(prev.py)} L${n(p.px)} ${n(p.py)} `;
        d += `M${n(p.px)} ${n(p.py)} `;
      } else {
        d += `${prev ? 'L' : 'M'}${n(p.px)} ${n(p.py)} `;
      }
      prev = p;
    }
    const band = (s.band ?? []).filter(([x, lo, hi]) => Number.isFinite(x) && !(opts.xLog && x < 0) && Number.isFinite(lo) && Number.isFinite(hi)).sort((a, b) => a[0] - b[0]);
    if (band.length > 1) {
      const upper = band.map(([x, , hi]) => `${n(xScale.map(x))} ${n(yScale.map(hi))}`);
      const lower = band.map(([x, lo]) => `${n(xScale.map(x))} ${n(yScale.map(lo))}`).reverse();
      body.push(`<path class="band" d="M${upper.join(' L')} L${lower.join(' L')} Z" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    }
    for (const [x, lo, hi] of band) {
      const px = xScale.map(x);
      body.push(`<path class="err" d="M${n(px)} ${n(yScale.map(lo))} L${n(px)} ${n(yScale.map(hi))}" stroke="${colour}" stroke-width="1" opacity="0.8"/>`);
    }
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : '';
    if (d) body.push(`<path d="${d.trim()}" fill="none" stroke="${colour}" stroke-width="2"${dashAttr}/>`);
    if (broken) body.push(`<path d="${broken.trim()}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="3 3" opacity="0.7"/>`);
    const markers = opts.markers ?? s.points.length <= 40;
    if (markers) {
      for (const p of pts) {
        if (Number.isFinite(p.py)) body.push(`<circle cx="${n(p.px)}" cy="${n(p.py)}" r="3" fill="${colour}"/>`);
      }
    }
  });
  if (opts.series.length > 0) {
    body.push(legend(opts.series.map((s, i) => ({ name: s.name, index: i, kind: 'line' as const })), 20, height - lh + 8, legendW).svg);
  }
  return svgDocument(width, height, opts.title, body.join(''));
}
