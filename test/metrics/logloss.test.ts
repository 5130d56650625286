import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binaryEntropy, logloss, ne } from '../../src/metrics/index.ts';

describe('logloss and NE', () => {
  it('NE of the base-rate predictor is 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 200 }), (y) => {
        const rate = y.reduce((a, b) => a + b, 0) / y.length;
        const v = ne(y, y.map(() => rate));
        if (rate === 0 || rate === 1) expect(v).toBeNull();
        else expect(v).toBeCloseTo(1, 10);
      }),
    );
  });

  it('logloss by hand; better predictions give NE below 1', () => {
    expect(logloss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    const y = [1, 0, 0, 1, 0];
    expect(ne(y, [0.9, 0.1, 0.2, 0.8, 0.1])!).toBeLessThan(1);
    expect(ne(y, [0.1, 0.9, 0.8, 0.2, 0.9])!).toBeGreaterThan(1);
  });

  it('clips saturated predictions instead of returning Infinity', () => {
    expect(Number.isFinite(logloss([1, 0], [0, 1])!)).toBe(true);
  });

  it('rejects probabilities outside [0, 1] and handles empty input', () => {
    expect(() => logloss([1], [1.5])).toThrow(/\[0, 1\]/);
    expect(logloss([], [])).toBeNull();
    expect(binaryEntropy(0.5)).toBeCloseTo(Math.log(2), 12);
  });
});
