/**
 * What a playground run is: the model, the data, the balancer and the optimizer settings, as
 * plain JSON (it crosses postMessage and lands in the run folder's config.json). Defaults are a
 * small synthetic world that trains in seconds in a page; the CLI's defaults are for full runs.
 */
import { PRESETS, SYNTHETIC_TASKS, type PresetName } from '../../../src/core.ts';

/** The synthetic world's knobs the panel offers (src/data/synthetic.ts documents each). */
export interface SyntheticKnobs {
  kind: 'synthetic';
  rows: number;
  users: number;
  items: number;
  conflict: number;
  noise: number;
  seed: number;
}

/** A CSV and its schema as text (dropped on the page, or the built-in census data). */
export interface CsvData {
  kind: 'csv';
  /** The file name errors name (the CLI names the path it was given). */
  file: string;
  text: string;
  schemaFile: string;
  schemaText: string;
}

/** Where the census data built into the Worker (census.ts) comes from, as the CLI would name it. */
export const CENSUS_FILE = 'data/adult.csv';

/** The census data built into the Worker (census.ts). */
export interface CensusData {
  kind: 'census';
}

export type RunData = SyntheticKnobs | CsvData | CensusData;

export interface RunConfig {
  model: PresetName;
  method: string;
  mode: 'param' | 'rep';
  lr: number;
  batchSize: number;
  l2: number;
  seed: number;
  /** Balancer diagnostics (norms, cosine, weights) every k steps. */
  diagnosticsEvery: number;
  /** Validation AUC every k steps (the live curve; the run folder's epochs are passes over the data). */
  evalEvery: number;
  /** The run stops by itself after this many steps (0: runs until paused). */
  maxSteps: number;
  data: RunData;
}

export const SYNTHETIC_SMALL: SyntheticKnobs = { kind: 'synthetic', rows: 12_000, users: 400, items: 1_200, conflict: 1, noise: 1, seed: 5277 };

export const DEFAULT_RUN: RunConfig = {
  model: 'ple-lite', method: 'gradcraft', mode: 'param', lr: 3e-3, batchSize: 256, l2: 1e-6, seed: 5277,
  diagnosticsEvery: 5, evalEvery: 10, maxSteps: 0, data: SYNTHETIC_SMALL,
};

export const MODELS: readonly PresetName[] = PRESETS;
export const SYNTHETIC_TASK_NAMES: readonly string[] = SYNTHETIC_TASKS;

/** A RunConfig with every field checked; messages name the field and the accepted values. */
export class RunConfigError extends Error {
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.name = 'RunConfigError';
  }
}

function positiveInt(field: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RunConfigError(field, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function finite(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new RunConfigError(field, `must be a number >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

export function checkRunConfig(c: RunConfig): RunConfig {
  if (!MODELS.includes(c.model)) throw new RunConfigError('model', `must be one of ${MODELS.join(', ')}, got ${JSON.stringify(c.model)}`);
  if (c.mode !== 'param' && c.mode !== 'rep') throw new RunConfigError('mode', `must be 'param' or 'rep', got ${JSON.stringify(c.mode)}`);
  finite('lr', c.lr, 0);
  positiveInt('batchSize', c.batchSize);
  finite('l2', c.l2, 0);
  positiveInt('seed', c.seed, 0);
  positiveInt('diagnosticsEvery', c.diagnosticsEvery, 0);
  positiveInt('evalEvery', c.evalEvery);
  positiveInt('maxSteps', c.maxSteps, 0);
  if (c.data.kind === 'synthetic') {
    for (const k of ['rows', 'users', 'items'] as const) positiveInt(`data.${k}`, c.data[k], k === 'rows' ? 100 : 1);
    finite('data.conflict', c.data.conflict, 0);
    finite('data.noise', c.data.noise, 0);
  } else if (c.data.kind !== 'csv' && c.data.kind !== 'census') {
    throw new RunConfigError('data.kind', `must be 'synthetic', 'csv' or 'census', got ${JSON.stringify((c.data as { kind: unknown }).kind)}`);
  }
  return c;
}
