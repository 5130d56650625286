import { describe, expect, it } from 'vitest';
import { destRanges } from '../../../src/tensor/backends/dest-ranges.ts';
import { Rng } from '../../../src/tensor/rng.ts';

/** Rows whose offset lies in each range (a row belongs where its first element is). */
function rowsIn(ranges: Array<[number, number]>, at: Int32Array): number[] {
  return ranges.map(([lo, hi]) => at.filter((a) => a >= lo && a < hi).length);
}

describe('destRanges', () => {
  it('covers [0, length) in order, cut on 64-byte lines of the buffer', () => {
    const rng = new Rng(5);
    for (const [parts, origin] of [[2, 0], [3, 7], [4, 13]] as const) {
      const at = Int32Array.from({ length: 5000 }, () => rng.int(0, 99_000));
      const r = destRanges(at, at.length, 100_000, parts, origin);
      expect(r).toHaveLength(parts);
      expect(r[0]![0]).toBe(0);
      expect(r[parts - 1]![1]).toBe(100_000);
      for (let i = 0; i < parts; i++) {
        expect(r[i]![0]).toBeLessThanOrEqual(r[i]![1]);
        if (i > 0) {
          expect(r[i]![0]).toBe(r[i - 1]![1]);
          expect((origin + r[i]![0]) % 16).toBe(0);
        }
      }
    }
  });

  it('puts about as many rows in each range where the offsets crowd one end', () => {
    const rng = new Rng(6);
    // An embedding's slots: most rows in the first tables' few slots, a long sparse tail.
    const at = Int32Array.from({ length: 40_960 }, (_, i) => (i % 4 === 0 ? rng.int(0, 3_000_000) : rng.int(0, 30_000)) * 16);
    // And rows that cycle through 20 tables, each table's slots in its own region of dst.
    const tables = Int32Array.from({ length: 40_960 }, (_, r) => ((r % 20) * 2048 + rng.int(0, 2048)) * 16);
    for (const [rows, length] of [[at, 48_000_000], [tables, 20 * 2048 * 16]] as const) {
      for (const parts of [2, 3]) {
        const counts = rowsIn(destRanges(rows, rows.length, length, parts, 0), rows);
        for (const c of counts) expect(Math.abs(c - rows.length / parts)).toBeLessThan(rows.length * 0.1);
      }
    }
  });

  it('one range for one part; empty ranges where every row shares an offset; no rows', () => {
    const at = new Int32Array(100).fill(320);
    expect(destRanges(at, 100, 1000, 1, 0)).toEqual([[0, 1000]]);
    const r = destRanges(at, 100, 1000, 3, 0);
    expect(r[0]).toEqual([0, 320]);
    expect(r[2]![1]).toBe(1000);
    expect(rowsIn(r, at).reduce((a, b) => a + b, 0)).toBe(100);
    expect(destRanges(new Int32Array(0), 0, 64, 2, 0)).toEqual([[0, 64], [64, 64]]);
    expect(() => destRanges(at, 100, 1000, 0, 0)).toThrow(RangeError);
  });
});
