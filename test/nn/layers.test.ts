import { describe, expect, it, vi } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { sum } from '../../src/autograd/ops/reduce.ts';
import { add, mul } from '../../src/autograd/ops/arithmetic.ts';
import { backward } from '../../src/autograd/backward.ts';
import { noGrad } from '../../src/autograd/mode.ts';
import { ParameterStore } from '../../src/nn/store.ts';
import { Linear } from '../../src/nn/layers/linear.ts';
import { MLP } from '../../src/nn/layers/mlp.ts';
import { Dropout } from '../../src/nn/layers/dropout.ts';
import { Embedding } from '../../src/nn/layers/embedding.ts';
import { FM } from '../../src/nn/layers/fm.ts';
import { DeepFM } from '../../src/nn/layers/deepfm.ts';
import { Gate, mixture } from '../../src/nn/layers/gate.ts';
import { Scratch, paramTensor } from '../../src/nn/module.ts';
import { NonFiniteGradientError } from '../../src/autograd/errors.ts';
import { activeBackendName, getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { flatGradcheck, randomIds } from './helpers.ts';

const TOL = 1e-6;

function input(rng: Rng, b: number, d: number): Tensor {
  return Tensor.fromStorage(Float64Array.from({ length: b * d }, () => rng.normal()), [b, d], { requiresGrad: true });
}

function store(tasks = 1): ParameterStore {
  return new ParameterStore({ tasks, dtype: 'float64' });
}

/** Runs `fn` on each backend in turn, then restores the one active before. */
function onBackends(names: readonly string[], fn: (name: string) => void): void {
  const before = activeBackendName();
  try {
    for (const name of names) {
      setBackend(name);
      fn(name);
    }
  } finally {
    setBackend(before);
  }
}

/** The backward of `loss` throws a NonFiniteGradientError naming op and input, with the value. */
function expectNamedNonFinite(loss: () => Tensor, op: string, input: number, what: string): void {
  let caught: unknown = null;
  try {
    backward(loss());
  } catch (e) {
    caught = e;
  }
  expect(caught, what).toBeInstanceOf(NonFiniteGradientError);
  const e = caught as NonFiniteGradientError;
  expect([e.op, e.input], what).toEqual([op, input]);
  expect(Number.isFinite(e.value)).toBe(false);
}

describe('gradcheck of every layer through the flat buffers (float64)', () => {
  it('Linear (with and without ReLU, bias)', () => {
    for (const activation of ['none', 'relu'] as const) {
      for (const bias of [true, false]) {
        const s = store();
        const lin = new Linear(s, 'lin', 5, 3, { group: 'shared', bias, activation, init: 'he_normal' });
        s.allocate(1);
        const x = input(new Rng(2), 4, 5);
        const res = flatGradcheck(s, () => lin.forward(x), { leaves: [x] });
        expect(res.maxError, res.where).toBeLessThan(TOL);
      }
    }
  });

  it('a Linear whose matmuls store a NaN or Inf (they check as they store) still has it named by op, input and element', () => {
    // js: matmul then a pass; wasm: the native matmul's check on each tile where it loads.
    onBackends(['js', 'wasm'], (name) => {
      for (const [broken, input] of [['weight', 0], ['x', 1]] as const) {
        const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
        const lin = new Linear(s, 'lin', 40, 24, { group: 'shared', activation: 'none', init: 'he_normal' });
        s.allocate(1);
        const rng = new Rng(3);
        const x = Tensor.fromStorage(Float32Array.from({ length: 30 * 40 }, () => rng.normal()), [30, 40], { requiresGrad: true });
        // An Inf weight makes x's gradient (g W^T) Inf; a NaN in x makes W's (x^T g) NaN.
        if (broken === 'weight') paramTensor(lin.weight).data[5 * 24 + 7] = Infinity;
        else x.data[2 * 40 + 9] = NaN;
        expectNamedNonFinite(() => sum(lin.forward(x)), 'linear', input, `${name} ${broken}`);
      }
    });
  });

  it('a mixture whose backward stores a NaN or Inf (the wasm kernel checks as it stores) still has it named by op, input and element', () => {
    onBackends(['js', 'wasm'], (name) => {
      // Rows x width over the wasm kernel's threshold; an Inf gate weight makes that expert's
      // gradient Inf, a NaN in an expert's output makes the gate weight's gradient NaN.
      for (const [broken, input] of [['w', 2], ['x', 0]] as const) {
        const [B, d] = [64, 16];
        const rng = new Rng(4);
        const leaf = (n: number): Tensor => Tensor.fromStorage(Float32Array.from({ length: B * n }, () => rng.normal()), [B, n], { requiresGrad: true });
        const w = leaf(2), xs = [leaf(d), leaf(d)];
        if (broken === 'w') w.data[7 * 2 + 1] = Infinity;
        else xs[1]!.data[3 * d + 5] = NaN;
        expectNamedNonFinite(() => sum(mixture(w, xs, new Scratch())), 'mixture', input, `${name} ${broken}`);
      }
    });
  });

  it('Linear writes a non-leaf input\'s gradient whole (a recycled, unzeroed buffer), and a second reader adds to it', () => {
    const s = store();
    const a = new Linear(s, 'a', 5, 4, { group: 'shared', activation: 'relu', init: 'he_normal' });
    const b = new Linear(s, 'b', 4, 3, { group: 'shared', init: 'he_normal' });
    const c = new Linear(s, 'c', 4, 2, { group: 'shared', activation: 'relu', init: 'he_normal' });
    s.allocate(1);
    const x = input(new Rng(5), 6, 5);
    const f = (): Tensor => {
      const h = a.forward(x);
      return add(sum(b.forward(h)), sum(c.forward(h)));
    };
    // Passes that leave the pool's buffers of h's size holding old gradients.
    for (let i = 0; i < 3; i++) {
      s.zeroGrad();
      backward(f());
    }
    const res = flatGradcheck(s, f, { leaves: [x] });
    expect(res.maxError, res.where).toBeLessThan(TOL);
  });

  it('Embedding (per-field tables and one shared table; unknown ids -> row 0)', () => {
    for (const layout of ['per-field', 'shared'] as const) {
      const s = store();
      const vocab = [4, 6, 3];
      const emb = new Embedding(s, 'emb', { vocabSizes: vocab, dim: 2, layout });
      s.allocate(3);
      const ids = randomIds(new Rng(4), 5, vocab, 0.4);
      const res = flatGradcheck(s, () => emb.forward(ids, 5));
      expect(res.maxError, res.where).toBeLessThan(TOL);
      // Forward values: unknown / out-of-range ids read row 0 of their field.
      const out = emb.forward(Int32Array.from([0, 99, -1, 2, 5, 2]), 2);
      const row = (f: number, r: number): number[] => {
        const p = layout === 'shared' ? emb.tables[0]! : emb.tables[f]!;
        const base = layout === 'shared' ? [0, 4, 10][f]! + r : r;
        return Array.from(p.value.subarray(base * 2, base * 2 + 2));
      };
      expect(Array.from(out.data.subarray(0, 6))).toEqual([...row(0, 0), ...row(1, 0), ...row(2, 0)]);
      expect(Array.from(out.data.subarray(6, 12))).toEqual([...row(0, 2), ...row(1, 5), ...row(2, 2)]);
    }
  });

  it('Embedding backward writes only the used rows and records them', () => {
    const s = store();
    const emb = new Embedding(s, 'emb', { vocabSizes: [50], dim: 3 });
    s.allocate(1);
    const ids = Int32Array.from([7, 9, 7, 0]);
    const y = emb.forward(ids, 4);
    expect(Array.from(s.touched(emb.tables[0]!)).sort((a, b) => a - b)).toEqual([0, 7, 9]);
    backward(sum(y));
    const g = emb.tables[0]!.grad;
    for (let r = 0; r < 50; r++) {
      const expected = r === 7 ? 2 : r === 9 || r === 0 ? 1 : 0;
      expect(Array.from(g.subarray(r * 3, r * 3 + 3))).toEqual([expected, expected, expected]);
    }
  });

  it('Embedding defers its touches to the store: rows in batch order per table, a second forward after the first\'s, none outside a graph', () => {
    for (const layout of ['per-field', 'shared'] as const) {
      const s = store();
      const emb = new Embedding(s, 'emb', { vocabSizes: [10, 8], dim: 2, layout });
      s.allocate(1);
      const owed = vi.spyOn(emb, 'touchNow');
      emb.forward(Int32Array.from([7, 3, 2, 3, 7, 5]), 3);
      expect(owed, layout).not.toHaveBeenCalled();
      // The second forward reuses the row buffer: the first's rows are marked before it.
      emb.forward(Int32Array.from([1, 4, 2, 6]), 2);
      expect(owed, layout).toHaveBeenCalledTimes(1);
      noGrad(() => emb.forward(Int32Array.from([9, 1]), 1));
      expect(owed, layout).toHaveBeenCalledTimes(2);
      const rows = layout === 'shared' ? [[7, 13, 2, 15, 1, 14, 16]] : [[7, 2, 1], [3, 5, 4, 6]];
      expect(emb.tables.map((p) => Array.from(s.touched(p))), layout).toEqual(rows);
      expect(owed, layout).toHaveBeenCalledTimes(2);
      owed.mockRestore();
    }
  });

  it('FM second order (O(kF) form equals the pairwise sum) and first order', () => {
    const s = store();
    const vocab = [5, 4, 6, 3];
    const emb = new Embedding(s, 'emb', { vocabSizes: vocab, dim: 3 });
    const fm = new FM(s, 'fm', { fields: 4, dim: 3, firstOrder: { vocabSizes: vocab } });
    s.allocate(5);
    for (const p of fm.parameters()) for (let i = 0; i < p.size; i++) p.value[i] = 0.1 * ((i % 7) - 3);
    const ids = randomIds(new Rng(6), 3, vocab);
    const res = flatGradcheck(s, () => fm.forward(emb.forward(ids, 3), ids));
    expect(res.maxError, res.where).toBeLessThan(TOL);
    const s2 = store();
    const emb2 = new Embedding(s2, 'emb', { vocabSizes: vocab, dim: 3 });
    const fm2 = new FM(s2, 'fm', { fields: 4, dim: 3 });
    s2.allocate(5);
    const e = emb2.forward(ids, 3);
    const y = fm2.forward(e);
    for (let b = 0; b < 3; b++) {
      let pair = 0;
      for (let f = 0; f < 4; f++) for (let g = f + 1; g < 4; g++) for (let j = 0; j < 3; j++) pair += e.data[b * 12 + f * 3 + j]! * e.data[b * 12 + g * 3 + j]!;
      expect(y.data[b]).toBeCloseTo(pair, 12);
    }
  });

  it('MLP with dropout (seeded masks replayed), DeepFM, Gate and mixture', () => {
    const s = store();
    const rng = new Rng(7);
    const vocab = [5, 4, 6];
    const emb = new Embedding(s, 'emb', { vocabSizes: vocab, dim: 2 });
    const mlp = new MLP(s, 'mlp', [6, 5, 4], { group: 'shared', init: 'he_normal', dropout: 0.3, rng });
    const dfm = new DeepFM(s, 'dfm', { group: 'shared', fields: 3, dim: 2, hidden: [4, 3], init: 'he_normal', firstOrder: { vocabSizes: vocab } });
    const gate = new Gate(s, 'gate', 6, 2, { group: 'shared', init: 'he_normal', bias: true });
    s.allocate(8);
    for (const p of dfm.fm.parameters()) for (let i = 0; i < p.size; i++) p.value[i] = 0.05 * ((i % 5) - 2);
    const ids = randomIds(new Rng(9), 4, vocab);
    const drops = mlp.drops;
    const states = drops.map((d) => d.rng.getState());
    const before = (): void => drops.forEach((d, i) => d.rng.setState(states[i]!));
    const scratch = new Scratch();
    const fn = (): Tensor => {
      const e = emb.forward(ids, 4);
      const h = mlp.forward(e);
      const w = gate.forward(e);
      const m = mixture(w, [h, mlp.forward(e)], scratch);
      return add(m, dfm.forward(e, ids)); // [B, d] + [B, 1]: both paths
    };
    const res = flatGradcheck(s, fn, { before });
    expect(res.maxError, res.where).toBeLessThan(TOL);
  });

  it('Dropout: identity in eval, inverted scaling in training, seeded', () => {
    const s = store();
    const d1 = new Dropout(s, 'd', 0.5, new Rng(3)), d2 = new Dropout(s, 'd2', 0.5, new Rng(3));
    s.allocate();
    const x = input(new Rng(1), 100, 10);
    d1.eval();
    expect(d1.forward(x)).toBe(x);
    d1.train();
    const y1 = d1.forward(x), y2 = d2.forward(x);
    expect(Array.from(y1.data)).toEqual(Array.from(y2.data));
    let kept = 0;
    for (let i = 0; i < x.size; i++) {
      if (y1.data[i] !== 0) {
        kept++;
        expect(y1.data[i]).toBeCloseTo(2 * x.data[i]!, 12);
      }
    }
    expect(kept).toBeGreaterThan(400);
    expect(kept).toBeLessThan(600);
  });
});


describe('expert stacks forward two at a time (MLP.forwardAhead, Linear.forwardStacks)', () => {
  /** Three float32 MLPs of the same shape reading one input (as a PLE level's experts do). */
  function stacks(dropout = 0): { s: ParameterStore; mlps: MLP[] } {
    const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
    const rng = new Rng(4);
    const mlps = [0, 1, 2].map((i) => new MLP(s, `e${i}`, [96, 80, 40], { group: 'shared', init: 'he_normal', dropout, rng: dropout > 0 ? rng.fork(`d${i}`) : undefined }));
    s.allocate(5);
    return { s, mlps };
  }
  const bits = (x: Float32Array | Float64Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

  for (const name of ['js', 'wasm'] as const) {
    it(`${name}: the values, graph and gradients of one stack at a time, bit for bit; the kernels ran as stacks, two at a time`, () => {
      const before = activeBackendName();
      setBackend(name);
      try {
        const rng = new Rng(9);
        const xs = Float32Array.from({ length: 600 * 96 }, () => rng.normal());
        const run = (ahead: boolean): { out: Buffer[]; grads: Buffer; xg: Buffer } => {
          const { s, mlps } = stacks();
          const x = Tensor.fromStorage(Float32Array.from(xs), [600, 96], { requiresGrad: true });
          if (ahead) expect(MLP.forwardAhead(mlps, x)).toBe(true);
          const ys = mlps.map((m) => m.forward(x, ahead));
          backward(sum(add(add(ys[0]!, ys[1]!), ys[2]!)));
          return { out: ys.map((y) => Buffer.from(bits(y.data))), grads: Buffer.from(bits(s.grads)), xg: Buffer.from(bits(x.grad!.data)) };
        };
        const plain = run(false);
        const spy = vi.spyOn(getBackend(), 'linearStackForward');
        const paired = run(true);
        // Stacks 0 and 1 as a pair, stack 2 alone, each call through both layers.
        expect(spy).toHaveBeenCalledTimes(2);
        expect(spy.mock.calls.map((c) => [c[0].length, c[1]?.length ?? 0])).toEqual([[2, 2], [2, 0]]);
        spy.mockRestore();
        paired.out.forEach((o, i) => expect(o.equals(plain.out[i]!), `stack ${i}'s output`).toBe(true));
        expect(paired.grads.equals(plain.grads)).toBe(true);
        expect(paired.xg.equals(plain.xg)).toBe(true);
      } finally {
        setBackend(before);
      }
    });
  }

  it('stacks with inputs of their own (the towers, one per task): the bits of one at a time; an input per stack or an error', () => {
    onBackends(['js', 'wasm'], (name) => {
      const rng = new Rng(13);
      const data = [0, 1, 2].map(() => Float32Array.from({ length: 300 * 96 }, () => rng.normal()));
      const run = (ahead: boolean): { out: Buffer[]; grads: Buffer; xg: Buffer[] } => {
        const { s, mlps } = stacks();
        const xs = data.map((d) => Tensor.fromStorage(Float32Array.from(d), [300, 96], { requiresGrad: true }));
        if (ahead) expect(MLP.forwardAhead(mlps, xs)).toBe(true);
        const ys = mlps.map((m, i) => m.forward(xs[i]!, ahead));
        backward(sum(add(add(ys[0]!, ys[1]!), ys[2]!)));
        return { out: ys.map((y) => Buffer.from(bits(y.data))), grads: Buffer.from(bits(s.grads)), xg: xs.map((x) => Buffer.from(bits(x.grad!.data))) };
      };
      const plain = run(false), paired = run(true);
      paired.out.forEach((o, i) => expect(o.equals(plain.out[i]!), `${name}: stack ${i}'s output`).toBe(true));
      expect(paired.grads.equals(plain.grads), `${name}: weight gradients`).toBe(true);
      paired.xg.forEach((g, i) => expect(g.equals(plain.xg[i]!), `${name}: input ${i}'s gradient`).toBe(true));
      // Stack 1 recording on stack 0's input: the output computed ahead was for another.
      const { mlps } = stacks();
      const xs = data.map((d) => Tensor.fromStorage(d, [300, 96]));
      MLP.forwardAhead(mlps, xs);
      expect(() => mlps[1]!.forward(xs[0]!, true)).toThrow(/computed ahead/);
      expect(() => MLP.forwardAhead(mlps, xs.slice(1))).toThrow(/2 inputs for 3 MLPs/);
    });
  });

  it('not where dropout acts (its masks are drawn in forward order); in eval it passes the input through, so it runs', () => {
    const { mlps } = stacks(0.3);
    const x = Tensor.fromStorage(new Float32Array(8 * 96).fill(0.5), [8, 96]);
    mlps.forEach((m) => m.train(true));
    expect(MLP.forwardAhead(mlps, x)).toBe(false);
    mlps.forEach((m) => m.train(false));
    expect(MLP.forwardAhead(mlps, x)).toBe(true);
    expect(mlps.map((m) => Array.from(m.forward(x, true).data.slice(0, 4)))).toEqual(mlps.map((m) => Array.from(m.forward(x).data.slice(0, 4))));
  });

  it('gates run ahead (Gate.ahead, then its work): forward(x, true) records the values and gradients of forward(x), bit for bit; without the work, an error', () => {
    onBackends(['js', 'wasm'], (name) => {
      const rng = new Rng(6);
      const xs = Float32Array.from({ length: 300 * 40 }, () => rng.normal());
      const run = (ahead: boolean): Buffer[] => {
        const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
        const gates = [0, 1, 2].map((i) => new Gate(s, `g${i}`, 40, 3, { group: 'shared', init: 'he_normal', bias: i === 1 }));
        s.allocate(3);
        const x = Tensor.fromStorage(Float32Array.from(xs), [300, 40], { requiresGrad: true });
        if (ahead) Gate.ahead(gates, x)();
        const ws = gates.map((g) => g.forward(x, ahead));
        const t = Tensor.fromStorage(Float32Array.from({ length: 300 * 3 }, (_, i) => (i % 7) - 3), [300, 3]);
        backward(sum(add(add(mul(ws[0]!, t), mul(ws[1]!, ws[1]!)), ws[2]!)));
        return [...ws.map((w) => Buffer.from(bits(w.data))), Buffer.from(bits(s.grads)), Buffer.from(bits(x.grad!.data))];
      };
      const plain = run(false), ahead = run(true);
      ahead.forEach((b, i) => expect(b.equals(plain[i]!), `${name} part ${i}`).toBe(true));
    });
    const s = new ParameterStore({ tasks: 1, dtype: 'float32' });
    const g = new Gate(s, 'gate', 8, 2, { group: 'shared', init: 'he_normal' });
    s.allocate(1);
    const x = Tensor.fromStorage(new Float32Array(4 * 8).fill(0.5), [4, 8]);
    // The logits ran ahead but not the softmax (the work was never run): an error, not stale values.
    Gate.ahead([g], x);
    expect(() => g.forward(x, true)).toThrow(/gate: forward\(x, computed\) but no softmax was computed ahead for this input/);
    Gate.ahead([g], x)();
    const other = Tensor.fromStorage(new Float32Array(4 * 8).fill(0.25), [4, 8]);
    expect(() => g.forward(other, true)).toThrow(/no softmax was computed ahead for this input/);
  });

  it('forward(x, true) without its output computed ahead, or computed for another input, is an error, not a stale value', () => {
    const { mlps } = stacks();
    const x = Tensor.fromStorage(new Float32Array(8 * 96).fill(0.5), [8, 96]);
    const other = Tensor.fromStorage(new Float32Array(8 * 96).fill(0.25), [8, 96]);
    const lin = mlps[0]!.layers[0]!;
    expect(() => lin.forward(x, true)).toThrow(/e0\.0: forward\(x, computed\) but no output was computed ahead for this input/);
    Linear.forwardPair(lin, x, mlps[1]!.layers[0]!, x);
    expect(() => lin.forward(other, true)).toThrow(/no output was computed ahead for this input \(Linear.forwardPair ran on another input/);
    // Taken once: a second forward(x, true) finds nothing ahead.
    Linear.forwardPair(lin, x, null, null);
    lin.forward(x, true);
    expect(() => lin.forward(x, true)).toThrow(/no output was computed ahead for this input/);
  });
});
