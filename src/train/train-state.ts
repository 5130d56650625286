/**
 * The training state a checkpoint carries besides the parameters and optimizer buffers (in
 * state.ckpt's header, meta.train), and its check: the header's CRC guards against damage, this
 * against a file written wrong, so a bad field is a CheckpointError naming it, not a TypeError
 * somewhere in the Batcher or a balancer.
 */
import type { BatcherState } from '../data/batcher.ts';
import type { BalancerState } from '../mtl/balancer.ts';
import { CheckpointError } from '../nn/io.ts';
import { isFiniteNumber, isPlainObject } from './json-checks.ts';

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

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** `meta.train` of state.ckpt, checked field by field. */
export function checkTrainState(meta: Record<string, unknown>, file: string): TrainState {
  const bad = (field: string, what: string): never => {
    throw new CheckpointError(file, 'header', 'header', `meta.train${field ? '.' + field : ''} ${what}`, 'the file was not written by this mtlkit\'s trainer: use an earlier checkpoint');
  };
  const t = meta.train;
  if (!isPlainObject(t)) return bad('', 'is missing: the file holds no training state (a best.ckpt or a bare parameter file?)');
  if (t.version !== 1) bad('version', `must be 1, got ${JSON.stringify(t.version)}`);
  if (!isCount(t.epoch)) bad('epoch', 'must be a non-negative integer');
  if (!isCount(t.step)) bad('step', 'must be a non-negative integer');
  if (!isPlainObject(t.batcher)) bad('batcher', 'must be an object');
  if (!isPlainObject(t.balancer)) bad('balancer', 'must be an object');
  if (!isPlainObject(t.dropout)) bad('dropout', 'must be an object');
  for (const [k, v] of Object.entries(t.dropout as object)) {
    // An rng's cached spare normal is NaN when empty, which JSON writes as null.
    if (!Array.isArray(v) || v.length !== 5 || !v.every((x) => x === null || isFiniteNumber(x))) bad(`dropout.${k}`, 'must be an rng state (5 numbers)');
  }
  const e = t.early;
  if (!isPlainObject(e)) return bad('early', 'must be an object');
  if (!(e.bestScore === null || isFiniteNumber(e.bestScore))) bad('early.bestScore', 'must be a number or null');
  if (!isCount(e.bestEpoch) || e.bestEpoch > (t.epoch as number)) bad('early.bestEpoch', `must be an epoch from 0 to ${String(t.epoch)}`);
  if (!isCount(e.badEpochs)) bad('early.badEpochs', 'must be a non-negative integer');
  if (typeof e.stopped !== 'boolean') bad('early.stopped', 'must be true or false');
  const tm = t.timing;
  if (!isPlainObject(tm)) return bad('timing', 'must be an object');
  for (const k of ['trainSeconds', 'evalSeconds', 'samples', 'plainSeconds', 'plainSamples']) if (!isFiniteNumber(tm[k])) bad(`timing.${k}`, 'must be a number');
  if (!(t.lastLosses === null || (Array.isArray(t.lastLosses) && t.lastLosses.every(isFiniteNumber)))) bad('lastLosses', 'must be a list of numbers or null');
  return t as unknown as TrainState;
}
