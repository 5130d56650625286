/**
 * One balancer on the panel's gradients, through the library itself (src/core.ts): the same
 * call `mtlkit balance` makes (float64 rows, step 0, `new Rng(seed)`, diagnostics on), plus the
 * vectors the canvas draws, rebuilt from what lastInfo() reports.
 */
import {
  BalancerInputError, BalancerOptionError, Rng, createBalancer, diagnose,
  type Balancer, type Certificate, type Diagnostics,
} from '../../../src/core.ts';

export interface BalanceResult {
  method: string;
  /** The resolved options (defaults filled in). */
  options: Record<string, unknown>;
  kind: string;
  combined: number[];
  /** Effective row weights (combined = sum_t w_t g_t), or null. */
  weights: number[] | null;
  /** The method's own weights where they differ (MGDA 'normalized', CAGrad's w*, MultiBalance's and MoCo's lambda). */
  taskWeights: number[] | null;
  lossWeights: number[] | null;
  /** Eq. 5's factors f_t (gradcraft family, pcgrad+), or null. */
  rowScales: number[] | null;
  /** Eq. 5's adjusted gradients g^_t = f_t g_t, or null. */
  adjusted: number[][] | null;
  /** The per-task crafted gradients (projection methods), rebuilt from taskCoefs, or null. */
  crafted: number[][] | null;
  /** The per-task terms w_t g_t of a weighting method (no crafted gradients), or null. */
  weighted: number[][] | null;
  conflictSets: number[][];
  /** The randomised projection methods' visiting order per task, or null. */
  projectionOrder: number[][] | null;
  /** Their projections per task in the order made: onto which task, and the task's vector after it. */
  projectionPath: { onto: number; vector: number[] }[][] | null;
  /** cos between the per-task vectors after balancing (crafted, else weighted), or null when there are none. */
  cosineAfter: number[][] | null;
  /**
   * Norms of those vectors, taken from the vectors themselves. The library's diagnostics take
   * them through the Gram matrix (a quadratic form), whose rounding leaves about 1e-8 |g| where
   * a crafted gradient cancels to 0; from the vector they are exact to rounding.
   */
  normsAfter: number[] | null;
  /** Which of those vectors are zero to rounding (norm <= ZERO_RELATIVE max |g_t|). */
  zeroAfter: boolean[] | null;
  /** cos(g_t, update) per task. */
  alignmentCos: number[];
  /** The update is zero to rounding (|d| <= ZERO_RELATIVE max |g_t|). */
  zeroUpdate: boolean;
  certificate: Certificate | null;
  diagnostics: Diagnostics;
  notes: string[];
}

export interface BalanceFailure { method: string; error: string }

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
};
/**
 * Below this fraction of the largest input norm a derived vector is zero to rounding: a crafted
 * gradient made by cancelling O(|g|) terms (GradCraft with T > d, say) is then noise whose
 * direction means nothing, so its cosines are shown as 0, as the library does for a zero row.
 */
export const ZERO_RELATIVE = 1e-9;

const cosine = (a: number[], b: number[], zero: number): number => {
  const na = Math.sqrt(dot(a, a)), nb = Math.sqrt(dot(b, b));
  return na > zero && nb > zero ? dot(a, b) / (na * nb) : 0;
};

/** G as the float64 row-major matrix the balancers take. */
export function flatten(G: number[][]): Float64Array {
  const d = G[0]!.length;
  const flat = new Float64Array(G.length * d);
  G.forEach((r, t) => flat.set(r, t * d));
  return flat;
}

/** sum_j c_j G_j. */
function rowOf(c: ArrayLike<number>, G: number[][]): number[] {
  return G[0]!.map((_, k) => G.reduce((s, g, j) => s + c[j]! * g[k]!, 0));
}

function combos(C: ArrayLike<number>, G: number[][]): number[][] {
  const T = G.length, d = G[0]!.length;
  return Array.from({ length: T }, (_, i) => Array.from({ length: d }, (_, k) => {
    let s = 0;
    for (let j = 0; j < T; j++) s += C[i * T + j]! * G[j]![k]!;
    return s;
  }));
}

export function runBalancer(
  G: number[][], method: string, options: Record<string, unknown>, seed: number, losses: number[],
): BalanceResult | BalanceFailure {
  const T = G.length;
  const flat = flatten(G);
  let b: Balancer;
  let out: Float64Array;
  try {
    b = createBalancer(method, options);
    out = b.combine(flat, T, { step: 0, losses, rng: new Rng(seed), diagnostics: true });
  } catch (e) {
    if (e instanceof BalancerOptionError || e instanceof BalancerInputError) return { method, error: e.message };
    throw e;
  }
  const info = b.lastInfo();
  const diagnostics = diagnose(flat, T, out, info);
  const combined = Array.from(out);
  const crafted = info?.taskCoefs && info.taskCoefs.length === T * T ? combos(info.taskCoefs, G) : null;
  const f = info?.rowScales && info.rowScales.length === T ? info.rowScales : null;
  const adjusted = f ? G.map((r, t) => r.map((x) => x * f[t]!)) : null;
  const weights = info?.weights ? Array.from(info.weights) : null;
  const weighted = !crafted && weights ? G.map((r, t) => r.map((x) => x * weights[t]!)) : null;
  const after = crafted ?? weighted;
  const zero = ZERO_RELATIVE * Math.max(...G.map((g) => Math.sqrt(dot(g, g))));
  return {
    method: b.id, options: { ...b.options }, kind: b.kind, combined, weights,
    taskWeights: info?.taskWeights ? Array.from(info.taskWeights) : null,
    lossWeights: info?.lossWeights ? Array.from(info.lossWeights) : null,
    rowScales: f ? Array.from(f) : null, adjusted, crafted, weighted,
    conflictSets: diagnostics.conflictSets,
    projectionOrder: info?.projectionOrder ? info.projectionOrder.map((o) => [...o]) : null,
    projectionPath: info?.projectionSteps ? info.projectionSteps.map((steps) => steps.map((s) => ({ onto: s.onto, vector: rowOf(s.coefs, G) }))) : null,
    cosineAfter: after ? after.map((a) => after.map((c) => cosine(a, c, zero))) : null,
    normsAfter: after ? after.map((a) => Math.sqrt(dot(a, a))) : null,
    zeroAfter: after ? after.map((a) => Math.sqrt(dot(a, a)) <= zero) : null,
    alignmentCos: G.map((g) => cosine(g, combined, zero)),
    zeroUpdate: Math.sqrt(dot(combined, combined)) <= zero,
    certificate: info?.certificate ? structuredClone(info.certificate) : null,
    diagnostics,
    notes: diagnostics.notes,
  };
}

export const failed = (r: BalanceResult | BalanceFailure): r is BalanceFailure => 'error' in r;
