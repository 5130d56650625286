import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AdamScalars } from '../../../src/tensor/backend.ts';
import { createWasmBackend, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { relaxedSimdSupported } from '../../../src/platform/wasm-features.ts';
import { checkMatmul, fill, js, parityProperties } from './harness.ts';

const made: WasmBackend[] = [];
// native: false: this file holds the wasm kernels themselves (their threading, packing and
// flavours) to account; the native matmul that replaces the float32 one where the host has it
// is tested in native-matmul.test.ts.
function make(opts: Parameters<typeof createWasmBackend>[0] = {}): WasmBackend {
  const be = createWasmBackend({ threads: 2, native: false, ...opts });
  made.push(be);
  return be;
}
afterAll(() => { for (const be of made) be.close(); });

const wasm = make();

describe('wasm backend parity with the js twin', () => {
  parityProperties(() => wasm, it);
});

describe('wasm backend with ordinary-array storage (every operand copied in)', () => {
  const copying = make({ threads: 1, residentStorage: false });
  it('alloc returns ordinary arrays', () => {
    expect(copying.alloc('float32', 4096).buffer).toBeInstanceOf(ArrayBuffer);
  });
  parityProperties(() => copying, it, 15);
});

describe('wasm kernel flavours', () => {
  it('takes the relaxed-SIMD (FMA) kernels exactly where the engine validates them', () => {
    expect(wasm.fma).toBe(relaxedSimdSupported());
    expect(make({ threads: 1, fma: false }).fma).toBe(false);
    expect(make({ threads: 1, sharedMemory: false }).fma).toBe(false);
  });

  describe('the plain SIMD kernels (multiply then add) keep parity too', () => {
    const plain = make({ threads: 2, fma: false });
    parityProperties(() => plain, it, 15);
  });
});

describe('wasm threads', () => {
  it('threaded results equal single-threaded results bit for bit', () => {
    expect(wasm.maxThreads).toBe(2);
    fc.assert(fc.property(
      fc.integer({ min: 100, max: 260 }), fc.integer({ min: 60, max: 200 }), fc.integer({ min: 100, max: 200 }),
      fc.boolean(), fc.boolean(), fc.constantFrom('float32' as const, 'float64' as const), fc.integer(),
      (m, k, n, ta, tb, dt, seed) => {
        const rng = new Rng(seed);
        const a = fill(wasm, dt, m * k, rng, true), b = fill(wasm, dt, k * n, rng, true);
        const c1 = wasm.alloc(dt, m * n), c2 = wasm.alloc(dt, m * n);
        wasm.setThreads(1);
        wasm.matmul(a, b, c1, m, k, n, ta, tb, false);
        wasm.setThreads(2);
        wasm.matmul(a, b, c2, m, k, n, ta, tb, false);
        expect(Buffer.compare(Buffer.from(c1.buffer, c1.byteOffset, c1.byteLength), Buffer.from(c2.buffer, c2.byteOffset, c2.byteLength))).toBe(0);
      }), { numRuns: 8 });
  });

  it('B packed once and shared by the threads gives the single-threaded bits: column blocks, k-slabs, partial panels', () => {
    // n = 530: two column blocks (512 + 18, the last panel partial); k = 700: three k-slabs.
    for (const [m, k, n] of [[300, 700, 530], [64, 2048, 256], [2048, 320, 29]] as const) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const rng = new Rng(m * 7 + k * 3 + n + (ta ? 1 : 0) + (tb ? 2 : 0));
        const a = fill(wasm, 'float32', m * k, rng, true), b = fill(wasm, 'float32', k * n, rng, true);
        const c1 = fill(wasm, 'float32', m * n, rng, true), c2 = wasm.alloc('float32', m * n);
        c2.set(c1);
        wasm.setThreads(1);
        wasm.matmul(a, b, c1, m, k, n, ta, tb, true);
        wasm.setThreads(2);
        wasm.matmul(a, b, c2, m, k, n, ta, tb, true);
        expect(Buffer.compare(Buffer.from(c1.buffer, c1.byteOffset, c1.byteLength), Buffer.from(c2.buffer, c2.byteOffset, c2.byteLength))).toBe(0);
      }
    }
  });

  it('the narrow (n <= 4) matmul splits over threads with the same bits', () => {
    // Over a million elements of A (transposed), a quarter of that (not: a gate's forward,
    // 2048 x 320 -> 2): the call is split across the threads.
    for (const [m, k, n, ta, tb] of [[70_001, 31, 3, false, false], [70_001, 31, 1, true, true], [70_001, 33, 2, true, false], [50_003, 45, 4, false, true],
      [2048, 320, 2, false, false], [2051, 130, 3, false, true]] as const) {
      const rng = new Rng(m + k + n);
      const a = fill(wasm, 'float32', m * k, rng, true), b = fill(wasm, 'float32', k * n, rng, true);
      const c1 = fill(wasm, 'float32', m * n, rng, true), c2 = Float32Array.from(c1);
      wasm.setThreads(1);
      wasm.matmul(a, b, c1, m, k, n, ta, tb, true);
      wasm.setThreads(2);
      wasm.matmul(a, b, c2, m, k, n, ta, tb, true);
      expect(Array.from(c2)).toEqual(Array.from(c1));
    }
  });

  it('a weighted sum of a few rows (Aᵀ·b, n = 1, k <= 16: G^T w) sums each entry in float32 in row order, on any thread count', () => {
    for (const [m, k, acc] of [[300_001, 6, false], [300_001, 16, true], [1_003, 1, true], [70_001, 17, false]] as const) {
      const rng = new Rng(m + k);
      const a = fill(wasm, 'float32', m * k, rng, true), b = fill(wasm, 'float32', k, rng, true);
      a[5] = -0;
      b[0] = -0;
      const c0 = fill(wasm, 'float32', m, rng, true);
      // The blocked form's arithmetic: from 0, add each row's float32 product in order; then C.
      const want = new Float32Array(m);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[p * m + i]! * b[p]!));
        want[i] = acc ? Math.fround(c0[i]! + s) : s;
      }
      for (const threads of [1, 2]) {
        wasm.setThreads(threads);
        const c = Float32Array.from(c0);
        wasm.matmul(a, b, c, m, k, 1, true, false, acc);
        for (let i = 0; i < m; i++) if (!Object.is(c[i], want[i])) expect.fail(`m=${m} k=${k} acc=${acc} threads=${threads}: [${i}] = ${c[i]}, want ${want[i]}`);
      }
    }
    wasm.setThreads(2);
  });

  it('the Linear epilogue (bias + ReLU) split over row chunks gives the js twin\'s bits', () => {
    for (const [rows, n, bias, relu] of [[2048, 160, true, true], [4099, 67, true, false], [3001, 129, false, true]] as const) {
      const rng = new Rng(rows + n);
      const y1 = fill(wasm, 'float32', rows * n, rng, true), y2 = Float32Array.from(y1);
      const b = bias ? fill(wasm, 'float32', n, rng, true) : null;
      wasm.setThreads(2);
      wasm.biasRelu(y1, b, rows, n, relu);
      js.biasRelu(y2, b, rows, n, relu);
      expect(Array.from(y1)).toEqual(Array.from(y2));
    }
  });

  it('the gated mixture and its backward split over row chunks give the single-threaded bits, added or written', () => {
    for (const [B, d, E, written] of [[2048, 64, 2, 0], [1500, 129, 3, 0], [2048, 64, 2, 3], [1500, 129, 3, 9]] as const) {
      const rng = new Rng(B + d + E);
      const w = fill(wasm, 'float32', B * E, rng, true), g = fill(wasm, 'float32', B * d, rng, true);
      const xs = Array.from({ length: E }, () => fill(wasm, 'float32', B * d, rng, true));
      const runs = [1, 2].map((threads) => {
        wasm.setThreads(threads);
        const out = wasm.alloc('float32', B * d) as Float32Array;
        wasm.mixture(w, xs, out, B, d);
        const dw = new Float32Array(B * E).fill(0.5);
        const dxs = xs.map((_, e) => (e === 1 ? null : new Float32Array(B * d).fill(0.25)));
        wasm.mixtureBackward(w, xs, g, dw, dxs, B, d, written);
        return [out, dw, ...dxs.flatMap((x) => (x ? [x] : []))].map((x) => Array.from(x));
      });
      expect(runs[1]).toEqual(runs[0]);
    }
  });

  it('the mixture backward checks what it stores: true for finite outputs, false where one is NaN or Inf, on one thread and two', () => {
    const [B, d, E] = [2048, 64, 2];
    const rng = new Rng(9);
    const w = fill(wasm, 'float32', B * E, rng, true), g = fill(wasm, 'float32', B * d, rng, true);
    const xs = Array.from({ length: E }, () => fill(wasm, 'float32', B * d, rng, true));
    for (const threads of [1, 2]) {
      wasm.setThreads(threads);
      const fresh = () => ({ dw: wasm.alloc('float32', B * E) as Float32Array, dxs: xs.map(() => wasm.alloc('float32', B * d) as Float32Array) });
      const ok = fresh();
      expect(wasm.mixtureBackward(w, xs, g, ok.dw, ok.dxs, B, d, 0)).toBe(true);
      // A non-finite value in the last row (the last chunk), in the middle, in dw only, in one dx
      // only, and in the odd column a width of 63 leaves to the scalar tail.
      for (const [where, poison] of [
        ['g, last row', () => { g[B * d - 1] = NaN; return () => { g[B * d - 1] = 0.5; }; }],
        ['xs[1] (dw only)', () => { xs[1]![700 * d + 3] = Infinity; return () => { xs[1]![700 * d + 3] = 0.5; }; }],
        ['w[., 0] (dx 0 only)', () => { w[900 * E] = -Infinity; return () => { w[900 * E] = 0.5; }; }],
      ] as const) {
        const undo = poison();
        const bad = fresh();
        expect(wasm.mixtureBackward(w, xs, g, bad.dw, bad.dxs, B, d, 0), `${where}, ${threads} thread(s)`).toBe(false);
        undo();
      }
      const dOdd = 63, gOdd = fill(wasm, 'float32', B * dOdd, rng, true), xOdd = [fill(wasm, 'float32', B * dOdd, rng, true)];
      const wOne = fill(wasm, 'float32', B, rng, true);
      const dxOdd = wasm.alloc('float32', B * dOdd) as Float32Array;
      dxOdd[5 * dOdd + 62] = Infinity;
      expect(wasm.mixtureBackward(wOne, xOdd, gOdd, null, [dxOdd], B, dOdd, 0)).toBe(false);
      dxOdd[5 * dOdd + 62] = 0;
      expect(wasm.mixtureBackward(wOne, xOdd, gOdd, null, [dxOdd], B, dOdd, 0)).toBe(true);
    }
  });

  it('kernel threads that poll before sleeping (spinMicros) give the same bits', () => {
    const spinning = make({ threads: 2, spinMicros: 500 });
    const [m, k, n] = [700, 320, 96];
    const rng = new Rng(5);
    const a = fill(wasm, 'float32', m * k, rng, true), b = fill(wasm, 'float32', k * n, rng, true);
    const c1 = fill(wasm, 'float32', m * n, rng, true), c2 = Float32Array.from(c1);
    wasm.setThreads(2);
    for (let i = 0; i < 3; i++) {
      wasm.matmul(a, b, c1, m, k, n, false, false, true);
      spinning.matmul(a, b, c2, m, k, n, false, false, true);
    }
    expect(Array.from(c2)).toEqual(Array.from(c1));
  });

  it('embedding gather (rows split) and scatter-add (columns split) over threads: the js twin\'s bits', () => {
    wasm.setThreads(2);
    const rng = new Rng(17);
    // gather (rows split) and scatter-add (columns split; repeated destinations add in row order)
    for (const [count, width, tableRows] of [[40_960, 16, 900], [9_000, 33, 50]] as const) {
      const table = fill(wasm, 'float32', tableRows * width, rng, true);
      const at = new Int32Array(count);
      for (let r = 0; r < count; r++) at[r] = ((r * 7919) % tableRows) * width;
      const out1 = wasm.alloc('float32', count * width) as Float32Array, out2 = new Float32Array(count * width);
      wasm.gatherAt(table, at, out1, count, width);
      js.gatherAt(table, at, out2, count, width);
      expect(Array.from(out1)).toEqual(Array.from(out2));
      const src = fill(wasm, 'float32', count * width, rng, true);
      const d1 = Float32Array.from(table), d2 = Float32Array.from(table);
      const dst1 = wasm.alloc('float32', tableRows * width) as Float32Array;
      dst1.set(d1);
      wasm.scatterAddAt(dst1, at, src, count, width);
      js.scatterAddAt(d2, at, src, count, width);
      expect(Array.from(dst1)).toEqual(Array.from(d2));
    }
  });

  it('Adam split over threads (one long run by elements, many rows by runs) gives the js twin\'s bits, zeroGrad or not', () => {
    for (const zeroGrad of [false, true]) adamSplit({ beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 3), invSqrtBc2: 1 / Math.sqrt(1 - 0.999 ** 3), zeroGrad });
  });

  function adamSplit(h: AdamScalars): void {
    const cases = [
      { count: 1, width: 300_001, runs: (wAt: Int32Array, sAt: Int32Array) => { wAt[0] = 5; sAt[0] = 5; } },
      { count: 9_001, width: 16, runs: (wAt: Int32Array, sAt: Int32Array) => { for (let q = 0; q < 9_001; q++) { wAt[q] = 16 * ((q * 7919) % 9_001); sAt[q] = 16 * q; } } },
    ];
    for (const { count, width, runs } of cases) {
      const size = count * width + 8, rng = new Rng(count);
      const wAt = new Int32Array(count), sAt = new Int32Array(count);
      runs(wAt, sAt);
      const w1 = fill(wasm, 'float32', size, rng, true), g = fill(wasm, 'float32', size, rng, true);
      const m1 = fill(wasm, 'float32', size, rng, true), v1 = fill(wasm, 'float32', size, rng, true);
      for (let i = 0; i < size; i++) v1[i] = Math.abs(v1[i]!);
      const w2 = Float32Array.from(w1), m2 = Float32Array.from(m1), v2 = Float32Array.from(v1), g2 = Float32Array.from(g);
      wasm.setThreads(2);
      wasm.adamRuns(w1, g, m1, v1, wAt, sAt, count, width, h);
      js.adamRuns(w2, g2, m2, v2, wAt, sAt, count, width, h);
      expect(Array.from(w1)).toEqual(Array.from(w2));
      expect(Array.from(m1)).toEqual(Array.from(m2));
      expect(Array.from(v1)).toEqual(Array.from(v2));
      expect(Array.from(g)).toEqual(Array.from(g2));
      if (h.zeroGrad) expect(g.subarray(wAt[0]!, wAt[0]! + width).every((x) => x === 0)).toBe(true);
    }
  }

  it('a large Gram is split the same way on any thread count: 1, 2 and 3 threads give the same bits, within float32 error of the js twin', () => {
    const t = 6, d = 200_003;
    const g = fill(wasm, 'float32', t * d, new Rng(7), true);
    const three = make({ threads: 3 });
    const g3in = three.alloc('float32', t * d) as Float32Array;
    g3in.set(g);
    const g1 = new Float64Array(t * t), g2 = new Float64Array(t * t), g3 = new Float64Array(t * t), ref = new Float64Array(t * t);
    wasm.setThreads(1);
    wasm.gram(g, g1, t, d);
    wasm.setThreads(2);
    wasm.gram(g, g2, t, d);
    three.gram(g3in, g3, t, d);
    js.gram(g, ref, t, d);
    expect(three.threads).toBe(3);
    expect(Array.from(g1)).toEqual(Array.from(g2));
    expect(Array.from(g3)).toEqual(Array.from(g2));
    for (let i = 0; i < t * t; i++) expect(Math.abs(g2[i]! - ref[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(ref[i]!) + 1e-9);
  });

  it('the float32 Gram has the arithmetic of one dot product per pair (float32 lane chains per block of 1024, f64 across), bit for bit', () => {
    // The kernel forms four pairs at a time: each must still be this sum. T = 7 leaves pairs
    // outside the groups of four; d spans column chunks, blocks and lane tails.
    const t = 7, d = 40_011, BLOCK = 1024, CHUNK = 16384, f = Math.fround;
    const g = fill(wasm, 'float32', t * d, new Rng(11), true);
    g[3] = -0;
    const dot = (i: number, j: number, c0: number, c1: number): number => {
      let s = 0;
      for (let b0 = c0; b0 < c1; b0 += BLOCK) {
        const len = Math.min(BLOCK, c1 - b0);
        const x = [0, 0, 0, 0], y = [0, 0, 0, 0];
        let k = 0;
        for (; k + 8 <= len; k += 8) {
          for (let l = 0; l < 4; l++) {
            x[l] = f(x[l]! + f(g[i * d + b0 + k + l]! * g[j * d + b0 + k + l]!));
            y[l] = f(y[l]! + f(g[i * d + b0 + k + 4 + l]! * g[j * d + b0 + k + 4 + l]!));
          }
        }
        let bs = f(x[0]! + y[0]!) + f(x[1]! + y[1]!) + f(x[2]! + y[2]!) + f(x[3]! + y[3]!);
        for (; k < len; k++) bs += f(g[i * d + b0 + k]! * g[j * d + b0 + k]!);
        s += bs;
      }
      return s;
    };
    // The backend's column split (two parts at this size) and the per-part chunks.
    const half = Math.ceil(d / 2 / 16) * 16;
    const want = new Float64Array(t * t);
    for (const [p0, p1] of [[0, half], [half, d]] as const) {
      for (let i = 0; i < t; i++) {
        for (let j = i; j < t; j++) {
          let part = 0;
          for (let c = p0; c < p1; c += CHUNK) part += dot(i, j, c, Math.min(p1, c + CHUNK));
          want[i * t + j] += part;
          if (j !== i) want[j * t + i] = want[i * t + j];
        }
      }
    }
    const got = new Float64Array(t * t);
    wasm.gram(g, got, t, d);
    for (let x = 0; x < t * t; x++) if (!Object.is(got[x], want[x])) expect.fail(`[${x}] = ${got[x]}, want ${want[x]}`);
  });
});

describe('wasm narrow matmul (n <= 4, its own kernel)', () => {
  // Every transpose form, accumulate on and off, resident and copied operands, odd k, and
  // m past the 1024-column block of the transposed-A loop.
  it('matches the js twin within the summation bound', () => {
    const copying = make({ threads: 1, residentStorage: false });
    let seed = 1;
    for (const be of [wasm, copying]) {
      for (const n of [1, 2, 3, 4]) {
        for (const [m, k] of [[1, 1], [5, 3], [37, 320], [2051, 67], [9, 1029]] as const) {
          for (const ta of [false, true]) {
            for (const tb of [false, true]) {
              for (const acc of [false, true]) checkMatmul(be, 'float32', m, k, n, ta, tb, acc, be === wasm, seed++);
            }
          }
        }
      }
    }
  });
});

describe('wasm narrow matmul, transposed A (a gate\'s dW, G^T w): each C element\'s exact additions', () => {
  it('sums its k products one at a time in float32, p in order from 0, then adds the sum to C', () => {
    const f = Math.fround;
    let seed = 11;
    for (const n of [1, 2, 3, 4]) {
      for (const [m, k] of [[5, 3], [37, 320], [1100, 67], [9, 1029], [16, 6]] as const) {
        for (const tb of [false, true]) {
          for (const acc of [false, true]) {
            const rng = new Rng(seed++);
            const a = fill(wasm, 'float32', k * m, rng, true), b = fill(wasm, 'float32', k * n, rng, true);
            const c = fill(wasm, 'float32', m * n, rng, true);
            const want = Float32Array.from(c);
            for (let i = 0; i < m; i++) {
              for (let j = 0; j < n; j++) {
                let s = 0;
                for (let p = 0; p < k; p++) s = f(s + f(a[p * m + i]! * b[tb ? j * k + p : p * n + j]!));
                want[i * n + j] = acc ? f(want[i * n + j]! + s) : s;
              }
            }
            wasm.matmul(a, b, c, m, k, n, true, tb, acc);
            for (let i = 0; i < m * n; i++) {
              if (!Object.is(c[i], want[i])) expect.fail(`m=${m} k=${k} n=${n} tb=${tb} acc=${acc}: [${i}] = ${c[i]}, in order ${want[i]}`);
            }
          }
        }
      }
    }
  });
});

describe('wasm storage', () => {
  it('capabilities: its own blocks are resident, other arrays are not; dot is the fast finite check; row sums go to matmul', () => {
    expect(wasm.resident(wasm.alloc('float32', 5000))).toBe(true);
    expect(wasm.resident(new Float32Array(5000))).toBe(false);
    expect(wasm.fastFiniteCheck).toBe(true);
    expect(wasm.rowSumByMatmul(6 * 100_000)).toBe(true);
  });

  it('alloc hands out zeroed views into shared wasm memory that survive growth', () => {
    const a = wasm.alloc('float32', 5000);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(a.subarray(0, 10))).toEqual(new Array(10).fill(0));
    a[4999] = 3;
    // Force growth: a large block, then check the old view still reads and writes its bytes.
    const big = wasm.alloc('float32', 40_000_000);
    expect(big.length).toBe(40_000_000);
    expect(a[4999]).toBe(3);
    a[0] = 5;
    expect(a[0]).toBe(5);
  });

  it('a subarray (of a subarray) keeps its parent block alive and indexes like the native one', () => {
    const a = wasm.alloc('float64', 4096);
    for (let i = 0; i < a.length; i++) a[i] = i;
    const v = a.subarray(10, 20);
    const w = v.subarray(-3);
    expect((v as unknown as { keepAlive: unknown }).keepAlive).toBe(a);
    expect((w as unknown as { keepAlive: unknown }).keepAlive).toBe(a);
    expect(Array.from(w)).toEqual([17, 18, 19]);
    for (const [b, e] of [[0, 0], [5, 2], [-5, -1], [4090, 5000], [undefined, undefined]] as const) {
      expect(Array.from(a.subarray(b, e))).toEqual(Array.from(new Float64Array(a).subarray(b, e)));
    }
  });

  it('looks like an ordinary Float32Array / Float64Array to constructor checks', () => {
    const f = wasm.alloc('float32', 4096), d = wasm.alloc('float64', 4096);
    expect(f.constructor).toBe(Float32Array);
    expect(d.constructor).toBe(Float64Array);
    expect(f.subarray(1).constructor).toBe(Float32Array);
    expect(f.slice(0, 4).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('small arrays stay ordinary (not worth a block)', () => {
    expect(wasm.alloc('float32', 3).buffer).toBeInstanceOf(ArrayBuffer);
  });
});

describe('wasm storage recycling', () => {
  it('blocks of dropped arrays are reused once the loop yields (no dispose needed)', async () => {
    const be = make({ threads: 1 });
    // Views over wasm memory are tiny JS objects, so this loop alone may never make V8 collect
    // (a training step's own garbage does, in real use): collect every 100 arrays, through a
    // gc function obtained at run time, so the test does not hang on the collector's timing.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // 600 MB allocated in 1 MB arrays, each dropped at once; the loop yields every 10.
    for (let i = 0; i < 600; i++) {
      const a = be.alloc('float32', 1 << 18);
      // A reused block comes back zeroed (the kernels' memset), to its last element.
      if (a[0] !== 0 || a[(1 << 18) - 1] !== 0 || a[12345] !== 0) expect.fail(`alloc ${i} is not zero-filled`);
      a[0] = i;
      a[12345] = i;
      a[(1 << 18) - 1] = i;
      if (i % 100 === 99) gc();
      if (i % 10 === 9) await new Promise((r) => setImmediate(r));
    }
    const s = be.heapStats();
    expect(s.freeBlocks).toBeGreaterThan(0);
    expect(s.heapBytes).toBeLessThan(600 * 2 ** 20);
  });
});

describe('wasm without SharedArrayBuffer (unshared module, one thread, copied operands)', () => {
  const single = make({ sharedMemory: false });
  it('runs on one thread with ordinary-array storage', () => {
    expect(single.sharedMemory).toBe(false);
    expect(single.maxThreads).toBe(1);
    expect(single.alloc('float32', 5000).buffer).toBeInstanceOf(ArrayBuffer);
  });
  parityProperties(() => single, it, 10);
});
