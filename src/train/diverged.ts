/**
 * The NaN / Inf guard's stop: the step's NonFiniteError becomes a TrainingDivergedError that
 * says where (step, epoch, task), the last finite losses and the last good checkpoint, and
 * failed.json records the same for scripts.
 */
import { join } from 'node:path';
import { writeJsonAtomic } from '../platform/atomic-write.ts';
import type { NonFiniteError } from '../step/index.ts';
import { statePath } from './checkpoint.ts';

export class TrainingDivergedError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly epoch: number,
    readonly task: string | null,
    readonly lastFiniteLosses: Record<string, number> | null,
    readonly checkpoint: string | null,
  ) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

export interface DivergedAt {
  /** 1-based epoch the step belongs to. */
  epoch: number;
  tasks: readonly string[];
  /** The last step's finite losses (null at the first step). */
  lastLosses: number[] | null;
  runDir: string;
  /** The epoch of the last checkpoint written (0: none). */
  goodEpoch: number;
}

/** Writes failed.json and returns the error to throw. */
export function divergedError(err: NonFiniteError, at: DivergedAt): TrainingDivergedError {
  const { epoch, tasks, lastLosses: last, runDir, goodEpoch } = at;
  const task = err.task !== null ? tasks[err.task] ?? String(err.task) : null;
  const lastFinite = last ? Object.fromEntries(tasks.map((t, k) => [t, last[k]!])) : null;
  const ckpt = goodEpoch > 0 ? statePath(runDir) : null;
  const lastStr = lastFinite ? Object.entries(lastFinite).map(([t, v]) => `${t}=${v.toPrecision(6)}`).join(', ') : 'none (first step)';
  const msg =
    `training diverged at step ${err.step} (epoch ${epoch})${task !== null ? `, task '${task}'` : ''}: ${err.message}. ` +
    `Last finite losses: ${lastStr}. ` +
    (ckpt ? `The last good checkpoint (epoch ${goodEpoch}) is kept in ${ckpt}; ` : 'No checkpoint was written yet; ') +
    'lower the learning rate or check the data, then start again.';
  writeJsonAtomic(join(runDir, 'failed.json'), {
    error: 'non-finite', step: err.step, epoch, task, where: err.where, message: err.message, last_finite_losses: lastFinite,
    last_good_checkpoint: ckpt, last_good_epoch: goodEpoch || null,
  });
  return new TrainingDivergedError(msg, err.step, epoch, task, lastFinite, ckpt);
}
