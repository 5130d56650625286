/**
 * A claim's statistics and verdict. The verdict uses the 95% Student t interval of the per-seed
 * statistic (pairs over seeds): with the 2-5 seeds these experiments afford, a percentile
 * bootstrap cannot reach past the observed range of the differences and so covers far less
 * than 95% (with 3 seeds its interval is at most the span of 3 numbers), while the t interval
 * is exact when the per-seed differences are normal and widens honestly as n shrinks. The
 * paired bootstrap (seeded, 4,000 resamples of the seeds) is reported beside it for larger n.
 */
import { pairedBootstrap, tInterval, type Interval } from '../../metrics/stats.ts';
import type { ExperimentJson } from '../types.ts';
import type { ClaimGroup } from '../../experiments/findings-arms.ts';
import { findingsClaims, type ClaimDef, type Unit } from './claims.ts';
import { ruleText, verdictOf, type Rule, type Verdict } from './verdict.ts';

/** The bootstrap's resampler seed: fixed, so the same runs give the same findings. */
export const BOOTSTRAP_SEED = 5277;

export interface Finding {
  id: string;
  group: ClaimGroup;
  claim: string;
  source: string;
  paper: number | null;
  paper_text: string;
  unit: Unit;
  rule: Rule;
  rule_text: string;
  /** The per-seed statistic, by seed. */
  per_seed: Record<string, number>;
  n: number;
  mean: number | null;
  sd: number | null;
  /** 95% t interval (the verdict's); null with n < 2. */
  ci: [number, number] | null;
  /** 95% paired bootstrap percentile interval; null with n < 2. */
  bootstrap_ci: [number, number] | null;
  verdict: Verdict;
  why: string;
  compared: string;
}

const DIGITS: Record<Unit, number> = { auc: 4, pp: 3, pct: 2, 'pp/task': 3 };
const SUFFIX: Record<Unit, string> = { auc: '', pp: ' pp', pct: '%', 'pp/task': ' pp/task' };

/** A number in a claim's unit, signed when `sign` (differences). */
export function formatIn(unit: Unit, v: number, sign = true): string {
  const s = v.toFixed(DIGITS[unit]);
  const clean = /^-0\.?0*$/.test(s) ? s.slice(1) : s;
  return `${sign && v >= 0 && !clean.startsWith('-') ? '+' : ''}${clean}`;
}

export function withUnit(unit: Unit, v: number, sign = true): string {
  return `${formatIn(unit, v, sign)}${SUFFIX[unit]}`;
}

const pair = (iv: Interval): [number, number] | null => (iv.lo === null || iv.hi === null ? null : [iv.lo, iv.hi]);

export function evaluateClaim(c: ClaimDef): Finding {
  const seeds = [...c.perSeed.keys()].sort((a, b) => a - b);
  const xs = seeds.map((s) => c.perSeed.get(s)!);
  const t = xs.length ? tInterval(xs) : null;
  const boot = xs.length ? pairedBootstrap(xs, { seed: BOOTSTRAP_SEED }) : null;
  const v = verdictOf(c.rule, t);
  return {
    id: c.id,
    group: c.group,
    claim: c.claim,
    source: c.source,
    paper: c.paper,
    paper_text: c.paperText,
    unit: c.unit,
    rule: c.rule,
    rule_text: ruleText(c.rule, (x) => withUnit(c.unit, x, false)),
    per_seed: Object.fromEntries(seeds.map((s) => [String(s), c.perSeed.get(s)!])),
    n: xs.length,
    mean: t ? t.mean : null,
    sd: t?.sd ?? null,
    ci: t ? pair(t) : null,
    bootstrap_ci: boot ? pair(boot) : null,
    verdict: v.verdict,
    why: v.why,
    compared: c.compared,
  };
}

export function evaluateFindings(exp: ExperimentJson): Finding[] {
  return findingsClaims(exp).map(evaluateClaim);
}
