/**
 * Times the REAL balanced training step for any balancer and gradient mode: `BalancedStep.run`
 * (zeroGrad, forward, per-task losses, the per-task backward(s) of param or rep mode or the one
 * backward of a loss-kind method, combine, write-back), then L2 and Adam, exactly as the trainer
 * does. What `mtlkit bench step --method <id> --mode param|rep` and bench/balancers.ts run.
 *
 * Phases (medians): forward = the model's forward / bottom / heads; balancer = combine or
 * lossWeights; optimizer = L2 + Adam; backward = the rest of the step (the backward passes,
 * BCE, the row sources and write-back). Each phase is timed by wrapping those methods on this run's
 * own instances (one clock read per call), so they add up to about the step time.
 */
import { getBackend } from '../tensor/backends/registry.ts';
import { Rng } from '../tensor/rng.ts';
import { createModel, type PresetName } from '../nn/models/presets.ts';
import { Adam } from '../nn/optim/adam.ts';
import { addL2Grad } from '../nn/regularize.ts';
import type { StepBenchOptions } from './step.ts';
import type { Balancer, GradientMode } from '../mtl/balancer.ts';
import { createBalancer } from '../mtl/balancers/index.ts';
import { BalancedStep, type TrainBatch } from '../step/index.ts';
import { median } from '../tensor/timing.ts';
import { countPoolUsage, type PoolUsage } from './pool-usage.ts';

/** The plain step bench's shape options, plus the balancer and mode to time. */
export interface BalancedBenchOptions extends StepBenchOptions {
  /** Balancer id (any registered one). */
  method: string;
  methodOptions?: Record<string, unknown>;
  /** Or a ready instance (e.g. one a profiler has hooked); `method` is then its id. */
  balancer?: Balancer;
  mode: GradientMode;
}

export interface BalancedBenchResult {
  model: string;
  method: string;
  mode: GradientMode;
  /** 'loss' = one backward of sum_t w_t L_t (loss-kind methods), 'per-task' = T rows and combine. */
  path: 'loss' | 'per-task';
  backend: string;
  batch: number;
  fields: number;
  vocab: number;
  tasks: number;
  params: number;
  /** Length of the balanced vector (0 on the loss path). */
  d: number;
  steps: number;
  ms_per_step: number;
  ms_per_step_min: number;
  samples_per_s: number;
  phases_ms: { forward: number; backward: number; balancer: number; optimizer: number };
  peak_rss_mb: number;
  setup_s: number;
  /** The kernel threads over the timed steps (null: the backend has none). */
  pool: PoolUsage | null;
}


/** Adds the time spent in obj[key] to acc.ms (own property wrapper; this run's instances only). */
function timeMethod(obj: object, key: string, acc: { ms: number }): void {
  const o = obj as Record<string, unknown>;
  const fn = o[key];
  if (typeof fn !== 'function') return;
  o[key] = function (this: unknown, ...args: unknown[]): unknown {
    const t = performance.now();
    try {
      return (fn as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      acc.ms += performance.now() - t;
    }
  };
}

/** A prepared bench: `step()` runs and times one step; lets callers interleave several methods. */
export class BalancedBench {
  readonly model: ReturnType<typeof createModel>;
  readonly balancer: Balancer;
  private readonly stepper: BalancedStep;
  private readonly opt: Adam;
  private readonly batches: TrainBatch[];
  private readonly rng = new Rng(11);
  private i = 0;
  private readonly fwd = { ms: 0 };
  private readonly bal = { ms: 0 };
  readonly samples = { total: [] as number[], forward: [] as number[], backward: [] as number[], balancer: [] as number[], optimizer: [] as number[] };
  lastPath: 'loss' | 'per-task' = 'loss';
  lastD = 0;
  readonly setupS: number;

  constructor(readonly o: BalancedBenchOptions) {
    const t0 = performance.now();
    const tasks = o.tasks ?? 6;
    this.model = createModel(o.model, { fields: o.fields, vocab: o.vocab, tasks, seed: o.seed ?? 5277 });
    this.balancer = o.balancer ?? createBalancer(o.method, o.methodOptions ?? {});
    this.stepper = new BalancedStep(this.model, this.balancer, { mode: o.mode, maxBatch: o.batch, diagnosticsEvery: 0 });
    this.opt = new Adam(this.model.store, { lr: 1e-3, lazy: o.lazy ?? true });
    if (o.prefault ?? true) this.model.store.grads.fill(0);
    for (const k of ['forward', 'bottom', 'head']) timeMethod(this.model, k, this.fwd);
    for (const k of ['combine', 'lossWeights']) timeMethod(this.balancer, k, this.bal);
    const rng = new Rng(o.seed ?? 1);
    const B = o.batch, F = o.fields;
    this.batches = Array.from({ length: 4 }, () => {
      const cat = new Int32Array(B * F);
      for (let i = 0; i < cat.length; i++) cat[i] = rng.int(1, o.vocab);
      const labels = Float32Array.from({ length: B * tasks }, () => (rng.bernoulli(0.3) ? 1 : 0));
      return { size: B, cat, labels };
    });
    this.setupS = (performance.now() - t0) / 1000;
  }

  /** One step; recorded when `record` (after warm-up). Returns its milliseconds. */
  step(record: boolean): number {
    const b = this.batches[this.i % this.batches.length]!;
    this.fwd.ms = 0;
    this.bal.ms = 0;
    const a = performance.now();
    // Every step after the first finds the gradients zeroed by the optimizer (step's zeroGrad).
    const res = this.stepper.run(b, { step: this.i, epoch: 0, rng: this.rng, gradsZeroed: this.i > 0 });
    const g = performance.now();
    addL2Grad(this.model.store, this.o.l2 ?? 0);
    this.opt.step({ zeroGrad: true });
    const e = performance.now();
    this.i++;
    this.lastPath = res.path;
    this.lastD = res.d;
    if (record) {
      const s = this.samples;
      s.total.push(e - a);
      s.forward.push(this.fwd.ms);
      s.balancer.push(this.bal.ms);
      s.backward.push(g - a - this.fwd.ms - this.bal.ms);
      s.optimizer.push(e - g);
    }
    return e - a;
  }

  result(pool: PoolUsage | null = null): BalancedBenchResult {
    const s = this.samples, o = this.o;
    const ms = median(s.total);
    return {
      model: o.model, method: this.balancer.id, mode: o.mode, path: this.lastPath, backend: getBackend().name,
      batch: o.batch, fields: o.fields, vocab: o.vocab, tasks: this.model.tasks, params: this.model.store.size, d: this.lastD,
      steps: s.total.length, ms_per_step: ms, ms_per_step_min: Math.min(...s.total), samples_per_s: (o.batch * 1000) / ms,
      phases_ms: { forward: median(s.forward), backward: median(s.backward), balancer: median(s.balancer), optimizer: median(s.optimizer) },
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      setup_s: this.setupS,
      pool,
    };
  }
}

/** Warm-up steps, then `steps` timed ones; medians. */
export function benchBalancedStep(o: BalancedBenchOptions): BalancedBenchResult {
  const bench = new BalancedBench(o);
  const warmup = o.warmup ?? 2, steps = Math.max(1, o.steps ?? 10);
  for (let i = 0; i < warmup; i++) bench.step(false);
  const usage = countPoolUsage();
  for (let i = 0; i < steps; i++) bench.step(true);
  return bench.result(usage(steps));
}
