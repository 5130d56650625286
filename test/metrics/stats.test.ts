/**
 * src/metrics/stats.ts against published values: Student t quantiles (any t table, e.g.
 * Abramowitz and Stegun Table 26.10; R's qt), the normal quantile, incomplete beta identities,
 * and the paired intervals on hand-computed data.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bootstrapRatioOfMedians, lnGamma, mean, normalCdf, normalQuantile, olsSlope, pairedBootstrap, pairedTInterval, quantileSorted, regIncBeta,
  kendallTau, sampleSd, StatsError, studentTCdf, studentTQuantile, tInterval,
} from '../../src/metrics/stats.ts';

describe('Student t quantiles', () => {
  // qt(0.975, df) (R; the same digits from scipy.stats.t.ppf).
  const T975: Array<[number, number]> = [
    [1, 12.706204736174707], [2, 4.302652729749464], [3, 3.182446305284263], [4, 2.776445105197793],
    [5, 2.570581835636314], [6, 2.446911851144969], [9, 2.262157162798205], [10, 2.228138851986274],
    [20, 2.085963447265837], [29, 2.045229642132703], [30, 2.042272456301238], [100, 1.983971518523552],
    [1000, 1.9623390808264083],
  ];
  it.each(T975)('t(0.975, df = %i)', (df, want) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(want, 9);
  });

  it('other levels: qt(0.95, 1) = 6.3138, qt(0.995, 3) = 5.8409, qt(0.9, 7) = 1.4149; qt(0.025, 4) = -qt(0.975, 4)', () => {
    expect(studentTQuantile(0.95, 1)).toBeCloseTo(6.313751514675043, 9);
    expect(studentTQuantile(0.995, 3)).toBeCloseTo(5.840909309733355, 9);
    expect(studentTQuantile(0.9, 7)).toBeCloseTo(1.4149239276505086, 9);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.776445105197793, 9);
    expect(studentTQuantile(0.5, 3)).toBe(0);
  });

  it('df = Infinity is the normal quantile; large df approaches it', () => {
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.959963984540054, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(Math.abs(studentTQuantile(0.975, 1e6) - 1.959963984540054)).toBeLessThan(1e-5);
  });

  it('the quantile inverts the CDF (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 200 }), (p, df) => {
        expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 9);
      }),
      { numRuns: 200 },
    );
  });

  it('the CDF at known points: t(1) is Cauchy, t(2) has a closed form', () => {
    for (const t of [-3, -0.5, 0, 0.7, 2, 10]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 12);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 12);
  });

  it('refuses p outside (0, 1) and df <= 0 with a StatsError', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(StatsError);
    expect(() => studentTQuantile(0.5, 0)).toThrow(StatsError);
    expect(() => normalQuantile(0)).toThrow(StatsError);
  });
});

describe('special functions', () => {
  it('lnGamma at integers and 1/2', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(lnGamma(30)).toBeCloseTo(71.257038967168, 9);
  });

  it('regIncBeta: I_x(1, 1) = x, I_x(a, 1) = x^a, symmetry I_x(a, b) = 1 - I_{1-x}(b, a)', () => {
    expect(regIncBeta(0.3, 1, 1)).toBeCloseTo(0.3, 13);
    expect(regIncBeta(0.6, 3, 1)).toBeCloseTo(0.216, 13);
    expect(regIncBeta(0.2, 2.5, 4)).toBeCloseTo(1 - regIncBeta(0.8, 4, 2.5), 13);
    expect(regIncBeta(0, 2, 3)).toBe(0);
    expect(regIncBeta(1, 2, 3)).toBe(1);
  });
});

describe('mean, sd and intervals', () => {
  it('mean and sample sd by hand', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 14);
    expect(Number.isNaN(sampleSd([1]))).toBe(true);
  });

  it('t interval: x = 1, 2, 3, 4 gives 2.5 +- 3.182446 * sqrt(5/3) / 2', () => {
    const iv = tInterval([1, 2, 3, 4]);
    const half = 3.182446305284263 * (Math.sqrt(5 / 3) / 2);
    expect(iv.mean).toBe(2.5);
    expect(iv.lo).toBeCloseTo(2.5 - half, 10);
    expect(iv.hi).toBeCloseTo(2.5 + half, 10);
  });

  it('paired t interval is the t interval of the per-pair differences (R: t.test(a, b, paired = TRUE)$conf.int)', () => {
    const a = [0.71, 0.74, 0.69, 0.72, 0.75];
    const b = [0.7, 0.72, 0.7, 0.7, 0.73];
    const iv = pairedTInterval(a, b);
    // d = 0.01, 0.02, -0.01, 0.02, 0.02: mean 0.012, sd sqrt(0.00017), half-width 2.776445 * sd / sqrt(5) = 0.0161893
    expect(iv.mean).toBeCloseTo(0.012, 12);
    expect(iv.lo).toBeCloseTo(-0.004189317847087, 10);
    expect(iv.hi).toBeCloseTo(0.028189317847087, 10);
    expect(() => pairedTInterval([1, 2], [1])).toThrow(StatsError);
  });

  it('with fewer than two seeds the interval is undefined (null), not zero-width', () => {
    const iv = tInterval([0.3]);
    expect(iv).toEqual({ n: 1, mean: 0.3, sd: null, lo: null, hi: null });
    expect(pairedBootstrap([0.3]).lo).toBeNull();
  });

  it('paired bootstrap: seeded (same seed, same interval), inside the range of the differences, around the mean', () => {
    const d = [0.4, -0.1, 0.9, 0.2, 0.5, 0.3];
    const a = pairedBootstrap(d, { seed: 1 });
    expect(pairedBootstrap(d, { seed: 1 })).toEqual(a);
    expect(a.lo!).toBeGreaterThanOrEqual(-0.1);
    expect(a.hi!).toBeLessThanOrEqual(0.9);
    expect(a.lo!).toBeLessThan(a.mean);
    expect(a.hi!).toBeGreaterThan(a.mean);
    // With six pairs the percentile interval is narrower than the t interval (why verdicts use t).
    const t = tInterval(d);
    expect(a.hi! - a.lo!).toBeLessThan(t.hi! - t.lo!);
    // Constant differences: a zero-width interval at the value.
    const c = pairedBootstrap([0.2, 0.2, 0.2], { seed: 3 });
    expect(c.lo).toBeCloseTo(0.2, 14);
    expect(c.hi).toBeCloseTo(0.2, 14);
  });

  it('type-7 quantiles and the OLS slope', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(olsSlope([2, 4, 6], [1, 2, 5])).toBeCloseTo(1, 14);
    expect(() => olsSlope([1, 1], [1, 2])).toThrow(StatsError);
  });
});

describe('kendallTau (tau-b)', () => {
  it('is 1 for the same order, -1 reversed, and matches a hand count', () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // pairs of (1,2,3,4) vs (1,3,2,4): 5 concordant, 1 discordant, no ties
    expect(kendallTau([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 15);
    // a tie in b: (1,2,3) vs (1,1,2): pairs (0,1) tie in b; (0,2),(1,2) concordant: 2 / sqrt(3 * 2)
    expect(kendallTau([1, 2, 3], [1, 1, 2])).toBeCloseTo(2 / Math.sqrt(6), 15);
  });

  it('is symmetric, invariant under monotone maps, and refuses degenerate input', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })), { minLength: 3, maxLength: 12 }), (pairs) => {
      const a = pairs.map((p) => p[0]), b = pairs.map((p) => p[1]);
      if (new Set(a).size < 2 || new Set(b).size < 2) return;
      const t = kendallTau(a, b);
      expect(kendallTau(b, a)).toBeCloseTo(t, 12);
      expect(kendallTau(a.map((x) => Math.exp(x)), b)).toBeCloseTo(t, 12);
      expect(Math.abs(t)).toBeLessThanOrEqual(1 + 1e-12);
    }));
    expect(() => kendallTau([1], [1])).toThrow(StatsError);
    expect(() => kendallTau([1, 1], [1, 2])).toThrow(/ties every item/);
  });

  it('ratio of medians: the medians\' ratio itself, a seeded interval around it, pairs kept together where paired', () => {
    // Each PyTorch step 1.3x the mtlkit step measured beside it, the machine's load moving both.
    const load = [1, 1.6, 0.9, 2.2, 1.1, 1.4, 0.95, 1.8, 1.2, 1.05];
    const ours = load.map((l) => 80 * l), theirs = ours.map((x) => 1.3 * x);
    const paired = bootstrapRatioOfMedians(theirs, ours, { paired: true, seed: 2 });
    expect(paired.n).toEqual([10, 10]);
    expect(paired.ratio).toBeCloseTo(1.3, 12);
    // Every resample keeps each pair's 1.3: a zero-width interval at it.
    expect(paired.lo).toBeCloseTo(1.3, 12);
    expect(paired.hi).toBeCloseTo(1.3, 12);
    // The same steps taken apart: the load's spread widens the interval on both sides of 1.3.
    const apart = bootstrapRatioOfMedians(theirs, ours, { seed: 2 });
    expect(apart.ratio).toBeCloseTo(1.3, 12);
    expect(apart.lo!).toBeLessThan(1.2);
    expect(apart.hi!).toBeGreaterThan(1.4);
    expect(bootstrapRatioOfMedians(theirs, ours, { seed: 2 })).toEqual(apart);
    // Medians, not means: one slow step moves neither the ratio nor (much) the interval.
    const spiked = [...ours.slice(0, 9), 900];
    expect(bootstrapRatioOfMedians(theirs, spiked, { paired: true }).ratio).toBeCloseTo(medianRatio(theirs, spiked), 12);
    expect(bootstrapRatioOfMedians([2, 4], [1]).lo).toBeNull();
    expect(() => bootstrapRatioOfMedians([1, 2], [1, 2, 3], { paired: true })).toThrow(/paired sides differ in length \(2 against 3\)/);
    expect(() => bootstrapRatioOfMedians([], [1])).toThrow(StatsError);
  });
});

function medianRatio(a: readonly number[], b: readonly number[]): number {
  const med = (xs: readonly number[]): number => {
    const s = [...xs].sort((x, y) => x - y), h = s.length >> 1;
    return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  };
  return med(a) / med(b);
}
