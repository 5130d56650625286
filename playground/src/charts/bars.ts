/**
 * Grouped bars with error bars on uPlot's axes, legend and cursor: categories along x (methods,
 * task counts), one bar per series in each group, each with its interval where it has one.
 * Hover shows every series' value of the category under the cursor in the legend; a click on a
 * legend entry hides or shows that series' bars.
 */
import uPlot from 'uplot';
import { seriesColour } from './palette.ts';
import { chartContainer } from './style.ts';

export interface BarsOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: readonly string[];
  /** Series names, in the order of `values`. */
  series: readonly string[];
  /** values[s][c]: series s in category c (null: none). */
  values: readonly (readonly (number | null)[])[];
  /** errors[s][c]: the interval drawn as an error bar, or null. */
  errors?: readonly (readonly ([number, number] | null)[])[];
  /** Appended to hovered values ('%'). */
  unit?: string;
  width?: number;
  height?: number;
}

export class BarChart {
  readonly el: HTMLElement;
  private readonly plot: uPlot;

  constructor(parent: HTMLElement, readonly spec: BarsOptions) {
    this.el = chartContainer(parent, spec.title);
    const n = spec.categories.length;
    const lo = Math.min(0, ...spec.series.flatMap((_, s) => spec.categories.map((_, c) => spec.errors?.[s]?.[c]?.[0] ?? spec.values[s]?.[c] ?? 0)));
    const hi = Math.max(0, ...spec.series.flatMap((_, s) => spec.categories.map((_, c) => spec.errors?.[s]?.[c]?.[1] ?? spec.values[s]?.[c] ?? 0)));
    const pad = (hi - lo || 1) * 0.08;
    const unit = spec.unit ?? '';
    const rotate = spec.categories.some((c) => c.length > 8) ? -30 : 0;
    const opts: uPlot.Options = {
      title: spec.title,
      width: spec.width ?? 520,
      height: spec.height ?? 300,
      // Room on the right for the last category's rotated label.
      padding: [null, rotate ? 40 : null, null, null],
      scales: { x: { time: false, range: [-0.5, n - 0.5] }, y: { range: [lo - (lo < 0 ? pad : 0), hi + pad] } },
      axes: [
        {
          label: spec.xLabel, labelSize: 20, size: rotate ? 70 : 36, rotate, grid: { show: false },
          splits: () => spec.categories.map((_, i) => i),
          values: (_u, splits) => splits.map((i) => spec.categories[i] ?? ''),
        },
        { label: spec.yLabel, labelSize: 20, size: 56 },
      ],
      series: [
        { label: spec.xLabel, value: (_u, v) => (v === null || v === undefined ? '–' : spec.categories[Math.round(v)] ?? '') },
        ...spec.series.map((name, s) => ({
          label: name, stroke: seriesColour(s), fill: seriesColour(s), width: 0, points: { show: false }, paths: () => null,
          value: (_u: uPlot, v: number | null, _series: number, c: number | null) => {
            if (v === null || v === undefined) return '–';
            const e = c !== null ? spec.errors?.[s]?.[c] : null;
            return `${v.toFixed(2)}${unit}${e ? ` [${e[0].toFixed(2)}, ${e[1].toFixed(2)}]` : ''}`;
          },
        })),
      ],
      legend: { live: true },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      hooks: { draw: [(u) => this.drawBars(u)] },
    };
    const data = [spec.categories.map((_, i) => i), ...spec.values.map((v) => [...v])] as uPlot.AlignedData;
    this.plot = new uPlot(opts, data, this.el);
  }

  flush(): void {}

  setSize(width: number): void {
    this.plot.setSize({ width, height: this.plot.height });
  }

  destroy(): void {
    this.plot.destroy();
    this.el.remove();
  }

  private drawBars(u: uPlot): void {
    const { spec } = this;
    const shown = spec.series.map((_, s) => u.series[s + 1]!.show !== false);
    const k = shown.filter(Boolean).length;
    if (k === 0) return;
    const ctx = u.ctx;
    const dpr = devicePixelRatio || 1;
    const groupWidth = (u.valToPos(0.8, 'x', true) - u.valToPos(0, 'x', true));
    const bar = groupWidth / k;
    const zero = u.valToPos(0, 'y', true);
    ctx.save();
    spec.categories.forEach((_, c) => {
      let slot = 0;
      spec.series.forEach((_, s) => {
        if (!shown[s]) return;
        const x0 = u.valToPos(c - 0.4, 'x', true) + slot * bar;
        slot++;
        const v = spec.values[s]?.[c];
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        const y = u.valToPos(v, 'y', true);
        ctx.fillStyle = seriesColour(s);
        ctx.fillRect(x0 + bar * 0.08, Math.min(y, zero), bar * 0.84, Math.max(1, Math.abs(zero - y)));
        const e = spec.errors?.[s]?.[c];
        if (e) {
          const mid = x0 + bar / 2, y0 = u.valToPos(e[0], 'y', true), y1 = u.valToPos(e[1], 'y', true);
          ctx.strokeStyle = '#222';
          ctx.lineWidth = dpr;
          ctx.beginPath();
          ctx.moveTo(mid, y0); ctx.lineTo(mid, y1);
          ctx.moveTo(mid - bar * 0.2, y0); ctx.lineTo(mid + bar * 0.2, y0);
          ctx.moveTo(mid - bar * 0.2, y1); ctx.lineTo(mid + bar * 0.2, y1);
          ctx.stroke();
        }
      });
    });
    ctx.strokeStyle = '#888';
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.moveTo(u.bbox.left, zero);
    ctx.lineTo(u.bbox.left + u.bbox.width, zero);
    ctx.stroke();
    ctx.restore();
  }
}
