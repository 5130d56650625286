/**
 * What a multi-seed comparison can and cannot resolve. A table of means ± std invites reading
 * every gap as an ordering; with a few seeds most gaps are noise. For one metric (AV-A or AV-G)
 * this pairs every two methods by seed, takes the 95% Student t interval of the per-seed
 * differences, and lists per method whom it is resolved ahead of and behind (the interval
 * excludes 0), with the range of its rank over the seeds. The notes give the seed spread and the
 * median half-width of the pairwise intervals: differences much below it are not resolved at
 * this size and seed count, whatever the means say.
 *
 * A pair is compared only on the seeds both methods ran; fewer than two shared seeds give no
 * interval. Single is one model per task: it is ranked like the others (the papers' question is
 * whether the multi-task methods beat it) but, as in Table 2, never marked.
 */
import { tInterval } from '../metrics/stats.ts';
import { average, meanStd, type MetricName } from './metrics.ts';
import { formatValue, numberCell, textCell, type Column, type Table } from './table.ts';
import { groupRows, isMethod, type RowGroup } from './tables.ts';
import type { ExperimentJson } from './types.ts';

export type ResolvedMetric = 'av_a' | 'av_g';

const METRIC: Record<ResolvedMetric, { name: MetricName; label: string }> = {
  av_a: { name: 'auc', label: 'AV-A' },
  av_g: { name: 'gauc', label: 'AV-G' },
};

/** One method's per-seed values of the metric. */
interface Arm {
  method: string;
  label: string;
  reference: boolean;
  bySeed: Map<number, number>;
}

/** The 95% paired interval of a - b over their shared seeds; null with fewer than two. */
export interface PairResult {
  a: string;
  b: string;
  n: number;
  mean: number;
  lo: number;
  hi: number;
}

export interface Resolution {
  metric: ResolvedMetric;
  seeds: number[];
  pairs: PairResult[];
  /** Median over pairs of the interval's half-width: the size of difference this run resolves. */
  medianHalfWidth: number | null;
  /** Per method: its rank (1 = best) in each seed, by seed. */
  ranks: Map<string, Map<number, number>>;
}

function armsOf(exp: ExperimentJson, metric: ResolvedMetric, reference: string, withReference: boolean): Arm[] {
  const out: Arm[] = [];
  for (const g of groupRows(exp)) out.push(armOf(g, exp, metric, reference));
  return out.filter((a) => a.bySeed.size > 0 && (withReference || !a.reference));
}

function armOf(g: RowGroup, exp: ExperimentJson, metric: ResolvedMetric, reference: string): Arm {
  const bySeed = new Map<number, number>();
  for (const r of g.runs) {
    const v = average(r.test, exp.tasks, METRIC[metric].name);
    if (r.seed !== undefined && v !== null && Number.isFinite(v)) bySeed.set(r.seed, v);
  }
  return { method: g.method, label: g.label, reference: isMethod(g, reference), bySeed };
}

/** Every pair's paired interval and every method's rank per seed. */
export function resolve(exp: ExperimentJson, metric: ResolvedMetric, reference = 'single', withReference = true): Resolution {
  const arms = armsOf(exp, metric, reference, withReference);
  const seeds = [...new Set(arms.flatMap((a) => [...a.bySeed.keys()]))].sort((x, y) => x - y);
  const pairs: PairResult[] = [];
  for (let i = 0; i < arms.length; i++) {
    for (let j = i + 1; j < arms.length; j++) {
      const a = arms[i]!, b = arms[j]!;
      const diffs = seeds.filter((s) => a.bySeed.has(s) && b.bySeed.has(s)).map((s) => a.bySeed.get(s)! - b.bySeed.get(s)!);
      if (diffs.length < 2) continue;
      const iv = tInterval(diffs);
      pairs.push({ a: a.label, b: b.label, n: diffs.length, mean: iv.mean, lo: iv.lo!, hi: iv.hi! });
    }
  }
  const halves = pairs.map((p) => (p.hi - p.lo) / 2).sort((x, y) => x - y);
  const medianHalfWidth = halves.length ? (halves[(halves.length - 1) >> 1]! + halves[halves.length >> 1]!) / 2 : null;
  const ranks = new Map<string, Map<number, number>>(arms.map((a) => [a.label, new Map()]));
  for (const s of seeds) {
    const here = arms.filter((a) => a.bySeed.has(s)).sort((x, y) => y.bySeed.get(s)! - x.bySeed.get(s)!);
    here.forEach((a, k) => ranks.get(a.label)!.set(s, k + 1));
  }
  return { metric, seeds, pairs, medianHalfWidth, ranks };
}

/** The labels `label` is resolved ahead of (its interval against them lies above 0) and behind. */
export function resolvedAround(res: Resolution, label: string): { ahead: string[]; behind: string[] } {
  const ahead: string[] = [], behind: string[] = [];
  for (const p of res.pairs) {
    if (p.a !== label && p.b !== label) continue;
    const other = p.a === label ? p.b : p.a;
    const sign = p.a === label ? 1 : -1;
    const lo = sign > 0 ? p.lo : -p.hi, hi = sign > 0 ? p.hi : -p.lo;
    if (lo > 0) ahead.push(other);
    else if (hi < 0) behind.push(other);
  }
  return { ahead, behind };
}

export interface ResolutionOptions {
  /** Method id of the reference (default "single"): shown, never marked. */
  reference?: string;
  /** A method the paper ranks first, and the claim in words: the notes say what this run shows of it. */
  focus?: { method: string; claim: string };
  /** false: leave the reference out (Table 3 lists only the variants). Default true. */
  withReference?: boolean;
}

/** What the run says of a paper's "X ranks first": where X lands, and which methods it resolves against. */
function focusNote(res: Resolution, label: string, place: number, of: number, claim: string): string {
  const { ahead, behind } = resolvedAround(res, label);
  const verdict = behind.length
    ? `contradicted here: ${behind.join(', ')} ${behind.length > 1 ? 'are' : 'is'} resolved ahead of ${label}`
    : ahead.length === of - 1
      ? `reproduced here: ${label} is resolved ahead of every other method`
      : `not resolved here: no method is resolved ahead of ${label}, and ${of - 1 - ahead.length} of ${of - 1} are not resolved behind it`;
  return `${claim}: ${label} places ${place} of ${of} by mean ${METRIC[res.metric].label}; the claim is ${verdict}.`;
}

function rankRange(ranks: Map<number, number> | undefined): string {
  const rs = [...(ranks?.values() ?? [])];
  if (!rs.length) return 'n/a';
  const lo = Math.min(...rs), hi = Math.max(...rs);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/**
 * The resolution table of one metric, or null when no method has two seeds (one seed has no
 * spread, so nothing can be resolved: the caller says so beside its table).
 */
export function resolutionTable(exp: ExperimentJson, metric: ResolvedMetric, opts: ResolutionOptions = {}): Table | null {
  const reference = opts.reference ?? 'single';
  const withReference = opts.withReference ?? true;
  const res = resolve(exp, metric, reference, withReference);
  if (res.pairs.length === 0) return null;
  const label = METRIC[metric].label;
  const valueCol: Column = { key: 'value', label, kind: 'fixed', decimals: 4 };
  const columns: Column[] = [
    valueCol,
    { key: 'rank', label: 'Rank over seeds', kind: 'text' },
    { key: 'ahead', label: 'Resolved ahead of', kind: 'text' },
    { key: 'behind', label: 'Resolved behind', kind: 'text' },
  ];
  const arms = armsOf(exp, metric, reference, withReference).map((a) => ({ a, ms: meanStd([...a.bySeed.values()])! }));
  arms.sort((x, y) => y.ms.mean - x.ms.mean);
  const rows = arms.map(({ a, ms }) => {
    const around = resolvedAround(res, a.label);
    return {
      label: a.label,
      cells: {
        value: numberCell(valueCol, ms),
        rank: textCell(rankRange(res.ranks.get(a.label))),
        ahead: textCell(around.ahead.join(', ') || '-'),
        behind: textCell(around.behind.join(', ') || '-'),
      },
      ...(a.reference ? { reference: true } : {}),
    };
  });
  const resolved = res.pairs.filter((p) => p.lo > 0 || p.hi < 0).length;
  const stds = arms.map(({ ms }) => ms.std).sort((x, y) => x - y);
  const fmt = (v: number): string => formatValue(valueCol, v);
  const notes = [
    `${res.seeds.length} seeds (${res.seeds.join(', ')}). Each pair of methods is compared on the seeds both ran: the 95% Student t interval of the per-seed ${label} differences; "resolved" means it excludes 0.`,
    `${resolved} of ${res.pairs.length} pairs are resolved. The intervals' median half-width is ${fmt(res.medianHalfWidth!)} ${label}: gaps between means well below it are not resolved at this size and seed count, however the table orders them.`,
    stds.length
      ? `Seed spread (std of ${label} over seeds, per method): median ${fmt(stds[(stds.length - 1) >> 1]!)}, range ${fmt(stds[0]!)}-${fmt(stds[stds.length - 1]!)}.`
      : `Seed spread: n/a.`,
    `Rank over seeds: the method's place among all methods in each seed (1 = best), lowest-highest.`,
  ];
  if (opts.focus) {
    const f = arms.find(({ a }) => isMethod(a, opts.focus!.method));
    if (f) notes.push(focusNote(res, f.a.label, arms.findIndex((x) => x === f) + 1, arms.length, opts.focus.claim));
  }
  return { id: `resolution-${metric}`, title: `What this run resolves: ${label} by method, paired by seed`, rowHeader: 'Method', columns, rows, notes };
}

