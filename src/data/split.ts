/**
 * Seeded random train / validation / test split (8:1:1 by default, as in the GradCraft paper).
 *
 * Rule: a permutation of the rows is drawn from `new Rng(seed).fork('split')`; the first
 * floor(R * r_train) permuted rows go to train, the next floor(R * r_valid) to validation and
 * the rest to test. Within each split the rows are put back in their original file order
 * (better locality; the Batcher shuffles training rows anyway). Ratios are normalised to sum 1.
 */
import { Rng } from '../tensor/rng.ts';
import { subsetDataset } from './dataset.ts';
import type { Dataset } from './types.ts';

export interface SplitOptions {
  seed?: number;
  /** [train, valid, test], default [0.8, 0.1, 0.1]. */
  ratios?: readonly [number, number, number];
}

export interface Splits {
  train: Dataset;
  valid: Dataset;
  test: Dataset;
}

/** The row indices of each split (sorted ascending). */
export function splitIndices(rows: number, opts: SplitOptions = {}): { train: Int32Array; valid: Int32Array; test: Int32Array } {
  const [a, b, c] = opts.ratios ?? [0.8, 0.1, 0.1];
  const s = a + b + c;
  if (!(a >= 0 && b >= 0 && c >= 0 && s > 0)) throw new Error(`split: ratios must be non-negative with a positive sum, got ${[a, b, c]}`);
  const perm = new Rng(opts.seed ?? 5277).fork('split').permutation(rows);
  const nTrain = Math.floor((rows * a) / s);
  const nValid = Math.floor((rows * b) / s);
  const train = perm.slice(0, nTrain).sort();
  const valid = perm.slice(nTrain, nTrain + nValid).sort();
  const test = perm.slice(nTrain + nValid).sort();
  return { train, valid, test };
}

export function splitDataset(ds: Dataset, opts: SplitOptions = {}): Splits {
  const idx = splitIndices(ds.rows, opts);
  return {
    train: subsetDataset(ds, idx.train, `${ds.name}/train`),
    valid: subsetDataset(ds, idx.valid, `${ds.name}/valid`),
    test: subsetDataset(ds, idx.test, `${ds.name}/test`),
  };
}
