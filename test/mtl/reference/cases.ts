/**
 * The generated cases, seeded: one-step matrices from the families below, and long sequences
 * for the stateful methods. Every case carries positive losses (methods that ignore them do).
 *
 * Families: 'golden' J = [[-4,1,1],[6,1,1]]; 'random' (log-normal norms); 'spread' (norms
 * 10^U(-6, 6)); 'poles' (norms 1e-6 and 1e6 only); 'large' / 'small' (norms near 1e12 / 1e-12);
 * 'near-collinear-1e-k' (rows within 1e-k rad of one direction, either sign); 'collinear'
 * (exact multiples by powers of two, either sign); 'zero' (one or two zero rows); 'wide'
 * (T = 6 > d = 3). T in {2, 3, 6}, d in {3, 50} and a few at d = 1000.
 */
import { Rng } from './rng.ts';
import type { Rows, Vec } from './vec.ts';
import { nrm, scaled } from './vec.ts';

export interface Case {
  family: string;
  G: Rows;
  losses: number[];
  step: number;
  epoch?: number;
  /** Seed of the caller's generator passed in the context. */
  seed: number;
}

export type Sequence = Case[];

const TS = [2, 3, 6];

function direction(rng: Rng, d: number): Vec {
  const v = Float64Array.from({ length: d }, () => rng.normal());
  return scaled(v, 1 / nrm(v));
}

function rows(rng: Rng, T: number, d: number, norms: number[]): Rows {
  return norms.map((n) => scaled(direction(rng, d), n));
}

const pick = <X>(rng: Rng, xs: readonly X[]): X => xs[rng.int(0, xs.length)];
const losses = (rng: Rng, T: number): number[] => Array.from({ length: T }, () => 0.05 + rng.next());

export const FAMILIES = [
  'golden', 'random', 'spread', 'poles', 'large', 'small', 'collinear', 'zero', 'wide',
  'near-collinear-1e-2', 'near-collinear-1e-4', 'near-collinear-1e-6', 'near-collinear-1e-8',
] as const;

/** The angle between the rows of a near-collinear family (0 for the others). */
export const angleOf = (family: string): number => (family.startsWith('near-collinear-') ? Number(family.slice(15)) : 0);

export function matrix(rng: Rng, family: string, T: number, d: number): Rows {
  const logNormal = () => Array.from({ length: T }, () => Math.exp(rng.normal()));
  switch (family) {
    case 'golden': return [Float64Array.from([-4, 1, 1]), Float64Array.from([6, 1, 1])];
    case 'random': return rows(rng, T, d, logNormal());
    case 'spread': return rows(rng, T, d, Array.from({ length: T }, () => 10 ** rng.uniform(-6, 6)));
    case 'poles': return rows(rng, T, d, Array.from({ length: T }, (_, t) => (t % 2 ? 1e6 : 1e-6) * (1 + rng.next())));
    case 'large': return rows(rng, T, d, logNormal().map((n) => n * 1e12));
    case 'small': return rows(rng, T, d, logNormal().map((n) => n * 1e-12));
    case 'near-collinear-1e-2': case 'near-collinear-1e-4': case 'near-collinear-1e-6': case 'near-collinear-1e-8': {
      const v = direction(rng, d), angle = Number(family.slice('near-collinear-'.length));
      return Array.from({ length: T }, (_, t) => {
        if (t >= 3 && rng.bernoulli(0.5)) return scaled(direction(rng, d), Math.exp(rng.normal()));
        const w = direction(rng, d).map((x, k) => v[k] + angle * x);
        return scaled(w, (rng.bernoulli(0.5) ? -1 : 1) * Math.exp(rng.normal()) / nrm(w));
      });
    }
    case 'collinear': {
      const G = rows(rng, T, d, logNormal());
      const src = rng.int(0, T);
      for (let t = 0; t < T; t++) if (t !== src && rng.bernoulli(0.6)) G[t] = scaled(G[src], pick(rng, [2, -1, 0.5, -4, 1, -0.25]));
      return G;
    }
    case 'zero': {
      const G = rows(rng, T, d, logNormal());
      G[rng.int(0, T)].fill(0);
      if (T > 3 && rng.bernoulli(0.5)) G[rng.int(0, T)].fill(0);
      return G;
    }
    case 'wide': return rows(rng, 6, 3, logNormal());
    default: throw new Error(`unknown family ${family}`);
  }
}

/** One-step cases: `n` at d in {3, 50}, then `nBig` at d = 1000. */
export function oneStepCases(seed: number, n: number, nBig: number): Case[] {
  const rng = new Rng(seed), out: Case[] = [];
  for (let c = 0; c < n + nBig; c++) {
    const family = c < n ? FAMILIES[c % FAMILIES.length] : pick(rng, ['random', 'spread', 'near-collinear-1e-4', 'zero'] as const);
    const T = pick(rng, TS), d = c < n ? pick(rng, [3, 50]) : 1000;
    const G = matrix(rng, family, T, d);
    out.push({ family, G, losses: losses(rng, G.length), step: rng.int(0, 1e6), seed: rng.int(0, 2 ** 31) });
  }
  return out;
}

/**
 * Sequences of `len` steps: a drifting base matrix plus noise (family 'random', 'spread',
 * 'zero' or 'near-collinear'), drifting losses, and on every other sequence an epoch that
 * lasts 4 steps.
 */
export function sequences(seed: number, n: number, len: number): Sequence[] {
  const rng = new Rng(seed), out: Sequence[] = [];
  for (let s = 0; s < n; s++) {
    const family = pick(rng, ['random', 'spread', 'zero', 'near-collinear-1e-2', 'near-collinear-1e-6', 'collinear'] as const);
    const T = pick(rng, TS), d = pick(rng, [3, 50]);
    const base = matrix(rng, family, T, d);
    const L = losses(rng, T), gseed = rng.int(0, 2 ** 31), epochs = s % 2 === 1;
    const seq: Case[] = [];
    for (let k = 0; k < len; k++) {
      const G = base.map((g) => {
        const n = nrm(g);
        return n > 0 ? g.map((x) => x + 0.3 * n * rng.normal() / Math.sqrt(d)) : Float64Array.from(g);
      });
      for (let t = 0; t < T; t++) L[t] = Math.max(0.01, L[t] * Math.exp(0.2 * rng.normal()));
      seq.push({ family, G, losses: [...L], step: k, epoch: epochs ? k >> 2 : undefined, seed: gseed });
    }
    out.push(seq);
  }
  return out;
}
