/**
 * The verdict rules of the findings, applied to the 95% t interval of a claim's per-seed
 * statistic (a paired difference, a drop against EW, a slope over T):
 *
 * - above b (a claim "X > b", "X >= Y" as X - Y > 0): reproduced when the interval lies above
 *   b, contradicted when it lies below b, inconclusive when it contains b.
 * - below b: the mirror image.
 * - within m (a stability claim "|X - Y| is small"): reproduced when the interval lies inside
 *   [-m, m], contradicted when it lies entirely outside it, inconclusive otherwise (an
 *   equivalence test: a wide interval cannot show stability).
 *
 * With fewer than two seeds there is no interval and the verdict is inconclusive.
 */
import type { Interval } from '../../metrics/stats.ts';

export type Rule = { kind: 'above'; bound: number } | { kind: 'below'; bound: number } | { kind: 'within'; margin: number };
export type Verdict = 'reproduced' | 'contradicted' | 'inconclusive';

export interface VerdictResult {
  verdict: Verdict;
  /** One line: why, in terms of the interval and the rule. */
  why: string;
}

/** The rule in words, with `fmt` formatting its bound in the claim's unit. */
export function ruleText(rule: Rule, format: (v: number) => string): string {
  const fmt = (v: number): string => (v === 0 ? '0' : format(v));
  if (rule.kind === 'above') return `CI > ${fmt(rule.bound)}`;
  if (rule.kind === 'below') return `CI < ${fmt(rule.bound)}`;
  return `CI within ±${fmt(rule.margin)}`;
}

export function verdictOf(rule: Rule, iv: Interval | null): VerdictResult {
  if (!iv || iv.n === 0) return { verdict: 'inconclusive', why: 'no seed has both arms (a run failed or is missing)' };
  if (iv.lo === null || iv.hi === null) return { verdict: 'inconclusive', why: `${iv.n} seed: the interval is undefined with n < 2` };
  const { lo, hi } = iv;
  if (rule.kind === 'above') {
    if (lo > rule.bound) return { verdict: 'reproduced', why: 'the interval lies above the bound' };
    if (hi < rule.bound) return { verdict: 'contradicted', why: 'the interval lies below the bound' };
    return { verdict: 'inconclusive', why: 'the interval contains the bound' };
  }
  if (rule.kind === 'below') {
    if (hi < rule.bound) return { verdict: 'reproduced', why: 'the interval lies below the bound' };
    if (lo > rule.bound) return { verdict: 'contradicted', why: 'the interval lies above the bound' };
    return { verdict: 'inconclusive', why: 'the interval contains the bound' };
  }
  const m = rule.margin;
  if (lo >= -m && hi <= m) return { verdict: 'reproduced', why: 'the interval lies inside the margin' };
  if (hi < -m || lo > m) return { verdict: 'contradicted', why: 'the interval lies outside the margin' };
  return { verdict: 'inconclusive', why: 'the interval crosses the margin' };
}
