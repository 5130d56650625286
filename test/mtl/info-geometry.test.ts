/**
 * What the playground's Geometry panel reads from the registry and from lastInfo(), beyond the
 * combined update: option checks that say what they accept (so controls are built from the
 * spec), the eq. 5 factors of the GradCraft family (rowScales) and the drawn projection order of
 * the randomised projection methods (projectionOrder), each checked against the method itself.
 */
import { describe, expect, it } from 'vitest';
import { balancerIds, balancers, createBalancer, type BalancerEntry } from '../../src/mtl/index.ts';
import { ctxFor, randomG } from './helpers.ts';

const entry = (id: string): BalancerEntry => (balancers as Record<string, BalancerEntry>)[id]!;

describe('option specs describe what they accept', () => {
  it('every built-in option with a string or boolean default lists its choices, and every numeric one its range or choices, containing the default', () => {
    for (const id of balancerIds) {
      for (const [name, o] of Object.entries(entry(id).options)) {
        const where = `${id}.${name}`;
        if (typeof o.default === 'string' || typeof o.default === 'boolean') {
          expect(o.check?.choices, where).toContain(o.default);
        } else if (typeof o.default === 'number' && o.check?.choices) {
          expect(o.check.choices, where).toContain(o.default);
        } else if (typeof o.default === 'number') {
          const r = o.check?.range;
          expect(r, where).toBeDefined();
          expect(o.check!(o.default), where).toBeNull();
          expect(o.default, where).toBeGreaterThanOrEqual(r!.lo);
          expect(o.default, where).toBeLessThanOrEqual(r!.hi);
        }
      }
    }
  });

  it('a choice list and a range are the ones the check enforces', () => {
    const reduction = entry('pcgrad').options.reduction!.check!;
    for (const c of reduction.choices!) expect(reduction(c)).toBeNull();
    expect(reduction('median')).toMatch(/must be one of/);
    const tau = entry('gradcraft').options.tau!.check!;
    expect(tau.range).toEqual({ lo: 0, hi: 1, int: false, openLo: false });
    expect(tau(1.5)).toMatch(/\[0, 1\]/);
  });
});

describe('rowScales: the eq. 5 factors of gradcraft, gradcraft (local) and pcgrad+', () => {
  for (const [id, options] of [['gradcraft', {}], ['gradcraft', { ablation: 'local' }], ['pcgrad+', {}], ['gradcraft', { tau: 0.3 }]] as const) {
    it(`${id} ${JSON.stringify(options)}: f_t = tau max|g| / |g_t| + 1 - tau`, () => {
      const T = 4, d = 5;
      const G = randomG(7, T, d, { spread: 1.5 });
      const b = createBalancer(id, options);
      b.combine(G, T, ctxFor(0, [1, 1, 1, 1], 3, true));
      const f = b.lastInfo()!.rowScales!;
      const norms = Array.from({ length: T }, (_, t) => Math.hypot(...G.subarray(t * d, t * d + d)));
      const tau = b.options.tau as number;
      const max = Math.max(...norms);
      for (let t = 0; t < T; t++) expect(f[t]).toBeCloseTo(tau * max / norms[t]! + 1 - tau, 12);
    });
  }
});

describe('projectionOrder: the order each task visited the others in', () => {
  it('pcgrad: one permutation of 0..T-1 per task with diagnostics, none without', () => {
    const T = 5, d = 3;
    const G = randomG(11, T, d);
    const b = createBalancer('pcgrad');
    b.combine(G, T, ctxFor(2, [], 9, false));
    expect(b.lastInfo()!.projectionOrder ?? null).toBeNull();
    b.combine(G, T, ctxFor(2, [], 9, true));
    const orders = b.lastInfo()!.projectionOrder!;
    expect(orders).toHaveLength(T);
    for (const o of orders) expect([...o].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('pcgrad: replaying Algorithm 1 in the reported order gives the reported per-task coefficients', () => {
    const T = 5, d = 3;
    const G = randomG(5, T, d);
    const b = createBalancer('pcgrad');
    b.combine(G, T, ctxFor(1, [], 4, true));
    const info = b.lastInfo()!;
    const rows = Array.from({ length: T }, (_, t) => Array.from(G.subarray(t * d, t * d + d)));
    const dot = (x: number[], y: number[]): number => x.reduce((s, v, k) => s + v * y[k]!, 0);
    for (let i = 0; i < T; i++) {
      const g = [...rows[i]!];
      for (const j of info.projectionOrder![i]!) {
        if (j === i) continue;
        const ip = dot(g, rows[j]!);
        if (ip < 0) for (let k = 0; k < d; k++) g[k]! -= (ip / dot(rows[j]!, rows[j]!)) * rows[j]![k]!;
      }
      const fromCoefs = Array.from({ length: d }, (_, k) => rows.reduce((s, r, j) => s + info.taskCoefs![i * T + j]! * r[k]!, 0));
      for (let k = 0; k < d; k++) expect(fromCoefs[k]).toBeCloseTo(g[k]!, 12);
    }
  });

  it('projectionSteps: each task\'s projections in the order made, onto tasks of its conflict set, the last one its crafted gradient', () => {
    const T = 5, d = 3;
    const G = randomG(21, T, d, { spread: 1 });
    for (const [id, o] of [['pcgrad', {}], ['pcgrad', { selfProjection: true }], ['pcgrad+', {}], ['gradcraft', { ablation: 'local' }], ['gradvac', {}]] as const) {
      const b = createBalancer(id, o);
      b.combine(G, T, ctxFor(4, [], 2, true));
      const info = b.lastInfo()!;
      const steps = info.projectionSteps!;
      expect(steps, id).toHaveLength(T);
      let made = 0;
      for (let i = 0; i < T; i++) {
        // The tasks projected against, in order, are the conflict set (self-projections aside).
        expect(steps[i]!.map((s) => s.onto).filter((j) => j !== i), `${id} task ${i}`).toEqual(info.conflictSets![i]);
        const order = info.projectionOrder![i]!;
        const at = steps[i]!.map((s) => order.indexOf(s.onto));
        expect(at, `${id} task ${i}: steps follow the drawn order`).toEqual([...at].sort((x, y) => x - y));
        const last = steps[i]!.length ? steps[i]![steps[i]!.length - 1]!.coefs : Array.from({ length: T }, (_, j) => (j === i ? 1 : 0));
        for (let j = 0; j < T; j++) expect(last[j], `${id} task ${i} coef ${j}`).toBeCloseTo(info.taskCoefs![i * T + j]!, 12);
        made += steps[i]!.length;
      }
      expect(made, `${id}: some projections on these gradients`).toBeGreaterThan(0);
    }
    const quiet = createBalancer('pcgrad');
    quiet.combine(G, T, ctxFor(4, [], 2, false));
    expect(quiet.lastInfo()!.projectionSteps ?? null).toBeNull();
  });

  it('gradvac, pcgrad+ and gradcraft (local) report one permutation per task', () => {
    const T = 3, d = 2;
    const G = randomG(3, T, d);
    for (const [id, o] of [['gradvac', {}], ['pcgrad+', {}], ['gradcraft', { ablation: 'local' }]] as const) {
      const b = createBalancer(id, o);
      b.combine(G, T, ctxFor(0, [], 1, true));
      const orders = b.lastInfo()!.projectionOrder!;
      expect(orders.map((x) => [...x].sort()), id).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
    }
  });
});
