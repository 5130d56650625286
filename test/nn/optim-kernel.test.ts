import { afterAll, describe, expect, it, vi } from 'vitest';
import { ParameterStore } from '../../src/nn/store.ts';
import { Adam } from '../../src/nn/optim/index.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';

const before = getBackend().name;
afterAll(() => void setBackend(before));

/** A dense 1500-element weight (odd length) and a 400 x 16 table, float32. */
function store(): ParameterStore {
  const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
  s.declare('w', [3, 500], { group: 'shared', init: 'xavier_uniform' });
  s.declare('e', [400, 16], { group: 'shared', init: 'normal', sparse: true });
  return s.allocate(3);
}

function randomGrads(s: ParameterStore, rng: Rng): void {
  s.zeroGrad();
  const g = s.get('w').grad;
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  const p = s.get('e');
  for (let k = 0; k < 150; k++) {
    const r = rng.int(0, 300);
    s.touchRow(p, r);
    const row = s.rowGrad(p, r);
    for (let j = 0; j < 16; j++) row[j] += rng.normal();
  }
}

/** The loop Adam ran before it became a backend kernel, over every touched element. */
function referenceAdam(s: ParameterStore, m: Float32Array, v: Float32Array, t: number, lr: number): void {
  const b1 = 0.9, b2 = 0.999, c1 = 1 - b1, c2 = 1 - b2, eps = 1e-8;
  const step = lr / (1 - Math.pow(b1, t)), r = 1 / Math.sqrt(1 - Math.pow(b2, t));
  const w = s.values, g = s.grads;
  s.forEachRun((a, b) => {
    for (let i = a; i < b; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i]! + c1 * gi;
      const vi = b2 * v[i]! + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= (step * mi) / (Math.sqrt(vi) * r + eps);
    }
  });
}

/**
 * `steps` Adam steps on `a` and the reference loop on `ref` (lr 0.01, moments m and v) from the
 * same gradients (`grads` with equal seeds): the same values, bit for bit, after each.
 */
function stepsMatchReference(opt: Adam, a: ParameterStore, ref: ParameterStore, m: Float32Array, v: Float32Array, steps: number,
  grads: (s: ParameterStore, rng: Rng) => void, seed: number): void {
  const ra = new Rng(seed), rr = new Rng(seed);
  for (let t = 1; t <= steps; t++) {
    grads(a, ra);
    grads(ref, rr);
    opt.step();
    referenceAdam(ref, m, v, t, 0.01);
    expect(Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength)
      .equals(Buffer.from(ref.values.buffer, ref.values.byteOffset, ref.values.byteLength)), `step ${t}`).toBe(true);
  }
}

describe('Adam through the backend kernel', () => {
  for (const name of ['js', 'wasm'] as const) {
    it(`${name}: the reference loop's bits over dense runs and lazy compact rows`, () => {
      setBackend(name);
      const a = store(), ref = store();
      if (name === 'wasm') expect(a.values.buffer).toBeInstanceOf(SharedArrayBuffer); // the kernel path
      const opt = new Adam(a, { lr: 0.01 });
      const m = new Float32Array(ref.size), v = new Float32Array(ref.size);
      stepsMatchReference(opt, a, ref, m, v, 6, randomGrads, 5);
      const st = opt.state();
      expect(Array.from(st.buffers.m!)).toEqual(Array.from(m));
      expect(Array.from(st.buffers.v!)).toEqual(Array.from(v));
    });
  }
});

describe('Adam: the longest dense run beside the placing of the table rows', () => {
  it('wasm on two threads: the reference bits every step, the longest run handed to adamRunAlongside, the tables to one adamRunSets', () => {
    setBackend('wasm');
    // Two dense runs (the shared weight, then the task's after the shared tables), two tables.
    const make = (): ParameterStore => {
      const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
      s.declare('w', [3, 500], { group: 'shared', init: 'xavier_uniform' });
      s.declare('e', [400, 16], { group: 'shared', init: 'normal', sparse: true });
      s.declare('big', [600, 500], { group: 0, init: 'xavier_uniform' });
      s.declare('f', [300, 16], { group: 'shared', init: 'normal', sparse: true });
      return s.allocate(4);
    };
    const a = make(), ref = make();
    const opt = new Adam(a, { lr: 0.01 });
    const m = new Float32Array(ref.size), v = new Float32Array(ref.size);
    const spy = vi.spyOn(getBackend(), 'adamRunAlongside');
    const sets = vi.spyOn(getBackend(), 'adamRunSets');
    const grads = (s: ParameterStore, rng: Rng): void => {
      randomGrads(s, rng);
      const g = s.get('big').grad;
      for (let i = 0; i < g.length; i += 7) g[i] = rng.normal();
      const f = s.get('f');
      for (let k = 0; k < 90; k++) {
        const r = rng.int(0, 300);
        s.touchRow(f, r);
        s.rowGrad(f, r)[r % 16] += rng.normal();
      }
    };
    try {
      stepsMatchReference(opt, a, ref, m, v, 4, grads, 8);
      const runs: number[] = [];
      a.forEachRun((x, y) => void runs.push(x, y), { sparse: false });
      const big = a.get('big');
      expect(runs).toEqual([a.get('w').offset, a.get('w').offset + 1500, big.offset, big.offset + 300_000]);
      expect(spy).toHaveBeenCalledTimes(4);
      expect(spy.mock.calls[0]!.slice(4, 7)).toEqual([big.offset, big.offset, 300_000]);
      // Both tables' touched rows in one call a step, each set with its table's rows.
      expect(sets).toHaveBeenCalledTimes(4);
      const last = sets.mock.calls[3]![2];
      expect(last.map((x) => [x.count, x.width])).toEqual([[a.touched(a.get('e')).length, 16], [a.touched(a.get('f')).length, 16]]);
    } finally {
      spy.mockRestore();
      sets.mockRestore();
    }
    const st = opt.state();
    expect(Array.from(st.buffers.m!)).toEqual(Array.from(m));
    expect(Array.from(st.buffers.v!)).toEqual(Array.from(v));
  });
});
