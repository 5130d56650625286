import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auc } from '../../src/metrics/index.ts';

/** Brute force: correctly ordered positive-negative pairs, ties one half. */
function bruteAuc(y: number[], p: number[]): number | null {
  let good = 0, pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      if (p[i] > p[j]) good += 1;
      else if (p[i] === p[j]) good += 0.5;
    }
  }
  return pairs === 0 ? null : good / pairs;
}

// Scores from a small set so that ties are frequent.
const sample = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: -5, max: 5 })), { minLength: 0, maxLength: 60 })
  .map((rows) => ({ y: rows.map((r) => r[0]), p: rows.map((r) => r[1] / 4) }));

describe('auc', () => {
  it('equals the brute-force fraction of correctly ordered pairs, ties counted one half', () => {
    fc.assert(
      fc.property(sample, ({ y, p }) => {
        const a = auc(y, p), b = bruteAuc(y, p);
        if (b === null) expect(a).toBeNull();
        else expect(a).toBeCloseTo(b, 12);
      }),
      { numRuns: 300 },
    );
  });

  it('also matches brute force on continuous float32 scores', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.float({ noNaN: true })), { maxLength: 80 }), (rows) => {
        const y = rows.map((r) => (r[0] ? 1 : 0)), p = rows.map((r) => r[1]);
        const a = auc(y, p), b = bruteAuc(y, p);
        if (b === null) expect(a).toBeNull();
        else expect(a).toBeCloseTo(b, 12);
      }),
    );
  });

  it('is invariant under strictly increasing transforms of the scores', () => {
    const transforms: ((x: number) => number)[] = [
      (x) => 3 * x + 7,
      (x) => Math.exp(x),
      (x) => 1 / (1 + Math.exp(-x)),
      (x) => x * x * x,
      (x) => Math.atan(x) - 5,
    ];
    fc.assert(
      fc.property(sample, fc.integer({ min: 0, max: transforms.length - 1 }), ({ y, p }, k) => {
        const f = transforms[k];
        const a = auc(y, p), b = auc(y, p.map(f));
        if (a === null) expect(b).toBeNull();
        else expect(b).toBeCloseTo(a, 12);
      }),
    );
  });

  it('is undefined (null), never 0.5, with one class present', () => {
    expect(auc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNull();
    expect(auc([0, 0], [0.5, 0.5])).toBeNull();
    expect(auc([], [])).toBeNull();
  });

  it('gives the textbook values', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(auc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(auc([1, 0], [0.9, 0.1])).toBe(1);
    expect(auc([1, 0], [0.1, 0.9])).toBe(0);
  });

  it('rejects non-binary labels, NaN scores and mismatched lengths', () => {
    expect(() => auc([0, 2], [0.1, 0.2])).toThrow(/label at index 1 is 2/);
    expect(() => auc([0, 1], [0.1, NaN])).toThrow(/index 1 is NaN/);
    expect(() => auc([0, 1], [0.1])).toThrow(/2 labels but 1/);
  });

  it('handles typed arrays and infinities', () => {
    const y = Float32Array.from([0, 1, 0, 1]);
    const p = Float64Array.from([-Infinity, Infinity, 0, 0]);
    expect(auc(y, p)).toBeCloseTo(0.875, 12);
  });
});
