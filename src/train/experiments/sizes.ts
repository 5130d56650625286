/**
 * Size profiles: the TrainConfig every run of an experiment starts from.
 *
 * - toy: seconds per run, for tests (ple-lite, 1,200 rows, one epoch, balanced labels so every
 *   split has both classes of every task).
 * - quick: `npm start` and `--quick`: 20,000 synthetic rows (16,000 training rows), ple-paper,
 *   batch 256, Adam lr 5e-3, at most 3 epochs. Measured on the 2-core dev machine: EW about
 *   9 s an epoch, per-task-gradient methods (param mode, 6 backward passes) about 3x that; the
 *   mean validation AUC of EW is about 0.74 after 2 epochs, so the table compares trained models.
 * - full: the synthetic default (50,000 rows), ple-paper, batch 256, Adam lr 1e-3, L2 1e-6, up to
 *   40 epochs with patience 5 (the paper: batch 2048-4096, patience 10, on millions of rows; on
 *   40,000 training rows a batch of 2048 is only 20 steps an epoch, see docs/data.md).
 */
import type { TrainConfig } from '../index.ts';
import type { ExperimentSize } from './types.ts';

const BALANCED = { ev: 0.3, lv: 0.3, cv: 0.3, like: 0.3, follow: 0.3, forward: 0.3 };

export const SIZES: Record<ExperimentSize, Partial<TrainConfig>> = {
  toy: {
    data: { kind: 'synthetic', rows: 1200, users: 40, items: 200, positiveRates: BALANCED },
    model: 'ple-lite',
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
    model: 'ple-lite',
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
    model: 'ple-lite',
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
