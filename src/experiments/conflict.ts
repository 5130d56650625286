/**
 * `conflict`: where does balancing pay? The premise of both papers is that gradient balancing
 * helps where tasks conflict. This preset turns the synthetic world's conflict dial (the
 * context correlation rho, src/data/synthetic-dial.ts) over a few values, trains EW and a few
 * balancers on each, measures the conflict the EW runs actually met (share of negative
 * task-pair cosines at the shared parameters, from their diagnostics) and reports each
 * method's gain over EW against that measured share (report/conflict.ts).
 *
 * The dial's other settings are fixed (CONFLICT_DIAL, train/conflict-curve.ts): 95% of each
 * task's score variance from the context and balanced positive rates (sparsity 0), so that the
 * correlation of the residuals, and with it the measured conflict, follows rho closely
 * (docs/data.md, "Dials"). `--set data.context=...` and the other data overrides still apply
 * on top.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conflictOf, type ConflictRecord } from '../train/conflict.ts';
import { CONFLICT_DIAL, RHO_VALUES as DIAL_RHO_VALUES } from '../train/conflict-curve.ts';
import type { ExperimentRow } from './folder-contract.ts';
import { methodRuns, TABLE2_METHODS, type MethodSpec } from './methods.ts';
import { outcomeRow } from './rows.ts';
import type { PlanContext, PresetDef, RunOutcome, RunSpec } from './types.ts';

/** The dial's values (the curve `mtlkit data conflict` measures). */
export const RHO_VALUES: readonly number[] = DIAL_RHO_VALUES;
/** The dial's fixed settings (see the doc comment). */
export const CONFLICT_DATA = CONFLICT_DIAL;
/** EW (the reference) and the balancers compared with it. */
export const CONFLICT_METHODS: MethodSpec[] = ['ew', 'gradcraft', 'pcgrad', 'mgda', 'cagrad', 'dbmtl'].map((id) => TABLE2_METHODS.find((m) => m.method === id)!);

function runs(ctx: PlanContext): RunSpec[] {
  return RHO_VALUES.flatMap((rho) =>
    CONFLICT_METHODS.flatMap((m) =>
      methodRuns(m, ctx.seeds, {
        prefix: `rho${rho}-`,
        // Toy runs are one epoch of 960 training rows: batches of 30 give the EW diagnostics 32
        // steps, enough for the towers to align and the dial's ends to tell apart.
        config: { data: { kind: 'synthetic', ...CONFLICT_DATA, contextCorrelation: rho }, ...(ctx.size === 'toy' ? { batchSize: 30 } : {}) },
        row: { param: { rho } },
      }),
    ),
  );
}

function diagnosticsOf(o: RunOutcome): ConflictRecord[] {
  const file = o.result ? join(o.result.run_dir, 'diagnostics.jsonl') : null;
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try {
      return [JSON.parse(l) as ConflictRecord];
    } catch {
      return []; // a torn last line of an interrupted run
    }
  });
}

/** Measured conflict per rho: the mean over the EW runs' seeds of their share of negative cosines. */
export function measuredConflict(done: RunOutcome[]): Map<number, { share: number; normRatio: number; seeds: number }> {
  const out = new Map<number, { share: number; normRatio: number; seeds: number }>();
  for (const rho of RHO_VALUES) {
    const ms = done
      .filter((o) => o.spec.config.method === 'ew' && o.spec.id.startsWith(`rho${rho}-`))
      .map(diagnosticsOf)
      .filter((d) => d.some((r) => Array.isArray(r.cosine) && r.cosine.length > 1))
      .map((d) => conflictOf(d));
    if (ms.length) {
      out.set(rho, {
        share: ms.reduce((a, m) => a + m.negativeShare, 0) / ms.length,
        normRatio: ms.reduce((a, m) => a + m.normRatio, 0) / ms.length,
        seeds: ms.length,
      });
    }
  }
  return out;
}

export const conflict: PresetDef = {
  name: 'conflict',
  title: `Gain over EW against measured gradient conflict (the data's conflict dial rho = ${RHO_VALUES.join(', ')})`,
  description:
    `On synthetic data with the conflict dial at rho = ${RHO_VALUES.join(', ')} (context ${CONFLICT_DATA.context}, balanced rates), trains EW, GradCraft, PCGrad, ` +
    'MGDA, CAGrad and DB-MTL; measures each setting\'s conflict in its EW runs (share of negative task-pair cosines at the shared ' +
    'parameters) and reports RI-A over EW per method against it (table and conflict.svg).',
  runTime: { quick: 'about 2 min per seed on 2 cores (--workers 2; measured: 363 s for 3 seeds)', full: 'about 12 min per seed on 2 cores (--workers 2; measured: 11.6 min for 1 seed, 22.3 min for 2 more)' },
  phases: [runs],
  summarize(_ctx, done) {
    const m = measuredConflict(done);
    return {
      dial: { ...CONFLICT_DATA, rho: RHO_VALUES },
      measured: Object.fromEntries([...m].map(([rho, v]) => [String(rho), { negative_share: v.share, norm_ratio: v.normRatio, ew_runs: v.seeds }])),
    };
  },
  rows(_ctx, done) {
    const m = measuredConflict(done);
    const out: ExperimentRow[] = [];
    for (const o of done) {
      for (const r of o.spec.rows) {
        const rho = r.param?.rho as number;
        const share = m.get(rho)?.share;
        out.push(outcomeRow(o, { ...r, param: { rho, ...(share !== undefined ? { conflict: share } : {}) } }));
      }
    }
    return out;
  },
};
