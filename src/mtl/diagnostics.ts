/**
 * Per-step diagnostics of a balancing step, for reports and `mtlkit balance`:
 * norms before and after, the T x T cosine matrix, conflict pairs and sets, the weights the
 * balancer used, and residual conflicts (pairs of crafted per-task gradients still negative
 * after balancing; tasks whose original gradient conflicts with the final update).
 * Cost: one Gram matrix and T dot products of length d (only when asked for).
 */
import type { BalancerInfo, Grad } from './balancer.ts';
import { dot, gram, quadForm } from './linalg.ts';

export interface Diagnostics {
  normsBefore: number[];
  /** Norms of the per-task crafted gradients (projection methods), or |w_t| |g_t| for weighting
   *  methods; null when the update is not a combination of this step's rows. */
  normsAfter: number[] | null;
  /** cos(g_i, g_j); 0 where a gradient is zero. */
  cosine: number[][];
  /** Pairs i < j with <g_i, g_j> < 0 before balancing. */
  conflictPairs: [number, number][];
  /** Per task, the tasks it was projected against (from the balancer), or those it conflicts with. */
  conflictSets: number[][];
  /** Effective row weights w with combined = sum_t w_t g_t (null when there are none). */
  weights: number[] | null;
  /** The method's own task weights when they differ from `weights` (MultiBalance's and MoCo's lambda). */
  taskWeights: number[] | null;
  lossWeights: number[] | null;
  /** <g_t, d> for every task: the first-order change of task t's loss is -lr times this. */
  alignment: number[];
  normUpdate: number;
  residualConflicts: {
    /** Pairs i < j whose crafted per-task gradients still have a negative inner product. */
    pairs: [number, number][];
    /** Tasks t with <g_t, d> < 0: the update increases their loss to first order. */
    tasksAgainstUpdate: number[];
  };
  notes: string[];
}

/**
 * Diagnostics of combined update `out` for gradients G (T x d), with what the balancer reported
 * for this combine (`balancer.lastInfo()`; null or absent: only what G and out show).
 */
export function diagnose(G: Grad, T: number, out: Grad, info: BalancerInfo | null = null): Diagnostics {
  const d = G.length / T;
  const K = new Float64Array(T * T);
  gram(G, K, T, d);
  const n = Array.from({ length: T }, (_, t) => Math.sqrt(Math.max(K[t * T + t], 0)));
  const cosine: number[][] = [];
  const conflictPairs: [number, number][] = [];
  for (let i = 0; i < T; i++) {
    const row: number[] = [];
    for (let j = 0; j < T; j++) {
      const den = n[i] * n[j];
      row.push(den > 0 ? K[i * T + j] / den : 0);
      if (j > i && K[i * T + j] < 0) conflictPairs.push([i, j]);
    }
    cosine.push(row);
  }
  const conflictSets = info?.conflictSets && info.conflictSets.length === T
    ? info.conflictSets.map((s) => [...s])
    : Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => j).filter((j) => j !== i && K[i * T + j] < 0));
  let normsAfter: number[] | null = null;
  const pairs: [number, number][] = [];
  if (info?.taskCoefs && info.taskCoefs.length === T * T) {
    const C = info.taskCoefs;
    normsAfter = Array.from({ length: T }, (_, i) => Math.sqrt(Math.max(quadForm(K, T, C, i * T), 0)));
    for (let i = 0; i < T; i++) {
      for (let j = i + 1; j < T; j++) {
        let ip = 0;
        for (let a = 0; a < T; a++) for (let b = 0; b < T; b++) ip += C[i * T + a] * K[a * T + b] * C[j * T + b];
        // Tolerate rounding relative to the norms: "negative" means clearly negative.
        if (ip < -1e-12 * normsAfter[i] * normsAfter[j]) pairs.push([i, j]);
      }
    }
  } else if (info?.weights && info.weights.length === T) {
    normsAfter = Array.from({ length: T }, (_, t) => Math.abs(info.weights![t]) * n[t]);
  }
  const alignment = Array.from({ length: T }, (_, t) => dot(G, t * d, out, 0, d));
  const normUpdate = Math.sqrt(dot(out, 0, out, 0, d));
  const tasksAgainstUpdate: number[] = [];
  for (let t = 0; t < T; t++) if (alignment[t] < -1e-12 * n[t] * normUpdate) tasksAgainstUpdate.push(t);
  return {
    normsBefore: n,
    normsAfter,
    cosine,
    conflictPairs,
    conflictSets,
    weights: info?.weights ? Array.from(info.weights) : null,
    taskWeights: info?.taskWeights ? Array.from(info.taskWeights) : null,
    lossWeights: info?.lossWeights ? Array.from(info.lossWeights) : null,
    alignment,
    normUpdate,
    residualConflicts: { pairs, tasksAgainstUpdate },
    notes: info ? [...info.notes] : [],
  };
}
