/**
 * `findings`: every claim of the two papers as a test over seeds (docs/experiments.md
 * "Findings"). One folder trains the union of what the claims need, each configuration once:
 * the default GradCraft run is Table 2's GradCraft, Table 3's full model, tau = 0.1 of
 * Figure 2, epsilon = 1e-10 of Figure 3 and T = 6 of Figure 4; EW and MGDA (param) serve both
 * papers. Each run backs one row whose `param.arm` names it (findings-arms.ts);
 * the report evaluates the claims from those rows (src/report/findings/).
 *
 * A preset rather than a `--findings` flag on the six presets: the claims cut across them
 * (the tau claim needs Table 2's GradCraft, the task-number claim its baselines), a flag would
 * train the shared runs once per preset folder, and one folder resumes as one experiment.
 * `--claims table2,tau` narrows it to some claim groups (fewer runs).
 */
import { ConfigError } from '../train/config.ts';
import type { TrainConfig } from '../train/index.ts';
import {
  CLAIM_GROUPS, epsilonArm, FINDINGS_EPSILON, FINDINGS_T, FINDINGS_TAU, MB_ARMS, REFERENCE_ARM, T2_ARMS, T3_ARMS, taskArm, tauArm, type ClaimGroup,
} from './findings-arms.ts';
import { slug, TABLE2_BASELINES, TABLE2_METHODS, TABLE3_METHODS, variantId, type MethodSpec } from './methods.ts';
import { subsetOf } from './tasks.ts';
import type { PlanContext, PresetDef, RunOutcome, RunSpec } from './types.ts';

interface Arm {
  arm: string;
  spec: MethodSpec;
  config?: Partial<TrainConfig>;
  param?: Record<string, unknown>;
  tasks?: string[];
}

const table2Arm = (method: string): Arm => ({ arm: method, spec: TABLE2_METHODS.find((m) => m.method === method)! });
const table3Arm = (arm: string): Arm => ({ arm, spec: TABLE3_METHODS.find((m) => variantId(m) === arm)! });
const GRADCRAFT = TABLE2_METHODS.find((m) => m.role === 'subject')!;

/** MultiBalance's arms as its preset runs them (src/experiments/multibalance.ts). */
function mbArm(arm: (typeof MB_ARMS)[number], ctx: PlanContext): Arm {
  const rep: Partial<TrainConfig> = { mode: 'rep' };
  const diag = ctx.base.diagnosticsEvery && ctx.base.diagnosticsEvery > 0 ? {} : { diagnosticsEvery: 5 };
  const specs: Record<(typeof MB_ARMS)[number], [MethodSpec, Partial<TrainConfig>]> = {
    moco: [{ method: 'moco', label: 'MoCo' }, { mode: 'param' }],
    'multibalance-rep': [{ method: 'multibalance', label: 'MultiBalance' }, { ...rep, ...diag }],
    'uc-rep': [{ method: 'uc', label: 'UC (rep)' }, rep],
    'pcgrad-rep': [{ method: 'pcgrad', label: 'PCGrad (rep)' }, rep],
    'gradvac-rep': [{ method: 'gradvac', label: 'GradVac (rep)' }, rep],
    'graddrop-rep': [{ method: 'graddrop', label: 'GradDrop' }, rep],
    'dbmtl-median': [{ method: 'dbmtl', label: 'DB-MTL (median)', methodOptions: { target: 'median' } }, { mode: 'param' }],
    'imtl-g-rep': [{ method: 'imtl', label: 'IMTL-G', methodOptions: { variant: 'g' } }, rep],
    'multibalance-noema-rep': [{ method: 'multibalance', label: 'MultiBalance w/o EMA', methodOptions: { gamma: 1 } }, rep],
  };
  const [spec, config] = specs[arm];
  return { arm, spec, config };
}

/** The claim groups asked for (`claims` option: an array or a comma list); all by default. */
export function claimGroups(ctx: PlanContext): ClaimGroup[] {
  const raw = ctx.options.claims;
  if (raw === undefined || raw === null || raw === '') return [...CLAIM_GROUPS];
  const list = (Array.isArray(raw) ? raw : String(raw).split(',')).map((s) => String(s).trim()).filter(Boolean);
  const bad = list.filter((g) => !(CLAIM_GROUPS as readonly string[]).includes(g));
  if (bad.length || list.length === 0) throw new ConfigError(`findings: --claims takes a comma list of ${CLAIM_GROUPS.join(', ')}; got '${bad.join(', ') || String(raw)}'`);
  return CLAIM_GROUPS.filter((g) => list.includes(g));
}

/** The arms of phase 1 (everything but the T = 2, 4 runs, which wait for the baseline selection). */
export function firstArms(ctx: PlanContext): Arm[] {
  const groups = new Set(claimGroups(ctx));
  const want = new Set<string>();
  const add = (...arms: readonly string[]): void => arms.forEach((a) => want.add(a));
  if (groups.has('table2') || groups.has('tasks')) add(...T2_ARMS);
  if (groups.has('table3')) add(REFERENCE_ARM, 'gradcraft', ...T3_ARMS);
  if (groups.has('tau')) add(REFERENCE_ARM, ...FINDINGS_TAU.map(tauArm));
  if (groups.has('epsilon')) add(REFERENCE_ARM, ...FINDINGS_EPSILON.map(epsilonArm));
  if (groups.has('mb-qps')) add('ew', 'mgda', 'moco', 'multibalance-rep');
  if (groups.has('mb-ne')) add('ew', ...MB_ARMS.filter((a) => a !== 'moco'));
  const arms: Arm[] = [];
  // Table 2 order first, then the ablations, the sweeps and MultiBalance's arms.
  for (const a of T2_ARMS) if (want.has(a)) arms.push(table2Arm(a));
  for (const a of T3_ARMS) if (want.has(a)) arms.push(table3Arm(a));
  for (const v of FINDINGS_TAU) {
    if (want.has(tauArm(v)) && tauArm(v) !== 'gradcraft') arms.push({ arm: tauArm(v), spec: { ...GRADCRAFT, methodOptions: { tau: v } }, param: { tau: v } });
  }
  for (const v of FINDINGS_EPSILON) {
    if (want.has(epsilonArm(v)) && epsilonArm(v) !== 'gradcraft') arms.push({ arm: epsilonArm(v), spec: { ...GRADCRAFT, methodOptions: { epsilon: v } }, param: { epsilon: v } });
  }
  for (const a of MB_ARMS) if (want.has(a)) arms.push(mbArm(a, ctx));
  return arms;
}

function runsOf(a: Arm, seeds: number[]): RunSpec[] {
  const row = { method: variantId(a.spec), label: a.spec.label, param: { arm: a.arm, ...a.param }, ...(a.tasks ? { tasks: a.tasks } : {}) };
  return seeds.map((seed) => ({
    id: `${slug(a.arm)}-s${seed}`,
    config: { method: a.spec.method, methodOptions: { ...(a.spec.methodOptions ?? {}) }, ...(a.spec.mode ? { mode: a.spec.mode } : {}), ...a.config, ...(a.tasks ? { tasks: a.tasks } : {}), seed },
    rows: [row],
  }));
}

interface Selection {
  best: MethodSpec;
  scores: { method: string; label: string; valid_mean_auc: number | null }[];
}

/** Figure 4's "best baseline": the highest mean validation AUC over seeds among Table 2's other methods (or `baseline`). */
export function selectBaseline(ctx: PlanContext, done: RunOutcome[]): Selection {
  const fixed = ctx.options.baseline;
  const pool = TABLE2_BASELINES;
  if (typeof fixed === 'string' && fixed !== '') {
    const m = pool.find((x) => x.method === fixed);
    if (!m) throw new ConfigError(`findings: --baseline must be one of ${pool.map((x) => x.method).join(', ')}, got '${fixed}'`);
    return { best: m, scores: [] };
  }
  const scores = pool.map((m) => {
    const vals = done
      .filter((o) => o.result && o.spec.rows.some((r) => (r.param as { arm?: string } | null)?.arm === m.method))
      .map((o) => o.result!.valid.mean_auc)
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return { method: m.method, label: m.label, valid_mean_auc: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null };
  });
  let best = scores[0]!;
  for (const s of scores) if ((s.valid_mean_auc ?? -Infinity) > (best.valid_mean_auc ?? -Infinity)) best = s;
  return { best: pool.find((m) => m.method === best.method)!, scores };
}

function taskArms(ctx: PlanContext, done: RunOutcome[]): Arm[] {
  if (!claimGroups(ctx).includes('tasks')) return [];
  const { best } = selectBaseline(ctx, done);
  return FINDINGS_T.flatMap((T) => {
    const tasks = subsetOf(ctx, T);
    return [
      { arm: taskArm(T, 'gradcraft'), spec: GRADCRAFT, param: { T }, tasks },
      { arm: taskArm(T, 'baseline'), spec: best, param: { T }, tasks },
    ];
  });
}

export const findings: PresetDef = {
  name: 'findings',
  title: 'Findings: each claim of GradCraft and MultiBalance as a test over seeds, with 95% intervals and verdicts',
  description:
    'Trains the union of table2, table3, tau, epsilon, tasks and the MultiBalance Table 2-3 runs (each configuration once) and ' +
    'tests every claim: GradCraft >= each Table 2 method (AV-A, AV-G, RI-A, RI-G), each Table 3 ablation below GradCraft, the tau and ' +
    'epsilon stability ranges, the gap over the best baseline growing with T, MultiBalance\'s throughput cost and NE gains. ' +
    'Table: claim, paper number, ours as mean [95% t interval] of the per-seed paired statistic, verdict; then the presets\' tables. ' +
    '--claims <groups> narrows it; --seeds 2 or more for intervals.',
  runTime: { quick: 'about 14 min per seed on 2 cores (--workers 2; measured: 41 min for --seeds 3)', full: 'about 30 min per seed on 2 cores (--workers 2), estimated from the measured presets (--reuse takes their runs)' },
  phases: [(ctx) => firstArms(ctx).flatMap((a) => runsOf(a, ctx.seeds)), (ctx, done) => taskArms(ctx, done).flatMap((a) => runsOf(a, ctx.seeds))],
  summarize(ctx, done) {
    const groups = claimGroups(ctx);
    if (!groups.includes('tasks')) return { claims: groups };
    const s = selectBaseline(ctx, done);
    return { claims: groups, baseline: s.best.method, baseline_selection: { on: 'mean validation AUC of the Table 2 runs (T = 6), mean over seeds', scores: s.scores } };
  },
};
