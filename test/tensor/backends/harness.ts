import fc from 'fast-check';
import { expect } from 'vitest';
import { BINARY_OPS, UNARY_OPS, type Backend, type DType, type KernelName, type Storage } from '../../../src/tensor/backend.ts';
import { createJsBackend } from '../../../src/tensor/backends/js.ts';
import { Rng } from '../../../src/tensor/rng.ts';

/**
 * Backend parity: every kernel of `backend` against the js twin on random shapes (odd sizes,
 * 1-wide dimensions, sizes that are not multiples of the SIMD width 4 or the 4x8 tile), in
 * float32 and float64, with operands both from the backend's alloc (resident) and from
 * ordinary arrays (copied in).
 *
 * Tolerance, and why: a float32 dot product of length k computed in any order satisfies
 * |fl(s) - s| <= gamma_k * sum|a_i b_i| with gamma_k ~ k * 2^-24 (Higham, Accuracy and
 * Stability, 3.1). The twin and the backend each obey that bound in their own summation
 * order, so they may differ by up to twice it. We assert |x - y| <= 2 k 2^-24 sum|a_i b_i|
 * (+ 1e-30), a bound that is tight in the worst case and independent of the values' scale;
 * for float64, 2^-53 in place of 2^-24. Kernels without summation (elementwise, gather,
 * max) must agree exactly.
 */
export const js = createJsBackend();

export function eps(dtype: DType): number {
  return dtype === 'float32' ? 2 ** -24 : 2 ** -53;
}

export function fill(be: Backend | null, dtype: DType, n: number, rng: Rng, resident: boolean): Storage {
  const out = resident && be ? be.alloc(dtype, n) : dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

export function copyOf(s: Storage): Storage {
  return s instanceof Float64Array ? new Float64Array(s) : new Float32Array(s);
}

export const dims = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 70 }));

export function checkMatmul(be: Backend, dtype: DType, m: number, k: number, n: number,
  transA: boolean, transB: boolean, accumulate: boolean, resident: boolean, seed: number): void {
  const rng = new Rng(seed);
  const a = fill(be, dtype, m * k, rng, resident);
  const b = fill(be, dtype, k * n, rng, resident);
  const c0 = fill(be, dtype, m * n, rng, resident);
  const want = copyOf(c0);
  js.matmul(a, b, want, m, k, n, transA, transB, accumulate);
  be.matmul(a, b, c0, m, k, n, transA, transB, accumulate);
  const e = eps(dtype);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let mag = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        mag += Math.abs(av * bv);
      }
      const got = c0[i * n + j], exp = want[i * n + j];
      const tol = 2 * (k + 2) * e * (mag + (accumulate ? Math.abs(exp) : 0)) + 1e-30;
      if (!(Math.abs(got - exp) <= tol)) {
        expect.fail(`${be.name} matmul ${dtype} m=${m} k=${k} n=${n} transA=${transA} transB=${transB} acc=${accumulate} resident=${resident}: C[${i},${j}] = ${got}, js twin ${exp}, tol ${tol}`);
      }
    }
  }
}

export function checkClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol(i)) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      expect.fail(`${name}: [${i}] = ${got[i]}, js twin ${want[i]}, tol ${tol(i)}`);
    }
  }
}

/**
 * Runs `call` with work beside it: none, work that runs, or work that throws; expects the work
 * run once (when given) and its error, and only it, out of the call.
 */
function expectBeside(beside: 'none' | 'work' | 'throws', what: string, call: (meanwhile: (() => void) | undefined) => void): void {
  let ran = 0;
  const oops = new Error('beside');
  const meanwhile = beside === 'none' ? undefined : (): void => {
    ran++;
    if (beside === 'throws') throw oops;
  };
  let caught: unknown = null;
  try {
    call(meanwhile);
  } catch (e) {
    caught = e;
  }
  expect(caught, `${what} beside=${beside}`).toBe(beside === 'throws' ? oops : null);
  expect(ran, `${what} beside=${beside}`).toBe(beside === 'none' ? 0 : 1);
}

/**
 * Which property below checks each kernel. A kernel added to the contract (KERNEL_NAMES) must
 * be named here, or this file does not compile: no kernel goes untested against its twin.
 */
export const CHECKED_BY = {
  matmul: 'matmul', matmulChecked: 'matmulChecked', gram: 'gram and dot', dot: 'gram and dot', sumAxis: 'sumAxis and maxAxis', maxAxis: 'sumAxis and maxAxis',
  unary: 'elementwise', binary: 'elementwise', gatherRows: 'gatherRows and scatterAddRows', scatterAddRows: 'gatherRows and scatterAddRows',
  gatherAt: 'gatherAt and scatterAddAt', scatterAddAt: 'gatherAt and scatterAddAt', scatterAt: 'gatherAt and scatterAddAt', claimSlots: 'claimSlots', mixture: 'mixture', mixtureBackward: 'mixture',
  adamRuns: 'adamRuns', adamRunSets: 'adamRunSets', reluGradColumnSums: 'reluGradColumnSums', biasRelu: 'biasRelu', dropoutMask: 'dropoutMask and mulAdd', mulAdd: 'dropoutMask and mulAdd',
  zero: 'zero', linearForward: 'linearForward', linearForwardPair: 'linearForwardPair', linearStackForward: 'linearStackForward', linearBackward: 'linearBackward', linearReluBackward: 'linearReluBackward',
  linearReluBackwardPair: 'linearReluBackwardPair',
} as const satisfies Record<KernelName, string>;

/** Registers the whole parity property set for one backend (called inside a describe). */
export function parityProperties(make: () => Backend, it: (name: string, fn: () => void) => void, runs = 40): void {
  const bool = fc.boolean();
  const dtype = fc.constantFrom<DType>('float32', 'float64');

  it('matmul: all transpose forms, accumulate, odd and 1-wide shapes', () => {
    const be = make();
    fc.assert(fc.property(dims, dims, dims, bool, bool, bool, bool, dtype, fc.integer(),
      (m, k, n, ta, tb, acc, resident, dt, seed) => checkMatmul(be, dt, m, k, n, ta, tb, acc, resident, seed)),
    { numRuns: runs });
  });

  it('matmulChecked: this backend\'s matmul bit for bit, and true exactly when every element of C is finite', () => {
    const be = make();
    // Where a value that is not finite (or huge) goes: nowhere, A, B, an accumulated C, a C
    // element that stays finite though its square overflows (the fast check's fallback), or a
    // product that overflows to Inf from finite operands.
    const spot = fc.constantFrom('none', 'a', 'b', 'c', 'huge', 'overflow');
    fc.assert(fc.property(dims, dims, dims, bool, bool, bool, bool, dtype, spot, fc.constantFrom(NaN, Infinity, -Infinity), fc.integer(),
      (m, k, n, ta, tb, acc, resident, dt, where, bad, seed) => {
        const rng = new Rng(seed);
        const a = fill(be, dt, m * k, rng, resident), b = fill(be, dt, k * n, rng, resident);
        const c1 = fill(be, dt, m * n, rng, resident);
        const at = (len: number): number => Math.floor(rng.next() * len);
        if (where === 'a') a[at(m * k)] = bad;
        if (where === 'b') b[at(k * n)] = bad;
        if (where === 'c' && acc) c1[at(m * n)] = bad;
        if (where === 'huge' && acc) c1[at(m * n)] = 1e30;
        if (where === 'overflow') {
          a.fill(dt === 'float32' ? 1e30 : 1e300);
          b.fill(dt === 'float32' ? 1e30 : 1e300);
        }
        const c2 = copyOf(c1);
        const finite = be.matmulChecked(a, b, c1, m, k, n, ta, tb, acc);
        be.matmul(a, b, c2, m, k, n, ta, tb, acc);
        let want = true;
        for (let i = 0; i < m * n; i++) {
          if (!Object.is(c1[i], c2[i])) expect.fail(`${be.name} matmulChecked ${dt} m=${m} k=${k} n=${n} ta=${ta} tb=${tb} acc=${acc}: [${i}] = ${c1[i]}, matmul ${c2[i]}`);
          if (!Number.isFinite(c2[i])) want = false;
        }
        if (finite !== want) expect.fail(`${be.name} matmulChecked ${dt} m=${m} k=${k} n=${n} ta=${ta} tb=${tb} acc=${acc} ${where}: said ${finite}, C ${want ? 'is' : 'is not'} all finite`);
      }), { numRuns: runs });
  });

  it('gram and dot: T x d, float32 and float64', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3000 }), dtype, bool, fc.integer(),
      (t, d, dt, resident, seed) => {
        const rng = new Rng(seed);
        const g = fill(be, dt, t * d, rng, resident);
        const got = new Float64Array(t * t), want = new Float64Array(t * t);
        be.gram(g, got, t, d);
        js.gram(g, want, t, d);
        const mag = (i: number) => {
          const r = Math.floor(i / t), s = i % t;
          let m = 0;
          for (let c = 0; c < d; c++) m += Math.abs(g[r * d + c] * g[s * d + c]);
          return m;
        };
        // js sums float32 products in float64; wasm in float32 blocks of 1024, gpu.js over the
        // whole row in float32: the k-term bound with k = max(d, 1024).
        checkClose(`${be.name} gram`, got, want, (i) => 2 * (Math.max(d, 1024) + 2) * eps(dt) * mag(i) + 1e-30);
        const a = g.subarray(0, d), b = g.subarray((t - 1) * d, t * d);
        const dv = be.dot(a, b, d), dw = js.dot(a, b, d);
        let m = 0;
        for (let c = 0; c < d; c++) m += Math.abs(a[c] * b[c]);
        expect(Math.abs(dv - dw)).toBeLessThanOrEqual(2 * (Math.max(d, 1024) + 2) * eps(dt) * m + 1e-30);
      }), { numRuns: runs });
  });

  it('sumAxis and maxAxis (with argmax) over [outer, len, inner]', () => {
    const be = make();
    fc.assert(fc.property(dims, dims, fc.oneof(fc.constant(1), dims), dtype, bool, fc.integer(),
      (outer, len, inner, dt, resident, seed) => {
        const rng = new Rng(seed);
        const x = fill(be, dt, outer * len * inner, rng, resident);
        const got = fill(be, dt, outer * inner, rng, resident), want = copyOf(got);
        be.sumAxis(x, got, outer, len, inner);
        js.sumAxis(x, want, outer, len, inner);
        // |x| < 1: a len-long sum in either order is within 2 len eps len of the other.
        checkClose(`${be.name} sumAxis`, got, want, () => 2 * len * len * eps(dt) + 1e-30);
        const gm = copyOf(got), wm = copyOf(got);
        const ga = new Int32Array(outer * inner), wa = new Int32Array(outer * inner);
        // A few NaNs (seeded places) must propagate alike, followed by larger numbers or not.
        for (let q = 0; q < Math.min(3, x.length >> 2); q++) x[rng.int(0, x.length - 1)] = NaN;
        be.maxAxis(x, gm, ga, outer, len, inner);
        js.maxAxis(x, wm, wa, outer, len, inner);
        checkClose(`${be.name} maxAxis`, gm, wm, () => 0);
        expect(Array.from(ga)).toEqual(Array.from(wa));
      }), { numRuns: runs });
  });

  it('elementwise unary and binary ops agree exactly (every op of UNARY_OPS and BINARY_OPS)', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 2000 }), bool, fc.integer(),
      (n, resident, seed) => {
        const rng = new Rng(seed);
        const a = fill(be, 'float32', n, rng, resident), b = fill(be, 'float32', n, rng, resident);
        const got = be.alloc('float32', n), want = new Float32Array(n);
        for (const u of UNARY_OPS) {
          be.unary(u, a, got, n);
          js.unary(u, a, want, n);
          checkClose(`${be.name} unary ${u}`, got, want, () => 0);
        }
        for (const op of BINARY_OPS) {
          be.binary(op, a, [1], b, [1], got, [n]);
          js.binary(op, a, [1], b, [1], want, [n]);
          checkClose(`${be.name} binary ${op}`, got, want, () => 0);
        }
      }), { numRuns: runs });
  });

  it('gatherRows and scatterAddRows with duplicate indices', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 40 }), bool, fc.integer(),
      (vocab, rows, width, resident, seed) => {
        const rng = new Rng(seed);
        const table = fill(be, 'float32', vocab * width, rng, resident);
        const idx = new Int32Array(rows);
        for (let r = 0; r < rows; r++) idx[r] = rng.int(0, vocab);
        const src = fill(be, 'float32', rows * width, rng, resident);
        const g1 = be.alloc('float32', rows * width), g2 = new Float32Array(rows * width);
        be.gatherRows(table, idx, g1, rows, width);
        js.gatherRows(table, idx, g2, rows, width);
        checkClose(`${be.name} gatherRows`, g1, g2, () => 0);
        const t1 = be.alloc('float32', vocab * width), t2 = copyOf(table);
        t1.set(table);
        be.scatterAddRows(t1, idx, src, rows, width);
        js.scatterAddRows(t2, idx, src, rows, width);
        checkClose(`${be.name} scatterAddRows`, t1, t2, () => 0);
      }), { numRuns: runs });
  });

  it('gatherAt, scatterAddAt and scatterAt at arbitrary element offsets, repeated and overlapping ones included', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 37 }), dtype, bool, fc.integer(),
      (size, count, width, dt, resident, seed) => {
        const rng = new Rng(seed);
        const len = size + width;
        const table = fill(be, dt, len, rng, resident);
        const at = new Int32Array(count);
        for (let r = 0; r < count; r++) at[r] = r > 0 && rng.next() < 0.2 ? at[r - 1]! : rng.int(0, size + 1);
        const src = fill(be, dt, count * width, rng, resident);
        const g1 = fill(be, dt, count * width, rng, resident), g2 = copyOf(g1);
        be.gatherAt(table, at, g1, count, width);
        js.gatherAt(table, at, g2, count, width);
        checkClose(`${be.name} gatherAt`, g1, g2, () => 0);
        const t1 = copyOf(table), t2 = copyOf(table);
        const t3 = be.alloc(dt, len);
        t3.set(table);
        be.scatterAddAt(t3, at, src, count, width);
        be.scatterAddAt(t1, at, src, count, width);
        js.scatterAddAt(t2, at, src, count, width);
        checkClose(`${be.name} scatterAddAt`, t1, t2, () => 0);
        checkClose(`${be.name} scatterAddAt (resident table)`, t3, t2, () => 0);
        // scatterAt: the last row at a repeated offset wins, overlapping rows included.
        const s1 = copyOf(table), s2 = copyOf(table), s3 = be.alloc(dt, len);
        s3.set(table);
        be.scatterAt(s1, at, src, count, width);
        be.scatterAt(s3, at, src, count, width);
        js.scatterAt(s2, at, src, count, width);
        for (let i = 0; i < len; i++) {
          if (!Object.is(s1[i], s2[i]) || !Object.is(s3[i], s2[i])) expect.fail(`${be.name} scatterAt: [${i}] = ${s1[i]} / ${s3[i]} (resident), js twin ${s2[i]}`);
        }
      }), { numRuns: runs });
  });

  it('claimSlots: the js twin\'s slot map, order, count and positions, over strided rows with repeats and claimed rows', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 0, max: 700 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }),
      bool, fc.integer(), (rows, n, stride, start, withOut, seed) => {
        const rng = new Rng(seed);
        // Some rows claimed before (a second batch into the same map), and repeats within.
        const slot = new Int32Array(rows), prior = Math.min(rows, rng.int(0, 20));
        const order = new Int32Array(prior + n + 3).fill(-7);
        let count = 0;
        for (let i = 0; i < prior; i++) {
          const r = rng.int(0, rows);
          if (slot[r] === 0) { order[count] = r; slot[r] = ++count; }
        }
        const ids = new Int32Array(start + n * stride).fill(-1);
        for (let i = 0; i < n; i++) ids[start + i * stride] = i > 0 && rng.next() < 0.3 ? ids[start + rng.int(0, i) * stride]! : rng.int(0, rows);
        const slot2 = slot.slice(), order2 = order.slice();
        const out = withOut ? new Int32Array(n).fill(-9) : null, out2 = out ? out.slice() : null;
        const c1 = be.claimSlots(slot, order, count, ids, start, stride, n, out);
        const c2 = js.claimSlots(slot2, order2, count, ids, start, stride, n, out2);
        expect(c1).toBe(c2);
        expect(order).toEqual(order2);
        expect(slot).toEqual(slot2);
        expect(out).toEqual(out2);
      }), { numRuns: runs });
  });

  it('mixture and its backward: out and dx the js twin\'s bits, dw within the dot-product bound; a written buffer\'s old values unread', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 41 }), dtype, bool, bool, fc.nat(), fc.integer(),
      (E, B, d, dt, resident, withDw, mask, seed) => {
        const rng = new Rng(seed);
        const w = fill(be, dt, B * E, rng, resident);
        // Zero weights (either sign) make -0 products: the sum from 0 turns them into +0.
        for (let i = 0; i < B * E; i += 3) w[i] = i % 2 === 0 ? 0 : -0;
        const xs = Array.from({ length: E }, () => fill(be, dt, B * d, rng, resident));
        const o1 = fill(be, dt, B * d, rng, resident), o2 = copyOf(o1);
        be.mixture(w, xs, o1, B, d);
        js.mixture(w, xs, o2, B, d);
        const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
        for (let i = 0; i < B * d; i++) if (!Object.is(o1[i], o2[i])) expect.fail(`${be.name} mixture: [${i}] = ${show(o1[i]!)}, js twin ${show(o2[i]!)}`);
        const g = fill(be, dt, B * d, rng, resident);
        const dw1 = withDw ? fill(be, dt, B * E, rng, resident) : null;
        const dx1 = xs.map((_, e) => (e % 2 === 1 ? null : fill(be, dt, B * d, rng, resident)));
        // Written buffers hold NaN first: a kernel that read them would leave NaN.
        const written = mask & ((1 << (E + 1)) - 1);
        if (dw1 && (written & 1)) dw1.fill(NaN);
        dx1.forEach((x, e) => { if (x && ((written >> (e + 1)) & 1)) x.fill(NaN); });
        const dw2 = dw1 ? copyOf(dw1) : null, dx2 = dx1.map((x) => (x ? copyOf(x) : null));
        const checked = be.mixtureBackward(w, xs, g, dw1, dx1, B, d, written);
        js.mixtureBackward(w, xs, g, dw2, dx2, B, d, written);
        for (const x of [dw2, ...dx2]) if (x) for (const v of x) if (Number.isNaN(v)) expect.fail(`js twin mixtureBackward (written ${written}): a NaN left`);
        // Finite operands: a backend that checks says so; true never hides a non-finite value.
        if (checked) for (const x of [dw1, ...dx1]) if (x) for (const v of x) if (!Number.isFinite(v)) expect.fail(`${be.name} mixtureBackward: checked finite, holds ${v}`);
        dx1.forEach((x, e) => { if (x) checkClose(`${be.name} mixtureBackward dx${e}`, x, dx2[e]!, () => 0); });
        if (dw1 && dw2) {
          // Values in (-1, 1): a d-term float64 dot product, plus dw's own rounding.
          checkClose(`${be.name} mixtureBackward dw`, dw1, dw2, (i) => 2 * (d + 2) * 2 ** -53 * d + 2 * eps(dt) * (Math.abs(dw2[i]!) + d));
        }
      }), { numRuns: runs });
  });

  it('adamRuns: the js twin\'s bits over scattered runs, float32 and float64; with zeroGrad the runs\' gradients zeroed, the rest kept', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 37 }), dtype, bool, bool, fc.integer(),
      (count, width, dt, resident, zeroGrad, seed) => {
        const rng = new Rng(seed);
        // Runs at shuffled, non-overlapping places of w / g and of the moments.
        const slots = count + 3, n = slots * width;
        const perm = (k: number) => {
          const p = Array.from({ length: k }, (_, i) => i);
          for (let i = k - 1; i > 0; i--) { const j = rng.int(0, i + 1); [p[i], p[j]] = [p[j]!, p[i]!]; }
          return p;
        };
        const pw = perm(slots), ps = perm(slots);
        const wAt = Int32Array.from({ length: count }, (_, r) => pw[r]! * width);
        const sAt = Int32Array.from({ length: count }, (_, r) => ps[r]! * width);
        const w1 = fill(be, dt, n, rng, resident), g = fill(be, dt, n, rng, resident);
        const m1 = fill(be, dt, n, rng, resident), v1 = fill(be, dt, n, rng, resident);
        for (let i = 0; i < n; i++) v1[i] = Math.abs(v1[i]!);
        if (n > 2) g[2] = 0;
        const w2 = copyOf(w1), m2 = copyOf(m1), v2 = copyOf(v1), g2 = copyOf(g), g0 = copyOf(g);
        const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), invSqrtBc2: 1 / Math.sqrt(1 - 0.999 ** 3), zeroGrad };
        be.adamRuns(w1, g, m1, v1, wAt, sAt, count, width, h);
        js.adamRuns(w2, g2, m2, v2, wAt, sAt, count, width, h);
        checkClose(`${be.name} adamRuns w`, w1, w2, () => 0);
        checkClose(`${be.name} adamRuns m`, m1, m2, () => 0);
        checkClose(`${be.name} adamRuns v`, v1, v2, () => 0);
        checkClose(`${be.name} adamRuns g (zeroGrad ${zeroGrad})`, g, g2, () => 0);
        const inRun = new Uint8Array(n);
        for (const a of wAt) inRun.fill(1, a, a + width);
        for (let i = 0; i < n; i++) {
          const want = zeroGrad && inRun[i] ? 0 : g0[i]!;
          if (!Object.is(g2[i], want)) expect.fail(`js twin adamRuns (zeroGrad ${zeroGrad}): g[${i}] is ${g2[i]}, expected ${want}`);
        }
      }), { numRuns: runs });
  });

  it('adamRunSets: the js twin\'s adamRuns bits set by set, sets of several widths over one w, float32 and float64, with and without zeroGrad', () => {
    const be = make();
    const sizes = fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 37 })), { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(sizes, dtype, bool, bool, fc.integer(), (shape, dt, resident, zeroGrad, seed) => {
      const rng = new Rng(seed);
      // Every run of every set in a slot of its own of w / g (slots of the widest width, shuffled).
      const W = 37, slots = shape.reduce((a, [count]) => a + count, 0) + 2;
      const order = Array.from({ length: slots }, (_, i) => i);
      for (let i = slots - 1; i > 0; i--) { const j = rng.int(0, i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
      const w1 = fill(be, dt, slots * W, rng, resident), g = fill(be, dt, slots * W, rng, resident);
      let next = 0;
      const sets = shape.map(([count, width]) => {
        const m = fill(be, dt, (count + 1) * width, rng, resident), v = fill(be, dt, (count + 1) * width, rng, resident);
        for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]!);
        const wAt = Int32Array.from({ length: count }, () => order[next++]! * W);
        const sAt = Int32Array.from({ length: count }, (_, r) => (count - r) * width);
        return { m, v, wAt, sAt, count, width };
      });
      const w2 = copyOf(w1), g2 = copyOf(g), twin = sets.map((x) => ({ ...x, m: copyOf(x.m), v: copyOf(x.v) }));
      const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 2), invSqrtBc2: 1 / Math.sqrt(1 - 0.999 ** 2), zeroGrad };
      be.adamRunSets(w1, g, sets, h);
      for (const x of twin) js.adamRuns(w2, g2, x.m, x.v, x.wAt, x.sAt, x.count, x.width, h);
      checkClose(`${be.name} adamRunSets w`, w1, w2, () => 0);
      checkClose(`${be.name} adamRunSets g (zeroGrad ${zeroGrad})`, g, g2, () => 0);
      sets.forEach((x, i) => {
        checkClose(`${be.name} adamRunSets set ${i} m`, x.m, twin[i]!.m, () => 0);
        checkClose(`${be.name} adamRunSets set ${i} v`, x.v, twin[i]!.v, () => 0);
      });
    }), { numRuns: runs });
  });

  it('reluGradColumnSums: the js twin\'s bits, with and without db, float32 and float64', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70 }), dtype, bool, bool, fc.integer(),
      (rows, n, dt, resident, withDb, seed) => {
        const rng = new Rng(seed);
        const len = rows * n;
        const y = fill(be, dt, len, rng, resident), g = fill(be, dt, len, rng, resident);
        y[0] = 0;
        if (len > 1) g[1] = NaN;
        const gz1 = fill(be, dt, len, rng, resident), gz2 = copyOf(gz1);
        const db1 = withDb ? fill(be, dt, n, rng, resident) : null, db2 = db1 ? copyOf(db1) : null;
        be.reluGradColumnSums(y, g, gz1, db1, rows, n);
        js.reluGradColumnSums(y, g, gz2, db2, rows, n);
        checkClose(`${be.name} reluGradColumnSums gz`, gz1, gz2, () => 0);
        if (db1 && db2) checkClose(`${be.name} reluGradColumnSums db`, db1, db2, () => 0);
      }), { numRuns: runs });
  });

  it('biasRelu: the js twin\'s bits, with and without bias and ReLU, float32 and float64 (NaN, -0, Inf)', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70 }), dtype, bool, bool, bool, fc.integer(),
      (rows, n, dt, resident, withBias, relu, seed) => {
        const rng = new Rng(seed);
        const len = rows * n;
        const y1 = fill(be, dt, len, rng, resident);
        y1[0] = NaN;
        if (len > 1) y1[1] = -0;
        if (len > 2) y1[2] = -Infinity;
        const y2 = copyOf(y1);
        const b = withBias ? fill(be, dt, n, rng, resident) : null;
        be.biasRelu(y1, b, rows, n, relu);
        js.biasRelu(y2, b, rows, n, relu);
        for (let i = 0; i < len; i++) if (!Object.is(y1[i], y2[i])) expect.fail(`${be.name} biasRelu: [${i}] = ${y1[i]}, js twin ${y2[i]}`);
      }), { numRuns: runs });
  });

  it('dropoutMask and mulAdd: the js twin\'s bits (odd sizes, every threshold, Inf and -0 inputs)', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 700 }), fc.constantFrom(0, 1, 13107, 52429, 65535, 65536), fc.constantFrom(1.25, 1 / 0.9, 2), dtype, bool, fc.integer(),
      (n, thr, scale, dt, resident, seed) => {
        const rng = new Rng(seed);
        const words = (n + 1) >> 1;
        const bits = new Uint32Array(words);
        rng.fillU32(bits);
        const x = fill(be, dt, n, rng, resident);
        x[0] = Infinity;
        if (n > 3) x[3] = -0;
        const y1 = fill(be, dt, n, rng, resident), y2 = copyOf(y1), m1 = fill(be, dt, n, rng, resident), m2 = copyOf(m1);
        be.dropoutMask(bits, x, y1, m1, n, thr, scale);
        js.dropoutMask(bits, x, y2, m2, n, thr, scale);
        const same = (name: string, a: Storage, b: Storage) => {
          for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) expect.fail(`${be.name} ${name} n=${n} thr=${thr}: [${i}] = ${a[i]}, js twin ${b[i]}`);
        };
        same('dropoutMask y', y1, y2);
        same('dropoutMask m', m1, m2);
        // The halves really select: element i is kept iff its 16 bits are below thr.
        for (let i = 0; i < n; i++) {
          const half = i % 2 ? bits[i >> 1]! >>> 16 : bits[i >> 1]! & 0xffff;
          expect(m2[i]).toBe(half < thr ? (dt === 'float32' ? Math.fround(scale) : scale) : 0);
        }
        const d1 = fill(be, dt, n, rng, resident), d2 = copyOf(d1), g = fill(be, dt, n, rng, resident);
        be.mulAdd(d1, g, m1, n);
        js.mulAdd(d2, g, m2, n);
        same('mulAdd', d1, d2);
      }), { numRuns: runs });
  });

  it('linearForward: this backend\'s matmul then biasRelu, bit for bit (edge tiles, no bias, NaN and -0 through the ReLU)', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 70 }), bool, bool, dtype, bool, fc.integer(),
      (rows, k, n, withBias, relu, dt, resident, seed) => {
        const rng = new Rng(seed);
        const x = fill(be, dt, rows * k, rng, resident), w = fill(be, dt, k * n, rng, resident);
        const b = withBias ? fill(be, dt, n, rng, resident) : null;
        if (k > 0) x[0] = NaN;
        if (b !== null && n > 1) b[1] = -0;
        const y1 = fill(be, dt, rows * n, rng, resident), y2 = fill(be, dt, rows * n, rng, resident);
        be.linearForward(x, w, b, y1, rows, k, n, relu);
        be.matmul(x, w, y2, rows, k, n, false, false, false);
        be.biasRelu(y2, b, rows, n, relu);
        for (let i = 0; i < rows * n; i++) {
          if (!Object.is(y1[i], y2[i])) expect.fail(`${be.name} linearForward rows=${rows} k=${k} n=${n} bias=${withBias} relu=${relu} ${dt}: [${i}] = ${y1[i]}, matmul + biasRelu ${y2[i]}`);
        }
      }), { numRuns: runs });
  });

  it('linearForwardPair: each call linearForward\'s bits, one input shared or two, sizes that split and sizes that do not; work run beside it once, its error after the pair', () => {
    const be = make();
    const shape = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 70 }), bool, bool);
    const besides = fc.constantFrom('none', 'work', 'throws');
    const check = (rows: number, calls: ReadonlyArray<readonly [number, number, boolean, boolean]>, dt: DType, resident: boolean, shared: boolean, seed: number,
      beside: 'none' | 'work' | 'throws' = 'none'): void => {
      const rng = new Rng(seed);
      const k0 = calls[0]![0];
      const sharedX = fill(be, dt, rows * k0, rng, resident);
      const made = calls.map(([k, n, withBias, relu], i) => {
        const x = shared && k === k0 ? sharedX : fill(be, dt, rows * k, rng, resident);
        if (rows * k > 0 && i === 1) x[rows * k - 1] = NaN;
        const b = withBias ? fill(be, dt, n, rng, resident) : null;
        if (b !== null && n > 1) b[1] = -0;
        return { x, w: fill(be, dt, k * n, rng, resident), b, y: fill(be, dt, rows * n, rng, resident), rows, k, n, relu };
      });
      const want = made.map((c) => {
        const y = copyOf(c.y);
        be.linearForward(c.x, c.w, c.b, y, c.rows, c.k, c.n, c.relu);
        return y;
      });
      expectBeside(beside, `${be.name} linearForwardPair`, (meanwhile) => be.linearForwardPair(made[0]!, made[1]!, meanwhile));
      made.forEach((c, j) => {
        for (let i = 0; i < rows * c.n; i++) {
          if (!Object.is(c.y[i], want[j]![i])) expect.fail(`${be.name} linearForwardPair call ${j} rows=${rows} k=${c.k} n=${c.n} ${dt}: [${i}] = ${c.y[i]}, linearForward ${want[j]![i]}`);
        }
      });
    };
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), shape, shape, dtype, bool, bool, fc.integer(), besides,
      (rows, a, b, dt, resident, shared, seed, beside) => check(rows, [a, b], dt, resident, shared, seed, beside)), { numRuns: runs });
    // Big enough to split across threads (two experts' first layers on one input; a pair of unequal calls).
    for (const beside of ['none', 'work', 'throws'] as const) {
      check(600, [[96, 80, true, true], [96, 80, true, true]], 'float32', true, true, 1, beside);
      check(600, [[96, 80, true, true], [40, 130, false, false]], 'float32', true, false, 2, beside);
    }
  });

  it('linearStackForward: each layer linearForward\'s bits, one stack or two, widths that take the blocked call and narrow ones that do not, sizes that split; work run beside it once, its error after the layers; a layer not reading the last one\'s output refused', () => {
    const be = make();
    const layer = fc.tuple(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 70 })), bool, bool);
    const besides = fc.constantFrom('none', 'work', 'throws');
    type Spec = readonly (readonly [number, boolean, boolean])[];
    const check = (rows: number, k0: number, stacks: readonly Spec[], dt: DType, resident: boolean, seed: number, beside: 'none' | 'work' | 'throws' = 'none'): void => {
      const rng = new Rng(seed);
      const made = stacks.map((spec, q) => {
        let x = fill(be, dt, rows * k0, rng, resident), k = k0;
        // A value that is not finite in the second stack's input goes through every layer.
        if (q === 1) x[rows * k0 - 1] = NaN;
        return spec.map(([n, withBias, relu]) => {
          const b = withBias ? fill(be, dt, n, rng, resident) : null;
          if (b !== null && n > 1) b[1] = -0;
          const c = { x, w: fill(be, dt, k * n, rng, resident), b, y: fill(be, dt, rows * n, rng, resident), rows, k, n, relu };
          x = c.y;
          k = n;
          return c;
        });
      });
      // The bits: each stack's layers one linearForward after the other, on copies.
      const want = made.map((calls) => {
        let x: Storage | null = null;
        return calls.map((c) => {
          const y = copyOf(c.y);
          be.linearForward(x ?? c.x, c.w, c.b, y, c.rows, c.k, c.n, c.relu);
          x = y;
          return y;
        });
      });
      expectBeside(beside, `${be.name} linearStackForward`, (meanwhile) => be.linearStackForward(made[0]!, made[1] ?? null, meanwhile));
      made.forEach((calls, q) => calls.forEach((c, l) => {
        for (let i = 0; i < rows * c.n; i++) {
          if (!Object.is(c.y[i], want[q]![l]![i])) expect.fail(`${be.name} linearStackForward stack ${q} layer ${l} rows=${rows} k=${c.k} n=${c.n} ${dt}: [${i}] = ${c.y[i]}, linearForward ${want[q]![l]![i]}`);
        }
      }));
    };
    const spec = fc.array(layer, { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), spec, fc.option(spec, { nil: undefined }), dtype, bool, fc.integer(), besides,
      (rows, k0, a, b, dt, resident, seed, beside) => check(rows, k0, b === undefined ? [a] : [a, b], dt, resident, seed, beside)), { numRuns: runs });
    // Big enough to split across threads: two expert stacks, one alone, and one whose last layer is narrow.
    for (const beside of ['none', 'work', 'throws'] as const) {
      check(600, 96, [[[80, true, true], [40, true, true], [24, true, true]], [[80, true, true], [40, true, true], [24, false, false]]], 'float32', true, 3, beside);
      check(600, 96, [[[80, true, true], [40, true, true]]], 'float32', true, 4, beside);
      check(600, 64, [[[32, true, true], [16, true, true], [1, true, false]], [[32, true, true], [16, true, true], [1, true, false]]], 'float32', true, 5, beside);
    }
    // A layer that does not read the layer before's output.
    const x = fill(be, 'float32', 12, new Rng(1), true), w = fill(be, 'float32', 12, new Rng(2), true);
    const first = { x, w, b: null, y: fill(be, 'float32', 12, new Rng(3), true), rows: 4, k: 3, n: 3, relu: false };
    expect(() => be.linearStackForward([first, { ...first, y: fill(be, 'float32', 12, new Rng(4), true) }], null)).toThrow(/layer 1's x is not layer 0's y/);
  });

  it('linearBackward: this backend\'s matmulChecked for dw then dx, bit for bit and flag for flag', () => {
    const be = make();
    const spot = fc.constantFrom('none', 'g', 'x', 'w');
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 }), fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 5, max: 40 })),
      bool, bool, bool, dtype, bool, spot, fc.constantFrom(NaN, Infinity), fc.integer(),
      (rows, k, n, withDw, withDx, accDx, dt, resident, where, bad, seed) => {
        const rng = new Rng(seed);
        const x = fill(be, dt, rows * k, rng, resident), w = fill(be, dt, k * n, rng, resident), g = fill(be, dt, rows * n, rng, resident);
        const at = (len: number): number => Math.floor(rng.next() * len);
        if (where === 'g') g[at(rows * n)] = bad;
        if (where === 'x') x[at(rows * k)] = bad;
        if (where === 'w') w[at(k * n)] = bad;
        const dw1 = withDw ? fill(be, dt, k * n, rng, resident) : null, dx1 = withDx ? fill(be, dt, rows * k, rng, resident) : null;
        const dw2 = dw1 && copyOf(dw1), dx2 = dx1 && copyOf(dx1);
        const got = be.linearBackward(x, w, g, dw1, dx1, rows, k, n, accDx);
        let want = 0;
        if (dw2 && be.matmulChecked(x, g, dw2, k, rows, n, true, false, true)) want |= 1;
        if (dx2 && be.matmulChecked(g, w, dx2, rows, n, k, false, true, accDx)) want |= 2;
        const what = `${be.name} linearBackward ${dt} rows=${rows} k=${k} n=${n} dw=${withDw} dx=${withDx} acc=${accDx} ${where}`;
        for (const [name, a, b] of [['dw', dw1, dw2], ['dx', dx1, dx2]] as const) {
          if (a === null || b === null) continue;
          for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`${what}: ${name}[${i}] = ${a[i]}, matmulChecked ${b[i]}`);
        }
        expect(got, what).toBe(want);
      }), { numRuns: runs });
  });

  it('linearReluBackward: this backend\'s reluGradColumnSums then matmulChecked, bit for bit and flag for flag', () => {
    const be = make();
    const spot = fc.constantFrom('none', 'g', 'y', 'x', 'w');
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }),
      bool, bool, bool, bool, dtype, bool, spot, fc.constantFrom(NaN, Infinity, -Infinity), fc.integer(),
      (rows, k, n, withDw, withDx, withDb, accDx, dt, resident, where, bad, seed) => {
        const rng = new Rng(seed);
        const x = fill(be, dt, rows * k, rng, resident), w = fill(be, dt, k * n, rng, resident);
        const y = fill(be, dt, rows * n, rng, resident), g = fill(be, dt, rows * n, rng, resident);
        const at = (len: number): number => Math.floor(rng.next() * len);
        y[at(rows * n)] = -0;
        if (where === 'g') g[at(rows * n)] = bad;
        if (where === 'y') y[at(rows * n)] = bad;
        if (where === 'x') x[at(rows * k)] = bad;
        if (where === 'w') w[at(k * n)] = bad;
        const dw1 = withDw ? fill(be, dt, k * n, rng, resident) : null, dx1 = withDx ? fill(be, dt, rows * k, rng, resident) : null;
        const db1 = withDb ? fill(be, dt, n, rng, resident) : null;
        const dw2 = dw1 && copyOf(dw1), dx2 = dx1 && copyOf(dx1), db2 = db1 && copyOf(db1);
        const gz1 = fill(be, dt, rows * n, rng, resident), gz2 = fill(be, dt, rows * n, rng, resident);
        const got = be.linearReluBackward(x, w, y, g, gz1, dw1, dx1, db1, rows, k, n, accDx);
        be.reluGradColumnSums(y, g, gz2, db2, rows, n);
        let want = 0;
        if (dw2 && be.matmulChecked(x, gz2, dw2, k, rows, n, true, false, true)) want |= 1;
        if (dx2 && be.matmulChecked(gz2, w, dx2, rows, n, k, false, true, accDx)) want |= 2;
        const what = `${be.name} linearReluBackward ${dt} rows=${rows} k=${k} n=${n} dw=${withDw} dx=${withDx} db=${withDb} acc=${accDx} ${where}`;
        for (const [name, a, b] of [['dw', dw1, dw2], ['dx', dx1, dx2], ['db', db1, db2]] as const) {
          if (a === null || b === null) continue;
          for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`${what}: ${name}[${i}] = ${a[i]}, kernels one by one ${b[i]}`);
        }
        expect(got, what).toBe(want);
      }), { numRuns: runs });
  });

  it('linearReluBackwardPair: each call linearReluBackward\'s bits and flags, in the bits the pair says', () => {
    const be = make();
    const shape = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), bool, bool, bool, bool);
    type Shape = readonly [k: number, n: number, withDw: boolean, withDx: boolean, withDb: boolean, accDx: boolean];
    // Where the value that is not finite goes: one call's g (its dW and dx), x (its dW only) or
    // w (its dx only), so each of the pair's four flags is seen set alone.
    type Bad = readonly [value: number, call: 0 | 1, where: 'g' | 'x' | 'w'];
    const check = (rows: number, calls: readonly Shape[], dt: DType, resident: boolean, [bad, badCall, badWhere]: Bad, seed: number): void => {
      const rng = new Rng(seed);
      const made = calls.map(([k, n, withDw, withDx, withDb, accumulateDx], i) => {
        const x = fill(be, dt, rows * k, rng, resident), w = fill(be, dt, k * n, rng, resident);
        const y = fill(be, dt, rows * n, rng, resident), g = fill(be, dt, rows * n, rng, resident);
        y[Math.floor(rng.next() * rows * n)] = -0;
        if (i === badCall) {
          const at = { g, x, w }[badWhere];
          at[Math.floor(rng.next() * at.length)] = bad;
        }
        return {
          x, w, y, g, gz: fill(be, dt, rows * n, rng, resident), dw: withDw ? fill(be, dt, k * n, rng, resident) : null,
          dx: withDx ? fill(be, dt, rows * k, rng, resident) : null, db: withDb ? fill(be, dt, n, rng, resident) : null, rows, k, n, accumulateDx,
        };
      });
      const want = made.map((c) => {
        const dw = c.dw && copyOf(c.dw), dx = c.dx && copyOf(c.dx), db = c.db && copyOf(c.db);
        const flags = be.linearReluBackward(c.x, c.w, c.y, c.g, copyOf(c.gz), dw, dx, db, c.rows, c.k, c.n, c.accumulateDx);
        return { dw, dx, db, flags };
      });
      const got = be.linearReluBackwardPair(made[0]!, made[1]!);
      const what = `${be.name} linearReluBackwardPair rows=${rows} ${dt} calls ${JSON.stringify(calls)}`;
      made.forEach((c, j) => {
        for (const name of ['dw', 'dx', 'db'] as const) {
          const a = c[name], b = want[j]![name];
          if (a === null || b === null) continue;
          for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`${what}: call ${j} ${name}[${i}] = ${a[i]}, linearReluBackward ${b[i]}`);
        }
      });
      expect(got, what).toBe(want[0]!.flags | (want[1]!.flags << 2));
    };
    const bads = fc.tuple(fc.constantFrom(NaN, Infinity, 1), fc.constantFrom(0 as const, 1 as const), fc.constantFrom('g' as const, 'x' as const, 'w' as const));
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), shape, shape, dtype, bool, bads, fc.integer(),
      (rows, a, b, dt, resident, bad, seed) => check(rows, [a, b], dt, resident, bad, seed)), { numRuns: runs });
    // Big enough to split across threads: two experts' layers, equal and unequal, each flag alone.
    const layers: readonly (readonly Shape[])[] = [
      [[96, 80, true, true, true, false], [96, 80, true, true, true, true]],
      [[96, 80, true, true, true, false], [40, 130, true, true, false, false]],
      // The sweep's split pair: the second layer's dW and db only (its dx runs later).
      [[96, 80, true, true, true, false], [96, 80, true, false, true, false]],
    ];
    let seed = 1;
    for (const calls of layers) {
      check(600, calls, 'float32', true, [1, 1, 'g'], seed++);
      for (const call of [0, 1] as const) for (const where of ['x', 'w'] as const) check(600, calls, 'float32', true, [NaN, call, where], seed++);
    }
  });

  it('zero: exactly [start, end) becomes 0, past the memset threshold too; a range outside throws', () => {
    const be = make();
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), dtype, bool, fc.integer(),
      (n, a, b, dt, resident, seed) => {
        const rng = new Rng(seed);
        const start = a % (n + 1), end = start + (b % (n - start + 1));
        const x = fill(be, dt, n, rng, resident), want = copyOf(x);
        be.zero(x, start, end);
        js.zero(want, start, end);
        for (let i = 0; i < n; i++) {
          if (!Object.is(x[i], want[i])) expect.fail(`${be.name} zero n=${n} [${start}, ${end}): [${i}] = ${x[i]}, js twin ${want[i]}`);
        }
        expect(() => be.zero(x, start, n + 1)).toThrow(RangeError);
        expect(() => be.zero(x, -1, end)).toThrow(RangeError);
        expect(() => be.zero(x, end + 1, end)).toThrow(RangeError);
      }), { numRuns: runs });
  });
}
