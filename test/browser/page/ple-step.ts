/**
 * One training step of a small PLE (ple-lite) on synthetic data, written against the core
 * entry only, so it runs the same in Node and bundled in a page or a Worker. Results are
 * plain numbers so they cross postMessage and page.evaluate.
 */
import { BalancedStep, createBalancer, createModel, generateSynthetic, Rng, Batcher, setBackend, getBackend } from '../../../src/core.ts';

export interface StepResult {
  backend: string;
  /** Per-task losses of the step. */
  losses: number[];
  /** The balanced gradient of every parameter, flat (the store's gradient buffer). */
  grads: number[];
  /** Length of the longest dot product in the step (the model's widest fan-in or the batch). */
  k: number;
}

export const STEP_SIZES = { rows: 200, users: 30, items: 40, tasks: 3, batch: 48 };

export function pleStep(backend: string, balancer = 'gradcraft'): StepResult {
  setBackend(backend, { strict: true });
  const s = STEP_SIZES;
  const data = generateSynthetic({ rows: s.rows, users: s.users, items: s.items, tasks: s.tasks, seed: 11 });
  const model = createModel('ple-lite', {
    vocabSizes: data.fields.map((f) => f.vocabSize), tasks: data.taskNames.length, denseWidth: data.denseNames.length, seed: 3,
  });
  const step = new BalancedStep(model, createBalancer(balancer), { maxBatch: s.batch });
  const batch = new Batcher(data, { batchSize: s.batch, seed: 5 }).epochBatches().next().value!;
  const res = step.run(batch, { step: 0, epoch: 0, rng: new Rng(7) });
  let k = s.batch;
  for (const p of model.store.params) if (!p.sparse && p.shape.length === 2) k = Math.max(k, p.shape[0]!);
  return { backend: getBackend().name, losses: Array.from(res.losses), grads: Array.from(model.store.grads), k };
}
