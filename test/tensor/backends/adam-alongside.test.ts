import { afterAll, describe, expect, it } from 'vitest';
import type { AdamScalars, Backend } from '../../../src/tensor/backend.ts';
import { createJsBackend } from '../../../src/tensor/backends/js.ts';
import { createWasmBackend, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { PoolBusyError } from '../../../src/tensor/wasm/pool.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { whyNoNative } from '../../platform/native-support.ts';
import { sameBits } from './bits.ts';

/**
 * adamRunAlongside: one dense run's Adam on a kernel thread while the caller's own work runs
 * here (the optimizer places its tables' rows meanwhile). adamRuns' bits, `meanwhile` run once
 * and in full, its kernels on its own thread alone, a native matmul from it refused with
 * PoolBusyError.
 */
const made: WasmBackend[] = [];
afterAll(() => { for (const be of made) be.close(); });
function wasm(native: boolean, threads: number): WasmBackend {
  const be = createWasmBackend({ native, threads });
  made.push(be);
  return be;
}

const H: AdamScalars = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 4), invSqrtBc2: 1 / Math.sqrt(1 - 0.999 ** 4), zeroGrad: false };
const N = 400_000;

/** w, g, m, v in the backend's storage, with a NaN and an Inf among the gradients. */
function operands(be: Backend, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return [1, 1e-2, 1e-3, 1e-5].map((scale, k) => {
    const x = be.alloc('float32', N) as Float32Array;
    for (let i = 0; i < N; i++) x[i] = k === 3 ? Math.abs(rng.normal()) * scale : rng.normal() * scale;
    if (k === 1) { x[1000] = NaN; x[2000] = Infinity; }
    return x;
  });
}

const backends: Array<[string, () => Backend]> = [
  ['js', () => createJsBackend()],
  ['wasm kernels, 1 thread', () => wasm(false, 1)],
  ['wasm kernels, 2 threads', () => wasm(false, 2)],
  ...(whyNoNative() === '' ? [['native twin, 2 threads', () => wasm(true, 2)] as [string, () => Backend]] : []),
];

describe('adamRunAlongside', () => {
  for (const [label, make] of backends) {
    it(`${label}: adamRuns' bits for the run (long and short), meanwhile once, its writes kept; zeroGrad zeroes the run's gradients only`, () => {
      const be = make();
      for (const [at, sAt, width, zeroGrad] of [[7, 11, 300_001, false], [3, 5, 100, false], [7, 11, 300_001, true], [3, 5, 100, true]] as const) {
        const h = { ...H, zeroGrad };
        const [w, g, m, v] = operands(be, 9);
        const [w2, g2, m2, v2] = operands(be, 9);
        be.adamRuns(w2!, g2!, m2!, v2!, Int32Array.of(at), Int32Array.of(sAt), 1, width, h);
        const mine = new Float32Array(64);
        let calls = 0;
        const posted = (be as Partial<WasmBackend>).poolStats?.()?.dispatches ?? 0;
        be.adamRunAlongside(w!, g!, m!, v!, at, sAt, width, h, () => {
          calls++;
          // Elements outside the run: written while the run updates.
          for (let i = 0; i < 64; i++) mine[i] = i;
          w![N - 1] = 42;
          w2![N - 1] = 42;
        });
        expect(calls).toBe(1);
        // On two threads the long run went to a kernel thread (one job posted), the short one not.
        const after = (be as Partial<WasmBackend>).poolStats?.()?.dispatches ?? 0;
        expect(after - posted).toBe(label.includes('2 threads') && width > 1000 ? 1 : 0);
        expect(mine[63]).toBe(63);
        for (const [x, y, name] of [[w, w2, 'w'], [m, m2, 'm'], [v, v2, 'v'], [g, g2, 'g']] as const) {
          if (!sameBits(x!, y!)) expect.fail(`${label}, width ${width}, zeroGrad ${zeroGrad}: ${name} differs from adamRuns`);
        }
        const [, g0] = operands(be, 9);
        for (let i = 0; i < N; i++) {
          const want = zeroGrad && i >= at && i < at + width ? 0 : g0![i]!;
          if (!Object.is(g![i], want)) expect.fail(`${label}, width ${width}, zeroGrad ${zeroGrad}: g[${i}] is ${g![i]}, expected ${want}`);
        }
      }
    });
  }

  it('a kernel called from meanwhile runs on this thread alone (it would split across the threads alone); a native matmul is refused; the backend works after', () => {
    const be = wasm(false, 2);
    const [w, g, m, v] = operands(be, 3);
    const x = be.alloc('float32', N) as Float32Array;
    x.fill(1);
    let dot = 0;
    const dispatches = be.poolStats()!.dispatches;
    be.adamRunAlongside(w!, g!, m!, v!, 0, 0, 300_000, H, () => { dot = be.dot(x, x, N); });
    expect(dot).toBe(N);
    // One job posted: the run's; the dot's none.
    expect(be.poolStats()!.dispatches).toBe(dispatches + 1);
    expect(be.dot(x, x, N)).toBe(N);
    // The run itself still happened: a second one from the same start continues from it.
    const [w2, g2, m2, v2] = operands(be, 3);
    be.adamRuns(w2!, g2!, m2!, v2!, Int32Array.of(0), Int32Array.of(0), 1, 300_000, H);
    expect(sameBits(m!, m2!)).toBe(true);
    if (!whyNoNative()) {
      const nat = wasm(true, 2);
      const [nw, ng, nm, nv] = operands(nat, 3);
      const a = new Float32Array(512 * 320).fill(0.5), c = new Float32Array(512 * 256);
      expect(() => nat.adamRunAlongside(nw!, ng!, nm!, nv!, 0, 0, 300_000, H, () => { nat.matmul(a, a, c, 512, 320, 256, false, true, false); }))
        .toThrow(PoolBusyError);
      // Still refused after work nested in the work beside (a second run beside the first) has ended.
      const [w2, g2, m2, v2] = operands(nat, 4);
      expect(() => nat.adamRunAlongside(nw!, ng!, nm!, nv!, 0, 0, 300_000, H, () => {
        nat.adamRunAlongside(w2!, g2!, m2!, v2!, 0, 0, 1000, H, () => {});
        nat.matmul(a, a, c, 512, 320, 256, false, true, false);
      })).toThrow(PoolBusyError);
      nat.matmul(a, a, c, 512, 320, 256, false, true, false);
      expect(c[0]).toBe(80);
      expect(nat.threads).toBe(2);
    }
  });
});
