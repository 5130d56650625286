/**
 * Per-epoch training checkpoints, for `--resume`: a resumed run ends with bit-identical numbers
 * to an uninterrupted one. Files in `<run>/checkpoint/`, each written to a temporary file,
 * fsynced, read back and verified (every CRC, src/nn/io.ts), then renamed into place:
 *
 *   state.ckpt       parameters + optimizer buffers and step count, and in its header's meta the
 *                    TrainState (train-state.ts): epochs done, global step, the Batcher's state
 *                    (next epoch's shuffle), the balancer's state, every dropout layer's rng,
 *                    early-stopping state, timing and the last finite losses.
 *   state.prev.ckpt  the state.ckpt before the latest one, kept (a hard link) when the new one
 *                    replaces it: if state.ckpt is damaged later, `--use-previous-checkpoint`
 *                    resumes from here and trains that one epoch again.
 *   best.ckpt        parameters of the best epoch so far (what early stopping restores).
 *
 * state.ckpt is written before best.ckpt. A crash between the two leaves a state whose best
 * epoch is its own epoch, and then the best weights are the state's own parameters: best.ckpt
 * is read only when the best epoch is an earlier one, and it must then say that epoch. The
 * balancers' own random streams are forks of (seed, step), never advanced, so they need no saving.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, loadCheckpoint, readCheckpointHeader, saveCheckpoint, verifyCheckpoint } from '../nn/io.ts';
import { Dropout } from '../nn/layers/dropout.ts';
import { Module } from '../nn/module.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import type { ParameterStore } from '../nn/store.ts';
import { resumeCommand } from './resume-command.ts';
import { ResumeError } from './resume-errors.ts';
import { checkTrainState, type TrainState } from './train-state.ts';

export type { EarlyStopState, TrainState } from './train-state.ts';

export const checkpointDir = (runDir: string): string => join(runDir, 'checkpoint');
export const statePath = (runDir: string): string => join(checkpointDir(runDir), 'state.ckpt');
export const previousStatePath = (runDir: string): string => join(checkpointDir(runDir), 'state.prev.ckpt');
export const damagedStatePath = (runDir: string): string => join(checkpointDir(runDir), 'state.damaged.ckpt');
export const bestPath = (runDir: string): string => join(checkpointDir(runDir), 'best.ckpt');

/** Every Dropout layer of a model, by name (their rng streams are part of the state). */
export function dropoutLayers(model: MultiTaskModel): Dropout[] {
  const out: Dropout[] = [];
  const walk = (m: Module): void => {
    if (m instanceof Dropout) out.push(m);
    for (const k of m.children()) walk(k);
  };
  if (model instanceof Module) walk(model);
  return out;
}

export function dropoutStates(model: MultiTaskModel): Record<string, number[]> {
  const s: Record<string, number[]> = {};
  for (const d of dropoutLayers(model)) s[d.name] = d.rng.getState();
  return s;
}

export function setDropoutStates(model: MultiTaskModel, states: Record<string, number[]>, file: string): void {
  for (const d of dropoutLayers(model)) {
    const st = states[d.name];
    if (!st) throw new CheckpointError(file, 'header', 'mismatch', `meta.train.dropout has no rng state for dropout layer '${d.name}'`, 'resume with the model config the run was started with');
    d.rng.setState(st);
  }
}

export function saveBest(runDir: string, store: ParameterStore, epoch: number): void {
  mkdirSync(checkpointDir(runDir), { recursive: true });
  saveCheckpoint(bestPath(runDir), store, null, { bestEpoch: epoch });
}

export function saveState(runDir: string, store: ParameterStore, optimizer: Optimizer, state: TrainState): void {
  mkdirSync(checkpointDir(runDir), { recursive: true });
  saveCheckpoint(statePath(runDir), store, optimizer, { train: state }, { previous: previousStatePath(runDir) });
}

export function hasState(runDir: string): boolean {
  return existsSync(statePath(runDir)) || existsSync(previousStatePath(runDir));
}

/** The epoch of an intact state.prev.ckpt, or null (missing, or damaged too). */
function intactPreviousEpoch(runDir: string): number | null {
  try {
    const h = verifyCheckpoint(previousStatePath(runDir));
    return checkTrainState(h.meta, previousStatePath(runDir)).epoch;
  } catch {
    return null;
  }
}

/** The fix for an unusable state.ckpt: the previous one when it is intact, else a fresh start. */
function stateFix(runDir: string, usingPrevious: boolean): string {
  const prev = usingPrevious ? null : intactPreviousEpoch(runDir);
  if (prev !== null) {
    return `checkpoint/state.prev.ckpt (epoch ${prev}) is intact: resume from it (epoch ${prev + 1} is trained again, same result) with ` +
      resumeCommand(runDir, { flags: ['--use-previous-checkpoint'] });
  }
  return 'no earlier checkpoint of this run is intact: start the run again without --resume (another --out)';
}

export interface LoadedState {
  state: TrainState;
  /**
   * best.ckpt holds an epoch after the state's (only after --use-previous-checkpoint): the
   * epochs trained again rewrite it, bit for bit on the same backend.
   */
  bestAhead: boolean;
}

/**
 * Loads state.ckpt (or, with `usePrevious`, state.prev.ckpt, which then becomes state.ckpt and
 * the damaged file state.damaged.ckpt) into the store and optimizer, and the best epoch's
 * parameters into `best`. Every refusal names the file, the section and the way on.
 */
export function loadState(
  runDir: string, store: ParameterStore, optimizer: Optimizer, best: Float32Array | Float64Array, opts: { usePrevious?: boolean } = {},
): LoadedState {
  const file = opts.usePrevious ? previousStatePath(runDir) : statePath(runDir);
  if (!existsSync(file)) {
    if (opts.usePrevious) {
      throw new ResumeError(runDir, 'no-previous', 'checkpoint/state.prev.ckpt does not exist (it is kept from the second epoch on)', 'resume without --use-previous-checkpoint');
    }
    throw new ResumeError(runDir, 'no-checkpoint', 'checkpoint/state.ckpt does not exist', stateFix(runDir, false));
  }
  let st: TrainState;
  let bestAhead = false;
  try {
    st = checkTrainState(readCheckpointHeader(file).meta, file);
    const b = st.early.bestEpoch;
    if (b > 0 && b < st.epoch) bestAhead = loadBest(runDir, store, best, b, st.epoch);
    loadCheckpoint(file, store, optimizer);
    if (b === 0 || b === st.epoch || bestAhead) best.set(store.values);
  } catch (e) {
    if (e instanceof CheckpointError && e.file === file && e.fault !== 'mismatch') throw e.withFix(stateFix(runDir, !!opts.usePrevious));
    throw e;
  }
  if (opts.usePrevious) promotePrevious(runDir);
  return { state: st, bestAhead };
}

/** best.ckpt into `best` when it holds epoch `want`; true when it holds a later one than `stateEpoch`. */
function loadBest(runDir: string, store: ParameterStore, best: Float32Array | Float64Array, want: number, stateEpoch: number): boolean {
  const file = bestPath(runDir);
  const restart = 'the best weights are lost: start the run again without --resume (another --out)';
  if (!existsSync(file)) throw new ResumeError(runDir, 'inconsistent', `checkpoint/best.ckpt is missing; the state needs the best weights of epoch ${want}`, restart);
  try {
    const got = readCheckpointHeader(file).meta.bestEpoch;
    if (typeof got === 'number' && got > stateEpoch) return true;
    if (got !== want) throw new ResumeError(runDir, 'inconsistent', `checkpoint/best.ckpt holds epoch ${JSON.stringify(got)}, the state's best epoch is ${want}`, restart);
    loadCheckpoint(file, store);
  } catch (e) {
    if (e instanceof CheckpointError && e.fault !== 'mismatch') throw e.withFix(restart);
    throw e;
  }
  best.set(store.values);
  return false;
}

/** state.prev.ckpt becomes state.ckpt, so the next save keeps a good previous file. */
function promotePrevious(runDir: string): void {
  const cur = statePath(runDir), prev = previousStatePath(runDir);
  if (existsSync(cur)) renameSync(cur, damagedStatePath(runDir));
  try {
    linkSync(prev, cur);
  } catch {
    copyFileSync(prev, cur);
  }
}
