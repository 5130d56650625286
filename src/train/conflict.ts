/**
 * Measuring what the balancers respond to: the share of task pairs whose mini-batch gradients
 * at the shared parameters point against each other (negative cosine), and the spread of the
 * task gradient norms (largest mean norm over smallest). Both come from the library's own
 * per-task gradients (BalancedStep's diagnostics, the same numbers a run's diagnostics.jsonl
 * holds), so a figure measured here is the figure a balancer sees.
 *
 * `conflictOf` summarises diagnostics records (from a run folder or from `measureConflict`);
 * `measureConflict` trains plain equal weighting briefly on a synthetic world and summarises
 * every step.
 */
import { Batcher } from '../data/batcher.ts';
import { splitDataset } from '../data/split.ts';
import { generateSynthetic, type SyntheticOptions } from '../data/synthetic.ts';
import { createBalancer } from '../mtl/balancers/index.ts';
import { BalancedStep } from '../step/index.ts';
import { createModel, type PresetName } from '../nn/models/presets.ts';
import { makeOptimizer } from '../nn/optim/index.ts';
import { Rng } from '../tensor/rng.ts';

/** What conflictOf reads of a diagnostics record (a diagnostics.jsonl line has these fields). */
export interface ConflictRecord {
  cosine: number[][];
  norms_before: number[];
}

export interface ConflictSummary {
  /** Sampled steps summarised. */
  steps: number;
  /** Share of (step, task pair) cosines below 0, over all summarised steps. */
  negativeShare: number;
  /** The same over the second half of the steps (after the shared factors are learned). */
  negativeShareLate: number;
  /** Per task pair (i < j, row-major): share of steps with a negative cosine, and mean cosine. */
  pairs: { pair: [number, number]; negativeShare: number; meanCosine: number }[];
  /** Mean gradient norm of each task over the steps. */
  meanNorms: number[];
  /** Largest over smallest mean norm (Infinity when a task's gradient is always 0). */
  normRatio: number;
  /** The same over the second half of the steps. */
  normRatioLate: number;
}

export class ConflictMeasureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictMeasureError';
  }
}

/** Summary of diagnostics records of one run (steps in order). */
export function conflictOf(records: readonly ConflictRecord[]): ConflictSummary {
  const recs = records.filter((r) => Array.isArray(r.cosine) && r.cosine.length > 1);
  if (recs.length === 0) throw new ConflictMeasureError('conflictOf: no diagnostics record with a cosine matrix of two or more tasks');
  const T = recs[0]!.cosine.length;
  const pairs: ConflictSummary['pairs'] = [];
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) pairs.push({ pair: [i, j], negativeShare: 0, meanCosine: 0 });
  const half = Math.floor(recs.length / 2);
  let neg = 0, negLate = 0;
  const norms = new Float64Array(T), normsLate = new Float64Array(T);
  recs.forEach((r, k) => {
    for (const p of pairs) {
      const c = r.cosine[p.pair[0]]![p.pair[1]]!;
      p.meanCosine += c / recs.length;
      if (c < 0) {
        p.negativeShare += 1 / recs.length;
        neg++;
        if (k >= half) negLate++;
      }
    }
    for (let t = 0; t < T; t++) {
      norms[t] += (r.norms_before[t] ?? 0) / recs.length;
      if (k >= half) normsLate[t] += (r.norms_before[t] ?? 0) / (recs.length - half);
    }
  });
  const meanNorms = Array.from(norms);
  return {
    steps: recs.length,
    negativeShare: neg / (recs.length * pairs.length),
    negativeShareLate: negLate / ((recs.length - half) * pairs.length),
    pairs,
    meanNorms,
    normRatio: spread(meanNorms),
    normRatioLate: spread(Array.from(normsLate)),
  };
}

function spread(xs: number[]): number {
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return lo > 0 ? hi / lo : Infinity;
}

export interface MeasureOptions {
  /** The synthetic world (its `seed` fixes the data). */
  data?: SyntheticOptions;
  /** Default 'ple-lite' (the lighter PLE; ple-paper gives the same picture, more slowly). */
  model?: PresetName;
  /** Training steps of equal weighting, each one measured. Default 300. */
  steps?: number;
  /** Default 256 (the quick experiments' batch). */
  batchSize?: number;
  /** Adam learning rate. Default 2e-3 (the quick experiments'). */
  lr?: number;
  /** Model init and batch order. Default 5277. */
  seed?: number;
}

export interface ConflictMeasurement extends ConflictSummary {
  tasks: string[];
  /** Positive rate of each task in the training split. */
  positiveRates: number[];
}

/** Trains EW for `steps` steps in param mode and summarises every step's per-task gradients. */
export function measureConflict(opts: MeasureOptions = {}): ConflictMeasurement {
  const steps = opts.steps ?? 300, B = opts.batchSize ?? 256, seed = opts.seed ?? 5277;
  if (!(Number.isInteger(steps) && steps >= 2)) throw new ConflictMeasureError(`measureConflict: steps must be an integer >= 2, got ${steps}`);
  const data = generateSynthetic(opts.data ?? {});
  const { train } = splitDataset(data, { seed: opts.data?.seed ?? 5277 });
  const T = train.taskNames.length;
  const model = createModel(opts.model ?? 'ple-lite', {
    vocabSizes: train.fields.map((f) => f.vocabSize),
    tasks: T,
    denseWidth: train.denseNames.length,
    seed,
  });
  const optimizer = makeOptimizer('adam', model.store, { lr: opts.lr ?? 2e-3 });
  const step = new BalancedStep(model, createBalancer('ew'), { mode: 'param', maxBatch: B, diagnosticsEvery: 1 });
  const batcher = new Batcher(train, { batchSize: B, seed });
  const rng = new Rng(seed).fork('balancer');
  const records: ConflictRecord[] = [];
  for (let epoch = 0; records.length < steps; epoch++) {
    for (const batch of batcher.epochBatches()) {
      const res = step.run(batch, { step: records.length, epoch, rng });
      optimizer.step();
      const d = res.diagnostics!;
      records.push({ cosine: d.cosine, norms_before: d.normsBefore });
      if (records.length >= steps) break;
    }
  }
  const positiveRates = Array.from({ length: T }, (_, t) => {
    let s = 0;
    for (let r = 0; r < train.rows; r++) s += train.labels[r * T + t]!;
    return s / train.rows;
  });
  return { ...conflictOf(records), tasks: [...train.taskNames], positiveRates };
}
