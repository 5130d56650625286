/**
 * Best-trial selection on validation, as the GradCraft paper's protocol does: among finished trials,
 * the one with the highest (or lowest) value of `select.metric` in its result JSON (by default
 * `valid.mean_auc`, the mean of the tasks' validation AUC). Ties go to the earlier trial in the
 * sweep's order. The test metrics are only reported, never looked at to choose.
 */
import { getPath, type JsonObject } from './fields.ts';
import type { TrialRecord } from './results.ts';
import type { SelectSpec, Trial } from './spec.ts';

export interface BestTrial {
  trial: string;
  metric: string;
  mode: 'max' | 'min';
  value: number;
  config: JsonObject;
  /** `result.test` from the runner (per task auc / gauc / ne, av_a, av_g), if present. */
  test: unknown;
  /** `result.valid`, if present. */
  valid: unknown;
  /** How many finished trials were compared, and the ids of those lacking a finite metric. */
  compared: number;
  missingMetric: string[];
}

export function selectBest(trials: Trial[], records: (id: string) => TrialRecord | undefined, select: SelectSpec): BestTrial | undefined {
  let best: { t: Trial; rec: TrialRecord; value: number } | undefined;
  let compared = 0;
  const missing: string[] = [];
  for (const t of trials) {
    const rec = records(t.id);
    if (!rec || rec.status !== 'ok') continue;
    const v = getPath(rec.result, select.metric);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      missing.push(t.id);
      continue;
    }
    compared++;
    const better = !best || (select.mode === 'max' ? v > best.value : v < best.value);
    if (better) best = { t, rec, value: v };
  }
  if (!best) return undefined;
  return {
    trial: best.t.id,
    metric: select.metric,
    mode: select.mode,
    value: best.value,
    config: best.t.config,
    test: getPath(best.rec.result, 'test'),
    valid: getPath(best.rec.result, 'valid'),
    compared,
    missingMetric: missing,
  };
}
