/**
 * One call that scores every task of a multi-task prediction: AUC, GAUC, NE and log loss per
 * task, the paper's AV-A / AV-G, and (given a Single baseline's report) RI-A / RI-G.
 *
 * Labels and predictions are row-major `rows x T` Float32Arrays, the layout of `Dataset.labels`
 * and of a model's stacked outputs; each task's column is copied out once. User id 0 is the
 * Dataset's unknown user (missing, or pruned by minCount): its rows count for AUC, NE and log
 * loss but not for GAUC (`gaucRowsExcluded`).
 */
import { auc } from './auc.ts';
import { gauc } from './gauc.ts';
import { logloss, ne } from './logloss.ts';
import { avA, avG, riA, riG } from './paper.ts';

export interface TaskMetrics {
  name: string;
  n: number;
  positives: number;
  auc: number | null;
  gauc: number | null;
  usersUsed: number;
  /** Rows of the unknown user (id 0), left out of GAUC. */
  gaucRowsExcluded: number;
  ne: number | null;
  logloss: number | null;
}

export interface MultiTaskReport {
  tasks: TaskMetrics[];
  /** AV-A: `null` when any task's AUC is undefined (a mean over fewer tasks is not comparable). */
  avA: number | null;
  avG: number | null;
  /**
   * The mean AUC over the tasks that have one (a task with one class has none), for model
   * selection that must get a number; `meanAucTasks` says how many of the T tasks it covers.
   */
  meanAuc: number | null;
  meanAucTasks: number;
}

export interface EvaluateInput {
  taskNames: readonly string[];
  /** rows x T, 0/1. */
  labels: ArrayLike<number>;
  /** rows x T probabilities. */
  preds: ArrayLike<number>;
  /** One user id per row; without it GAUC is `null`. */
  users?: ArrayLike<number> | null;
}

export function evaluateTasks(input: EvaluateInput): MultiTaskReport {
  const T = input.taskNames.length;
  if (T === 0) throw new Error('evaluateTasks: no tasks');
  const n = input.labels.length / T;
  if (!Number.isInteger(n) || input.preds.length !== input.labels.length) {
    throw new Error(`evaluateTasks: labels (${input.labels.length}) and preds (${input.preds.length}) must both be rows x ${T}`);
  }
  if (input.users && input.users.length !== n) {
    throw new Error(`evaluateTasks: ${input.users.length} user ids for ${n} rows`);
  }
  const y = new Float64Array(n);
  const p = new Float64Array(n);
  const tasks: TaskMetrics[] = [];
  for (let t = 0; t < T; t++) {
    let positives = 0;
    for (let i = 0; i < n; i++) {
      y[i] = input.labels[i * T + t];
      p[i] = input.preds[i * T + t];
      positives += y[i];
    }
    const g = input.users ? gauc(input.users, y, p, { exclude: 0 }) : null;
    tasks.push({
      name: input.taskNames[t],
      n,
      positives,
      auc: auc(y, p),
      gauc: g ? g.gauc : null,
      usersUsed: g ? g.usersUsed : 0,
      gaucRowsExcluded: g ? g.rowsExcluded : 0,
      ne: ne(y, p),
      logloss: logloss(y, p),
    });
  }
  const aucs = tasks.map((m) => m.auc).filter((a): a is number => a !== null && Number.isFinite(a));
  return {
    tasks,
    avA: avA(tasks.map((m) => m.auc)),
    avG: avG(tasks.map((m) => m.gauc)),
    meanAuc: aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null,
    meanAucTasks: aucs.length,
  };
}

/** RI-A and RI-G of `report` against the Single baseline's report (tasks matched by name). */
export function compareToSingle(report: MultiTaskReport, single: MultiTaskReport): { riA: number | null; riG: number | null } {
  const base = new Map(single.tasks.map((m) => [m.name, m]));
  const b = report.tasks.map((m) => {
    const s = base.get(m.name);
    if (!s) throw new Error(`compareToSingle: the Single baseline has no task "${m.name}"`);
    return s;
  });
  return {
    riA: riA(report.tasks.map((m) => m.auc), b.map((m) => m.auc)),
    riG: riG(report.tasks.map((m) => m.gauc), b.map((m) => m.gauc)),
  };
}
