/**
 * Hard input families for the certificate tests: spread norms (to 1e12), near-collinear rows
 * (down to 1e-8 rad), exactly collinear and opposite rows, zero rows, T > d.
 */
import fc from 'fast-check';
import { Rng } from '../../../src/tensor/rng.ts';

export type Family = 'plain' | 'spread6' | 'spread12' | 'near' | 'collinear' | 'zero' | 'wide';
export const FAMILIES: Family[] = ['plain', 'spread6', 'spread12', 'near', 'collinear', 'zero', 'wide'];

export interface Case { G: Float64Array; T: number; d: number; family: Family; seed: number }

/** One case of a family from a seed: T in 2..6 (6 for 'wide', with d = 3). */
export function makeCase(family: Family, seed: number): Case {
  const rng = new Rng(seed);
  const T = family === 'wide' ? 6 : 2 + Math.floor(rng.next() * 5);
  const d = family === 'wide' ? 3 : [3, 8, 50][Math.floor(rng.next() * 3)];
  const G = new Float64Array(T * d);
  for (let i = 0; i < T * d; i++) G[i] = rng.normal();
  const scaleRow = (t: number, s: number): void => { for (let k = 0; k < d; k++) G[t * d + k] *= s; };
  const copyRow = (to: number, from: number, s: number): void => { for (let k = 0; k < d; k++) G[to * d + k] = s * G[from * d + k]; };
  if (family === 'spread6' || family === 'spread12' || family === 'wide') {
    const e = family === 'spread12' ? 6 : family === 'spread6' ? 3 : 1;
    for (let t = 0; t < T; t++) scaleRow(t, Math.pow(10, e * (2 * rng.next() - 1)));
  }
  if (family === 'near') {
    // Rows at angles 10^-[2..8] rad from another row (or its opposite).
    const theta = Math.pow(10, -2 - 6 * rng.next());
    for (let t = 1; t < T; t++) {
      if (rng.next() < 0.6) {
        const from = Math.floor(rng.next() * t);
        const sgn = rng.next() < 0.3 ? -1 : 1;
        const nf = Math.hypot(...Array.from({ length: d }, (_, k) => G[from * d + k]));
        const pert = Array.from({ length: d }, () => rng.normal());
        const np = Math.hypot(...pert);
        const s = Math.pow(10, 2 * rng.next() - 1);
        for (let k = 0; k < d; k++) G[t * d + k] = s * sgn * (G[from * d + k] + theta * nf * pert[k] / np);
      }
    }
  }
  if (family === 'collinear') {
    for (let t = 1; t < T; t++) {
      if (rng.next() < 0.6) copyRow(t, Math.floor(rng.next() * t), (rng.next() < 0.3 ? -1 : 1) * Math.pow(10, 2 * rng.next() - 1));
    }
  }
  if (family === 'zero') {
    for (let t = 0; t < T; t++) if (rng.next() < 0.35) scaleRow(t, 0);
  }
  return { G, T, d, family, seed };
}

export const arbCase = fc.record({ family: fc.constantFrom(...FAMILIES), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) })
  .map(({ family, seed }) => makeCase(family, seed));
