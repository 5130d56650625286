import { describe, expect, it } from 'vitest';
import {
  add, backward, backwardMany, customOp, detach, gradcheck, isGradEnabled, log, matmul, mul, noGrad, relu, setGradWindow, sum, tanh,
  NonFiniteGradientError, type GradResolver, type GradSink,
} from '../../src/autograd/index.ts';
import { Tensor, fromArray, randn, Rng, tensor, zerosLike } from '../../src/tensor/index.ts';

const f64 = (v: number[], shape: number[] = [v.length], requiresGrad = true) =>
  fromArray(v, shape, { dtype: 'float64', requiresGrad });

describe('backward', () => {
  it('two roots over one forward pass each give their own gradients (graph retained)', () => {
    const x = f64([1, 2, 3]);
    const h = mul(x, x); // shared part of the graph
    const l1 = sum(h); // d/dx = 2x
    const l2 = sum(mul(h, 3)); // d/dx = 6x
    backward(l1);
    expect(Array.from(x.grad!.data)).toEqual([2, 4, 6]);
    x.zeroGrad();
    backward(l2);
    expect(Array.from(x.grad!.data)).toEqual([6, 12, 18]);
    backward(l1); // accumulates on top
    expect(Array.from(x.grad!.data)).toEqual([8, 16, 24]);
  });

  it('backwardMany: several roots in one sweep equal one backward per root, each shared node once', () => {
    let runs = 0;
    const x = f64([1, -2, 3]);
    const h = customOp({
      name: 'square_counted', inputs: [x] as const,
      forward: (x) => fromArray(Array.from(x.data, (v) => v * v), x.shape, { dtype: 'float64' }),
      backward: (g, grads) => {
        runs++;
        const dx = grads.buffer(0);
        for (let i = 0; i < 3; i++) dx[i] += 2 * x.data[i]! * g.data[i]!;
      },
    });
    const a = mul(h, 2), b = tanh(h), c = mul(a, 3); // c depends on the root a
    const ua = f64([1, 2, 3], [3], false), ub = f64([0.5, -1, 2], [3], false), uc = f64([1, 1, -1], [3], false);
    backward(a, ua);
    backward(b, ub);
    backward(c, uc);
    const sequential = Array.from(x.grad!.data);
    expect(runs).toBe(3);
    x.zeroGrad();
    runs = 0;
    backwardMany([c, b, a], [uc, ub, ua]); // c before its own input a: order must not matter
    expect(runs).toBe(1);
    const many = Array.from(x.grad!.data);
    many.forEach((v, i) => expect(v).toBeCloseTo(sequential[i]!, 12));
  });

  it('backwardMany: checks counts, shapes, finiteness and duplicate roots; skips roots without grad', () => {
    const x = f64([1, 2]);
    const y = mul(x, 3), k = f64([5, 5], [2], false);
    const u = f64([1, 1], [2], false);
    expect(() => backwardMany([y], [])).toThrow(/1 roots but 0 upstream/);
    expect(() => backwardMany([y], [f64([1, 1, 1], [3], false)])).toThrow(/upstream gradient 0 shape \[3\] does not match root 0 shape \[2\]/);
    expect(() => backwardMany([y], [f64([NaN, 1], [2], false)])).toThrow(/not finite/);
    expect(() => backwardMany([y, y], [u, u])).toThrow(/appears twice/);
    expect(() => backwardMany([k], [u])).toThrow(/no root requires grad/);
    backwardMany([k, y, x], [u, u, u]); // x is a leaf root: its upstream lands in x.grad directly
    expect(Array.from(x.grad!.data)).toEqual([4, 4]);
  });

  it('visits only nodes reachable from the root', () => {
    const x = f64([1]), y = f64([2]);
    const a = mul(x, 2), b = mul(y, 5);
    void b;
    backward(sum(a));
    expect(x.grad!.data[0]).toBe(2);
    expect(y.grad).toBeNull();
  });

  it('accumulates in place into caller-provided gradient views (flat buffers)', () => {
    const params = new Float32Array([1, 2, 3, 4, 5]);
    const grads = new Float32Array([100, 100, 100, 100, 100]);
    const w = Tensor.fromStorage(params.subarray(0, 2), [2], { requiresGrad: true });
    const b = Tensor.fromStorage(params.subarray(2, 5), [3], { requiresGrad: true });
    const wg = Tensor.fromStorage(grads.subarray(0, 2), [2]);
    w.grad = wg;
    b.grad = Tensor.fromStorage(grads.subarray(2, 5), [3]);
    backward(add(sum(mul(w, w)), sum(b)));
    expect(w.grad).toBe(wg); // never replaced
    expect(Array.from(grads)).toEqual([102, 104, 101, 101, 101]);
    w.data[0] = 10; // a view: the flat buffer sees it
    expect(params[0]).toBe(10);
    expect(() => (w.grad = Tensor.fromStorage(new Float32Array(3), [3]))).toThrow(/gradient shape \[3\] does not match tensor shape \[2\]/);
  });

  it('rep mode: per-task gradients at detached copies of r, then backward(r, combined)', () => {
    const rng = new Rng(4);
    const x = randn([3, 2], rng, { dtype: 'float64' });
    const w = randn([2, 4], rng, { dtype: 'float64', requiresGrad: true });
    const r = tanh(matmul(x, w));
    const heads = [randn([4, 1], rng, { dtype: 'float64' }), randn([4, 1], rng, { dtype: 'float64' })];
    const copies = heads.map(() => detach(r, { requiresGrad: true }));
    const losses = heads.map((h, t) => sum(matmul(copies[t], h)));
    backward(add(losses[0], losses[1]));
    const combined = zerosLike(r);
    for (const c of copies) for (let i = 0; i < c.size; i++) combined.data[i] += 0.5 * c.grad!.data[i];
    expect(w.grad).toBeNull(); // the heads' backward stopped at the copies
    backward(r, combined);
    // Reference: the gradient of 0.5 * (loss0 + loss1) straight through.
    const w2 = new Tensor(Float64Array.from(w.data), w.shape, true);
    const r2 = tanh(matmul(x, w2));
    backward(mul(add(sum(matmul(r2, heads[0])), sum(matmul(r2, heads[1]))), 0.5));
    for (let i = 0; i < w.size; i++) expect(w.grad!.data[i]).toBeCloseTo(w2.grad!.data[i], 12);
  });

  it('retainGrad keeps a non-leaf gradient', () => {
    const x = f64([1, -2]);
    const h = mul(x, 3).retainGrad();
    backward(sum(relu(h)));
    expect(Array.from(h.grad!.data)).toEqual([1, 0]);
    expect(Array.from(x.grad!.data)).toEqual([3, 0]);
  });

  it('noGrad records nothing and restores the mode after a throw', () => {
    const x = f64([1]);
    const y = noGrad(() => mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    expect(() => backward(y)).toThrow(/does not require grad/);
  });

  it('detach cuts the graph', () => {
    const x = f64([2]);
    const y = mul(detach(mul(x, x)), x);
    backward(sum(y));
    expect(x.grad!.data[0]).toBe(4);
  });
});

describe('errors', () => {
  it('backward from a non-scalar without upstream says to reduce or pass upstream', () => {
    expect(() => backward(mul(f64([1, 2]), 2))).toThrow(/root has shape \[2\], not a scalar; reduce it first .* or pass an upstream gradient of shape \[2\]/);
  });

  it('a non-finite gradient names the op it came from', () => {
    const x = f64([0, 1]);
    expect(() => backward(sum(log(x)))).toThrow(/gradient of op 'log' with respect to its input 0 \(shape \[2\]\) is not finite \(Infinity at element 0\)/);
    const y = f64([1]);
    expect(() => backward(y, f64([NaN], [1], false))).toThrow(/upstream gradient passed to backward is not finite/);
  });

  it('a non-finite gradient is a NonFiniteGradientError naming op, input, index and value', () => {
    const caught = (fn: () => void): NonFiniteGradientError => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(NonFiniteGradientError);
        return e as NonFiniteGradientError;
      }
      throw new Error('no error');
    };
    const e = caught(() => backward(sum(log(f64([3, 0])))));
    expect([e.op, e.input, e.index, e.value]).toEqual(['log', 0, 1, Infinity]);
    const u = caught(() => backwardMany([f64([1]), f64([2])], [f64([1], [1], false), f64([NaN], [1], false)]));
    expect([u.op, u.input, u.index]).toEqual([null, 1, 0]);
    expect(u.value).toBeNaN();
  });
});

describe('finiteChecked: a kernel that checked what it stored spares the sweep its pass', () => {
  // An op that writes NaN and then vouches for it shows whether the sweep skipped its check.
  const op = (x: Tensor, then: (grads: GradSink) => void): Tensor => customOp({
    name: 'vouch', inputs: [x] as const, forward: (a) => f64(Array.from(a.data), [...a.shape], false),
    backward: (_g, grads) => {
      grads.buffer(0)[1] = NaN;
      then(grads);
    },
  });
  it('skips the buffer it covers, whole', () => {
    const x = f64([1, 2, 3]);
    expect(() => backward(sum(op(x, (grads) => grads.finiteChecked(0, 3))))).not.toThrow();
  });
  it('checks as usual after a later write, or when the count is not the whole buffer', () => {
    const again = f64([1, 2, 3]);
    expect(() => backward(sum(op(again, (grads) => {
      grads.finiteChecked(0, 3);
      grads.buffer(0);
    })))).toThrow(NonFiniteGradientError);
    const part = f64([1, 2, 3]);
    expect(() => backward(sum(op(part, (grads) => grads.finiteChecked(0, 2))))).toThrow(NonFiniteGradientError);
    const other = f64([1, 2, 3]);
    expect(() => backward(sum(op(other, (grads) => grads.finiteChecked(1, 3))))).toThrow(NonFiniteGradientError);
  });
});

describe('gradient destinations per call (GradResolver)', () => {
  it('one call sends a leaf gradient where the resolver says; the next call without one uses grad', () => {
    const w = f64([1, 2]);
    const elsewhere = new Float64Array(2);
    const into: GradResolver = { dense: (leaf) => (leaf === w ? elsewhere : null), rows: () => null };
    backward(sum(mul(w, w)), undefined, { into });
    expect(Array.from(elsewhere)).toEqual([2, 4]);
    expect(w.grad).toBeNull();
    backward(sum(mul(w, w)));
    expect(Array.from(w.grad!.data)).toEqual([2, 4]);
    expect(Array.from(elsewhere)).toEqual([2, 4]);
  });

  it('addRows over interleaved tables: one buffer by default (windows), compact slots by resolver', () => {
    // Two tables of 4 rows x 2 in one flat buffer; rows alternate between them (a 2-field lookup).
    const flat = new Float64Array(16);
    const mk = (base: number) => {
      const t = Tensor.fromStorage(new Float64Array(8), [4, 2], { requiresGrad: true });
      t.grad = Tensor.fromStorage(flat.subarray(base, base + 8), [4, 2]);
      setGradWindow(t, flat, base);
      return t;
    };
    const a = mk(0), b = mk(8);
    const idx = Int32Array.of(1, 3, 2, 3); // a row 1, b row 3, a row 2, b row 3
    const src = Float64Array.of(1, 1, 2, 2, 3, 3, 4, 4);
    const lookup = () => customOp({
      name: 'lookup', inputs: [a, b] as const, forward: (_a, _b) => f64([0], [1], false),
      backward: (_g, grads) => grads.addRows(0, idx, src, 4, 2, 2),
    });
    backward(lookup());
    expect(Array.from(flat)).toEqual([0, 0, 1, 1, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 6, 6]);
    // Compact: b's row 3 in slot 0 after a's two slots (rows 2 then 1).
    const row = new Float64Array(6);
    const aSlots = Int32Array.of(0, 2, 1, 0), bSlots = Int32Array.of(0, 0, 0, 1);
    const into: GradResolver = {
      dense: () => null,
      rows: (leaf) => (leaf === a ? { buf: row, base: 0, slots: aSlots } : leaf === b ? { buf: row, base: 4, slots: bSlots } : null),
    };
    backward(lookup(), undefined, { into });
    expect(Array.from(row)).toEqual([3, 3, 1, 1, 6, 6]);
    expect(flat[2]).toBe(1); // the flat buffer did not move
    const noSlot = { dense: () => null, rows: (leaf: Tensor) => (leaf === a ? { buf: row, base: 0, slots: new Int32Array(4) } : null) };
    expect(() => backward(lookup(), undefined, { into: noSlot })).toThrow(/row 1 of input 0 receives a gradient but has no slot/);
  });

  it('versioned slot maps: offsets reused across backwards of one forward, recomputed when a version moves', () => {
    const a = Tensor.fromStorage(new Float64Array(8), [4, 2], { requiresGrad: true });
    const b = Tensor.fromStorage(new Float64Array(8), [4, 2], { requiresGrad: true });
    const idx = Int32Array.of(1, 3, 2, 3);
    const src = Float64Array.of(1, 1, 2, 2, 3, 3, 4, 4);
    const y = customOp({
      name: 'lookup', inputs: [a, b] as const, forward: (_a, _b) => f64([0], [1], false),
      backward: (_g, grads) => grads.addRows(0, idx, src, 4, 2, 2),
    });
    const aSlots = Int32Array.of(0, 2, 1, 0), bSlots = Int32Array.of(0, 0, 0, 1);
    let aVersion = 5;
    const into = (row: Float64Array): GradResolver => ({
      dense: () => null,
      rows: (leaf) => (leaf === a ? { buf: row, base: 0, slots: aSlots, version: aVersion } : leaf === b ? { buf: row, base: 4, slots: bSlots, version: 1 } : null),
    });
    // Two backwards of the one node into two rows (param mode's tasks): the same offsets.
    const r1 = new Float64Array(6), r2 = new Float64Array(6);
    backward(y, undefined, { into: into(r1) });
    backward(y, undefined, { into: into(r2) });
    expect(Array.from(r1)).toEqual([3, 3, 1, 1, 6, 6]);
    expect(Array.from(r2)).toEqual([3, 3, 1, 1, 6, 6]);
    // a's slots swap (rows 1 then 2) and its version moves: the next backward follows the new map.
    aSlots[1] = 1;
    aSlots[2] = 2;
    aVersion++;
    const r3 = new Float64Array(6);
    backward(y, undefined, { into: into(r3) });
    expect(Array.from(r3)).toEqual([1, 1, 3, 3, 6, 6]);
    // A map without a slot for a row still fails, memo or not.
    aSlots[2] = 0;
    aVersion++;
    expect(() => backward(y, undefined, { into: into(new Float64Array(6)) })).toThrow(/row 2 of input 0 receives a gradient but has no slot/);
  });
});

describe('customOp', () => {
  const cube = (x: Tensor) =>
    customOp({
      name: 'cube',
      inputs: [x] as const,
      forward: (x) => {
        const y = zerosLike(x);
        for (let i = 0; i < x.size; i++) y.data[i] = x.data[i] ** 3;
        return y;
      },
      backward: (g, grads) => {
        const dx = grads.buffer(0);
        for (let i = 0; i < x.size; i++) dx[i] += 3 * x.data[i] ** 2 * g.data[i];
      },
    });

  it('defines a differentiable op in one place, checked by gradcheck', () => {
    expect(cube(tensor([2])).item()).toBe(8);
    const r = gradcheck((x) => sum(cube(x)), [f64([0.5, -1.5, 2])]);
    expect(r.ok, r.message).toBe(true);
  });

  it('gradcheck catches a wrong backward and says where', () => {
    const bad = (x: Tensor) => customOp({
      name: 'bad', inputs: [x] as const,
      forward: (x) => mul(x, x),
      backward: (g, grads) => { const dx = grads.buffer(0); for (let i = 0; i < x.size; i++) dx[i] += x.data[i] * g.data[i]; },
    });
    const r = gradcheck(bad, [f64([1, 2, 3])]);
    expect(r.ok).toBe(false);
    expect(r.worst!.input).toBe(0);
    expect(r.message).toMatch(/FAILED.*worst at input 0 \[3\] element/);
  });
});
