/**
 * The papers' claims as tests on the rows of a `findings` experiment. Each claim reduces every
 * seed to one number, paired within the seed (GradCraft minus the other method on the same
 * seed, a drop against the same seed's EW, a slope over T of the same seed's runs), so the
 * seed-to-seed variation that both arms share cancels; the claim's interval is over those
 * per-seed numbers (evaluate.ts).
 *
 * RI and NE gain use the same seed's Single / EW as the reference (not the mean over seeds as
 * the Table 2 layout does), which keeps the pairing: RI of Single is then exactly 0.
 */
import { average, metricOf, neGain, splitRelativeImprovement, throughputDrop, type MetricName } from '../metrics.ts';
import type { ExperimentJson, ExperimentRow } from '../types.ts';
import {
  DEFAULT_EPSILON, DEFAULT_TAU, epsilonArm, FINDINGS_EPSILON, FINDINGS_T, FINDINGS_TAU, MB_ARMS, REFERENCE_ARM, T2_ARMS, T3_ARMS, taskArm, tauArm, type ClaimGroup,
} from '../../experiments/findings-arms.ts';
import { GRADCRAFT_FIGURES, GRADCRAFT_TABLE2_WECHAT, GRADCRAFT_TABLE3_WECHAT, MULTIBALANCE_TABLE2_QPS_DROP, MULTIBALANCE_TABLE3_NE } from './paper.ts';
import type { Rule } from './verdict.ts';
import { olsSlope } from '../../metrics/stats.ts';

/** How a claim's numbers print: AUC differences (4 decimals), percentage points, percent, pp per task. */
export type Unit = 'auc' | 'pp' | 'pct' | 'pp/task';

export interface ClaimDef {
  id: string;
  group: ClaimGroup;
  /** The claim as a test, e.g. "GradCraft AV-A >= EW". */
  claim: string;
  /** Where the paper makes it, e.g. "GradCraft Table 2 (Wechat)". */
  source: string;
  /** The paper's number in the claim's statistic (null: not tabulated) and how it reads. */
  paper: number | null;
  paperText: string;
  unit: Unit;
  rule: Rule;
  /** The statistic per seed (seeds lacking an arm are left out). */
  perSeed: Map<number, number>;
  /** The compared quantities' means, for reading the statistic. */
  compared: string;
}

/** Rows of a findings experiment by arm and seed. */
export class ArmIndex {
  private readonly byArm = new Map<string, Map<number, ExperimentRow>>();
  readonly labels = new Map<string, string>();
  constructor(readonly exp: ExperimentJson) {
    for (const r of exp.rows) {
      const arm = r.param?.arm;
      if (typeof arm !== 'string' || r.seed === undefined || !r.test || Object.keys(r.test).length === 0) continue;
      if (!this.byArm.has(arm)) this.byArm.set(arm, new Map());
      this.byArm.get(arm)!.set(r.seed, r);
      if (!this.labels.has(arm)) this.labels.set(arm, r.label ?? r.method);
    }
  }
  has(arm: string): boolean {
    return this.byArm.has(arm);
  }
  rows(arm: string): Map<number, ExperimentRow> {
    return this.byArm.get(arm) ?? new Map();
  }
  label(arm: string): string {
    return this.labels.get(arm) ?? arm;
  }
  /** Seeds where every arm has a finished row. */
  seeds(arms: string[]): number[] {
    const sets = arms.map((a) => this.rows(a));
    return [...(sets[0]?.keys() ?? [])].filter((s) => sets.every((m) => m.has(s))).sort((a, b) => a - b);
  }
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** Per seed, `f` of the arms' rows; a seed where f gives null is left out. */
export function perSeed(ix: ArmIndex, arms: string[], f: (rows: ExperimentRow[]) => number | null): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of ix.seeds(arms)) {
    const v = f(arms.map((a) => ix.rows(a).get(s)!));
    if (finite(v)) out.set(s, v);
  }
  return out;
}

function meanOf(m: Map<number, number>): number | null {
  return m.size ? [...m.values()].reduce((a, b) => a + b, 0) / m.size : null;
}

type Av = 'av_a' | 'av_g' | 'ri_a' | 'ri_g';
const AV_METRIC: Record<Av, MetricName> = { av_a: 'auc', av_g: 'gauc', ri_a: 'auc', ri_g: 'gauc' };
const AV_NAME: Record<Av, string> = { av_a: 'AV-A', av_g: 'AV-G', ri_a: 'RI-A', ri_g: 'RI-G' };

/** AV (eq. 12-13) or RI in percent against `single` of the same seed (eq. 14-15) of one row. */
export function avRi(row: ExperimentRow, single: ExperimentRow | undefined, tasks: string[], which: Av): number | null {
  const m = AV_METRIC[which];
  if (which === 'av_a' || which === 'av_g') return average(row.test, tasks, m);
  if (!single) return null;
  const ref: Record<string, number | null> = Object.fromEntries(tasks.map((t) => [t, metricOf(single.test, t, m)]));
  const ri = splitRelativeImprovement(row.test, ref, tasks, m);
  return ri === null ? null : ri * 100;
}

const rowTasks = (ix: ArmIndex, r: ExperimentRow): string[] => r.tasks ?? ix.exp.tasks;

function fmtAv(which: Av, v: number): string {
  return which.startsWith('av') ? v.toFixed(4) : `${v.toFixed(3)}%`;
}

function unitOf(which: Av): Unit {
  return which.startsWith('av') ? 'auc' : 'pp';
}

/** GradCraft's metric minus another arm's, paired by seed (the Table 2 and Table 3 claims). */
function gcMinus(ix: ArmIndex, other: string, which: Av): { perSeed: Map<number, number>; compared: string } {
  const arms = ['gradcraft', other, REFERENCE_ARM];
  const needSingle = which.startsWith('ri');
  const use = needSingle ? arms : arms.slice(0, 2);
  const side = (k: 0 | 1): Map<number, number> =>
    perSeed(ix, use, (rs) => avRi(rs[k]!, rs[2], rowTasks(ix, rs[k]!), which));
  const a = side(0), b = side(1);
  const d = new Map<number, number>();
  for (const [s, v] of a) if (b.has(s)) d.set(s, v - b.get(s)!);
  const ma = meanOf(a), mb = meanOf(b);
  return { perSeed: d, compared: ma !== null && mb !== null ? `GradCraft ${fmtAv(which, ma)}, ${ix.label(other)} ${fmtAv(which, mb)}` : '' };
}

function signed(v: number, digits: number): string {
  return `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;
}

/**
 * "GradCraft above each arm" on AV-A, AV-G, RI-A and RI-G, against one paper table: the shape
 * shared by the Table 2 (methods) and Table 3 (ablations) claims.
 */
function gcAboveClaims(
  ix: ArmIndex, group: 'table2' | 'table3', arms: readonly string[], paperTable: Partial<Record<string, Record<Av, number>>>,
  source: string, claim: (arm: string, which: Av) => string,
): ClaimDef[] {
  const out: ClaimDef[] = [];
  if (!ix.has('gradcraft')) return out;
  for (const which of ['av_a', 'av_g', 'ri_a', 'ri_g'] as Av[]) {
    for (const arm of arms) {
      if (arm === 'gradcraft' || !ix.has(arm)) continue;
      const p = paperTable.gradcraft![which] - paperTable[arm]![which];
      const { perSeed: d, compared } = gcMinus(ix, arm, which);
      out.push({
        id: `${group}.${which}.${arm}`,
        group,
        claim: claim(arm, which),
        source,
        paper: p,
        paperText: which.startsWith('av') ? signed(p, 4) : `${signed(p, 3)} pp`,
        unit: unitOf(which),
        rule: { kind: 'above', bound: 0 },
        perSeed: d,
        compared,
      });
    }
  }
  return out;
}

function table2Claims(ix: ArmIndex): ClaimDef[] {
  return gcAboveClaims(ix, 'table2', T2_ARMS, GRADCRAFT_TABLE2_WECHAT, 'GradCraft Table 2 (Wechat)', (arm, which) => `GradCraft ${AV_NAME[which]} ≥ ${ix.label(arm)}`);
}

function table3Claims(ix: ArmIndex): ClaimDef[] {
  return gcAboveClaims(ix, 'table3', T3_ARMS, GRADCRAFT_TABLE3_WECHAT, 'GradCraft Table 3 (Wechat)', (arm, which) => `${ix.label(arm)} ${AV_NAME[which]} < GradCraft`);
}

/**
 * "Stable" needs a margin: half of GradCraft's AV-G gain over EW in the paper's Table 2
 * (0.6842 - 0.6798 = 0.0044), i.e. a change of a setting matters when it costs half of what
 * the method gains.
 */
export const STABILITY_MARGIN = Number(((GRADCRAFT_TABLE2_WECHAT.gradcraft!.av_g - GRADCRAFT_TABLE2_WECHAT.ew!.av_g) / 2).toFixed(4));

function sweepClaims(ix: ArmIndex, group: 'tau' | 'epsilon'): ClaimDef[] {
  const isTau = group === 'tau';
  const values = isTau ? FINDINGS_TAU : FINDINGS_EPSILON;
  const def = isTau ? DEFAULT_TAU : DEFAULT_EPSILON;
  const [lo, hi] = isTau ? GRADCRAFT_FIGURES.tauStable : GRADCRAFT_FIGURES.epsilonStable;
  const arm = isTau ? tauArm : epsilonArm;
  const sym = isTau ? 'τ' : 'ϵ';
  const txt = (v: number): string => (isTau || v === 0 ? String(v) : v.toExponential());
  const source = isTau ? 'GradCraft Figure 2, §4.4.1' : 'GradCraft Figure 3, §4.4.1';
  const paperText = isTau ? GRADCRAFT_FIGURES.tauText : GRADCRAFT_FIGURES.epsilonText;
  const out: ClaimDef[] = [];
  if (!ix.has('gradcraft') || !values.some((v) => v !== def && ix.has(arm(v)))) return out;
  const avg = (r: ExperimentRow): number | null => avRi(r, undefined, rowTasks(ix, r), 'av_g');
  const meanAv = (a: string): number | null => meanOf(perSeed(ix, [a], (rs) => avg(rs[0]!)));
  for (const v of values.filter((x) => x >= lo && x <= hi && x !== def)) {
    if (!ix.has(arm(v))) continue;
    const ma = meanAv(arm(v)), md = meanAv('gradcraft');
    out.push({
      id: `${group}.stable.${txt(v)}`,
      group,
      claim: `${sym} = ${txt(v)} within ±${STABILITY_MARGIN} AV-G of ${sym} = ${txt(def)}`,
      source,
      paper: null,
      paperText,
      unit: 'auc',
      rule: { kind: 'within', margin: STABILITY_MARGIN },
      perSeed: perSeed(ix, [arm(v), 'gradcraft'], (rs) => {
        const a = avg(rs[0]!), b = avg(rs[1]!);
        return a === null || b === null ? null : a - b;
      }),
      compared: ma !== null && md !== null ? `${sym} = ${txt(v)}: ${ma.toFixed(4)}, ${sym} = ${txt(def)}: ${md.toFixed(4)}` : '',
    });
  }
  const large = values.filter((x) => x > hi).map(arm).filter((a) => ix.has(a));
  if (large.length) {
    const d = perSeed(ix, ['gradcraft', ...large], (rs) => {
      const vals = rs.map(avg);
      if (vals.some((x) => x === null)) return null;
      const rest = (vals.slice(1) as number[]).reduce((a, b) => a + b, 0) / (vals.length - 1);
      return (vals[0] as number) - rest;
    });
    const range = `${txt(values.find((x) => x > hi)!)}-${txt(values[values.length - 1]!)}`;
    out.push({
      id: `${group}.large`,
      group,
      claim: `${sym} > ${txt(hi)} (mean AV-G over ${range}) below ${sym} = ${txt(def)}`,
      source,
      paper: null,
      paperText,
      unit: 'auc',
      rule: { kind: 'above', bound: 0 },
      perSeed: d,
      compared: `AV-G at ${sym} = ${txt(def)} minus the mean over ${sym} in ${range}`,
    });
  }
  return out;
}

/** The Figure 4 claims: per seed, the OLS slope over T = 2, 4, 6 of GradCraft's RI (or its gap to the best baseline). */
function tasksClaims(ix: ArmIndex): ClaimDef[] {
  const baselineRow = [...ix.rows(taskArm(FINDINGS_T[0], 'baseline')).values()][0];
  if (!baselineRow || !ix.has('gradcraft') || !ix.has(REFERENCE_ARM)) return [];
  const baseline = T2_ARMS.find((a) => a === baselineRow.method) ?? baselineRow.method;
  const Ts = [...FINDINGS_T, ix.exp.tasks.length];
  const gcArm = (T: number): string => (T === ix.exp.tasks.length ? 'gradcraft' : taskArm(T, 'gradcraft'));
  const blArm = (T: number): string => (T === ix.exp.tasks.length ? baseline : taskArm(T, 'baseline'));
  const arms = [...Ts.map(gcArm), ...Ts.map(blArm), REFERENCE_ARM];
  if (!arms.every((a) => ix.has(a))) return [];
  const out: ClaimDef[] = [];
  for (const which of ['ri_a', 'ri_g'] as Av[]) {
    const ri = (rs: ExperimentRow[], k: number): number | null => avRi(rs[k]!, rs[rs.length - 1], rowTasks(ix, rs[k]!), which);
    const gc = (rs: ExperimentRow[]): Array<number | null> => Ts.map((_, i) => ri(rs, i));
    const gap = (rs: ExperimentRow[]): Array<number | null> => Ts.map((_, i) => {
      const a = ri(rs, i), b = ri(rs, Ts.length + i);
      return a === null || b === null ? null : a - b;
    });
    const slope = (ys: Array<number | null>): number | null => (ys.some((y) => y === null) ? null : olsSlope(Ts, ys as number[]));
    const gaps = Ts.map((_, i) => meanOf(perSeed(ix, arms, (rs) => gap(rs)[i] ?? null)));
    out.push({
      id: `tasks.gap.${which}`,
      group: 'tasks',
      claim: `GradCraft's ${AV_NAME[which]} gap over ${ix.label(baseline)} grows with T`,
      source: 'GradCraft Figure 4, §4.4.2',
      paper: null,
      paperText: GRADCRAFT_FIGURES.tasksText,
      unit: 'pp/task',
      rule: { kind: 'above', bound: 0 },
      perSeed: perSeed(ix, arms, (rs) => slope(gap(rs))),
      compared: `gap at T = ${Ts.join(', ')}: ${gaps.map((g) => (g === null ? 'n/a' : `${signed(g, 3)} pp`)).join(', ')}`,
    });
    out.push({
      id: `tasks.gradcraft.${which}`,
      group: 'tasks',
      claim: `GradCraft's ${AV_NAME[which]} grows with T`,
      source: 'GradCraft Figure 4, §4.4.2',
      paper: null,
      paperText: GRADCRAFT_FIGURES.gcTasksText,
      unit: 'pp/task',
      rule: { kind: 'above', bound: 0 },
      perSeed: perSeed(ix, arms, (rs) => slope(gc(rs))),
      compared: `RI at T = ${Ts.join(', ')}: ${Ts.map((_, i) => meanOf(perSeed(ix, arms, (rs) => gc(rs)[i] ?? null))).map((g) => (g === null ? 'n/a' : `${g.toFixed(3)}%`)).join(', ')}`,
    });
  }
  return out;
}

const qps = (r: ExperimentRow): number | null => r.timing?.samples_per_s ?? null;

function mbQpsClaims(ix: ArmIndex): ClaimDef[] {
  if (!ix.has('ew')) return [];
  const P = MULTIBALANCE_TABLE2_QPS_DROP;
  const drop = (arm: string): Map<number, number> => perSeed(ix, [arm, 'ew'], (rs) => throughputDrop(qps(rs[0]!), qps(rs[1]!)));
  const defs: Array<[string, string, 'above' | 'below', number]> = [
    ['multibalance-rep', 'MultiBalance (rep)', 'below', P.multibalance],
    ['mgda', 'MGDA (param)', 'above', P.mgda],
    ['moco', 'MoCo (param)', 'above', P.moco],
  ];
  return defs.filter(([a]) => ix.has(a)).map(([arm, name, kind, paper]) => {
    const d = drop(arm);
    const m = meanOf(d);
    return {
      id: `mb-qps.${arm}`,
      group: 'mb-qps' as const,
      claim: `${name} throughput drop vs EW ${kind === 'below' ? '<' : '>'} ${P.significant}%`,
      source: 'MultiBalance Table 2, §5.3',
      paper,
      paperText: `${paper}%${arm === 'multibalance-rep' ? '' : ' (interaction module)'}; > ${P.significant}% is significant there`,
      unit: 'pct' as const,
      rule: kind === 'above' ? { kind: 'above' as const, bound: P.significant } : { kind: 'below' as const, bound: P.significant },
      perSeed: d,
      compared: m === null ? '' : `samples/s: ${ix.label(arm)} ${Math.round(meanOf(perSeed(ix, [arm], (rs) => qps(rs[0]!))) ?? 0)}, EW ${Math.round(meanOf(perSeed(ix, ['ew'], (rs) => qps(rs[0]!))) ?? 0)}`,
    };
  });
}

/** Average over tasks of the NE gain (%) of a row over the same seed's EW. */
function neGainAvg(ix: ArmIndex, row: ExperimentRow, ew: ExperimentRow): number | null {
  const tasks = rowTasks(ix, row);
  const g = tasks.map((t) => neGain(metricOf(row.test, t, 'ne'), metricOf(ew.test, t, 'ne')));
  return g.some((x) => x === null) ? null : (g as number[]).reduce((a, b) => a + b, 0) / g.length;
}

function mbNeClaims(ix: ArmIndex): ClaimDef[] {
  const mb = 'multibalance-rep';
  if (!ix.has('ew') || !ix.has(mb)) return [];
  const P = MULTIBALANCE_TABLE3_NE;
  const three = (v: Array<number | null>): string => v.map((x) => (x === null ? 'NEX' : signed(x, 3))).join(' / ');
  const gain = (arm: string): Map<number, number> => perSeed(ix, [arm, 'ew'], (rs) => neGainAvg(ix, rs[0]!, rs[1]!));
  const gMb = gain(mb);
  const out: ClaimDef[] = [
    {
      id: 'mb-ne.multibalance',
      group: 'mb-ne',
      claim: 'MultiBalance (rep) average NE gain over EW > 0',
      source: 'MultiBalance Table 3, §5.4',
      paper: P[mb]![0],
      paperText: `${three(P[mb]!)} % (Feeds A / Feeds B / Ads)`,
      unit: 'pp',
      rule: { kind: 'above', bound: 0 },
      perSeed: gMb,
      compared: meanOf(gMb) === null ? '' : `MultiBalance ${signed(meanOf(gMb)!, 3)}% over EW`,
    },
  ];
  for (const arm of MB_ARMS) {
    if (arm === mb || arm === 'moco' || !ix.has(arm)) continue;
    const gX = gain(arm);
    const d = new Map<number, number>();
    for (const [s, v] of gMb) if (gX.has(s)) d.set(s, v - gX.get(s)!);
    const diff = P[mb]!.map((v, i) => (v === null || P[arm]![i] === null ? null : v - P[arm]![i]!));
    const a = meanOf(gMb), b = meanOf(gX);
    out.push({
      id: `mb-ne.${arm}`,
      group: 'mb-ne',
      claim: `MultiBalance average NE gain ≥ ${ix.label(arm)}`,
      source: 'MultiBalance Table 3, §5.4',
      paper: diff[0] ?? null,
      paperText: `${three(diff)} pp (Feeds A / Feeds B / Ads)`,
      unit: 'pp',
      rule: { kind: 'above', bound: 0 },
      perSeed: d,
      compared: a !== null && b !== null ? `MultiBalance ${signed(a, 3)}%, ${ix.label(arm)} ${signed(b, 3)}%` : '',
    });
  }
  return out;
}

/**
 * Every claim the experiment's rows can test, in the findings table's order; only the groups
 * the experiment asked for (`config.claims`, the `--claims` option), so a Table 3 run's Single
 * and GradCraft do not pose as a Table 2 comparison.
 */
export function findingsClaims(exp: ExperimentJson): ClaimDef[] {
  const ix = new ArmIndex(exp);
  const asked = (exp.config as { claims?: unknown } | undefined)?.claims;
  const all = [...table2Claims(ix), ...table3Claims(ix), ...sweepClaims(ix, 'tau'), ...sweepClaims(ix, 'epsilon'), ...tasksClaims(ix), ...mbQpsClaims(ix), ...mbNeClaims(ix)];
  return Array.isArray(asked) ? all.filter((c) => asked.includes(c.group)) : all;
}
