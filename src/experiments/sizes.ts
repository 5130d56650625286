/**
 * Size profiles: the TrainConfig every run of an experiment starts from. Every size trains
 * ple-paper, the GradCraft paper's backbone with the code's per-layer init (docs/nn.md "Init").
 *
 * - toy: seconds per run, for tests (1,200 rows, one epoch, balanced labels so every split has
 *   both classes of every task).
 * - quick: `--quick` (and `npm start`, with 4 epochs and 3 seeds: start.ts): 30,000 synthetic
 *   rows (24,000 training rows), batch 256, Adam lr 2e-3, 2 epochs, so that every task of every
 *   method learns (test AUC 0.65-0.91 per task, EV 0.83-0.85, AV-A 0.77-0.79; run times in
 *   docs/experiments.md).
 * - full: the synthetic default (50,000 rows), batch 256, Adam lr 1e-3, L2 1e-6, up to
 *   40 epochs with patience 5 (the paper: batch 2048-4096, patience 10, on millions of rows; on
 *   40,000 training rows a batch of 2048 is only 20 steps an epoch, see docs/data.md).
 *
 * These sizes used ple-lite for a while: ple-paper's old init (every weight N(0, 0.01), every
 * bias 0, now `modelOptions.init = 'normal'`) left some towers at a constant prediction (EV at
 * AUC 0.5000). `--set model=ple-lite` runs the lighter model (no FM, no dropout, Glorot init;
 * a cheaper step).
 */
import type { TrainConfig } from '../train/index.ts';
import type { ExperimentSize } from './types.ts';

const BALANCED = { ev: 0.3, lv: 0.3, cv: 0.3, like: 0.3, follow: 0.3, forward: 0.3 };

export const SIZES: Record<ExperimentSize, Partial<TrainConfig>> = {
  toy: {
    data: { kind: 'synthetic', rows: 1200, users: 40, items: 200, positiveRates: BALANCED },
    model: 'ple-paper',
    batchSize: 300,
    evalBatchSize: 2000,
    lr: 5e-3,
    epochs: 1,
    patience: 1,
    diagnosticsEvery: 1,
    checkpoint: false,
  },
  quick: {
    data: { kind: 'synthetic', rows: 30_000 },
    model: 'ple-paper',
    batchSize: 256,
    evalBatchSize: 8192,
    lr: 2e-3,
    epochs: 2,
    patience: 2,
    diagnosticsEvery: 10,
    checkpoint: false,
  },
  full: {
    data: { kind: 'synthetic' },
    model: 'ple-paper',
    batchSize: 256,
    evalBatchSize: 8192,
    lr: 1e-3,
    l2: 1e-6,
    epochs: 40,
    patience: 5,
    diagnosticsEvery: 20,
    checkpoint: true,
  },
};

/** The training seeds of `n` seeds: 5277 (the GradCraft code's), 5278, ... */
export function seedList(n: number): number[] {
  return Array.from({ length: n }, (_, k) => 5277 + k);
}
