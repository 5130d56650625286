/**
 * The run folder's records that are plain data built from plain data, with no file in sight,
 * so that the trainer (run-folder.ts, run-log.ts) and the browser (the playground's Worker,
 * through src/core.ts) write the same lines from one definition. Nothing here may import Node:
 * test/platform/bundle.test.ts bundles it for a browser.
 */
import type { Diagnostics } from '../mtl/diagnostics.ts';

/** One diagnostics.jsonl record from a step's Diagnostics (fields: run-folder-contract.ts). */
export function diagnosticsRecord(step: number, epoch: number, losses: ArrayLike<number>, d: Diagnostics): Record<string, unknown> {
  return {
    step,
    epoch,
    norms_before: d.normsBefore,
    norms_after: d.normsAfter ?? [],
    cosine: d.cosine,
    conflicts: d.conflictPairs.length,
    residual_conflicts: d.residualConflicts.pairs.length,
    weights: d.weights,
    task_weights: d.taskWeights,
    loss_weights: d.lossWeights,
    losses: Array.from(losses),
    conflict_pairs: d.conflictPairs,
    conflict_sets: d.conflictSets,
    tasks_against_update: d.residualConflicts.tasksAgainstUpdate,
    alignment: d.alignment,
    norm_update: d.normUpdate,
    notes: d.notes,
  };
}
