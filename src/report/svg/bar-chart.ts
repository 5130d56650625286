/**
 * Grouped bar chart: one group per category (e.g. a method), one bar per series (e.g. a task)
 * inside each group. Bars grow from 0, so negative values (an NE loss, a negative RI) point
 * down. Category labels are rotated when they would overlap. A series may carry an interval per
 * bar (the 95% interval over seeds), drawn as an error bar with caps.
 */
import { escapeXml } from '../escape.ts';
import { seriesColour } from './palette.ts';
import { linearScale, textWidth } from './scale.ts';
import { chartTitle, drawAxes, FONT_SIZE, leftMargin, legend, legendHeight, n, plotNote, svgDocument, text, type Rect } from './frame.ts';

export interface BarSeries {
  name: string;
  /** One value per category; null = missing (no bar, a small "n/a" mark). */
  values: Array<number | null>;
  /** An interval per category, drawn as an error bar (e.g. the 95% interval over seeds); null = none. */
  errors?: Array<[number, number] | null>;
}

export interface BarChartOptions {
  title: string;
  /** Title of the category axis, e.g. "method". */
  xLabel: string;
  /** Value axis title with unit, e.g. "NE gain over EW (%)". */
  yLabel: string;
  categories: string[];
  series: BarSeries[];
  width?: number;
  height?: number;
  /** Formats the value shown in each bar's tooltip (default 4 significant digits). */
  format?: (v: number) => string;
}

export function barChart(opts: BarChartOptions): string {
  const C = opts.categories.length;
  const S = Math.max(1, opts.series.length);
  const fmt = opts.format ?? ((v: number) => String(Number(v.toPrecision(4))));
  const width = opts.width ?? Math.max(480, Math.min(1100, 90 + C * Math.max(40, S * 16 + 14)));
  const height = opts.height ?? 380;
  const bounds = opts.series.flatMap((s) => (s.errors ?? []).flatMap((e) => (e ? [e[0], e[1]] : [])));
  const vals = [...opts.series.flatMap((s) => s.values), ...bounds].filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(0, ...vals);
  const hi = Math.max(0, ...vals);
  const names = opts.series.map((s) => s.name);
  const legendW = width - 40;
  const lh = legendHeight(names, legendW) + 6;
  const top = 34;
  // Category labels: rotate by 35 degrees when they do not fit their slot.
  const guessPlotW = width - 90;
  const slot = guessPlotW / Math.max(1, C);
  const maxLabel = Math.max(0, ...opts.categories.map((c) => textWidth(c, FONT_SIZE)));
  const rotate = maxLabel > slot - 6;
  const labelH = rotate ? maxLabel * 0.6 + 14 : 18;
  const plotH = height - top - lh - labelH - 30;
  let y = linearScale(lo, hi, top + plotH, top, Math.max(3, Math.round(plotH / 50)));
  const left = leftMargin(y);
  const plot: Rect = { x: left, y: top, w: width - left - 20, h: plotH };
  y = linearScale(lo, hi, plot.y + plot.h, plot.y, Math.max(3, Math.round(plotH / 50)));
  const out: string[] = [chartTitle(width, opts.title)];
  // Axis frame without x ticks (categories are labelled below), x title under the labels.
  out.push(drawAxes({ ...plot, h: plot.h }, null, y, '', opts.yLabel));
  const groupW = plot.w / Math.max(1, C);
  const barW = Math.max(2, Math.min(28, (groupW * 0.8) / S));
  const zero = y.map(0);
  if (vals.length === 0) out.push(plotNote(plot, 'no data'));
  out.push(`<line x1="${n(plot.x)}" x2="${n(plot.x + plot.w)}" y1="${n(zero)}" y2="${n(zero)}" stroke="#333"/>`);
  opts.categories.forEach((cat, c) => {
    const gx = plot.x + c * groupW + (groupW - barW * S) / 2;
    opts.series.forEach((s, k) => {
      const v = s.values[c];
      const bx = gx + k * barW;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        out.push(text(bx + barW / 2, zero - 3, '\u00d7', 'text-anchor="middle" fill="#999" font-size="10"'));
        return;
      }
      const py = y.map(v);
      const ry = Math.min(py, zero);
      const h = Math.max(0.5, Math.abs(zero - py));
      const e = s.errors?.[c];
      const tip = `${cat} / ${s.name}: ${fmt(v)}${e ? ` [${fmt(e[0])}, ${fmt(e[1])}]` : ''}`;
      out.push(`<rect x="${n(bx)}" y="${n(ry)}" width="${n(barW - 1)}" height="${n(h)}" fill="${seriesColour(k)}"><title>${escapeXml(tip)}</title></rect>`);
      if (e && Number.isFinite(e[0]) && Number.isFinite(e[1])) {
        const cx = bx + (barW - 1) / 2;
        const cap = Math.max(1.5, Math.min(4, (barW - 1) / 3));
        const y0 = y.map(e[0]), y1 = y.map(e[1]);
        out.push(`<path class="err" d="M${n(cx)} ${n(y0)} L${n(cx)} ${n(y1)} M${n(cx - cap)} ${n(y0)} L${n(cx + cap)} ${n(y0)} M${n(cx - cap)} ${n(y1)} L${n(cx + cap)} ${n(y1)}" stroke="#222" stroke-width="1.2" fill="none"/>`);
      }
    });
    const cx = plot.x + c * groupW + groupW / 2;
    const ly = plot.y + plot.h + 14;
    if (rotate) out.push(text(cx, ly, cat, `text-anchor="end" fill="#333" transform="rotate(-35 ${n(cx)} ${n(ly)})"`));
    else out.push(text(cx, ly, cat, 'text-anchor="middle" fill="#333"'));
  });
  out.push(text(plot.x + plot.w / 2, plot.y + plot.h + labelH + 20, opts.xLabel, 'text-anchor="middle" fill="#111"'));
  out.push(legend(opts.series.map((s, i) => ({ name: s.name, index: i, kind: 'box' as const })), 20, height - lh + 8, legendW).svg);
  return svgDocument(width, height, opts.title, out.join(''));
}
