import { afterAll, describe, expect, it } from 'vitest';
import { host } from '../../../src/platform/host.ts';
import type { NativeKernels } from '../../../src/platform/native-kernels.ts';
import type { AdamScalars } from '../../../src/tensor/backend.ts';
import { adamRunsJs } from '../../../src/tensor/backends/elementwise-js.ts';
import { createWasmBackend, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { whyNoNative } from '../../platform/native-support.ts';
import { sameBits } from './bits.ts';

/**
 * The addon's Adam (native/adam.c): the wasm kernels adam32 / adamRunsChunk32 / adamSpan32's
 * bits (and so the js twin's), with scattered rows prefetched; the wasm backend runs it on every
 * thread where the addon loads. Skips, saying why, where the addon cannot build.
 */
const noNative = whyNoNative();

const made: WasmBackend[] = [];
function make(opts: Parameters<typeof createWasmBackend>[0]): WasmBackend {
  const be = createWasmBackend(opts);
  made.push(be);
  return be;
}
afterAll(() => { for (const be of made) be.close(); });

const H: AdamScalars = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), invSqrtBc2: 1 / Math.sqrt(1 - 0.999 ** 3), zeroGrad: false };
const HZ: AdamScalars = { ...H, zeroGrad: true };
const scalars = (h: AdamScalars) => [h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, h.stepSize, h.invSqrtBc2, h.eps] as const;

/** Parameters, gradients and moments with the awkward values: zeros, -0, denormals, huge, NaN. */
function state(n: number, rng: Rng): [Float32Array, Float32Array, Float32Array, Float32Array] {
  const w = new Float32Array(n), g = new Float32Array(n), m = new Float32Array(n), v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = rng.normal();
    g[i] = rng.normal() * (i % 11 === 0 ? 1e-30 : 1e-2);
    m[i] = rng.normal() * 1e-3;
    v[i] = Math.abs(rng.normal()) * 1e-5;
  }
  const special = [0, -0, 1e-40, -1e-42, 3e38, -3e38, NaN, Infinity];
  for (let s = 0; s < special.length && 4 * s + 3 < n; s++) {
    g[4 * s] = special[s]!;
    m[4 * s + 1] = special[(s + 3) % special.length]!;
    v[4 * s + 2] = Math.abs(special[(s + 5) % special.length]!);
    w[4 * s + 3] = special[(s + 1) % special.length]!;
  }
  g[1] = 0; m[1] = 0; v[1] = 0;
  return [w, g, m, v];
}

/** Distinct runs of `width` at random places of [0, n), their moments at shuffled slots. */
function runs(count: number, width: number, n: number, rng: Rng): [Int32Array, Int32Array] {
  const rows = Math.floor(n / width), picked = new Set<number>();
  while (picked.size < count) picked.add(rng.int(0, rows));
  const slots = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) { const j = rng.int(0, i + 1); [slots[i], slots[j]] = [slots[j]!, slots[i]!]; }
  return [Int32Array.from(picked, (r) => r * width), Int32Array.from(slots, (s) => s * width)];
}

describe.skipIf(noNative !== '')(`native Adam${noNative ? ` (skipped: ${noNative})` : ''}`, () => {
  const nat = (): NativeKernels => host().nativeKernels!();

  it('adamRuns and adamSpan give the js twin\'s bits: widths 1-33 and 16, tails, special values, run ranges, zero 0 and 1', () => {
    const rng = new Rng(51);
    for (const h of [H, HZ]) {
      const zero = h.zeroGrad ? 1 : 0;
      for (const [count, width] of [[1, 1], [3, 2], [40, 3], [500, 16], [64, 17], [9, 33], [2000, 16], [25, 64]] as const) {
        const n = Math.max(count * width * 3, 4000);
        const [w, g, m, v] = state(n, rng);
        const [wAt, sAt] = runs(count, width, n, rng);
        const want = [w, m, v, g].map((x) => Float32Array.from(x));
        adamRunsJs(want[0]!, want[3]!, want[1]!, want[2]!, wAt, sAt, count, width, h);
        // In two calls over [0, q) and [q, count): a chunk of the pool's split.
        const q = count >> 1;
        nat().adamRuns(w, g, m, v, wAt, sAt, width, ...scalars(h), 0, q, zero);
        nat().adamRuns(w, g, m, v, wAt, sAt, width, ...scalars(h), q, count, zero);
        [w, m, v, g].forEach((x, i) => { if (!sameBits(x, want[i]!)) expect.fail(`zero=${zero} count=${count} width=${width}: ${'wmvg'[i]} differs`); });
      }
      for (const n of [1, 2, 7, 8, 4097]) {
        const [w, g, m, v] = state(n, rng);
        const want = [w, m, v, g].map((x) => Float32Array.from(x));
        adamRunsJs(want[0]!, want[3]!, want[1]!, want[2]!, Int32Array.of(0), Int32Array.of(0), 1, n, h);
        const cut = Math.min(n, 3);
        nat().adamSpan(w, g, m, v, ...scalars(h), 0, cut, zero);
        nat().adamSpan(w, g, m, v, ...scalars(h), cut, n, zero);
        [w, m, v, g].forEach((x, i) => { if (!sameBits(x, want[i]!)) expect.fail(`span zero=${zero} n=${n}: ${'wmvg'[i]} differs`); });
        if (zero && !g.every((x) => Object.is(x, 0))) expect.fail(`span n=${n}: a gradient left unzeroed`);
      }
    }
  });

  it('checks every run against its arrays before writing anything, and names the argument', () => {
    const w = new Float32Array(64), g = new Float32Array(64), m = new Float32Array(32), v = new Float32Array(32);
    const call = (...args: unknown[]) => () => (nat().adamRuns as (...x: unknown[]) => void)(...args);
    const s = scalars(H);
    expect(call(w, g, m, v, Int32Array.of(0, 60), Int32Array.of(0, 8), 8, ...s, 0, 2, 0)).toThrow(/run 1 \(w at 60, moments at 8, width 8\) is outside w \/ g \(64\)/);
    expect(w.every((x) => x === 0) && m.every((x) => x === 0)).toBe(true);
    expect(call(w, g, m, v, Int32Array.of(0), Int32Array.of(28), 8, ...s, 0, 1, 0)).toThrow(/is outside w \/ g \(64\) or m \/ v \(32\)/);
    expect(call(w, g, m, v, Int32Array.of(-1), Int32Array.of(0), 1, ...s, 0, 1, 0)).toThrow(/run 0 \(w at -1/);
    expect(call(w, g, m, v, Int32Array.of(0), Int32Array.of(0), 1, ...s, 0, 2, 0)).toThrow(/q0 <= q1 <= the offsets' lengths/);
    expect(call(w, g, m, v, Float32Array.of(0), Int32Array.of(0), 1, ...s, 0, 1, 0)).toThrow(/adamRuns: wAt must be an Int32Array/);
    expect(call(w, new Float64Array(4), m, v, Int32Array.of(0), Int32Array.of(0), 1, ...s, 0, 1, 0)).toThrow(/adamRuns: g must be a Float32Array/);
    expect(call(w, g, m, v, Int32Array.of(0), Int32Array.of(0), 1, 0.9, '0.999', 0.1, 0.001, 1, 1, 1e-8, 0, 1, 0)).toThrow(/b2 must be a number/);
    expect(call(w, g, m, v)).toThrow(/expects \(w, g, m, v, wAt, sAt, width, b1, b2, c1, c2, step, r, eps, q0, q1, zero\)/);
    expect(call(w, g, m, v, Int32Array.of(0), Int32Array.of(0), 1, ...s, 0, 1, 2)).toThrow(/adamRuns: zero must be 0 or 1, got 2/);
    expect(call(w, g, m, v, Int32Array.of(0), Int32Array.of(0), 1, ...s, 0, 1, '1')).toThrow(/adamRuns: zero must be a number/);
    const span = (...args: unknown[]) => () => (nat().adamSpan as (...x: unknown[]) => void)(...args);
    expect(span(w, g, m, v, ...s, 0, 33, 0)).toThrow(/adamSpan: needs i0 <= i1 <= every array's length/);
    expect(span(w, g, m, v, ...s, 5, 4, 0)).toThrow(/i0 <= i1/);
    expect(span(w, g, m, v, ...s, 0, 4, -1)).toThrow(/adamSpan: zero must be an integer >= 0/);
  });

  it('the wasm backend runs it on every thread: the wasm kernel\'s bits for table rows and a dense run, 1 and 2 threads, zeroGrad or not', () => {
    const plain = make({ native: false, threads: 1 });
    const rng = new Rng(52);
    const n = 400_000;
    const [w0, g0, m0, v0] = state(n, rng);
    const [wAt, sAt] = runs(20_000, 16, n, rng);
    // A dense run long enough to split across threads, and table rows many enough to split too.
    const cases = [{ wAt, sAt, count: 20_000, width: 16 }, { wAt: Int32Array.of(5), sAt: Int32Array.of(5), count: 1, width: 300_001 }];
    const result = (be: WasmBackend, h: AdamScalars): Float32Array[] => {
      const [w, g, m, v] = [w0, g0, m0, v0].map((x) => { const y = be.alloc('float32', n) as Float32Array; y.set(x); return y; }) as [Float32Array, Float32Array, Float32Array, Float32Array];
      for (const c of cases) be.adamRuns(w, g, m, v, c.wAt, c.sAt, c.count, c.width, h);
      return [w, m, v, g].map((x) => Float32Array.from(x));
    };
    for (const h of [H, HZ]) {
      const want = result(plain, h);
      // With zeroGrad the runs' gradients are zero and the rest kept (the wasm kernel's own check).
      const touched = new Uint8Array(n);
      for (const c of cases) for (let q = 0; q < c.count; q++) touched.fill(1, c.wAt[q]!, c.wAt[q]! + c.width);
      for (let i = 0; i < n; i++) if (!Object.is(want[3]![i], h.zeroGrad && touched[i] ? 0 : g0[i])) expect.fail(`wasm kernel, zeroGrad ${h.zeroGrad}: g[${i}] is ${want[3]![i]}`);
      for (const threads of [1, 2]) {
        const be = make({ native: true, threads });
        expect(be.matmulKernel).toBe('native');
        const got = result(be, h);
        got.forEach((x, i) => { if (!sameBits(x, want[i]!)) expect.fail(`zeroGrad ${h.zeroGrad}, threads=${threads}: ${'wmvg'[i]} differs from the wasm kernel`); });
      }
    }
  });
});
