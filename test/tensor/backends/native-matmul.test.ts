import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { host, useHost, type Host } from '../../../src/platform/host.ts';
import { NativeKernelsUnavailableError, type NativeKernels, type SgemmArgs } from '../../../src/platform/native-kernels.ts';
import { matmulJs } from '../../../src/tensor/backends/matmul-js.ts';
import { createJsBackend } from '../../../src/tensor/backends/js.ts';
import { biasReluJs } from '../../../src/tensor/backends/elementwise-js.ts';
import { registerBackend } from '../../../src/tensor/backends/registry.ts';
import { createWasmBackend, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { PoolBusyError } from '../../../src/tensor/wasm/pool.ts';
import { whyNoNative, whyNoWideTile } from '../../platform/native-support.ts';
import { tinyTrain } from '../../platform/tiny-train.ts';
import { checkMatmul, parityProperties } from './harness.ts';
import { sameBits } from './bits.ts';

/**
 * The native AVX2 / FMA matmul (native/, loaded by the Node host; its 6x32 AVX-512 tile where
 * the CPU has it) and the wasm backend's use of it. Where this machine can build it (x86-64 Linux, a CPU with AVX2 and FMA, a C compiler)
 * it must load: a missing or broken build fails here rather than being skipped, so CI cannot
 * quietly test the wasm matmul only. Elsewhere the native cases skip and say why.
 */
const noNative = whyNoNative();
if (noNative) console.info(`native matmul tests skipped: ${noNative}`);
const noWide = whyNoWideTile();
if (!noNative && noWide) console.info(`the 6x32 AVX-512 tile's bit test skipped: ${noWide} (the 6x16 AVX2 tile runs every other test)`);

const realHost = host();
afterEach(() => { useHost(realHost); });

const made: WasmBackend[] = [];
function make(opts: Parameters<typeof createWasmBackend>[0] = {}): WasmBackend {
  const be = createWasmBackend({ threads: 2, ...opts });
  made.push(be);
  return be;
}
afterAll(() => { for (const be of made) be.close(); });

function addon(): NativeKernels {
  return realHost.nativeKernels!();
}

function random(n: number, rng: Rng, into?: Float32Array): Float32Array {
  const out = into ?? new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/**
 * ||C - C_ref||_F / || |op(A)| |op(B)| ||_F, C_ref in float64 from the js twin. Each native
 * element is a float32 sum of k products (fused multiply-adds, the k slabs added in order),
 * so its error is at most about k 2^-24 (|A||B|)_ij and, with rounding errors of both signs,
 * typically sqrt(k) 2^-24: about 1e-6 at k = 300. A bound of 1e-5 holds that with room and
 * still catches any indexing or packing mistake, which moves C by O(1) of |A||B|.
 */
const TOL = 1e-5;
function normwiseError(a: Float32Array, b: Float32Array, c0: Float32Array, got: Float32Array,
  m: number, k: number, n: number, ta: boolean, tb: boolean, acc: boolean): number {
  const a64 = Float64Array.from(a.subarray(0, m * k)), b64 = Float64Array.from(b.subarray(0, k * n));
  const want = acc ? Float64Array.from(c0.subarray(0, m * n)) : new Float64Array(m * n);
  matmulJs(a64, b64, want, m, k, n, ta, tb, acc);
  const mag = acc ? Float64Array.from(c0.subarray(0, m * n), Math.abs) : new Float64Array(m * n);
  matmulJs(a64.map(Math.abs), b64.map(Math.abs), mag, m, k, n, ta, tb, acc);
  let num = 0, den = 0;
  for (let i = 0; i < m * n; i++) {
    num += (got[i] - want[i]) ** 2;
    den += mag[i] ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

const FORMS = [[false, false], [true, false], [false, true], [true, true]] as const;
const EDGES = [1, 2, 3, 5, 7, 15, 16, 17, 31] as const;
// Past one register tile, one 96-row block, one k slab (256), and the model's widths.
const LARGE = [[33, 64, 97], [255, 256, 257], [300, 300, 300], [97, 513, 31], [6, 700, 16], [2048, 64, 32], [17, 1, 300]] as const;

/** Runs an open split call's parts on this thread (in `order`), then closes it: `end`'s verdict (a pair's by default). */
function runPairParts(nat: NativeKernels, parts: number, threads: number, order: 'forward' | 'reverse', end = (): number => nat.sgemmPairEnd()): number {
  let verdict = 0;
  try {
    expect(parts).toBeLessThanOrEqual(Math.max(threads, 2));
    for (let i = 0; i < parts; i++) nat.sgemmPart(order === 'forward' ? i : parts - 1 - i);
  } finally {
    verdict = end();
  }
  return verdict;
}

describe.skipIf(noNative !== '')(`native matmul${noNative ? ` (skipped: ${noNative})` : ''}`, () => {
  it('is built and loads here (a failure names the reason)', () => {
    let why = '';
    try { addon(); } catch (e) { why = e instanceof Error ? e.message : String(e); }
    expect(why).toBe('');
    const info = addon().info();
    expect(info).toMatchObject({ available: true, reason: '' });
    expect(info.microKernel).toBe(addon().wide() ? '6x32 AVX-512 FMA (6x16 AVX2 FMA on a last odd panel)' : '6x16 AVX2 FMA');
    expect(info.threads).toMatch(/pthreads/);
  });

  it('takes the 6x32 AVX-512 tile by default exactly where the CPU has AVX-512F; wide(false) and MTLKIT_NATIVE_WIDE=0 turn it off', () => {
    const nat = addon();
    const on = nat.wide();
    expect(on).toBe(noWide === '');
    try {
      expect(nat.wide(false)).toBe(false);
      expect(nat.info().microKernel).toBe('6x16 AVX2 FMA');
      expect(nat.wide(true)).toBe(noWide === '');
      expect(() => (nat.wide as (x: unknown) => boolean)(1)).toThrow(/on must be a boolean or left out/);
    } finally {
      nat.wide(on);
    }
    const child = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(nat.file)}).wide()))`],
      { env: { ...process.env, MTLKIT_NATIVE_WIDE: '0' }, encoding: 'utf8' });
    expect(child.stdout).toBe('false');
  });

  it.skipIf(noWide !== '')(`the 6x32 tile gives the 6x16 tile's bits: every form, widths around 32, epilogue, check, masks, column sums, threads, split parts${noWide ? ` (skipped: ${noWide})` : ''}`, () => {
    const nat = addon();
    const rng = new Rng(32);
    const shapes = [[1, 1, 32], [5, 17, 33], [6, 256, 64], [7, 257, 48], [13, 600, 100], [97, 3, 129], [2048, 320, 256], [320, 2048, 64], [9, 0, 40]] as const;
    try {
      for (const [m, k, n] of shapes) {
        for (const [ta, tb] of FORMS) {
          for (const variant of ['plain', 'linear', 'masked'] as const) {
            const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng), bias = random(n, rng);
            const ya = random(m * k, rng), yb = random(k * n, rng);
            if (a.length > 3) { a[1] = Infinity; a[2] = NaN; ya[1] = -1; }
            if (c0.length > 40) c0[40] = -Infinity;
            const masked = variant === 'masked';
            const run = (wide: boolean, threads: number, split: boolean): [Float32Array, Float32Array, boolean] => {
              nat.wide(wide);
              const c = Float32Array.from(c0), sums = new Float32Array(n);
              const args = [a, b, c, m, k, n, ta, tb, true, threads, variant === 'linear' ? bias : null, variant === 'linear', true,
                masked && !ta ? ya : null, masked && !tb ? yb : null, masked && !tb ? sums : null] as const;
              let finite: boolean | undefined;
              if (split) {
                const parts = nat.sgemmBegin(...args);
                for (let t = parts - 1; t >= 0; t--) nat.sgemmPart(t);
                finite = nat.sgemmEnd();
              } else {
                finite = nat.sgemm(...args);
              }
              return [c, sums, finite ?? true];
            };
            const [c6, s6, f6] = run(false, 1, false);
            for (const [threads, split] of [[1, false], [2, false], [3, true]] as const) {
              const [c, sums, finite] = run(true, threads, split);
              if (!sameBits(c, c6) || !sameBits(sums, s6) || finite !== f6) {
                expect.fail(`m=${m} k=${k} n=${n} ta=${ta} tb=${tb} ${variant} threads=${threads}${split ? ' split' : ''}: the 6x32 tile differs`);
              }
            }
          }
        }
      }
    } finally {
      nat.wide(true);
    }
  });

  it('matches the js twin (float64) within the normwise bound: every edge size, every transpose form, accumulate', () => {
    const nat = addon();
    const rng = new Rng(1);
    let worst = 0;
    const shapes: Array<readonly [number, number, number]> = [...LARGE];
    for (const m of EDGES) for (const k of EDGES) for (const n of EDGES) shapes.push([m, k, n]);
    for (const [m, k, n] of shapes) {
      for (const [ta, tb] of FORMS) {
        for (const acc of [false, true]) {
          const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng);
          const c = Float32Array.from(c0);
          nat.sgemm(a, b, c, m, k, n, ta, tb, acc, 2);
          const err = normwiseError(a, b, c0, c, m, k, n, ta, tb, acc);
          if (!(err <= TOL)) expect.fail(`m=${m} k=${k} n=${n} ta=${ta} tb=${tb} acc=${acc}: normwise error ${err}`);
          worst = Math.max(worst, err);
        }
      }
    }
    expect(worst).toBeGreaterThan(0); // float32 does round: the check compares something
  });

  it('reads and writes views of a SharedArrayBuffer at any offset, like ordinary arrays', () => {
    const nat = addon();
    const [m, k, n] = [37, 300, 19];
    const rng = new Rng(2);
    const sab = new SharedArrayBuffer(4 * (m * k + k * n + m * n + 3));
    const a = random(m * k, rng, new Float32Array(sab, 4, m * k));
    const b = random(k * n, rng, new Float32Array(sab, 4 * (2 + m * k), k * n));
    const c = new Float32Array(sab, 4 * (3 + m * k + k * n), m * n);
    const plain = new Float32Array(m * n);
    nat.sgemm(a, b, c, m, k, n, false, true, false, 1);
    nat.sgemm(Float32Array.from(a), Float32Array.from(b), plain, m, k, n, false, true, false, 1);
    expect(sameBits(c, plain)).toBe(true);
    expect(normwiseError(a, b, c, c, m, k, n, false, true, false)).toBeLessThanOrEqual(TOL);
    // Nothing around the output was touched.
    expect(new Float32Array(sab, 4 * (2 + m * k + k * n), 1)[0]).toBe(0);
  });

  it('gives the same bits for 1, 2, 3 and 4 threads, and on every run', () => {
    const nat = addon();
    for (const [m, k, n] of [[300, 300, 300], [2048, 320, 29], [97, 700, 530], [320, 2048, 64]] as const) {
      for (const [ta, tb] of FORMS) {
        const rng = new Rng(m + k + n);
        const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng);
        const first = Float32Array.from(c0);
        nat.sgemm(a, b, first, m, k, n, ta, tb, true, 1);
        for (const threads of [1, 2, 3, 4]) {
          const c = Float32Array.from(c0);
          nat.sgemm(a, b, c, m, k, n, ta, tb, true, threads);
          if (!sameBits(c, first)) expect.fail(`m=${m} k=${k} n=${n} ta=${ta} tb=${tb}: ${threads} threads differ from 1`);
        }
      }
    }
  });

  it('split over the caller\'s threads (sgemmBegin / sgemmPart / sgemmEnd) gives sgemm\'s bits, the parts in any order', () => {
    const nat = addon();
    for (const [m, k, n] of [[300, 300, 300], [2048, 320, 29], [97, 700, 530]] as const) {
      for (const [ta, tb] of FORMS) {
        const rng = new Rng(m * k + n);
        const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng);
        const want = Float32Array.from(c0);
        nat.sgemm(a, b, want, m, k, n, ta, tb, true, 1);
        for (const threads of [2, 3]) {
          const c = Float32Array.from(c0);
          const parts = nat.sgemmBegin(a, b, c, m, k, n, ta, tb, true, threads);
          try {
            expect(parts).toBe(threads);
            // A part that starts after the others finished the work finds none left.
            for (let t = parts - 1; t >= 0; t--) nat.sgemmPart(t);
          } finally {
            nat.sgemmEnd();
          }
          if (!sameBits(c, want)) expect.fail(`m=${m} k=${k} n=${n} ta=${ta} tb=${tb}: split over ${threads} parts differs from sgemm`);
        }
      }
    }
    // Too little work for a second thread: one part. Nothing to multiply: none, C final.
    const small = new Float32Array(4);
    expect(nat.sgemmBegin(small, small, small, 2, 2, 2, false, false, false, 4)).toBe(1);
    nat.sgemmPart(0);
    nat.sgemmEnd();
    // Few flops but a large C (k = 2, a gate's input gradient): C streams through memory on two.
    const wide = new Float32Array(2048 * 320);
    expect(nat.sgemmBegin(wide, wide, Float32Array.from(wide), 2048, 2, 320, false, true, true, 2)).toBe(2);
    nat.sgemmPart(1);
    nat.sgemmPart(0);
    nat.sgemmEnd();
    const c = new Float32Array(4).fill(5);
    expect(nat.sgemmBegin(small, small, c, 2, 0, 2, false, false, false, 2)).toBe(0);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    // No open call (or a part it does not have): a RangeError, nothing run.
    expect(() => nat.sgemmPart(0)).toThrow(RangeError);
    const a = random(300 * 300, new Rng(1));
    expect(nat.sgemmBegin(a, a, new Float32Array(300 * 300), 300, 300, 300, false, false, false, 2)).toBe(2);
    try {
      expect(() => nat.sgemmPart(2)).toThrow(/no open call \(sgemmBegin\) has this part/);
    } finally {
      nat.sgemmEnd();
    }
    nat.sgemmEnd(); // closing twice is harmless
  });

  it('a pair (sgemmPairBegin / sgemmPart / sgemmPairEnd): each C its own sgemm\'s bits and check, parts in any order, trivial members', () => {
    const nat = addon();
    // A layer's backward: dW = x^T (g*mask) with db, and dx = (g*mask) W^T; and pairs too small
    // to split, one with nothing to multiply, and one whose second call finds a NaN.
    const layer = (rows: number, k: number, n: number, seed: number, bad = false) => {
      const rng = new Rng(seed);
      const x = random(rows * k, rng), w = random(k * n, rng), g = random(rows * n, rng), y = random(rows * n, rng);
      if (bad) w[3] = NaN;
      const dw = random(k * n, rng), db = random(n, rng), dx = random(rows * k, rng);
      return { x, w, g, y, dw, db, dx, rows, k, n };
    };
    for (const [rows, k, n, bad] of [[2048, 320, 256, false], [300, 64, 7, true], [13, 5, 3, false], [2048, 0, 32, false], [700, 33, 0, false]] as const) {
      for (const threads of [1, 2, 3]) {
        for (const order of ['forward', 'reverse'] as const) {
          const want = layer(rows, k, n, rows + k + n, bad), got = layer(rows, k, n, rows + k + n, bad);
          const f1 = nat.sgemm(want.x, want.g, want.dw, k, rows, n, true, false, true, 1, null, false, true, null, want.y, want.db) ?? true;
          const f2 = nat.sgemm(want.g, want.w, want.dx, rows, n, k, false, true, false, 1, null, false, true, want.y) ?? true;
          const parts = nat.sgemmPairBegin([got.x, got.g, got.dw, k, rows, n, true, false, true, threads, null, false, true, null, got.y, got.db],
            [got.g, got.w, got.dx, rows, n, k, false, true, false, threads, null, false, true, got.y]);
          const flags = runPairParts(nat, parts, threads, order);
          const what = `rows=${rows} k=${k} n=${n} threads=${threads} ${order}`;
          for (const key of ['dw', 'db', 'dx'] as const) if (!sameBits(got[key], want[key])) expect.fail(`${what}: ${key} differs from sgemm`);
          expect(flags, what).toBe((f1 ? 1 : 0) | (f2 ? 2 : 0));
        }
      }
    }
    // Two calls too small to split take a thread each when together they are worth it (a
    // layer 1024 x 48 -> 32: 3.1 MFLOP each), else one; a pair with nothing to multiply, none.
    const big = new Float32Array(1024 * 48);
    expect(nat.sgemmPairBegin([big, big, new Float32Array(48 * 32), 48, 1024, 32, true, false, true, 2],
      [big, big, new Float32Array(1024 * 48), 1024, 32, 48, false, true, false, 2])).toBe(2);
    nat.sgemmPart(1);
    nat.sgemmPart(0);
    expect(nat.sgemmPairEnd()).toBe(3);
    const s = new Float32Array(64);
    expect(nat.sgemmPairBegin([s, s, new Float32Array(64), 8, 8, 8, false, false, false, 2], [s, s, new Float32Array(64), 8, 8, 8, false, false, false, 2])).toBe(1);
    nat.sgemmPart(0);
    expect(nat.sgemmPairEnd()).toBe(3);
    const c = new Float32Array(4).fill(5), nan = new Float32Array(4).fill(NaN);
    expect(nat.sgemmPairBegin([s, s, c, 2, 0, 2, false, false, false, 2], [s, s, nan, 2, 0, 2, false, false, true, 2, null, false, true])).toBe(0);
    expect(nat.sgemmPairEnd()).toBe(1);
    expect(Array.from(c)).toEqual([0, 0, 0, 0]);
    // Arguments are checked per call, and the message says which.
    const pair = nat.sgemmPairBegin as (...a: unknown[]) => number;
    expect(() => pair([s, s, s, 8, 8, 8, false, false, false, 2], [s, s, s, 8, 8, 9, false, false, false, 2]))
      .toThrow(/sgemmPairBegin's second call: b has 64 elements, k\*n = 72 needed/);
    expect(() => pair([s, s, s, 8, 8, 8, false], [s, s, s, 8, 8, 8, false, false, false, 2])).toThrow(/sgemmPairBegin's first call: it must be an array of 10 to 16 arguments/);
    // The calls run at once: one writing what the other reads or writes is refused, nothing run.
    const g = new Float32Array(64), out = new Float32Array(64), sums = new Float32Array(8);
    expect(() => pair([s, g, out, 8, 8, 8, false, false, false, 2], [s, s, g.subarray(60), 2, 2, 2, false, false, false, 2]))
      .toThrow(/the second call's c overlaps the first call's b \(the calls run at once/);
    expect(() => pair([s, g, out, 8, 8, 8, false, false, false, 2, null, false, false, null, null, sums], [sums, s, new Float32Array(4), 2, 2, 2, false, false, false, 2]))
      .toThrow(/the first call's colsumB overlaps the second call's a/);
    expect(() => pair([s, g, out, 8, 8, 8, false, false, false, 2], [s, s, out.subarray(8, 12), 2, 2, 2, false, false, false, 2]))
      .toThrow(/the first call's c overlaps the second call's c/);
    expect(() => nat.sgemmPart(0)).toThrow(RangeError);
    expect(() => pair([s, s, s, 8, 8, 8, false, false, false, 2])).toThrow(TypeError);
    expect(() => nat.sgemmPart(0)).toThrow(RangeError);
  });

  it('stacks (sgemmStackBegin / sgemmPart / sgemmStackEnd): each layer the bits and check it has alone (sgemm, or the narrow kernel at n <= 4), one stack or two, parts in any order; not a stack, or an overlap, refused by name with nothing run', () => {
    const nat = addon();
    // Linear forwards, layer l reading layer l - 1's output; a bias on every other layer, ReLU
    // on all but the last (a NaN in the last layer's weights stays NaN there).
    const stack = (rows: number, dims: readonly number[], seed: number, bad: number | null) => {
      const rng = new Rng(seed);
      const x = random(rows * dims[0]!, rng);
      const layers = dims.slice(1).map((n, l) => {
        const k = dims[l]!, w = random(k * n, rng);
        if (bad === l) w[2] = NaN;
        return { w, b: l % 2 === 0 ? random(n, rng) : null, y: random(rows * n, rng), k, n, relu: l + 2 < dims.length };
      });
      return { x, layers, rows };
    };
    type Stack = ReturnType<typeof stack>;
    const input = (s: Stack, l: number): Float32Array => (l === 0 ? s.x : s.layers[l - 1]!.y);
    const args = (s: Stack, threads: number): SgemmArgs[] =>
      s.layers.map((c, l) => [input(s, l), c.w, c.y, s.rows, c.k, c.n, false, false, false, threads, c.b, c.relu, true]);
    // Each layer alone as linearForward runs it: sgemm with its epilogue, or, of at most four
    // columns, the narrow kernel then biasRelu (the stack takes such a layer, a head's logit, so).
    const alone = (s: Stack, l: number): boolean => {
      const c = s.layers[l]!;
      if (c.n > 4) return nat.sgemm(input(s, l), c.w, c.y, s.rows, c.k, c.n, false, false, false, 1, c.b, c.relu, true) ?? true;
      nat.sgemmNarrow(input(s, l), c.w, c.y, s.rows, c.k, c.n, false, false, false, 0, s.rows);
      biasReluJs(c.y, c.b, s.rows, c.n, c.relu);
      return c.y.every((v) => Number.isFinite(v));
    };
    const finite = (s: Stack): number => s.layers.reduce((f, _, l) => f | (alone(s, l) ? 1 << l : 0), 0);
    const cases: readonly (readonly [number, readonly number[], number | null])[] = [
      [2048, [320, 256, 128, 64], null], [600, [96, 80, 40], 1], [13, [5, 7, 3], null], [1, [4, 6], 0],
      // A tower with its logit: the narrow last layer on every block's rows; a NaN there stays.
      [2048, [64, 32, 16, 1], 2], [700, [40, 4, 24, 2], null],
    ];
    for (const [rows, dims, bad] of cases) {
      for (const two of [false, true]) {
        for (const threads of [1, 2, 3]) {
          for (const order of ['forward', 'reverse'] as const) {
            const want = [stack(rows, dims, 1, bad), stack(rows, dims, 2, null)], got = [stack(rows, dims, 1, bad), stack(rows, dims, 2, null)];
            const flags = finite(want[0]!) | (two ? finite(want[1]!) << (dims.length - 1) : 0);
            const parts = nat.sgemmStackBegin(args(got[0]!, threads), two ? args(got[1]!, threads) : null);
            const verdict = runPairParts(nat, parts, threads, order, () => nat.sgemmStackEnd());
            const what = `rows=${rows} dims=${dims.join('-')} two=${two} threads=${threads} ${order}`;
            for (const q of two ? [0, 1] : [0]) {
              got[q]!.layers.forEach((c, l) => { if (!sameBits(c.y, want[q]!.layers[l]!.y)) expect.fail(`${what}: stack ${q} layer ${l} differs from the layer alone`); });
            }
            expect(verdict, what).toBe(flags);
          }
        }
      }
    }
    // Two stacks worth splitting take a thread each; one part runs both.
    const [p, q] = [stack(600, [96, 80, 40], 3, null), stack(600, [96, 80, 40], 4, null)];
    const [pw, qw] = [stack(600, [96, 80, 40], 3, null), stack(600, [96, 80, 40], 4, null)];
    finite(pw);
    finite(qw);
    expect(nat.sgemmStackBegin(args(p, 2), args(q, 2))).toBe(2);
    nat.sgemmPart(0);
    expect(nat.sgemmStackEnd()).toBe(15);
    for (const [g, w] of [[p, pw], [q, qw]] as const) g.layers.forEach((c, l) => expect(sameBits(c.y, w.layers[l]!.y), `layer ${l}`).toBe(true));
    // Refused before anything runs: no call left open, no output written.
    const s = stack(8, [4, 4, 4], 5, null), t = stack(8, [4, 4], 6, null);
    const [y0, y1] = [Float32Array.from(s.layers[0]!.y), Float32Array.from(s.layers[1]!.y)];
    const a = args(s, 2), other = args(t, 2);
    const begin = nat.sgemmStackBegin as (...x: unknown[]) => number;
    const big = new Float32Array(64);
    const refused: readonly (readonly [unknown[], RegExp])[] = [
      [[[a[0], [t.x, ...a[1]!.slice(1)]]], /the first stack's layer 1 does not read the layer before's c as its a/],
      [[[[...a[0]!.slice(0, 6), true, ...a[0]!.slice(7)]]], /the first stack's layer 0 is transposed/],
      [[[a[0], [...a[1]!.slice(0, 8), true, ...a[1]!.slice(9)]]], /the first stack's layer 1 accumulates/],
      [[[[a[0]![0], big.subarray(0, 16), ...a[0]!.slice(2)], [a[1]![0], a[1]![1], big.subarray(8, 40), ...a[1]!.slice(3)]]],
        /the first stack's layer 1's c overlaps the first stack's layer 0's b/],
      [[a, [[s.layers[0]!.y, ...other[0]!.slice(1)]]], /the first stack's layer 0's c overlaps the second stack's layer 0's a/],
      [[[]], /the first stack must be an array of 1 to 8 layers/],
      [[Array(9).fill(a[0])], /1 to 8 layers/],
      [[[a[0]!.slice(0, 5)]], /layer 0: it must be an array of 10 to 16 arguments/],
      [[[a[0], [...a[1]!, big.subarray(0, 32)]]], /the first stack's layer 1 is narrow \(the narrow kernel\) and has maskA/],
      [[[[new Float32Array(2 * 4100), new Float32Array(4100), new Float32Array(2), 2, 4100, 1, false, false, false, 2]]], /the first stack's layer 0 is narrow \(the narrow kernel\) with k\*n over 4096/],
    ];
    for (const [x, why] of refused) {
      expect(() => begin(...x)).toThrow(why);
      expect(() => nat.sgemmPart(0)).toThrow(RangeError);
    }
    expect(sameBits(s.layers[0]!.y, y0) && sameBits(s.layers[1]!.y, y1)).toBe(true);
  });

  it('two chains (sgemmPairBegin with four calls): each C its own sgemm\'s bits, a flag per call, parts in any order, one part runs all', () => {
    const nat = addon();
    // Two ReLU layers' backward, one chain each: dW with db then dx, both reading g through y.
    const layer = (rows: number, k: number, n: number, seed: number, bad: 'x' | 'w' | null) => {
      const rng = new Rng(seed);
      const x = random(rows * k, rng), w = random(k * n, rng), g = random(rows * n, rng), y = random(rows * n, rng);
      if (bad !== null) ({ x, w })[bad][5 % (bad === 'x' ? x.length : w.length)] = NaN;
      return { x, w, g, y, dw: random(k * n, rng), db: random(n, rng), dx: random(rows * k, rng), rows, k, n };
    };
    type Layer = ReturnType<typeof layer>;
    const weight = (l: Layer, threads: number): SgemmArgs => [l.x, l.g, l.dw, l.k, l.rows, l.n, true, false, true, threads, null, false, true, null, l.y, l.db];
    const input = (l: Layer, threads: number): SgemmArgs => [l.g, l.w, l.dx, l.rows, l.n, l.k, false, true, true, threads, null, false, true, l.y];
    // A thread that has packed a layer's dW packs its dx's masked g from that packing
    // (native/sgemm.c, a_from): rows in slabs of 512, of 500 (a register tile's six rows across
    // a slab's end), of 385 and 384 (unequal), dx's k in two slabs of 300 (not a multiple of 8).
    const cases = [
      [[2048, 256, 128, 'x'], [2048, 256, 128, null]],
      [[2048, 128, 64, null], [1000, 96, 40, 'w']],
      [[300, 64, 7, null], [13, 5, 3, 'x']],
      [[2048, 0, 32, null], [700, 33, 9, 'w']],
      [[1537, 33, 600, null], [1003, 20, 37, null]],
    ] as const;
    for (const [[r0, k0, n0, b0], [r1, k1, n1, b1]] of cases) {
      for (const threads of [1, 2, 3]) {
        for (const order of ['forward', 'reverse'] as const) {
          const seed = r0 + k0 + n0 + r1;
          const want = [layer(r0, k0, n0, seed, b0), layer(r1, k1, n1, seed + 1, b1)];
          const got = [layer(r0, k0, n0, seed, b0), layer(r1, k1, n1, seed + 1, b1)];
          // Bit i: the i-th call (first's dW, second's dW, first's dx, second's dx) all finite.
          let flags = 0;
          want.forEach((l, i) => {
            if (nat.sgemm(...weight(l, 1)) ?? true) flags |= 1 << i;
            if (nat.sgemm(...input(l, 1)) ?? true) flags |= 4 << i;
          });
          const parts = nat.sgemmPairBegin(weight(got[0]!, threads), weight(got[1]!, threads), input(got[0]!, threads), input(got[1]!, threads));
          const verdict = runPairParts(nat, parts, threads, order);
          const what = `layers ${r0}x${k0}x${n0}, ${r1}x${k1}x${n1}, threads=${threads} ${order}, ${parts} part(s)`;
          got.forEach((l, i) => {
            for (const key of ['dw', 'db', 'dx'] as const) if (!sameBits(l[key], want[i]![key])) expect.fail(`${what}: layer ${i} ${key} differs from sgemm`);
          });
          expect(verdict, what).toBe(flags);
        }
      }
    }
    // One layer's dW and dx as a plain pair (the wasm backend's linearReluBackward): on one
    // thread dW, then dx from its packing; on two each starts on one, then helps.
    for (const [rows, k, n] of [[1537, 33, 40], [2048, 64, 600], [1000, 7, 19]] as const) {
      for (const threads of [1, 2, 3]) {
        const want = layer(rows, k, n, rows + n, null), got = layer(rows, k, n, rows + n, null);
        nat.sgemm(...weight(want, 1));
        nat.sgemm(...input(want, 1));
        const parts = nat.sgemmPairBegin(weight(got, threads), input(got, threads));
        runPairParts(nat, parts, threads, 'forward');
        for (const key of ['dw', 'db', 'dx'] as const) if (!sameBits(got[key], want[key])) expect.fail(`pair ${rows}x${k}x${n} threads=${threads}: ${key} differs from sgemm`);
      }
    }
    // A next call may be null: that chain is its first call alone, and its bit is set.
    for (const threads of [1, 2]) {
      const want = layer(600, 64, 32, 7, 'x'), got = [layer(600, 64, 32, 6, null), layer(600, 64, 32, 7, 'x')];
      const dx0 = Float32Array.from(got[0]!.dx);
      nat.sgemm(...input(want, 1));
      const parts = nat.sgemmPairBegin(weight(got[0]!, threads), weight(got[1]!, threads), null, input(got[1]!, threads));
      try {
        for (let i = 0; i < parts; i++) nat.sgemmPart(i);
      } finally {
        // got[1]'s dW reads the NaN in its x: bit 1 clear; the null call's bit 2 set.
        expect(nat.sgemmPairEnd()).toBe(1 | 4 | 8);
      }
      expect(sameBits(got[0]!.dx, dx0), 'the null call wrote nothing').toBe(true);
      expect(sameBits(got[1]!.dx, want.dx)).toBe(true);
    }
    // Every call may run while any other does: the message names both calls by position.
    const s = new Float32Array(64), g = new Float32Array(64), out = new Float32Array(64);
    const pair = nat.sgemmPairBegin as (...a: unknown[]) => number;
    const free = (): unknown[] => [s, s, new Float32Array(64), 8, 8, 8, false, false, false, 2];
    expect(() => pair(free(), free(), [s, g, out, 8, 8, 8, false, false, false, 2], [s, s, g.subarray(60), 2, 2, 2, false, false, false, 2]))
      .toThrow(/the second's next call's c overlaps the first's next call's b \(the calls run at once/);
    expect(() => pair(free(), [s, s, out, 8, 8, 8, false, false, false, 2], free(), [s, out.subarray(4), new Float32Array(4), 2, 2, 2, false, false, false, 2]))
      .toThrow(/the second call's c overlaps the second's next call's b/);
    expect(() => pair(free(), free(), [s, s, s, 8, 8, 9, false, false, false, 2]))
      .toThrow(/sgemmPairBegin's first's next call: b has 64 elements, k\*n = 72 needed/);
    expect(() => pair(free(), free(), free(), free(), free())).toThrow(TypeError);
    expect(() => nat.sgemmPart(0)).toThrow(RangeError);
    // Three calls: the first chain of two, the second of one; all finite: a bit for each.
    expect(pair(free(), free(), free())).toBe(1);
    nat.sgemmPart(0);
    expect(nat.sgemmPairEnd()).toBe(7);
  });

  it('throws a TypeError or RangeError naming the argument, and writes nothing', () => {
    const nat = addon();
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4).fill(7);
    const call = (...args: unknown[]) => () => (nat.sgemm as (...x: unknown[]) => void)(...args);
    expect(call(new Float64Array(6), b, c, 2, 3, 2, false, false, false, 1)).toThrow(TypeError);
    expect(call(new Float64Array(6), b, c, 2, 3, 2, false, false, false, 1)).toThrow(/\ba must be a Float32Array/);
    expect(call(a, [0, 0, 0, 0, 0, 0], c, 2, 3, 2, false, false, false, 1)).toThrow(/\bb must be a Float32Array/);
    expect(call(a, b, c, 2, 4, 2, false, false, false, 1)).toThrow(RangeError);
    expect(call(a, b, c, 2, 4, 2, false, false, false, 1)).toThrow(/\ba has 6 elements, m\*k = 8 needed/);
    expect(call(a, b, c, 2, 3, 3, false, false, false, 1)).toThrow(/\bb has 6 elements, k\*n = 9 needed/);
    expect(call(a, b, c.subarray(1), 2, 3, 2, false, false, false, 1)).toThrow(/\bc has 3 elements, m\*n = 4 needed/);
    expect(call(a, b, c, -1, 3, 2, false, false, false, 1)).toThrow(/\bm must be an integer >= 0/);
    expect(call(a, b, c, 2, 1.5, 2, false, false, false, 1)).toThrow(/\bk must be an integer >= 0/);
    expect(call(a, b, c, 2, 3, '2', false, false, false, 1)).toThrow(/\bn must be a number/);
    expect(call(a, b, c, 2, 3, 2, false, false, false, 0)).toThrow(/\bthreads must be an integer >= 1/);
    expect(call(a, b, c)).toThrow(TypeError);
    expect(call(a, b, c, 2, 3, 2, false, false, false, 1, new Float32Array(1), true)).toThrow(/\bbias has 1 elements, n = 2 needed/);
    expect(call(a, b, c, 2, 3, 2, false, false, false, 1, new Float64Array(2), true)).toThrow(/\bbias must be a Float32Array/);
    expect(Array.from(c)).toEqual([7, 7, 7, 7]);
  });

  it('the Linear epilogue (bias, ReLU) gives sgemm then biasRelu\'s bits: every slab, edge tiles, threads, split parts, k = 0', () => {
    const nat = addon();
    const twin = createJsBackend();
    for (const [m, k, n] of [[517, 700, 83], [64, 320, 256], [13, 0, 5], [1, 17, 1]] as const) {
      const rng = new Rng(m + k + n);
      const a = random(m * k, rng), b = random(k * n, rng), bias = random(n, rng);
      if (m * k > 3) a[3] = NaN;
      bias[0] = -0;
      for (const relu of [false, true]) {
        for (const withBias of [false, true]) {
          const want = random(m * n, rng);
          nat.sgemm(a, b, want, m, k, n, false, false, false, 1);
          twin.biasRelu(want, withBias ? bias : null, m, n, relu);
          for (const threads of [1, 3]) {
            const c = random(m * n, rng);
            nat.sgemm(a, b, c, m, k, n, false, false, false, threads, withBias ? bias : null, relu);
            if (!sameBits(c, want)) expect.fail(`m=${m} k=${k} n=${n} bias=${withBias} relu=${relu} threads=${threads}`);
          }
          const c = random(m * n, rng);
          const parts = nat.sgemmBegin(a, b, c, m, k, n, false, false, false, 2, withBias ? bias : null, relu);
          for (let t = parts - 1; t >= 0; t--) nat.sgemmPart(t);
          nat.sgemmEnd();
          if (!sameBits(c, want)) expect.fail(`split: m=${m} k=${k} n=${n} bias=${withBias} relu=${relu}`);
        }
      }
    }
  });

  it('check: says whether C is all finite (each tile as stored, edge tiles\' valid part only), same bits, threads, split parts, k = 0', () => {
    const nat = addon();
    // Every element of C in turn would be slow; the corners of full and edge tiles, and random spots.
    for (const [m, k, n] of [[517, 700, 83], [64, 320, 256], [7, 3, 17], [13, 0, 5], [1, 17, 1]] as const) {
      const rng = new Rng(7 * m + k + n);
      const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng);
      const spots = new Set([0, n - 1, (m - 1) * n, m * n - 1, Math.floor(m / 6) * 6 * n - 1, Math.floor(rng.next() * m * n)].filter((i) => i >= 0 && i < m * n));
      for (const acc of [false, true]) {
        for (const spot of [-1, ...spots]) {
          for (const bad of [NaN, Infinity]) {
            const start = Float32Array.from(c0);
            if (spot >= 0) start[spot] = bad;
            const want = Float32Array.from(start);
            nat.sgemm(a, b, want, m, k, n, false, false, acc, 1);
            const finite = want.every((v) => Number.isFinite(v));
            for (const threads of [1, 3]) {
              const c = Float32Array.from(start);
              expect(nat.sgemm(a, b, c, m, k, n, false, false, acc, threads, null, false, true), `m=${m} k=${k} n=${n} acc=${acc} spot=${spot} threads=${threads}`).toBe(finite);
              if (!sameBits(c, want)) expect.fail(`checked: m=${m} k=${k} n=${n} acc=${acc} threads=${threads}`);
            }
            const c = Float32Array.from(start);
            const parts = nat.sgemmBegin(a, b, c, m, k, n, false, false, acc, 2, null, false, true);
            for (let t = parts - 1; t >= 0; t--) nat.sgemmPart(t);
            expect(nat.sgemmEnd(), `split: m=${m} k=${k} n=${n} acc=${acc} spot=${spot}`).toBe(finite);
            if (!sameBits(c, want)) expect.fail(`checked, split: m=${m} k=${k} n=${n} acc=${acc}`);
          }
        }
      }
      // A non-finite value in A reaches its row of C; the ReLU epilogue stores it as 0: finite.
      if (m * k > 0) {
        const bad = Float32Array.from(a);
        bad[0] = NaN;
        expect(nat.sgemm(bad, b, new Float32Array(m * n), m, k, n, false, false, false, 2, null, false, true)).toBe(false);
        expect(nat.sgemm(bad, b, new Float32Array(m * n), m, k, n, false, false, false, 2, null, true, true)).toBe(true);
      }
    }
    // Without check: undefined from sgemm, true from sgemmEnd.
    const x = random(64, new Rng(3));
    expect(nat.sgemm(x, x, new Float32Array(64), 8, 8, 8, false, false, false, 1)).toBeUndefined();
    const parts = nat.sgemmBegin(x, x, new Float32Array(64), 8, 8, 8, false, false, false, 1);
    for (let t = 0; t < parts; t++) nat.sgemmPart(t);
    expect(nat.sgemmEnd()).toBe(true);
  });

  it('operand masks and B\'s column sums: sgemm over the masked copy\'s bits, reluGradColumnSums\' sums; threads, split parts, edge tiles, m = 0', () => {
    const nat = addon();
    const twin = createJsBackend();
    for (const [m, k, n] of [[320, 700, 83], [256, 2048, 128], [37, 5, 19], [0, 9, 21], [13, 0, 5]] as const) {
      const rng = new Rng(m + 3 * k + n);
      // g (k x n as B, m x k as A) and its mask y, with -0, NaN and Inf in both.
      const gb = random(k * n, rng), yb = random(k * n, rng), ga = random(m * k, rng), ya = random(m * k, rng);
      for (const [g, y] of [[gb, yb], [ga, ya]] as const) {
        if (g.length > 4) { g[1] = Infinity; g[2] = -1; g[3] = NaN; y[1] = -1; y[2] = -0; y[4] = NaN; }
      }
      const masked = (g: Float32Array, y: Float32Array): Float32Array => Float32Array.from(g, (v, i) => v * +(y[i]! > 0));
      const other = random(k * Math.max(m, n), rng);
      // B masked and summed (dW = x^T gz, db += colsum(gz)): A is x stored k x m.
      const wantC = random(m * n, rng), c0 = Float32Array.from(wantC);
      nat.sgemm(other.subarray(0, k * m), masked(gb, yb), wantC, m, k, n, true, false, true, 1);
      const wantDb = random(n, rng), db0 = Float32Array.from(wantDb);
      twin.reluGradColumnSums(yb, gb, new Float32Array(k * n), wantDb, k, n);
      const sumsOnly = Float32Array.from(db0);
      twin.reluGradColumnSums(new Float32Array(k * n).fill(1), gb, new Float32Array(k * n), sumsOnly, k, n);
      // Two threads: each packs op(B) itself and one adds the sums; three: they share a packing.
      for (const threads of [1, 2, 3]) {
        const c = Float32Array.from(c0), db = Float32Array.from(db0), plain = Float32Array.from(db0);
        nat.sgemm(other.subarray(0, k * m), gb, c, m, k, n, true, false, true, threads, null, false, false, null, yb, db);
        if (!sameBits(c, wantC) || !sameBits(db, wantDb)) expect.fail(`maskB m=${m} k=${k} n=${n} threads=${threads}`);
        // Column sums of an unmasked B: the values as read.
        nat.sgemm(other.subarray(0, k * m), gb, Float32Array.from(c0), m, k, n, true, false, true, threads, null, false, false, null, null, plain);
        if (!sameBits(plain, sumsOnly)) expect.fail(`colsumB unmasked m=${m} k=${k} n=${n} threads=${threads}`);
      }
      const c = Float32Array.from(c0), db = Float32Array.from(db0);
      const parts = nat.sgemmBegin(other.subarray(0, k * m), gb, c, m, k, n, true, false, true, 2, null, false, false, null, yb, db);
      for (let t = parts - 1; t >= 0; t--) nat.sgemmPart(t);
      nat.sgemmEnd();
      if (!sameBits(c, wantC) || !sameBits(db, wantDb)) expect.fail(`maskB split m=${m} k=${k} n=${n}`);
      // A masked (dx = gz W^T): W stored n x k.
      const wantX = random(m * n, rng), x0 = Float32Array.from(wantX);
      nat.sgemm(masked(ga, ya), other.subarray(0, n * k), wantX, m, k, n, false, true, false, 1);
      for (const threads of [1, 3]) {
        const got = Float32Array.from(x0);
        nat.sgemm(ga, other.subarray(0, n * k), got, m, k, n, false, true, false, threads, null, false, false, ya);
        if (!sameBits(got, wantX)) expect.fail(`maskA m=${m} k=${k} n=${n} threads=${threads}`);
      }
    }
    // A transposed operand cannot be masked or summed; a short mask or sum array is named.
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4);
    const call = (...args: unknown[]) => () => (nat.sgemm as (...x: unknown[]) => void)(a, b, c, 2, 3, 2, ...args);
    expect(call(true, false, false, 1, null, false, false, a)).toThrow(/maskA needs its operand not transposed/);
    expect(call(false, true, false, 1, null, false, false, null, b)).toThrow(/maskB needs its operand not transposed/);
    expect(call(false, true, false, 1, null, false, false, null, null, new Float32Array(2))).toThrow(/colsumB needs its operand not transposed/);
    expect(call(false, false, false, 1, null, false, false, new Float32Array(5))).toThrow(/maskA has 5 elements, m\*k = 6 needed/);
    expect(call(false, false, false, 1, null, false, false, null, new Float32Array(5))).toThrow(/maskB has 5 elements, k\*n = 6 needed/);
    expect(call(false, false, false, 1, null, false, false, null, null, new Float32Array(1))).toThrow(/colsumB has 1 elements, n = 2 needed/);
  });

  it('the blocks of rows: cover C once in order, at most MC rows; a call alone on two threads splits at the middle, blocks shrinking towards it from both ends', () => {
    const { mc, mr: MR } = addon().info();
    for (const m of [0, 1, 5, 11, 12, 13, 100, 143, 144, 145, 300, 1000, 2048, 2049, 4097]) {
      for (const threads of [1, 2, 3]) {
        for (const twoEnded of [false, true]) {
          const b = addon().sgemmBounds(m, threads, twoEnded), at = `m ${m}, ${threads} thread(s), twoEnded ${twoEnded}`;
          const sizes = b.slice(1).map((e, u) => e - b[u]!);
          expect(b[0], at).toBe(0);
          expect(b[b.length - 1], at).toBe(m);
          expect(sizes.length, at).toBeLessThanOrEqual(Math.ceil(m / MR));
          for (const s of sizes) {
            expect(s, at).toBeGreaterThan(0);
            expect(s, at).toBeLessThanOrEqual(mc);
          }
          expect(sizes.filter((s) => s % MR !== 0).length, at).toBeLessThanOrEqual(1);
          if (twoEnded && threads === 2 && m >= 2 * MR) {
            // Two halves at the middle (in whole tiles), each shrinking towards it.
            const h = Math.min(m, Math.ceil(Math.floor(m / 2) / MR) * MR), mid = b.indexOf(h);
            expect(mid, at).toBeGreaterThan(0);
            const front = sizes.slice(0, mid), back = sizes.slice(mid);
            front.forEach((s, u) => { if (u > 0) expect(s, at).toBeLessThanOrEqual(front[u - 1]!); });
            back.forEach((s, u) => { if (u > 0) expect(s, at).toBeGreaterThanOrEqual(back[u - 1]!); });
            expect(front.at(-1), at).toBeLessThanOrEqual(2 * MR);
            expect(back[0], at).toBeLessThanOrEqual(2 * MR);
          } else {
            // From the front, shrinking towards the end (one thread: MC rows a block).
            sizes.forEach((s, u) => { if (u > 0) expect(s, at).toBeLessThanOrEqual(sizes[u - 1]!); });
            if (threads === 1) sizes.slice(0, -1).forEach((s) => expect(s, at).toBe(mc));
          }
        }
      }
    }
    expect(() => addon().sgemmBounds(-1, 2, true)).toThrow(/sgemmBounds: m must be an integer >= 0/);
    expect(() => addon().sgemmBounds(10, 0, true)).toThrow(/sgemmBounds: threads must be an integer >= 1/);
  });

  it('sgemmNarrow: the wasm kernel sgemmSmall\'s bits (n <= 4, every form, accumulate, k tails, row ranges); arguments named', () => {
    const nat = addon();
    const wasm = make({ native: false, threads: 1 });
    const rng = new Rng(44);
    for (const [m, k] of [[2048, 320], [320, 2048], [40000, 6], [7, 5], [33, 17], [100, 1], [5, 0], [300, 19], [150, 1030]] as const) {
      for (const n of [1, 2, 3, 4]) {
        for (const [ta, tb] of FORMS) {
          for (const acc of [false, true]) {
            const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng);
            if (a.length > 4) { a[1] = 1e-42; a[2] = -0; a[3] = 3e38; }
            const want = Float32Array.from(c0), got = Float32Array.from(c0);
            wasm.matmul(a, b, want, m, k, n, ta, tb, acc);
            // In two row ranges, as the pool's chunks call it.
            const cut = Math.floor(m / 3);
            nat.sgemmNarrow(a, b, got, m, k, n, ta, tb, acc, 0, cut);
            nat.sgemmNarrow(a, b, got, m, k, n, ta, tb, acc, cut, m);
            if (!sameBits(got, want)) expect.fail(`m=${m} k=${k} n=${n} ta=${ta} tb=${tb} acc=${acc}`);
          }
        }
      }
    }
    const a = new Float32Array(6), b = new Float32Array(10), c = new Float32Array(10);
    const call = (...args: unknown[]) => () => (nat.sgemmNarrow as (...x: unknown[]) => void)(...args);
    expect(call(a, b, c, 2, 3, 5, false, false, false, 0, 2)).toThrow(/n must be at most 4/);
    expect(call(a, b, c, 2, 3, 2, false, false, false, 1, 3)).toThrow(/r0 <= r1 <= m/);
    expect(call(a, b, c, 2, 4, 2, false, false, false, 0, 2)).toThrow(/a has 6 elements, m\*k = 8 needed/);
    expect(call(a, b, c, 2, 3, 2, false, false, false)).toThrow(/expects \(a, b, c, m, k, n, transA, transB, accumulate, r0, r1\)/);
  });

  it('gramRange: the wasm kernel gramRange\'s bits over column ranges (blocks, chunks, tails, denormals, -0); arguments named', () => {
    const nat = addon();
    const wasm = make({ native: false, threads: 1 });
    const rng = new Rng(36);
    // t * t * (c1 - c0) under 2^20: the backend's Gram then takes the range in one part, the
    // wasm kernel's sums over exactly these columns.
    for (const [t, d, c0, c1] of [[6, 20000, 0, 20000], [1, 5, 0, 5], [3, 7, 2, 7], [6, 1023, 0, 1023], [5, 1025, 1, 1024], [4, 16385, 0, 16385],
      [7, 30000, 10000, 30000], [9, 12000, 0, 11999], [2, 8, 3, 3]] as const) {
      expect(t * t * (c1 - c0)).toBeLessThan(1 << 20);
      const g = wasm.alloc('float32', t * d) as Float32Array;
      random(t * d, rng, g);
      if (g.length > 8) { g[3] = 1e-40; g[5] = -0; g[6] = 3e38; }
      // The wasm kernel over the range: its Gram of the columns [c0, c1) (a copy of those columns).
      const part = wasm.alloc('float32', t * (c1 - c0)) as Float32Array;
      for (let i = 0; i < t; i++) part.set(g.subarray(i * d + c0, i * d + c1), i * (c1 - c0));
      const want = new Float64Array(t * t), got = new Float64Array(t * t).fill(7);
      wasm.gram(part, want, t, c1 - c0);
      nat.gramRange(g, got, t, d, c0, c1);
      if (!sameBits(new Float32Array(got.buffer), new Float32Array(want.buffer))) expect.fail(`t=${t} d=${d} [${c0}, ${c1}): ${got[1]} vs ${want[1]}`);
    }
    const g = new Float32Array(6), out = new Float64Array(4);
    const call = (...args: unknown[]) => () => (nat.gramRange as (...x: unknown[]) => void)(...args);
    expect(call(g, new Float32Array(4), 2, 3, 0, 3)).toThrow(/out must be a Float64Array/);
    expect(call(new Float64Array(6), out, 2, 3, 0, 3)).toThrow(/g must be a Float32Array/);
    expect(call(g, out, 2, 4, 0, 4)).toThrow(/needs g of t\*d = 8 \(has 6\)/);
    expect(call(g, out, 2, 3, 2, 1)).toThrow(/c0 <= c1 <= d/);
    expect(call(g, out, 2, 3, 0, 4)).toThrow(/c0 <= c1 <= d/);
    expect(call(g, out, 2, 3)).toThrow(/expects \(g, out, t, d, c0, c1\)/);
  });

  describe('in the wasm backend', () => {
    const native = make({ native: true });

    it('a narrow matmul (n <= 4) runs the addon\'s sgemmNarrow on every thread: the wasm kernel\'s bits, 1 and 2 threads; a gate\'s backward too', () => {
      const wasm = make({ native: false, threads: 1 });
      const rng = new Rng(45);
      for (const [m, k, n, ta] of [[2048, 320, 2, false], [320, 2048, 2, true], [786432, 6, 1, true], [5000, 16, 1, false]] as const) {
        const a = native.alloc('float32', m * k) as Float32Array, b = random(k * n, rng), c0 = random(m * n, rng);
        random(m * k, rng, a);
        const want = Float32Array.from(c0);
        wasm.matmul(Float32Array.from(a), b, want, m, k, n, ta, false, true);
        for (const threads of [2, 1]) {
          native.setThreads(threads);
          const got = Float32Array.from(c0);
          native.matmul(a, b, got, m, k, n, ta, false, true);
          if (!sameBits(got, want)) expect.fail(`m=${m} k=${k} n=${n} ta=${ta} threads=${threads}`);
        }
        native.setThreads(2);
      }
      // A gate's Linear backward: dW (narrow, on a kernel thread) beside dx (the native matmul).
      const [rows, kk, n] = [2048, 320, 2];
      const x = random(rows * kk, rng), w = random(kk * n, rng), g = random(rows * n, rng);
      const outs = [native, wasm].map((be) => {
        const dw = new Float32Array(kk * n), dx = new Float32Array(rows * kk);
        be.linearBackward(x, w, g, dw, dx, rows, kk, n, false);
        return dw;
      });
      expect(sameBits(outs[0]!, outs[1]!)).toBe(true);
    });

    it('the Gram runs the addon\'s gramRange on every thread: the wasm kernel\'s bits, 1 and 2 threads, resident or not', () => {
      const wasm = make({ native: false, threads: 1 });
      const rng = new Rng(37);
      for (const [t, d] of [[6, 786432], [6, 1000], [3, 200001], [9, 20000]] as const) {
        const g = native.alloc('float32', t * d) as Float32Array;
        random(t * d, rng, g);
        const want = new Float64Array(t * t);
        wasm.gram(Float32Array.from(g), want, t, d);
        for (const threads of [2, 1]) {
          native.setThreads(threads);
          for (const arr of [g, Float32Array.from(g)]) {
            const got = new Float64Array(t * t);
            native.gram(arr, got, t, d);
            if (!sameBits(new Float32Array(got.buffer), new Float32Array(want.buffer))) expect.fail(`t=${t} d=${d} threads=${threads}`);
          }
        }
        native.setThreads(2);
      }
    });

    it('runs float32 matmuls and says so', () => {
      expect(native.matmulKernel).toBe('native');
      expect(native.nativeReason).toBe('');
      expect(native.describe()).toMatch(new RegExp(`matmul: native ${noWide ? 'AVX2' : 'AVX-512'}/FMA, 2 thread\\(s\\)`));
    });

    it('keeps the parity harness (resident and ordinary arrays, every form, accumulate)', () => {
      for (const [m, k, n] of [[1, 1, 1], [7, 17, 31], [97, 257, 33], [300, 64, 300]] as const) {
        for (const [ta, tb] of FORMS) {
          for (const acc of [false, true]) {
            for (const resident of [false, true]) checkMatmul(native, 'float32', m, k, n, ta, tb, acc, resident, m * k + n);
          }
        }
      }
    });

    parityProperties(() => native, it, 15);

    it('a gate\'s backward runs its narrow dW here while the kernel threads start on dx, then joins them: matmulChecked\'s bits and flags, workers asleep or awake', () => {
      const begins = vi.spyOn(addon(), 'sgemmBegin');
      for (const be of [native, make({ native: true, spinMicros: 0 })]) {
        for (const [rows, k, n] of [[2048, 320, 2], [300, 64, 1], [1000, 9, 4]] as const) {
          for (const where of ['none', 'g', 'w'] as const) {
            const rng = new Rng(rows + k + n);
            const x = random(rows * k, rng, be.alloc('float32', rows * k) as Float32Array), w = random(k * n, rng), g = random(rows * n, rng);
            if (where === 'g') g[rows * n - 1] = NaN;
            if (where === 'w') w[0] = Infinity;
            const dw1 = random(k * n, rng), dx1 = random(rows * k, rng);
            const dw2 = Float32Array.from(dw1), dx2 = Float32Array.from(dx1);
            const got = be.linearBackward(x, w, g, dw1, dx1, rows, k, n, true);
            const want = (be.matmulChecked(x, g, dw2, k, rows, n, true, false, true) ? 1 : 0) | (be.matmulChecked(g, w, dx2, rows, n, k, false, true, true) ? 2 : 0);
            if (!sameBits(dw1, dw2) || !sameBits(dx1, dx2)) expect.fail(`rows=${rows} k=${k} n=${n} ${where}: differs from matmulChecked`);
            expect(got, `rows=${rows} k=${k} n=${n} ${where}`).toBe(want);
          }
        }
      }
      // dx opened as a split call (2048 x 320 only: the others are too small to split), twice per
      // backend: once by linearBackward, once by matmulChecked.
      expect(begins.mock.calls.filter((c) => c[3] === 2048 && c[4] === 2 && c[5] === 320)).toHaveLength(2 * 2 * 3);
      begins.mockRestore();
    });

    it('a stack\'s narrow last layer (a head\'s logit) runs in the addon\'s stack where k x n <= 4096, after it above: linearForward\'s bits either way', () => {
      const begins = vi.spyOn(addon(), 'sgemmStackBegin');
      for (const [hidden, n] of [[16, 1], [64, 4], [2100, 2]] as const) {
        const rng = new Rng(hidden + n), rows = 2048;
        const x = random(rows * 32, rng, native.alloc('float32', rows * 32) as Float32Array);
        const tower = () => {
          const a = { x, w: random(32 * hidden, rng), b: random(hidden, rng), y: native.alloc('float32', rows * hidden) as Float32Array, rows, k: 32, n: hidden, relu: true };
          return [a, { x: a.y, w: random(hidden * n, rng), b: random(n, rng), y: native.alloc('float32', rows * n) as Float32Array, rows, k: hidden, n, relu: false }];
        };
        const first = tower(), second = tower();
        begins.mockClear();
        native.linearStackForward(first, second);
        expect(begins.mock.calls[0]![0].length, `hidden=${hidden} n=${n}: layers in the addon's stack`).toBe(hidden * n <= 4096 ? 2 : 1);
        for (const c of [...first, ...second]) {
          const y = new Float32Array(rows * c.n);
          native.linearForward(c.x, c.w, c.b, y, rows, c.k, c.n, c.relu);
          if (!sameBits(c.y, y)) expect.fail(`hidden=${hidden} n=${n}: a layer of ${c.n} columns differs from linearForward`);
        }
      }
      begins.mockRestore();
    });

    it('work beside an open native call runs its kernels on this thread alone, with their bits; a native matmul from it is refused with PoolBusyError, not a deadlock', () => {
      const rng = new Rng(77);
      const [rows, k] = [2048, 320];
      const x = random(rows * k, rng, native.alloc('float32', rows * k) as Float32Array);
      const layer = (n: number, from: Float32Array, kk: number) => ({ x: from, w: random(kk * n, rng), b: random(n, rng), y: new Float32Array(rows * n), rows, k: kk, n, relu: true });
      const stack = () => { const a = layer(256, x, k); return [a, layer(128, a.y, 256)]; };
      const first = stack(), second = stack();
      // Beside: a gate's logits (narrow, split over the threads when called alone) and a native matmul.
      const wg = random(k * 2, rng);
      const alone = new Float32Array(rows * 2);
      native.matmul(x, wg, alone, rows, k, 2, false, false, false);
      const wantY = [...first, ...second].map((c) => Float32Array.from(c.y.fill(0)));
      native.linearStackForward(first, second);
      [...first, ...second].forEach((c, i) => wantY[i]!.set(c.y));
      const dispatches = native.poolStats()!.dispatches;
      for (const c of [...first, ...second]) c.y.fill(0);
      const beside = new Float32Array(rows * 2);
      let refused: unknown = null, during = -1;
      native.linearStackForward(first, second, () => {
        during = native.poolStats()!.dispatches;
        native.matmul(x, wg, beside, rows, k, 2, false, false, false);
        try {
          native.matmul(x, random(k * 64, rng), new Float32Array(rows * 64), rows, k, 64, false, false, false);
        } catch (e) {
          refused = e;
        }
        expect(native.poolStats()!.dispatches, 'no job posted beside').toBe(during);
      });
      expect(sameBits(beside, alone)).toBe(true);
      expect(refused).toBeInstanceOf(PoolBusyError);
      expect(String((refused as Error).message)).toMatch(/a native matmul was called from the work run beside another kernel/);
      [...first, ...second].forEach((c, i) => { if (!sameBits(c.y, wantY[i]!)) expect.fail(`layer ${i}: differs from the stacks run without work beside`); });
      expect(native.poolStats()!.dispatches).toBeGreaterThan(dispatches);
      // The threads are back: the same matmul splits again, with its bits.
      const after = new Float32Array(rows * 2);
      native.matmul(x, wg, after, rows, k, 2, false, false, false);
      expect(sameBits(after, alone)).toBe(true);
      expect(native.threads).toBe(2);
    });

    it('a layer\'s backward (ReLU or plain) runs dW and dx as one pair on the kernel threads: the bits and flags of the kernels one by one', () => {
      const one = make({ native: true, threads: 1 });
      const pairs = vi.spyOn(addon(), 'sgemmPairBegin');
      for (const be of [native, make({ native: true, spinMicros: 0 })]) {
        for (const [rows, k, n] of [[2048, 320, 256], [2048, 64, 32], [300, 7, 33]] as const) {
          for (const [where, acc] of [['none', true], ['g', false], ['x', true]] as const) {
            const rng = new Rng(rows * 3 + k + n);
            const x = random(rows * k, rng, be.alloc('float32', rows * k) as Float32Array), w = random(k * n, rng);
            const y = random(rows * n, rng), g = random(rows * n, rng);
            if (where === 'g') g[rows * n - 1] = NaN;
            if (where === 'x') x[5] = Infinity;
            const dw1 = random(k * n, rng), dx1 = random(rows * k, rng), db1 = random(n, rng);
            const dw2 = Float32Array.from(dw1), dx2 = Float32Array.from(dx1), db2 = Float32Array.from(db1);
            const got = be.linearReluBackward(x, w, y, g, new Float32Array(rows * n), dw1, dx1, db1, rows, k, n, acc);
            const gz = new Float32Array(rows * n);
            one.reluGradColumnSums(y, g, gz, db2, rows, n);
            const want = (one.matmulChecked(x, gz, dw2, k, rows, n, true, false, true) ? 1 : 0) | (one.matmulChecked(gz, w, dx2, rows, n, k, false, true, acc) ? 2 : 0);
            const what = `rows=${rows} k=${k} n=${n} ${where} acc=${acc}`;
            if (!sameBits(dw1, dw2) || !sameBits(dx1, dx2) || !sameBits(db1, db2)) expect.fail(`${what}: differs from the kernels one by one`);
            expect(got, what).toBe(want);
            // A plain Linear's backward (no ReLU, n > 4): the same pair.
            const dw3 = Float32Array.from(dw2), dx3 = Float32Array.from(dx2), dw4 = Float32Array.from(dw2), dx4 = Float32Array.from(dx2);
            const plain = be.linearBackward(x, w, g, dw3, dx3, rows, k, n, acc);
            const plainWant = (one.matmulChecked(x, g, dw4, k, rows, n, true, false, true) ? 1 : 0) | (one.matmulChecked(g, w, dx4, rows, n, k, false, true, acc) ? 2 : 0);
            if (!sameBits(dw3, dw4) || !sameBits(dx3, dx4)) expect.fail(`${what}: linearBackward differs from matmulChecked one by one`);
            expect(plain, `${what} linearBackward`).toBe(plainWant);
          }
        }
      }
      expect(pairs).toHaveBeenCalledTimes(36);
      pairs.mockRestore();
    });

    it('workers that cannot load the addon keep both threads: the matmul takes its own pthreads, same bits, and says so', () => {
      const nat = addon();
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        useHost({ ...realHost, nativeKernels: () => ({ ...nat, file: '/nonexistent/mtlkit-native.node' }) });
        const apart = make({ native: true });
        expect(apart.threads).toBe(2);
        expect(apart.matmulKernel).toBe('native');
        expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/the native matmul runs on its own threads: .*load the native matmul/);
        const [m, k, n] = [512, 320, 256];
        const rng = new Rng(11);
        const a = random(m * k, rng), b = random(k * n, rng);
        const want = new Float32Array(m * n), c = new Float32Array(m * n);
        nat.sgemm(a, b, want, m, k, n, false, false, false, 1);
        apart.matmul(a, b, c, m, k, n, false, false, false);
        expect(sameBits(c, want)).toBe(true);
      } finally {
        warn.mockRestore();
      }
    });

    it('a matmul big enough to split gives the addon\'s single-threaded bits, with and without polling workers', () => {
      const nat = addon();
      const [m, k, n] = [512, 320, 256];
      const rng = new Rng(9);
      const a = random(m * k, rng), b = random(k * n, rng), c0 = random(m * n, rng);
      const want = Float32Array.from(c0);
      nat.sgemm(a, b, want, m, k, n, false, true, true, 1);
      const spinning = make({ native: true, spinMicros: 500 });
      for (const be of [native, spinning]) {
        const c = Float32Array.from(c0);
        for (let i = 0; i < 2; i++) {
          c.set(c0);
          be.matmul(a, b, c, m, k, n, false, true, true);
        }
        expect(sameBits(c, want)).toBe(true);
      }
    });

    it('a training step on it is finite and deterministic (same seed twice, same bits)', () => {
      registerBackend('wasm-native-test', () => createWasmBackend({ threads: 2, native: true }));
      const one = tinyTrain('wasm-native-test', 3), two = tinyTrain('wasm-native-test', 3);
      expect(one.losses.every(Number.isFinite) && one.values.every(Number.isFinite)).toBe(true);
      expect(two.losses).toEqual(one.losses);
      expect(two.values).toEqual(one.values);
    });
  });
});

describe('the wasm matmul fallback', () => {
  function bitsOf(be: WasmBackend): Float32Array {
    const [m, k, n] = [130, 300, 70];
    const rng = new Rng(9);
    const a = random(m * k, rng), b = random(k * n, rng), c = random(m * n, rng);
    be.matmul(a, b, c, m, k, n, false, true, true);
    return c;
  }

  it('native: false keeps the wasm kernel and says why', () => {
    const off = make({ native: false, threads: 1 });
    expect(off.matmulKernel).toBe('wasm');
    expect(off.describe()).toMatch(/matmul: wasm \(native unavailable: turned off/);
  });

  it('a host without native code, or whose addon fails, gives the wasm kernel\'s exact bits and the reason', () => {
    const off = bitsOf(make({ native: false, threads: 1 }));
    const { nativeKernels: _, ...bare } = realHost;
    useHost(bare as Host);
    const without = make({ threads: 1 });
    expect(without.matmulKernel).toBe('wasm');
    expect(without.describe()).toMatch(/matmul: wasm \(native unavailable: the node host has no native code\)/);
    expect(sameBits(bitsOf(without), off)).toBe(true);
    useHost({ ...realHost, nativeKernels: () => { throw new NativeKernelsUnavailableError('simulated: no compiler'); } });
    const failing = make({ threads: 1 });
    expect(failing.nativeReason).toBe('simulated: no compiler');
    expect(failing.describe()).toMatch(/native unavailable: simulated: no compiler/);
    expect(sameBits(bitsOf(failing), off)).toBe(true);
  });

  it('MTLKIT_NATIVE=0 turns it off', () => {
    useHost({ ...realHost, env: (name) => (name === 'MTLKIT_NATIVE' ? '0' : realHost.env(name)) });
    expect(make({ threads: 1 }).matmulKernel).toBe('wasm');
  });
});
