/**
 * `tasks`: GradCraft's Figure 4, the effect of the number of tasks. T = 2 {EV, Like},
 * T = 4 {EV, LV, Like, Follow}, T = 6 (all), as in section 4.4.2 (equal numbers of viewing
 * and engagement labels). GradCraft against the best baseline, RI-A and RI-G against Single.
 *
 * "The best baseline" is chosen the way the paper's protocol chooses anything: on validation.
 * Phase 1 trains Single, GradCraft and every other Table 2 method at T = 6 (a table2-like run)
 * and picks the baseline with the highest mean validation AUC (mean over seeds); phase 2 trains
 * GradCraft and that baseline on the T = 2 and T = 4 subsets. `baseline: <id>` (CLI
 * `--baseline`) skips the selection and trains only that baseline.
 */
import { ConfigError } from '../train/config.ts';
import type { ExperimentRow } from './folder-contract.ts';
import { methodRuns, REFERENCE_METHOD, TABLE2_BASELINES, TABLE2_METHODS, type MethodSpec } from './methods.ts';
import { outcomeRow } from './rows.ts';
import type { PlanContext, PresetDef, RunOutcome } from './types.ts';

/** The paper's subsets, by task name (matched case-insensitively against the data's tasks). */
export const TASK_SUBSETS: Record<number, string[]> = {
  2: ['EV', 'Like'],
  4: ['EV', 'LV', 'Like', 'Follow'],
};

/** The data's names of a paper subset; an error naming the missing tasks otherwise. */
export function subsetOf(ctx: PlanContext, T: number): string[] {
  const want = TASK_SUBSETS[T]!;
  const found = want.map((w) => ctx.tasks.find((t) => t.toLowerCase() === w.toLowerCase()));
  const missing = want.filter((_, i) => found[i] === undefined);
  if (missing.length) {
    throw new ConfigError(`tasks preset: the data has no task ${missing.join(', ')} (its tasks: ${ctx.tasks.join(', ')}); it needs the paper's EV, LV, Like, Follow (the synthetic data has them)`);
  }
  return found as string[];
}

const GRADCRAFT: MethodSpec = TABLE2_METHODS.find((m) => m.role === 'subject')!;

function candidates(ctx: PlanContext): MethodSpec[] {
  const b = ctx.options.baseline;
  if (typeof b === 'string' && b !== '') {
    const m = TABLE2_BASELINES.find((x) => x.method === b);
    if (!m) throw new ConfigError(`tasks preset: --baseline must be one of ${TABLE2_BASELINES.map((x) => x.method).join(', ')}, got '${b}'`);
    return [m];
  }
  return TABLE2_BASELINES;
}

interface Selection {
  best: MethodSpec;
  scores: { method: string; label: string; valid_mean_auc: number | null }[];
}

function select(ctx: PlanContext, done: RunOutcome[]): Selection {
  const scores = candidates(ctx).map((m) => {
    const vals = done
      .filter((o) => o.spec.id.startsWith('T6-') && o.spec.config.method === m.method && o.result)
      .map((o) => o.result!.valid.mean_auc)
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return { method: m.method, label: m.label, valid_mean_auc: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null };
  });
  let best = scores[0]!;
  for (const s of scores) if ((s.valid_mean_auc ?? -Infinity) > (best.valid_mean_auc ?? -Infinity)) best = s;
  return { best: TABLE2_METHODS.find((m) => m.method === best.method)!, scores };
}

export const tasks: PresetDef = {
  name: 'tasks',
  title: 'GradCraft Figure 4: GradCraft vs the best baseline at T = 2, 4, 6 tasks (RI-A, RI-G)',
  description:
    'Phase 1: Single, GradCraft and the other 10 Table 2 methods at T = 6; the best baseline on mean validation AUC is ' +
    'selected (or --baseline <id>). Phase 2: GradCraft and that baseline on T = 2 {EV, Like} and T = 4 {EV, LV, Like, Follow}. ' +
    'Table: RI-A and RI-G per T; plot tasks.svg.',
  runTime: { quick: 'about 4 min on 2 cores (--workers 2)', full: 'about 9 min per seed on 2 cores (--workers 2; measured: 24.4 min for --seeds 3 of T = 6 runs (table2) and 3.7 min for T = 2 and 4)' },
  phases: [
    (ctx) => [
      ...methodRuns(TABLE2_METHODS.find((m) => m.method === REFERENCE_METHOD)!, ctx.seeds),
      ...methodRuns(GRADCRAFT, ctx.seeds, { prefix: 'T6-', row: { param: { T: ctx.tasks.length }, tasks: ctx.tasks } }),
      ...candidates(ctx).flatMap((m) => methodRuns(m, ctx.seeds, { prefix: 'T6-', rows: false })),
    ],
    (ctx, done) => {
      const { best } = select(ctx, done);
      return [2, 4].flatMap((T) => {
        const subset = subsetOf(ctx, T);
        return [GRADCRAFT, best].flatMap((m) => methodRuns(m, ctx.seeds, { prefix: `T${T}-`, config: { tasks: subset }, row: { param: { T }, tasks: subset } }));
      });
    },
  ],
  summarize(ctx, done) {
    const s = select(ctx, done);
    return { baseline: s.best.method, baseline_selection: { on: 'mean validation AUC at T = 6, mean over seeds', scores: s.scores }, subsets: { 2: subsetOf(ctx, 2), 4: subsetOf(ctx, 4), 6: ctx.tasks } };
  },
  rows(ctx, done) {
    const { best } = select(ctx, done);
    const out: ExperimentRow[] = [];
    for (const o of done) {
      if (o.spec.rows.length) out.push(...o.spec.rows.map((r) => outcomeRow(o, r)));
      else if (o.spec.config.method === best.method) out.push(outcomeRow(o, { method: best.method, label: best.label, param: { T: ctx.tasks.length }, tasks: ctx.tasks }));
    }
    return out;
  },
};
