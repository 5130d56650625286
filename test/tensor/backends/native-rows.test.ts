import { afterAll, describe, expect, it } from 'vitest';
import { host } from '../../../src/platform/host.ts';
import type { NativeKernels } from '../../../src/platform/native-kernels.ts';
import { claimSlotsJs, gatherAtJs, scatterAddAtJs, scatterAtJs } from '../../../src/tensor/backends/elementwise-js.ts';
import { createWasmBackend, type WasmBackend } from '../../../src/tensor/backends/wasm.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { whyNoNative } from '../../platform/native-support.ts';
import { sameBits } from './bits.ts';

/**
 * The addon's row kernels (native/rows.c): an embedding's gather, its gradient's scatter-add
 * and the optimizer's row copies, with the wasm kernels' results (the js twins'), the rows ahead
 * prefetched; the wasm backend runs them on every thread where the addon loads. Skips, saying
 * why, where the addon cannot build.
 */
const noNative = whyNoNative();

const made: WasmBackend[] = [];
afterAll(() => { for (const be of made) be.close(); });

function random(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  if (n > 4) { out[1] = -0; out[2] = 1e-42; out[3] = NaN; }
  return out;
}

/** `count` offsets of rows of `width` in a table of `rows` rows, repeats included (an id batch). */
function offsets(count: number, rows: number, width: number, rng: Rng): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => (i % 5 === 4 ? 3 : rng.int(0, rows)) * width);
}

describe.skipIf(noNative !== '')(`native row kernels${noNative ? ` (skipped: ${noNative})` : ''}`, () => {
  const nat = (): NativeKernels => host().nativeKernels!();

  it('gatherAt, scatterAddAt and scatterAt give the js twins\' bits: widths 1-33, repeated rows, row and element ranges', () => {
    const rng = new Rng(61);
    for (const [count, rows, width] of [[1, 1, 1], [40, 7, 3], [2048, 10000, 16], [300, 50, 17], [65, 1000, 33]] as const) {
      const table = random(rows * width, rng), at = offsets(count, rows, width, rng), src = random(count * width, rng);
      const want = new Float32Array(count * width), got = new Float32Array(count * width).fill(9);
      gatherAtJs(table, at, want, count, width);
      const half = count >> 1;
      nat().gatherAt(table, at, got, width, 0, half);
      nat().gatherAt(table, at, got, width, half, count);
      if (!sameBits(got, want)) expect.fail(`gatherAt count=${count} width=${width}`);

      const sum = Float32Array.from(table), sumWant = Float32Array.from(table);
      scatterAddAtJs(sumWant, at, src, count, width);
      // Ranges of dst's elements cut inside rows: every element still takes its rows in order.
      const cuts = [0, Math.floor(sum.length / 3) + 1, Math.floor((2 * sum.length) / 3) + 5, sum.length];
      for (let i = 0; i + 1 < cuts.length; i++) nat().scatterAddAt(sum, at, src, count, width, Math.min(cuts[i]!, sum.length), Math.min(cuts[i + 1]!, sum.length));
      if (!sameBits(sum, sumWant)) expect.fail(`scatterAddAt count=${count} width=${width}`);

      const put = Float32Array.from(table), putWant = Float32Array.from(table);
      scatterAtJs(putWant, at, src, count, width);
      nat().scatterAt(put, at, src, count, width);
      if (!sameBits(put, putWant)) expect.fail(`scatterAt count=${count} width=${width}`);
    }
  });

  it('checks every row against its array before writing anything, and names the argument', () => {
    const table = new Float32Array(64), out = new Float32Array(32), src = new Float32Array(32).fill(1);
    const call = (name: 'gatherAt' | 'scatterAddAt' | 'scatterAt', ...args: unknown[]) => () => (nat()[name] as (...x: unknown[]) => void)(...args);
    expect(call('gatherAt', table, Int32Array.of(0, 60), out, 8, 0, 2)).toThrow(/gatherAt: row 1 \(at 60, width 8\) is outside src \(64 elements\)/);
    expect(call('gatherAt', table, Int32Array.of(0), out, 8, 0, 2)).toThrow(/r0 <= r1 <= at's length/);
    expect(call('gatherAt', table, Int32Array.of(0, 8, 16, 24, 32), out, 8, 0, 5)).toThrow(/gatherAt: out has 32 elements, r1\*width = 40 needed/);
    expect(call('scatterAddAt', table, Int32Array.of(8, -8), src, 2, 8, 0, 8)).toThrow(/scatterAddAt: row 1 \(at -8, width 8\) is outside dst/);
    expect(table.every((x) => x === 0)).toBe(true);
    expect(call('scatterAddAt', table, Int32Array.of(0), src, 1, 8, 9, 4)).toThrow(/needs lo <= hi \(9, 4\)/);
    expect(call('scatterAddAt', table, Int32Array.of(0), src, 2, 8, 0, 8)).toThrow(/count 2 is over at's length 1/);
    expect(call('scatterAt', table, Int32Array.of(0), src, 1, 40)).toThrow(/scatterAt: src has 32 elements, count\*width = 40 needed/);
    expect(call('scatterAt', table, Float32Array.of(0), src, 1, 8)).toThrow(/scatterAt: at must be an Int32Array/);
    expect(call('gatherAt', table)).toThrow(/expects \(src, at, out, width, r0, r1\)/);
  });

  it('claimSlots gives the js twin\'s map, order, count and positions, over a slot map of a million rows', () => {
    const rng = new Rng(63);
    for (const [rows, n, stride, start] of [[1, 5, 1, 0], [1_000_000, 40960, 20, 7], [300, 2048, 1, 0], [50, 100, 3, 2]] as const) {
      const ids = new Int32Array(start + n * stride);
      for (let i = 0; i < ids.length; i++) ids[i] = i % 7 === 3 ? 0 : rng.int(0, rows);
      const slot = new Int32Array(rows), order = new Int32Array(2 * n + 4), out = new Int32Array(n);
      const slot2 = new Int32Array(rows), order2 = new Int32Array(2 * n + 4), out2 = new Int32Array(n);
      const same = (a: Int32Array, b: Int32Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
      // A first claim with positions, then a second over the same ids (every row already in).
      let count = 0;
      for (const withOut of [true, false]) {
        const got = nat().claimSlots(slot, order, count, ids, start, stride, n, withOut ? out : null);
        const want = claimSlotsJs(slot2, order2, count, ids, start, stride, n, withOut ? out2 : null);
        expect(got).toBe(want);
        if (!same(slot, slot2) || !same(order, order2) || !same(out, out2)) expect.fail(`claimSlots rows=${rows} n=${n}: differs from the js twin`);
        count = got;
      }
    }
  });

  it('claimSlots checks every row, order\'s room and out\'s length before writing, and names what does not fit', () => {
    const slot = new Int32Array(10), order = new Int32Array(4);
    const call = (...args: unknown[]) => () => (nat().claimSlots as (...x: unknown[]) => number)(...args);
    expect(call(slot, order, 0, Int32Array.of(1, 10), 0, 1, 2, null)).toThrow(/claimSlots: row 1 \(10\) is outside the slot map \(10 rows\)/);
    expect(call(slot, order, 0, Int32Array.of(1, -1), 0, 1, 2, null)).toThrow(/row 1 \(-1\) is outside/);
    expect(call(slot, order, 3, Int32Array.of(1, 2), 0, 1, 2, null)).toThrow(/order \(4\) has no room for 2 rows after 3 \(it needs count \+ n\)/);
    expect(call(slot, order, 0, Int32Array.of(1, 2), 0, 1, 2, new Int32Array(1))).toThrow(/out \(1\) is shorter than n \(2\)/);
    expect(call(slot, order, 0, Int32Array.of(1, 2, 3), 1, 2, 2, null)).toThrow(/rows \(3\) hold no 2 rows from 1 by 2/);
    expect(call(slot, order, 0, Int32Array.of(1), 0, 1, 1)).toThrow(/expects \(slot, order, count, rows, start, stride, n, out\)/);
    expect(slot.every((x) => x === 0) && order.every((x) => x === 0)).toBe(true);
  });

  it('the wasm backend runs them on every thread: the wasm kernels\' bits, 1 and 2 threads, with and without the addon', () => {
    const plain = createWasmBackend({ native: false, threads: 1 });
    made.push(plain);
    const rng = new Rng(62);
    const [count, rows, width] = [40960, 10000, 16];
    const table = random(rows * width, rng), at = offsets(count, rows, width, rng), src = random(count * width, rng);
    // Rows at any element offset overlap their neighbours, so a range's cut falls inside rows.
    const loose = Int32Array.from({ length: count }, (_, i) => (i % 7 === 3 ? 5 : rng.int(0, (rows - 1) * width)));
    const result = (be: WasmBackend): Float32Array[] => {
      const t = be.alloc('float32', rows * width) as Float32Array;
      t.set(table);
      const gathered = be.alloc('float32', count * width) as Float32Array;
      be.gatherAt(t, at, gathered, count, width);
      be.scatterAddAt(t, at, src, count, width);
      const summed = Float32Array.from(t);
      be.scatterAddAt(t, loose, src, count, width);
      const overlapped = Float32Array.from(t);
      be.scatterAt(t, at.subarray(0, 500), src, 500, width);
      return [Float32Array.from(gathered), summed, overlapped, Float32Array.from(t)];
    };
    const want = result(plain);
    for (const [native, threads] of [[true, 1], [true, 2], [false, 2]] as const) {
      const be = createWasmBackend({ native, threads });
      made.push(be);
      expect(be.matmulKernel).toBe(native ? 'native' : 'wasm');
      result(be).forEach((x, i) => {
        if (!sameBits(x, want[i]!)) expect.fail(`native=${native} threads=${threads}: ${['gatherAt', 'scatterAddAt', 'scatterAddAt (overlapping rows)', 'scatterAt'][i]} differs`);
      });
    }
  });
});
