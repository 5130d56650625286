/**
 * A heat map over steps on uPlot's axes and cursor: one row per entry (a task pair's cosine),
 * one column per sampled step, cells coloured on the diverging scale fixed to -1..1. Hovering a
 * cell writes its step, row and value into the caption under the chart. Columns stream in with
 * `push`, like LineChart's points.
 */
import uPlot from 'uplot';
import { divergingColour } from './palette.ts';
import { chartContainer } from './style.ts';

export interface HeatmapSpec {
  title: string;
  xLabel: string;
  /** Row labels, top to bottom. */
  rows: readonly string[];
  width?: number;
  height?: number;
}

export class StepHeatmap {
  readonly el: HTMLElement;
  readonly caption: HTMLElement;
  private readonly plot: uPlot;
  private readonly xs: number[] = [];
  private readonly cols: number[][] = [];
  private dirty = false;

  constructor(parent: HTMLElement, readonly spec: HeatmapSpec) {
    const doc = parent.ownerDocument;
    this.el = chartContainer(parent, spec.title);
    const R = spec.rows.length;
    const opts: uPlot.Options = {
      title: spec.title,
      width: spec.width ?? 420,
      height: spec.height ?? Math.max(160, 60 + 22 * R),
      scales: {
        x: { time: false, range: () => this.xRange() },
        y: { range: [0, Math.max(1, R)] },
      },
      axes: [
        { label: spec.xLabel, labelSize: 20, size: 36 },
        {
          size: 110, gap: 4,
          splits: () => spec.rows.map((_, r) => R - r - 0.5),
          values: (_u, splits) => splits.map((s) => spec.rows[Math.round(R - s - 0.5)] ?? ''),
          grid: { show: false }, ticks: { show: false },
        },
      ],
      series: [{}, { label: 'cosine', show: true, stroke: 'transparent', points: { show: false } }],
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      hooks: {
        draw: [(u) => this.drawCells(u)],
        setCursor: [(u) => this.hover(u)],
      },
    };
    this.plot = new uPlot(opts, [[], []], this.el);
    this.caption = doc.createElement('div');
    this.caption.className = 'mtl-chart-caption';
    this.el.append(this.caption, colourBar(doc));
  }

  /** One column: the value of every row at `step`. */
  push(step: number, values: readonly number[]): void {
    this.xs.push(step);
    this.cols.push([...values]);
    this.dirty = true;
  }

  setData(steps: readonly number[], columns: readonly (readonly number[])[]): void {
    this.xs.length = 0;
    this.cols.length = 0;
    steps.forEach((s, i) => this.push(s, columns[i] ?? []));
    this.flush();
  }

  get length(): number {
    return this.xs.length;
  }

  flush(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.plot.setData([this.xs, this.xs.map(() => null)] as unknown as uPlot.AlignedData);
  }

  setSize(width: number): void {
    this.plot.setSize({ width, height: this.plot.height });
  }

  destroy(): void {
    this.plot.destroy();
    this.el.remove();
  }

  /** Column i spans [xs[i], xs[i + 1]); the last one as wide as the one before it. */
  private edges(i: number): [number, number] {
    const x = this.xs[i]!;
    const next = this.xs[i + 1] ?? x + (i > 0 ? x - this.xs[i - 1]! : 1);
    return [x, next];
  }

  private xRange(): [number, number] {
    if (this.xs.length === 0) return [0, 1];
    return [this.xs[0]!, this.edges(this.xs.length - 1)[1]];
  }

  private drawCells(u: uPlot): void {
    const ctx = u.ctx, R = this.spec.rows.length;
    ctx.save();
    for (let i = 0; i < this.xs.length; i++) {
      const [a, b] = this.edges(i);
      const x0 = u.valToPos(a, 'x', true), x1 = u.valToPos(b, 'x', true);
      for (let r = 0; r < R; r++) {
        const v = this.cols[i]![r];
        if (v === undefined || !Number.isFinite(v)) continue;
        const y0 = u.valToPos(R - r, 'y', true), y1 = u.valToPos(R - r - 1, 'y', true);
        ctx.fillStyle = divergingColour(v);
        ctx.fillRect(x0, y0, Math.max(1, x1 - x0 + 0.5), y1 - y0);
      }
    }
    ctx.restore();
  }

  private hover(u: uPlot): void {
    const { left, top } = u.cursor;
    if (left === undefined || top === undefined || left < 0 || this.xs.length === 0) {
      this.caption.textContent = '';
      return;
    }
    const x = u.posToVal(left, 'x'), y = u.posToVal(top, 'y');
    const R = this.spec.rows.length;
    const r = R - 1 - Math.floor(y);
    let i = -1;
    for (let k = 0; k < this.xs.length; k++) if (this.xs[k]! <= x) i = k;
    const v = i >= 0 && r >= 0 && r < R ? this.cols[i]![r] : undefined;
    this.caption.textContent = v === undefined ? '' : `step ${this.xs[i]}, ${this.spec.rows[r]}: ${v.toFixed(3)}`;
  }
}

/** The scale's key: -1 .. 1 as a gradient strip with its ends labelled. */
function colourBar(doc: Document): HTMLElement {
  const bar = doc.createElement('div');
  bar.className = 'mtl-chart-caption';
  const stops = Array.from({ length: 11 }, (_, k) => divergingColour(-1 + k / 5)).join(', ');
  bar.innerHTML = `<span>-1</span> <span style="display:inline-block;width:160px;height:10px;vertical-align:middle;background:linear-gradient(to right, ${stops})"></span> <span>+1</span> (cosine)`;
  return bar;
}
