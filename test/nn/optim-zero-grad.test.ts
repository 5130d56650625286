import { afterAll, describe, expect, it, vi } from 'vitest';
import { ParameterStore } from '../../src/nn/store.ts';
import { Adagrad, Adam, SGD, type Optimizer } from '../../src/nn/optim/index.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';

/**
 * Optimizer.step({ zeroGrad: true }) leaves the store as step() then store.zeroGrad() do: the
 * same values and optimizer state, every gradient zero, the touched rows forgotten, step after
 * step. Adam zeroes in its kernels (no zeroGrad pass), the others after their update.
 */
const before = getBackend().name;
afterAll(() => void setBackend(before));

/** A long dense weight (a kernel thread's run), a short one, and three tables. */
function store(): ParameterStore {
  const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
  s.declare('w', [3, 501], { group: 'shared', init: 'xavier_uniform' });
  s.declare('e', [3000, 16], { group: 'shared', init: 'normal', sparse: true });
  s.declare('big', [600, 500], { group: 0, init: 'xavier_uniform' });
  s.declare('f', [2500, 16], { group: 'shared', init: 'normal', sparse: true });
  s.declare('h', [2000, 8], { group: 0, init: 'normal', sparse: true });
  return s.allocate(4);
}

/** Adds a gradient to what the store holds (so a gradient left unzeroed shows in the next step). */
function addGrads(s: ParameterStore, rng: Rng): void {
  for (const name of ['w', 'big']) {
    const g = s.get(name).grad;
    for (let i = 0; i < g.length; i += 3) g[i] += rng.normal();
  }
  for (const name of ['e', 'f', 'h']) {
    const p = s.get(name);
    for (let k = 0; k < 1800; k++) {
      const r = rng.int(0, p.rows);
      s.touchRow(p, r);
      const row = s.rowGrad(p, r);
      row[k % p.width] += rng.normal();
    }
  }
}

const bits = (x: Float32Array | Float64Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

const kinds: Array<[string, (s: ParameterStore) => Optimizer, boolean]> = [
  ['Adam (lazy, compact rows)', (s) => new Adam(s, { lr: 0.01 }), true],
  ['Adam (rows in place)', (s) => new Adam(s, { lr: 0.01, compactRows: false }), true],
  ['Adam (dense rule)', (s) => new Adam(s, { lr: 0.01, lazy: false }), true],
  ['SGD with momentum', (s) => new SGD(s, { lr: 0.05, momentum: 0.9 }), false],
  ['Adagrad', (s) => new Adagrad(s, { lr: 0.05 }), false],
];

describe('Optimizer.step({ zeroGrad: true })', () => {
  for (const backend of ['js', 'wasm'] as const) {
    for (const [label, make, fused] of kinds) {
      it(`${backend}, ${label}: step() then zeroGrad()'s values, state and zero gradients, four steps`, () => {
        setBackend(backend);
        const a = store(), b = store();
        const oa = make(a), ob = make(b);
        a.zeroGrad();
        b.zeroGrad();
        const ra = new Rng(9), rb = new Rng(9);
        const zeroGrad = vi.spyOn(b, 'zeroGrad');
        for (let t = 1; t <= 4; t++) {
          addGrads(a, ra);
          addGrads(b, rb);
          oa.step();
          a.zeroGrad();
          zeroGrad.mockClear();
          ob.step({ zeroGrad: true });
          // Adam's kernels zero as they read; the others leave it to zeroGrad, once.
          expect(zeroGrad).toHaveBeenCalledTimes(fused ? 0 : 1);
          expect(bits(b.values).equals(bits(a.values)), `values, step ${t}`).toBe(true);
          expect(b.grads.every((x) => Object.is(x, 0)), `every gradient +0, step ${t}`).toBe(true);
          expect(b.touchedCount()).toBe(0);
          expect(a.touchedCount()).toBe(0);
          const sa = oa.state().buffers, sb = ob.state().buffers;
          for (const k of Object.keys(sa)) expect(bits(sb[k]!).equals(bits(sa[k]!)), `${k}, step ${t}`).toBe(true);
        }
        zeroGrad.mockRestore();
      });
    }
  }

  it('without it the gradients stay as backward left them', () => {
    setBackend('wasm');
    const s = store(), opt = new Adam(s, { lr: 0.01 });
    s.zeroGrad();
    addGrads(s, new Rng(4));
    const g = Float32Array.from(s.grads);
    opt.step();
    expect(bits(s.grads).equals(bits(g))).toBe(true);
    expect(s.touchedCount()).toBeGreaterThan(0);
  });
});
