import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RowSet } from '../../src/nn/rowset.ts';

describe('RowSet', () => {
  it('addEach equals add row by row: the same rows, order, positions and growth, the version moved only by a new row', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (rows, stride, start0, seed) => {
          const n = 1 + (seed % 2500), start = start0 % stride;
          let x = seed;
          const idx = Int32Array.from({ length: start + n * stride }, () => {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            return x % rows;
          });
          // A small first capacity, so that both grow the list inside the loop.
          const a = new RowSet(rows, 4), b = new RowSet(rows, 4);
          a.add(idx[start]!);
          b.add(idx[start]!);
          const v0 = a.version;
          a.addEach(idx, start, stride, n);
          for (let i = 0, at = start; i < n; i++, at += stride) b.add(idx[at]!);
          expect(Array.from(a.view())).toEqual(Array.from(b.view()));
          expect(a.count).toBe(b.count);
          for (const r of b.view()) expect(a.position(r)).toBe(b.position(r));
          expect(a.version !== v0).toBe(a.count > 1);
          const v1 = a.version;
          a.addEach(idx, start, stride, n); // every row present: nothing changes
          expect(a.version).toBe(v1);
          expect(Array.from(a.view())).toEqual(Array.from(b.view()));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('clear forgets every row and moves the version', () => {
    const s = new RowSet(10, 2);
    s.addEach(Int32Array.of(3, 7, 3, 9), 0, 1, 4);
    const v = s.version;
    s.clear();
    expect([s.count, s.has(3), s.has(7), s.has(9), s.version !== v]).toEqual([0, false, false, false, true]);
  });
});
