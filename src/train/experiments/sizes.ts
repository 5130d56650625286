/**
 * Size profiles: the TrainConfig every run of an experiment starts from.
 *
 * - toy: seconds per run, for tests (ple-lite, 1,200 rows, one epoch, balanced labels so every
 *   split has both classes of every task).
 * - quick: `npm start` and `--quick`: 30,000 synthetic rows (24,000 training rows), ple-lite,
 *   batch 256, Adam lr 2e-3, 2 epochs. Measured on the shared 2-core dev machine: table2 with
 *   --workers 2 in about 3 min; every task learns (test AUC 0.70-0.92 per task, mean about 0.79).
 * - full: the synthetic default (50,000 rows), ple-lite, batch 256, Adam lr 1e-3, L2 1e-6, up to
 *   40 epochs with patience 5 (the paper: batch 2048-4096, patience 10, on millions of rows; on
 *   40,000 training rows a batch of 2048 is only 20 steps an epoch, see docs/data.md).
 *
 * Why ple-lite and not ple-paper: ple-paper (N(0, 0.01) init, dropout 0.2, FM) is the paper's
 * backbone, but on the synthetic data some towers never leave the constant prediction from that
 * init: Single on EV stays at loss ln 2 and AUC 0.5000 for 10 epochs at lr 1e-3 (and at 2e-3,
 * 5e-3), and MGDA / IMTL lose EV the same way; RI against a dead Single means nothing.
 * ple-lite is the same PLE (1 level, 1 shared + 1 specific expert per task, experts
 * 256-128-64, towers 32-16) with Glorot init, no FM and no dropout, and trains every task.
 * `--set model=ple-paper` runs the paper's backbone.
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
