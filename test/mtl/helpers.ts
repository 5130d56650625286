/** Shared generators for the mtl tests: seeded gradients with log-normal per-task scales. */
import { Rng } from '../../src/tensor/rng.ts';
import type { BalanceContext } from '../../src/mtl/index.ts';

export function randomG(seed: number, T: number, d: number, { scale = 1, spread = 1, f32 = false } = {}): Float64Array | Float32Array {
  const rng = new Rng(seed);
  const G = f32 ? new Float32Array(T * d) : new Float64Array(T * d);
  for (let t = 0; t < T; t++) {
    const s = scale * Math.exp(spread * rng.normal());
    for (let k = 0; k < d; k++) G[t * d + k] = s * rng.normal();
  }
  return G;
}

export function randomLosses(seed: number, T: number): number[] {
  const rng = new Rng(seed ^ 0x5bd1e995);
  return Array.from({ length: T }, () => 0.05 + rng.next());
}

export function ctxFor(step: number, losses: number[], seed = 0, diagnostics = false): BalanceContext {
  return { step, losses, rng: new Rng(seed), diagnostics };
}

/** Row t of G as a Float64Array. */
export function row(G: ArrayLike<number>, t: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, k) => G[t * d + k]);
}

export function dotv(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dotv(a, a));
}

/** Crafted per-task gradient i = sum_j C[i,j] G_j. */
export function crafted(G: ArrayLike<number>, C: ArrayLike<number>, T: number, d: number, i: number): Float64Array {
  const out = new Float64Array(d);
  for (let j = 0; j < T; j++) {
    const c = C[i * T + j];
    for (let k = 0; k < d; k++) out[k] += c * G[j * d + k];
  }
  return out;
}

export function permuteRows(G: Float64Array, T: number, d: number, perm: ArrayLike<number>): Float64Array {
  const P = new Float64Array(T * d);
  for (let t = 0; t < T; t++) P.set(G.subarray(perm[t] * d, perm[t] * d + d), t * d);
  return P;
}
