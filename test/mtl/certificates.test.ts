/**
 * The certificate harness: every registered balancer that solves an optimisation problem
 * registers a `certify` check beside it (BalancerEntry.certify), and this file runs that check
 * on the hard input families of issue 14, from a Gram matrix computed here, not by the
 * balancer. A balancer whose answer does not verify must say so in its notes; one that
 * claims a certificate must report the same verdict the registered check reaches.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancerIds, balancers, createBalancer, type BalancerEntry, type BalanceContext } from '../../src/mtl/index.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** The methods whose answer is the solution of an optimisation problem: each must certify. */
const SOLVERS = ['mgda', 'cagrad', 'gradcraft-exact', 'imtl'] as const;

/** Options under which each solver is certified, beyond its defaults. */
const VARIANTS: Record<string, Record<string, unknown>[]> = {
  mgda: [{}, { normalization: 'l2' }, { normalization: 'loss' }, { normalization: 'loss+' }],
  cagrad: [{}, { c: 0.5, rescale: 0 }, { c: 2 }],
  'gradcraft-exact': [{}, { ablation: 'ori' }, { tau: 0 }, { epsilon: 0.3 }],
  imtl: [{}],
};

type Family = 'lognormal' | 'spread' | 'collinear' | 'near-collinear' | 'zero-row' | 'wide';
const FAMILIES: Family[] = ['lognormal', 'spread', 'collinear', 'near-collinear', 'zero-row', 'wide'];

/** One hard case: G (T x d, float64) from a family of issue 14's probes. */
function hardCase(seed: number, family: Family, T: number, d: number): Float64Array {
  const rng = new Rng(seed);
  const G = new Float64Array(T * d);
  const dir = Float64Array.from({ length: d }, () => rng.normal());
  for (let t = 0; t < T; t++) {
    // Row norms: log-normal, or spread log-uniformly over 1e-6 .. 1e6 (and to 1e12).
    const scale = family === 'spread' ? Math.pow(10, -6 + 12 * rng.next()) : family === 'wide' ? Math.pow(10, 12 * rng.next()) : Math.exp(rng.normal());
    for (let k = 0; k < d; k++) {
      let v = rng.normal();
      if (family === 'collinear' && t < 2) v = (t === 0 ? 1 : -2) * dir[k];
      if (family === 'near-collinear' && t < 2) v = dir[k] + (t === 0 ? 0 : 1e-8 * rng.normal());
      G[t * d + k] = scale * v;
    }
  }
  if (family === 'zero-row') G.fill(0, 0, d);
  return G;
}

function gramOf(G: Float64Array, T: number, d: number): Float64Array {
  const K = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += G[i * d + k] * G[j * d + k];
      K[i * T + j] = s;
    }
  }
  return K;
}

const entryOf = (id: string): BalancerEntry => (balancers as Record<string, BalancerEntry>)[id];

describe('certificates', () => {
  it('every optimisation-based balancer registers a certificate check', () => {
    for (const id of SOLVERS) expect(typeof entryOf(id).certify, id).toBe('function');
  });

  const certified = balancerIds.filter((id) => typeof entryOf(id).certify === 'function');
  describe.each(certified)('%s', (id) => {
    it.each((VARIANTS[id] ?? [{}]).map((o) => [JSON.stringify(o), o] as const))(
      'verifies its answer on the hard families, options %s',
      (_, options) => {
        const entry = entryOf(id);
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(...FAMILIES), fc.constantFrom(2, 3, 6), fc.constantFrom(3, 7, 50),
            (seed, family, T, d) => {
              const G = hardCase(seed, family, T, d);
              const b = createBalancer(id, options);
              const losses = Array.from({ length: T }, (_, t) => 0.1 + ((seed >>> t) % 7) / 5);
              const ctx: BalanceContext = { step: 0, losses, rng: new Rng(seed) };
              const out = b.combine(G, T, ctx);
              for (const v of out) expect(Number.isFinite(v)).toBe(true);
              const info = b.lastInfo()!;
              const cert = entry.certify!(gramOf(G, T, d), T, info, b.options, ctx);
              // An honest infeasible verdict is allowed (gradcraft-exact with epsilon > 0 when
              // the constraints conflict); an unverified answer is not.
              expect(cert.status, `${family} T=${T} d=${d} seed=${seed}: ${JSON.stringify(cert.conditions.filter((c) => !c.ok))}`).not.toBe('unverified');
              expect(info.certificate, 'the balancer reports its own certificate').toBeTruthy();
              expect(info.certificate!.status).toBe(cert.status);
              if (cert.status !== 'optimal') expect(info.notes.length).toBeGreaterThan(0);
            },
          ),
          { numRuns: 120, seed: 14 },
        );
      },
    );
  });
});
