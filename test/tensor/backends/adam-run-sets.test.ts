import { afterAll, describe, expect, it } from 'vitest';
import type { AdamRunSet, AdamScalars } from '../../../src/tensor/backend.ts';
import { adamRunsJs } from '../../../src/tensor/backends/elementwise-js.ts';
import { createWasmBackend, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { whyNoNative } from '../../platform/native-support.ts';
import { sameBits } from './bits.ts';

/**
 * adamRunSets on the wasm backend where the sets are many enough to share out among the kernel
 * threads (the optimizer's tables): the js twin's adamRuns bits set by set, with the wasm
 * kernel and with the addon's twin, on one thread and on two, the threads actually used. (The
 * harness checks small sets, which stay on the calling thread, on every backend.)
 */
const noNative = whyNoNative();
const made: WasmBackend[] = [];
afterAll(() => { for (const be of made) be.close(); });

const H: AdamScalars = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** 4), invSqrtBc2: 1 / Math.sqrt(1 - 0.999 ** 4), zeroGrad: true };
const TABLES = 8, ROWS = 4000, WIDTH = 16, TOUCHED = 2000;

interface Case {
  w: Float32Array;
  g: Float32Array;
  sets: AdamRunSet[];
}

/** Eight tables in one w: each its touched rows (distinct, in random order) and its own moments. */
function tables(alloc: (n: number) => Float32Array, seed: number): Case {
  const rng = new Rng(seed), n = TABLES * ROWS * WIDTH;
  const w = alloc(n), g = alloc(n);
  for (let i = 0; i < n; i++) {
    w[i] = rng.normal();
    g[i] = i % 97 === 0 ? 0 : rng.normal() * 1e-2;
  }
  const sets = Array.from({ length: TABLES }, (_, t): AdamRunSet => {
    const picked = new Set<number>();
    while (picked.size < TOUCHED) picked.add(rng.int(0, ROWS));
    const m = alloc(TOUCHED * WIDTH), v = alloc(TOUCHED * WIDTH);
    for (let i = 0; i < m.length; i++) {
      m[i] = rng.normal() * 1e-3;
      v[i] = Math.abs(rng.normal()) * 1e-5;
    }
    const wAt = Int32Array.from(picked, (r) => (t * ROWS + r) * WIDTH);
    const sAt = Int32Array.from({ length: TOUCHED }, (_, i) => (TOUCHED - 1 - i) * WIDTH);
    return { m, v, wAt, sAt, count: TOUCHED, width: WIDTH };
  });
  return { w, g, sets };
}

describe('adamRunSets on the kernel threads', () => {
  const want = tables((n) => new Float32Array(n), 7);
  for (const x of want.sets) adamRunsJs(want.w, want.g, x.m, x.v, x.wAt, x.sAt, x.count, x.width, H);
  it('the twin zeroed the touched rows\' gradients (zeroGrad) and kept the rest', () => {
    const before = tables((n) => new Float32Array(n), 7), touched = new Uint8Array(before.g.length);
    for (const x of before.sets) for (const a of x.wAt) touched.fill(1, a, a + WIDTH);
    for (let i = 0; i < touched.length; i++) if (want.g[i] !== (touched[i] ? 0 : before.g[i])) expect.fail(`g[${i}] is ${want.g[i]}`);
  });

  const kinds = noNative === '' ? [false, true] : [false];
  for (const native of kinds) {
    for (const threads of [1, 2]) {
      it(`${native ? 'the addon\'s twin' : 'the wasm kernel'}, ${threads} thread(s): the js twin's bits set by set`, () => {
        const be = createWasmBackend({ native, threads });
        made.push(be);
        const got = tables((n) => be.alloc('float32', n) as Float32Array, 7);
        const before = be.poolStats()?.dispatches ?? 0;
        be.adamRunSets(got.w, got.g, got.sets, H);
        // Two threads: the sets went out to the pool in one dispatch.
        expect((be.poolStats()?.dispatches ?? 0) - before).toBe(threads === 2 ? 1 : 0);
        if (!sameBits(got.w, want.w)) expect.fail('w differs from the js twin');
        // zeroGrad: every touched row's gradient zero, the rest kept, as the twin leaves them.
        if (!sameBits(got.g, want.g)) expect.fail('g differs from the js twin');
        got.sets.forEach((x, t) => {
          if (!sameBits(x.m as Float32Array, want.sets[t]!.m as Float32Array)) expect.fail(`table ${t}: m differs`);
          if (!sameBits(x.v as Float32Array, want.sets[t]!.v as Float32Array)) expect.fail(`table ${t}: v differs`);
        });
      });
    }
  }
  if (noNative !== '') it.skip(`the addon's twin (skipped: ${noNative})`, () => {});
});
