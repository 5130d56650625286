/**
 * Small-sample statistics for claims tested over training seeds: mean, sample sd, Student t
 * quantiles, the paired t interval and seeded bootstraps (of a mean difference, of a ratio of
 * medians).
 *
 * Student t quantiles are computed, not tabled: the t CDF is the regularised incomplete beta
 * function (Abramowitz and Stegun 26.7.1, evaluated by its continued fraction, Numerical
 * Recipes 6.4), inverted by bisection, so every df is exact to about 1e-12; df = Infinity is
 * the normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
 */
import { Rng } from '../tensor/rng.ts';

export class StatsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatsError';
  }
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new StatsError('mean of no values');
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); NaN for fewer than two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b), 0 <= x <= 1, a, b > 0. */
export function regIncBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new StatsError(`regIncBeta: x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(x, a, b)) / a : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Student t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new StatsError(`studentTCdf: df must be > 0, got ${df}`);
  if (df === Infinity) return normalCdf(t);
  const tail = 0.5 * regIncBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Standard normal CDF: Phi(x) = erfc(-x / sqrt 2) / 2. */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const erfcZ = erfc(z);
  return x >= 0 ? 1 - erfcZ / 2 : erfcZ / 2;
}

/** erfc(z) for z >= 0: series for small z, Lentz continued fraction for large z (about 1e-15). */
function erfc(z: number): number {
  if (z < 2) {
    // erf(z) = 2/sqrt(pi) sum_n (-1)^n z^(2n+1) / (n! (2n+1))
    let sum = 0;
    let term = z;
    for (let n = 0; n < 200; n++) {
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
      term *= (-z * z) / (n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = exp(-z^2)/sqrt(pi) * 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...))))
  let f = 0;
  for (let k = 120; k >= 1; k--) f = k / 2 / (z + f);
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
}

/** Standard normal quantile (Acklam's algorithm, one Halley refinement step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new StatsError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** The p quantile of Student's t with `df` degrees of freedom (df = Infinity: the normal). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new StatsError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new StatsError(`studentTQuantile: df must be > 0, got ${df}`);
  if (df === Infinity) return normalQuantile(p);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) return Infinity;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A two-sided interval of a mean; lo / hi are null when it is undefined (fewer than two values). */
export interface Interval {
  n: number;
  mean: number;
  sd: number | null;
  lo: number | null;
  hi: number | null;
}

/**
 * t interval of the mean of `xs` at `level` (default 0.95): mean +- t_{(1+level)/2, n-1} sd / sqrt(n).
 * For paired comparisons pass the per-seed differences. Undefined (lo = hi = null) for n < 2.
 */
export function tInterval(xs: readonly number[], level = 0.95): Interval {
  if (xs.length === 0) throw new StatsError('tInterval of no values');
  const m = mean(xs);
  if (xs.length < 2) return { n: xs.length, mean: m, sd: null, lo: null, hi: null };
  const sd = sampleSd(xs);
  const half = studentTQuantile((1 + level) / 2, xs.length - 1) * (sd / Math.sqrt(xs.length));
  return { n: xs.length, mean: m, sd, lo: m - half, hi: m + half };
}

/** Paired t interval of a - b (the pairs are index-aligned: the same seed). */
export function pairedTInterval(a: readonly number[], b: readonly number[], level = 0.95): Interval {
  if (a.length !== b.length) throw new StatsError(`pairedTInterval: ${a.length} values against ${b.length}`);
  return tInterval(a.map((x, i) => x - b[i]!), level);
}

/** Quantile of sorted values, linear between order statistics (Hyndman-Fan type 7, R's default). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new StatsError('quantile of no values');
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  const j = Math.min(i + 1, sorted.length - 1);
  return sorted[i]! + (h - i) * (sorted[j]! - sorted[i]!);
}

/**
 * Percentile bootstrap interval of the mean of per-pair differences: resamples the pairs (the
 * seeds) with replacement, so each resample keeps a seed's two arms together. Seeded: the same
 * input and seed give the same interval. Undefined for n < 2.
 */
export function pairedBootstrap(diffs: readonly number[], opts: { resamples?: number; seed?: number; level?: number } = {}): Interval {
  if (diffs.length === 0) throw new StatsError('pairedBootstrap of no values');
  const m = mean(diffs);
  if (diffs.length < 2) return { n: diffs.length, mean: m, sd: null, lo: null, hi: null };
  const B = opts.resamples ?? 4000;
  const level = opts.level ?? 0.95;
  const rng = new Rng(opts.seed ?? 5277);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let k = 0; k < diffs.length; k++) s += diffs[rng.int(0, diffs.length)]!;
    means[b] = s / diffs.length;
  }
  means.sort();
  const sorted = Array.from(means);
  return { n: diffs.length, mean: m, sd: sampleSd(diffs), lo: quantileSorted(sorted, (1 - level) / 2), hi: quantileSorted(sorted, (1 + level) / 2) };
}

/** A ratio of medians and its bootstrap percentile interval (null bounds for fewer than two values a side). */
export interface RatioInterval {
  /** Values on each side (num, den). */
  n: [number, number];
  /** median(num) / median(den) of the values themselves. */
  ratio: number;
  lo: number | null;
  hi: number | null;
}

/** The median of xs, which it sorts in place. */
function medianInPlace(xs: Float64Array): number {
  xs.sort();
  const h = xs.length >> 1;
  return xs.length % 2 ? xs[h]! : (xs[h - 1]! + xs[h]!) / 2;
}

/**
 * median(num) / median(den), with a seeded percentile bootstrap interval at `level` (default
 * 0.95, 4,000 resamples). `paired`: num[i] and den[i] were measured together (two sides of one
 * interleaved step), so a resample draws whole pairs and keeps what each pair shares (the
 * machine's load at that moment); otherwise each side is resampled on its own. Same input and
 * seed, same interval.
 */
export function bootstrapRatioOfMedians(num: readonly number[], den: readonly number[],
  opts: { paired?: boolean; resamples?: number; seed?: number; level?: number } = {}): RatioInterval {
  if (num.length === 0 || den.length === 0) throw new StatsError(`bootstrapRatioOfMedians needs values on both sides, got ${num.length} and ${den.length}`);
  const paired = opts.paired ?? false;
  if (paired && num.length !== den.length) throw new StatsError(`bootstrapRatioOfMedians: paired sides differ in length (${num.length} against ${den.length})`);
  const ratio = medianInPlace(Float64Array.from(num)) / medianInPlace(Float64Array.from(den));
  const n: [number, number] = [num.length, den.length];
  if (num.length < 2 || den.length < 2) return { n, ratio, lo: null, hi: null };
  const B = opts.resamples ?? 4000, level = opts.level ?? 0.95;
  const rng = new Rng(opts.seed ?? 5277);
  const a = new Float64Array(num.length), b = new Float64Array(den.length), ratios = new Float64Array(B);
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < a.length; i++) {
      const k = rng.int(0, num.length);
      a[i] = num[k]!;
      if (paired) b[i] = den[k]!;
    }
    if (!paired) for (let i = 0; i < b.length; i++) b[i] = den[rng.int(0, den.length)]!;
    ratios[r] = medianInPlace(a) / medianInPlace(b);
  }
  ratios.sort();
  const sorted = Array.from(ratios);
  return { n, ratio, lo: quantileSorted(sorted, (1 - level) / 2), hi: quantileSorted(sorted, (1 + level) / 2) };
}

/** Ordinary least-squares slope of y on x (the trend of a per-seed series). */
export function olsSlope(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) throw new StatsError(`olsSlope needs two or more (x, y) pairs, got ${x.length} and ${y.length}`);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  if (sxx === 0) throw new StatsError('olsSlope: every x is the same');
  return sxy / sxx;
}

/**
 * Kendall's tau-b between two scorings of the same items (index-aligned): +1 the same order, -1
 * reversed; ties in either scoring are corrected for (tau-b), so tied means do not count as
 * disagreement. Used to ask how far a ranking over a few seeds moves from the ranking over many.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) throw new StatsError(`kendallTau needs two or more index-aligned pairs, got ${a.length} and ${b.length}`);
  let concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!), db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  if (denom === 0) throw new StatsError('kendallTau: one scoring ties every item');
  return (concordant - discordant) / denom;
}
