import { backward } from '../autograd/backward.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import { Rng } from '../tensor/rng.ts';
import { MultiTaskBCE, weightedSum } from '../nn/losses.ts';
import { createModel, type PresetName } from '../nn/models/presets.ts';
import { Adam } from '../nn/optim/adam.ts';
import { addL2Grad } from '../nn/regularize.ts';
import { median } from '../tensor/timing.ts';
import { countPoolUsage, type PoolUsage } from './pool-usage.ts';

export interface StepBenchOptions {
  model: PresetName;
  batch: number;
  fields: number;
  vocab: number;
  tasks?: number;
  steps?: number;
  warmup?: number;
  l2?: number;
  lazy?: boolean;
  seed?: number;
  /** Write every gradient / moment page before timing (default true; see benchStep). */
  prefault?: boolean;
}

export interface StepBenchResult {
  model: string;
  method: 'ew';
  mode: 'param' | 'rep' | 'sum';
  backend: string;
  batch: number;
  fields: number;
  vocab: number;
  params: number;
  steps: number;
  ms_per_step: number;
  ms_per_step_min: number;
  samples_per_s: number;
  /** Median milliseconds per phase (forward, backward, optimizer incl. zeroGrad and L2). */
  phases_ms: { forward: number; backward: number; optimizer: number };
  touched_rows_per_step: number;
  peak_rss_mb: number;
  setup_s: number;
  /** The kernel threads over the timed steps (null: the backend has none). */
  pool: PoolUsage | null;
}


/**
 * Times one EW training step of a preset: zeroGrad, forward (train), per-task BCE, summed
 * loss, backward, L2 gradient, Adam (lazy rows). Batches are random ids drawn uniformly per
 * field, made before timing. Returns medians after warm-up.
 */
export function benchStep(o: StepBenchOptions): StepBenchResult {
  const t0 = performance.now();
  const tasks = o.tasks ?? 6, steps = o.steps ?? 10, warmup = o.warmup ?? 2;
  const model = createModel(o.model, { fields: o.fields, vocab: o.vocab, tasks, seed: o.seed ?? 5277 });
  const opt = new Adam(model.store, { lr: 1e-3, lazy: o.lazy ?? true });
  if (o.prefault ?? true) {
    // Steady state: a long run has long since paged in its gradient buffer (zero pages of a
    // fresh buffer fault in on first write, one 4 KiB page per 64 rows of 16 floats, which
    // would otherwise dominate the first steps at 1M rows per field). The optimizer keeps
    // table rows' moments in compact arenas, so its flat buffers need no such warming.
    model.store.grads.fill(0);
  }
  const bce = new MultiTaskBCE(tasks);
  const rng = new Rng(o.seed ?? 1);
  const B = o.batch, F = o.fields;
  const batches = Array.from({ length: 4 }, () => {
    const cat = new Int32Array(B * F);
    for (let i = 0; i < cat.length; i++) cat[i] = rng.int(1, o.vocab);
    const labels = Float32Array.from({ length: B * tasks }, () => (rng.bernoulli(0.3) ? 1 : 0));
    return { size: B, cat, labels };
  });
  const setup = (performance.now() - t0) / 1000;
  const total: number[] = [], fwd: number[] = [], bwd: number[] = [], upd: number[] = [];
  let touched = 0;
  let usage: ReturnType<typeof countPoolUsage> | null = null;
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) usage = countPoolUsage();
    const b = batches[i % batches.length]!;
    const a = performance.now();
    // The optimizer zeroes the gradients as it reads them (step's zeroGrad), as the trainer's
    // does: only the first step zeroes them itself.
    if (i === 0) model.store.zeroGrad();
    const losses = bce.losses(model.forward(b, { train: true }), b.labels, B);
    const loss = weightedSum(losses);
    const f = performance.now();
    backward(loss);
    const g = performance.now();
    touched = model.store.touchedCount();
    addL2Grad(model.store, o.l2 ?? 0);
    opt.step({ zeroGrad: true });
    const e = performance.now();
    if (i >= warmup) {
      total.push(e - a);
      fwd.push(f - a);
      bwd.push(g - f);
      upd.push(e - g);
    }
  }
  const ms = median(total);
  return {
    model: o.model, method: 'ew', mode: 'sum', backend: getBackend().name, batch: B, fields: F, vocab: o.vocab,
    params: model.store.size, steps, ms_per_step: ms, ms_per_step_min: Math.min(...total), samples_per_s: (B * 1000) / ms,
    phases_ms: { forward: median(fwd), backward: median(bwd), optimizer: median(upd) },
    touched_rows_per_step: touched,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    setup_s: setup,
    pool: usage ? usage(steps) : null,
  };
}
