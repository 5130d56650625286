/**
 * The Training panel's charts, fed by the Worker's messages and redrawn once per animation
 * frame: per-task training loss and validation AUC, gradient norms before and after balancing,
 * the cosine of every task pair over sampled steps (a heat map), and the task weights. A
 * balancer change draws a labelled line on every chart over steps.
 */
import { LineChart, StepHeatmap } from '../charts/index.ts';
import type { StepPoint } from '../worker/protocol.ts';

export class LiveCharts {
  private readonly loss: LineChart;
  private readonly auc: LineChart;
  private readonly before: LineChart;
  private readonly after: LineChart;
  private readonly cosine: StepHeatmap;
  private readonly weights: LineChart;
  private readonly all: (LineChart | StepHeatmap)[];
  private readonly pairs: [number, number][] = [];
  private frame = 0;
  visible = true;

  constructor(parent: HTMLElement, readonly tasks: readonly string[]) {
    const T = tasks.length;
    const withMean = [...tasks, 'mean'];
    this.loss = new LineChart(parent, { title: 'Training loss per task', xLabel: 'step', yLabel: 'BCE loss', series: tasks });
    this.auc = new LineChart(parent, { title: 'Validation AUC', xLabel: 'step', yLabel: 'AUC', series: withMean, points: true });
    this.before = new LineChart(parent, { title: 'Gradient norms before balancing', xLabel: 'step', yLabel: '|g_t| (log)', series: tasks, logY: true });
    this.after = new LineChart(parent, { title: 'Gradient norms after balancing', xLabel: 'step', yLabel: 'norm (log)', series: tasks, logY: true });
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) this.pairs.push([i, j]);
    this.cosine = new StepHeatmap(parent, { title: 'Cosine of task gradients (before balancing)', xLabel: 'step', rows: this.pairs.map(([i, j]) => `${tasks[i]} · ${tasks[j]}`) });
    this.weights = new LineChart(parent, { title: 'Task weights', xLabel: 'step', yLabel: 'weight', series: tasks });
    this.all = [this.loss, this.auc, this.before, this.after, this.cosine, this.weights];
  }

  steps(points: readonly StepPoint[]): void {
    for (const p of points) {
      this.loss.push(p.step, p.losses);
      if (p.normsBefore) this.before.push(p.step, p.normsBefore);
      if (p.normsAfter) this.after.push(p.step, p.normsAfter);
      if (p.cosine) this.cosine.push(p.step, this.pairs.map(([i, j]) => p.cosine![i]![j]!));
      if (p.weights) this.weights.push(p.step, p.weights);
    }
    this.schedule();
  }

  evaluation(step: number, auc: readonly (number | null)[], mean: number | null): void {
    this.auc.push(step, [...auc, mean]);
    this.schedule();
  }

  /** A balancer change at `step`. */
  mark(step: number, label: string): void {
    for (const c of [this.loss, this.auc, this.before, this.after, this.weights]) c.mark(step, label);
    this.schedule();
  }

  /** How many points each chart holds (tests look at it). */
  counts(): Record<string, number> {
    return { loss: this.loss.length, auc: this.auc.length, norms: this.before.length, cosine: this.cosine.length, weights: this.weights.length };
  }

  flushNow(): void {
    for (const c of this.all) c.flush();
  }

  destroy(): void {
    cancelAnimationFrame(this.frame);
    for (const c of this.all) c.destroy();
  }

  private schedule(): void {
    if (this.frame || !this.visible) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flushNow();
    });
  }
}
