/**
 * A few training steps of a small PLE with GradCraft and Adam on synthetic data, written
 * against the core entry only, so the same code runs in Node and, bundled, in a context with
 * no Node in it (bundle.test.ts). Results are plain numbers so they cross a realm boundary.
 */
import { BalancedStep, createBalancer, createModel, generateSynthetic, makeOptimizer, Rng, Batcher, setBackend, getBackend } from '../../src/core.ts';

export interface TinyRun {
  backend: string;
  /** Per-task losses of every step, in order. */
  losses: number[];
  /** The parameters after the last step. */
  values: number[];
}

export function tinyTrain(backend: string, steps = 3): TinyRun {
  setBackend(backend, { strict: true });
  const data = generateSynthetic({ rows: 400, users: 40, items: 60, tasks: 3, seed: 11 });
  const model = createModel('ple-lite', {
    vocabSizes: data.fields.map((f) => f.vocabSize), tasks: data.taskNames.length, denseWidth: data.denseNames.length, seed: 3,
  });
  const optimizer = makeOptimizer('adam', model.store, { lr: 1e-2 });
  const step = new BalancedStep(model, createBalancer('gradcraft'), { maxBatch: 64 });
  const batcher = new Batcher(data, { batchSize: 64, seed: 5 });
  const rng = new Rng(7);
  const losses: number[] = [];
  let s = 0;
  for (const batch of batcher.epochBatches()) {
    if (s === steps) break;
    const res = step.run(batch, { step: s, epoch: 0, rng });
    optimizer.step();
    losses.push(...Array.from(res.losses));
    s++;
  }
  return { backend: getBackend().name, losses, values: Array.from(model.store.values) };
}
