/**
 * Per-epoch training checkpoints, for `--resume`: a resumed run ends with bit-identical numbers
 * to an uninterrupted one. Two files in `<run>/checkpoint/`, each written atomically (temp file,
 * fsync, rename: src/nn/io.ts):
 *
 *   state.ckpt  parameters + optimizer buffers and step count, and in its header's meta the
 *               `TrainState` below: epochs done, global step, the Batcher's state (next epoch's
 *               shuffle), the balancer's state (EMAs, learnable weights, histories), every
 *               dropout layer's rng, early-stopping state, timing and the last finite losses.
 *   best.ckpt   parameters of the best epoch so far (what early stopping restores).
 *
 * best.ckpt is written before state.ckpt. A crash between the two leaves a best.ckpt one epoch
 * ahead of state.ckpt; resuming redoes that epoch, which (being deterministic) writes the same
 * best.ckpt again. The balancers' own random streams are forks of (seed, step), never advanced,
 * so they need no saving.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BatcherState } from '../data/batcher.ts';
import type { BalancerState } from '../mtl/balancer.ts';
import { loadCheckpoint, readCheckpointHeader, saveCheckpoint } from '../nn/io.ts';
import { Dropout } from '../nn/layers/dropout.ts';
import { Module } from '../nn/module.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import type { ParameterStore } from '../nn/store.ts';

export interface EarlyStopState {
  /** Best monitored score (mean validation AUC); null before the first epoch. */
  bestScore: number | null;
  /** 1-based epoch of the best score (0 before the first epoch). */
  bestEpoch: number;
  /** Epochs since the last improvement. */
  badEpochs: number;
  /** Whether patience ran out. */
  stopped: boolean;
}

export interface TrainState {
  version: 1;
  /** Epochs completed (1-based count). */
  epoch: number;
  /** Training steps done (the next step's index). */
  step: number;
  batcher: BatcherState;
  balancer: BalancerState;
  dropout: Record<string, number[]>;
  early: EarlyStopState;
  timing: { trainSeconds: number; evalSeconds: number; samples: number; plainSeconds: number; plainSamples: number };
  lastLosses: number[] | null;
}

export const checkpointDir = (runDir: string): string => join(runDir, 'checkpoint');
export const statePath = (runDir: string): string => join(checkpointDir(runDir), 'state.ckpt');
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

export function setDropoutStates(model: MultiTaskModel, states: Record<string, number[]>): void {
  for (const d of dropoutLayers(model)) {
    const st = states[d.name];
    if (!st) throw new Error(`resume: the checkpoint has no rng state for dropout layer '${d.name}' (a different model config?)`);
    d.rng.setState(st);
  }
}

export function saveBest(runDir: string, store: ParameterStore, epoch: number): void {
  mkdirSync(checkpointDir(runDir), { recursive: true });
  saveCheckpoint(bestPath(runDir), store, null, { bestEpoch: epoch });
}

export function saveState(runDir: string, store: ParameterStore, optimizer: Optimizer, state: TrainState): void {
  mkdirSync(checkpointDir(runDir), { recursive: true });
  saveCheckpoint(statePath(runDir), store, optimizer, { train: state });
}

export function hasState(runDir: string): boolean {
  return existsSync(statePath(runDir));
}

/**
 * Loads best.ckpt's parameters into `best` (the store's values are used as the landing buffer
 * and then overwritten), then state.ckpt into the store and optimizer; returns the TrainState.
 */
export function loadState(runDir: string, store: ParameterStore, optimizer: Optimizer, best: Float32Array | Float64Array): TrainState {
  const sp = statePath(runDir);
  if (!existsSync(sp)) throw new Error(`resume: ${runDir} has no checkpoint/state.ckpt (was the run started with checkpoint: false, or did it fail before its first epoch ended?)`);
  const header = readCheckpointHeader(sp);
  const st = (header.meta as { train?: TrainState }).train;
  if (!st || st.version !== 1) throw new Error(`resume: ${sp} holds no mtlkit training state (meta.train v1)`);
  if (st.epoch > 0 && existsSync(bestPath(runDir))) {
    loadCheckpoint(bestPath(runDir), store);
    best.set(store.values);
  }
  loadCheckpoint(sp, store, optimizer);
  if (st.epoch === 0 || !existsSync(bestPath(runDir))) best.set(store.values);
  return st;
}
