/**
 * Generated gradient matrices of the hard families of issue 14: log-normal norms, norm spreads
 * 1e-6..1e6 and 1..1e12, near-collinear rows (1e-8 rad, same or opposite sides), exactly
 * collinear rows, zero rows,
 * T > d. Seeded; one family per case index so every run covers all of them.
 */
import { Rng } from '../../../src/tensor/rng.ts';

export const FAMILIES = ['lognormal', 'spread1e6', 'spread1e12', 'near-collinear', 'near-antiparallel', 'collinear', 'zero-row', 'T>d'] as const;
export type Family = (typeof FAMILIES)[number];

export function familyG(seed: number, family: Family, T: number, d: number): Float64Array {
  const rng = new Rng(seed);
  if (family === 'T>d') d = Math.max(1, Math.min(d, T - 1));
  const G = new Float64Array(T * d);
  const base = Array.from({ length: d }, () => rng.normal());
  for (let t = 0; t < T; t++) {
    const scale = family === 'spread1e6' ? Math.pow(10, 6 * (2 * rng.next() - 1))
      : family === 'spread1e12' ? Math.pow(10, 12 * rng.next())
      : Math.exp(rng.normal());
    const sign = rng.next() < 0.5 ? -1 : 1;
    for (let k = 0; k < d; k++) {
      const v = family === 'near-collinear' ? base[k] + 1e-8 * rng.normal()
        : family === 'near-antiparallel' ? sign * base[k] + 1e-8 * rng.normal()
        : family === 'collinear' ? sign * base[k]
        : rng.normal();
      G[t * d + k] = scale * v;
    }
  }
  if (family === 'zero-row') G.fill(0, (seed % T) * d, (seed % T) * d + d);
  return G;
}

/** The float64 Gram matrix, summed plainly (no backend). */
export function gramOf(G: ArrayLike<number>, T: number): Float64Array {
  const d = G.length / T;
  const K = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += G[i * d + k] * G[j * d + k];
    K[i * T + j] = s;
  }
  return K;
}
