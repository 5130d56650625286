/**
 * Line charts on uPlot, for data that grows while it is shown (a training run) as well as for
 * data that is all there (a report): `push` appends a point, `flush` redraws once however many
 * points arrived since (the caller calls it once per animation frame). Hover shows every
 * series' value at the cursor in the legend; a click on a legend entry toggles its series.
 * `mark` draws a labelled vertical line (a balancer change).
 */
import uPlot from 'uplot';
import { seriesColour, seriesDash } from './palette.ts';
import { chartContainer } from './style.ts';

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Series names, in the order of `push`'s values. */
  series: readonly string[];
  width?: number;
  height?: number;
  /** A fixed y range; default: the data's. */
  yRange?: [number, number];
  /** Log y axis (gradient norms). */
  logY?: boolean;
  /** Log x axis (an epsilon sweep). */
  logX?: boolean;
  /** Draw a dot at every point (few points: epochs). */
  points?: boolean;
  /** Decimals of hovered values. */
  decimals?: number;
}

interface Mark { x: number; label: string }

export class LineChart {
  readonly el: HTMLElement;
  private readonly plot: uPlot;
  private readonly xs: number[] = [];
  private readonly ys: (number | null)[][];
  private readonly marks: Mark[] = [];
  private bands: { lo: (number | null)[][]; hi: (number | null)[][] } | null = null;
  private dirty = false;

  constructor(parent: HTMLElement, readonly spec: LineChartSpec) {
    this.el = chartContainer(parent, spec.title);
    this.ys = spec.series.map(() => []);
    const decimals = spec.decimals ?? 4;
    const fmt = (_u: uPlot, v: number | null): string => (v === null || v === undefined ? '–' : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(decimals));
    const opts: uPlot.Options = {
      title: spec.title,
      width: spec.width ?? 420,
      height: spec.height ?? 240,
      scales: {
        x: spec.logX ? { time: false, distr: 3 } : { time: false },
        y: spec.logY ? { distr: 3 } : spec.yRange ? { range: spec.yRange } : { range: (_u, min, max) => this.yRange(min, max) },
      },
      axes: [
        { label: spec.xLabel, labelSize: 20, size: 36 },
        { label: spec.yLabel, labelSize: 20, size: 56 },
      ],
      series: [
        { label: spec.xLabel, value: (_u, v) => (v === null || v === undefined ? '–' : String(v)) },
        ...spec.series.map((name, i) => ({
          label: name, stroke: seriesColour(i), dash: seriesDash(i), width: 1.5, spanGaps: true, value: fmt,
          points: { show: spec.points ?? false, size: 5 },
        })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      hooks: { drawClear: [(u) => this.drawBands(u)], draw: [(u) => this.drawMarks(u)] },
    };
    this.plot = new uPlot(opts, [[], ...spec.series.map(() => [])], this.el);
  }

  /** Appends x with one value per series (null: no value there). */
  push(x: number, values: readonly (number | null)[]): void {
    this.xs.push(x);
    this.ys.forEach((col, i) => col.push(clean(values[i], this.spec.logY)));
    this.dirty = true;
  }

  /** Replaces the data (a report's complete series). */
  setData(xs: readonly number[], values: readonly (readonly (number | null)[])[]): void {
    this.xs.length = 0;
    this.xs.push(...xs);
    this.ys.forEach((col, i) => {
      col.length = 0;
      col.push(...(values[i] ?? []).map((v) => clean(v, this.spec.logY)));
    });
    this.dirty = true;
    this.flush();
  }

  /** Intervals around the lines (lo[s][i], hi[s][i] at x[i]), shaded in the series' colour. */
  setBands(lo: readonly (readonly (number | null)[])[], hi: readonly (readonly (number | null)[])[]): void {
    this.bands = { lo: lo.map((c) => [...c]), hi: hi.map((c) => [...c]) };
    this.dirty = true;
    this.flush();
  }

  /** A labelled vertical line at x. */
  mark(x: number, label: string): void {
    this.marks.push({ x, label });
    this.dirty = true;
  }

  get length(): number {
    return this.xs.length;
  }

  /** Redraws if anything changed since the last flush. */
  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData([this.xs, ...this.ys] as uPlot.AlignedData);
  }

  setSize(width: number, height = this.plot.height): void {
    this.plot.setSize({ width, height });
  }

  destroy(): void {
    this.plot.destroy();
    this.el.remove();
  }

  /** The data's range, widened to the bands, padded as uPlot pads its own. */
  private yRange(min: number, max: number): uPlot.Range.MinMax {
    let lo = min, hi = max;
    for (const col of this.bands?.lo ?? []) for (const v of col) if (v !== null && Number.isFinite(v)) lo = Math.min(lo, v);
    for (const col of this.bands?.hi ?? []) for (const v of col) if (v !== null && Number.isFinite(v)) hi = Math.max(hi, v);
    return uPlot.rangeNum(lo, hi, 0.1, true);
  }

  /** Drawn under the lines: one translucent polygon per series' run of defined intervals. */
  private drawBands(u: uPlot): void {
    if (!this.bands) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.globalAlpha = 0.18;
    this.bands.lo.forEach((lo, s) => {
      if (u.series[s + 1]?.show === false) return;
      const hi = this.bands!.hi[s] ?? [];
      ctx.fillStyle = seriesColour(s);
      let run: number[] = [];
      const fill = (): void => {
        if (run.length > 1) {
          ctx.beginPath();
          run.forEach((i, k) => (k ? ctx.lineTo : ctx.moveTo).call(ctx, u.valToPos(this.xs[i]!, 'x', true), u.valToPos(hi[i]!, 'y', true)));
          for (const i of [...run].reverse()) ctx.lineTo(u.valToPos(this.xs[i]!, 'x', true), u.valToPos(lo[i]!, 'y', true));
          ctx.closePath();
          ctx.fill();
        }
        run = [];
      };
      this.xs.forEach((_, i) => (lo[i] !== null && lo[i] !== undefined && hi[i] !== null && hi[i] !== undefined ? run.push(i) : fill()));
      fill();
    });
    ctx.restore();
  }

  private drawMarks(u: uPlot): void {
    if (this.marks.length === 0) return;
    const ctx = u.ctx;
    const dpr = devicePixelRatio || 1;
    ctx.save();
    ctx.strokeStyle = '#444';
    ctx.fillStyle = '#222';
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    ctx.lineWidth = dpr;
    ctx.font = `${11 * dpr}px sans-serif`;
    for (const m of this.marks) {
      const x = u.valToPos(m.x, 'x', true);
      if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) continue;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText(m.label, x + 3 * dpr, u.bbox.top + 12 * dpr);
    }
    ctx.restore();
  }
}

/** Non-finite values (and non-positive ones on a log axis) are gaps, not zeros. */
function clean(v: number | null | undefined, log = false): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return log && v <= 0 ? null : v;
}
