import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitDataset, type Splits } from '../../src/data/split.ts';
import { generateSynthetic } from '../../src/data/synthetic.ts';
import { selectTasks } from '../../src/data/dataset.ts';
import type { TrainConfig } from '../../src/train/config.ts';

/** Tiny synthetic data: three tasks with balanced positive rates, so every split has both classes. */
export const TINY_DATA = { kind: 'synthetic', rows: 1500, users: 120, items: 240 } as const;
export const TINY_TASKS = ['ev', 'lv', 'cv'];

let cached: Splits | null = null;
/** The tiny splits, made once per test file (the trainer would make the same from TINY_DATA). */
export function tinySplits(): Splits {
  if (!cached) {
    const ds = selectTasks(generateSynthetic({ ...TINY_DATA, tasks: undefined } as never), TINY_TASKS);
    cached = splitDataset(ds, { seed: 5277 });
  }
  return cached;
}

export function tmp(prefix = 'mtlkit-train-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fast config: ple-lite, small batches, few epochs. */
export function tinyConfig(over: Partial<TrainConfig> & Record<string, unknown> = {}): Partial<TrainConfig> {
  return {
    data: { ...TINY_DATA },
    tasks: TINY_TASKS,
    model: 'ple-lite',
    batchSize: 200,
    evalBatchSize: 1000,
    epochs: 3,
    diagnosticsEvery: 3,
    method: 'gradcraft',
    ...over,
  } as Partial<TrainConfig>;
}

export function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}
