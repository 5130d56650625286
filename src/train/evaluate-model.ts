/** A model's predictions and per-task metrics on a dataset (eval mode, no graph). */
import { noGrad } from '../autograd/mode.ts';
import { sequentialBatches } from '../data/batcher.ts';
import type { Dataset } from '../data/types.ts';
import { evaluateTasks } from '../metrics/evaluate.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import type { TaskScore } from './result.ts';

/** Sigmoid outputs of the model on every row of `ds`, row-major [rows x T] (eval mode, no graph). */
export function predict(model: MultiTaskModel, ds: Dataset, batchSize: number, out?: Float32Array): Float32Array {
  const T = model.tasks;
  const preds = out ?? new Float32Array(ds.rows * T);
  let row = 0;
  noGrad(() => {
    for (const b of sequentialBatches(ds, batchSize)) {
      const logits = model.forward(b, { train: false });
      for (let t = 0; t < T; t++) {
        const z = logits[t]!.data;
        for (let i = 0; i < b.size; i++) preds[(row + i) * T + t] = 1 / (1 + Math.exp(-z[i]!));
      }
      row += b.size;
    }
  });
  model.train(true);
  return preds;
}

/** AUC / GAUC / NE per task of `model` on `ds`. */
export function evaluate(model: MultiTaskModel, ds: Dataset, batchSize: number, preds?: Float32Array): { perTask: Record<string, TaskScore>; meanAuc: number | null; meanAucTasks: number; avA: number | null; avG: number | null } {
  const p = predict(model, ds, batchSize, preds);
  const rep = evaluateTasks({ taskNames: ds.taskNames, labels: ds.labels, preds: p, users: ds.users });
  const perTask: Record<string, TaskScore> = {};
  for (const m of rep.tasks) perTask[m.name] = { auc: m.auc, gauc: m.gauc, ne: m.ne };
  // Early stopping needs a number even when a task's validation labels are all one class:
  // the mean over the tasks that have an AUC.
  const aucs = rep.tasks.map((m) => m.auc).filter((a): a is number => a !== null && Number.isFinite(a));
  const meanAuc = rep.avA ?? (aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null);
  return { perTask, meanAuc, meanAucTasks: rep.meanAucTasks, avA: rep.avA, avG: rep.avG };
}
