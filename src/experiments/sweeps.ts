/**
 * `tau` and `epsilon`: GradCraft's Figures 2 and 3, the sensitivity of GradCraft to its two
 * hyper-parameters: tau in 0, 0.1, ..., 1 (epsilon at its default 1e-10) and epsilon in
 * {0, 1e-12, ..., 1e-7} (tau at its default 0.1). Single is trained too, as the RI reference.
 * The report draws AV-G and RI-G against the value (sweep.svg; log axis for epsilon).
 */
import { methodRuns, TABLE2_METHODS } from './methods.ts';
import type { PlanContext, PresetDef, RunSpec } from './types.ts';

/** 0, 0.1, ..., 1 without binary noise. */
export const TAU_VALUES: number[] = Array.from({ length: 11 }, (_, k) => k / 10);
export const EPSILON_VALUES: number[] = [0, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7];

function sweepRuns(ctx: PlanContext, name: 'tau' | 'epsilon', values: number[]): RunSpec[] {
  const single = methodRuns(TABLE2_METHODS[0]!, ctx.seeds);
  const runs = values.flatMap((v) =>
    methodRuns({ method: 'gradcraft', label: 'GradCraft', methodOptions: { [name]: v } }, ctx.seeds, {
      idPart: `gradcraft-${name}${v}`,
      row: { param: { [name]: v } },
    }),
  );
  return [...single, ...runs];
}

export const tau: PresetDef = {
  name: 'tau',
  title: 'GradCraft Figure 2: sensitivity to tau in 0..1 (step 0.1), AV-A / RI-A / AV-G / RI-G',
  description: 'Trains Single and GradCraft with tau = 0, 0.1, ..., 1 (epsilon 1e-10); table per value and sweep.svg (AV-G and RI-G against tau).',
  runTime: { quick: 'about 3 min on 2 cores (--workers 2)', full: 'about 7 min per seed on 2 cores (--workers 2; measured: 19.4 min for --seeds 3)' },
  phases: [(ctx) => sweepRuns(ctx, 'tau', TAU_VALUES)],
};

export const epsilon: PresetDef = {
  name: 'epsilon',
  title: 'GradCraft Figure 3: sensitivity to epsilon in {0, 1e-12, ..., 1e-7}, AV-A / RI-A / AV-G / RI-G',
  description: 'Trains Single and GradCraft with epsilon = 0, 1e-12, ..., 1e-7 (tau 0.1); table per value and sweep.svg (log x axis, 0 drawn left of a break).',
  runTime: { quick: 'about 2 min on 2 cores (--workers 2)', full: 'about 5 min per seed on 2 cores (--workers 2; measured: 13.2 min for --seeds 3)' },
  phases: [(ctx) => sweepRuns(ctx, 'epsilon', EPSILON_VALUES)],
};
