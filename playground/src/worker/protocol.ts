/**
 * Messages between the Training panel and its Worker. Everything is plain data (structured
 * clone); the run folder's zip travels as a transferred buffer.
 */
import type { RunConfig } from './config.ts';
import type { EpochRecord } from './session.ts';

/** The engines the panel offers; 'gpu' is gpu.js on WebGPU behind the synchronous bridge. */
export const ENGINES = ['wasm', 'js', 'gpu'] as const;
export type Engine = (typeof ENGINES)[number];

export type ToWorker =
  | { type: 'start'; config: RunConfig; engine: Engine; assetsBase: string; threads: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'balancer'; method: string; mode: 'param' | 'rep' }
  | { type: 'download' };

/** One step as the charts need it; the diagnostics fields only on sampled steps. */
export interface StepPoint {
  step: number;
  losses: number[];
  normsBefore?: number[];
  normsAfter?: number[];
  cosine?: number[][];
  weights?: number[] | null;
}

export type FromWorker =
  | { type: 'ready'; engine: string; tasks: string[]; stepsPerEpoch: number; trainRows: number; method: string; mode: 'param' | 'rep' }
  | { type: 'steps'; points: StepPoint[] }
  | { type: 'eval'; step: number; auc: (number | null)[]; meanAuc: number | null }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'state'; running: boolean; step: number; method: string; mode: 'param' | 'rep'; why: string }
  | { type: 'zip'; name: string; bytes: ArrayBuffer }
  | { type: 'error'; name: string; message: string };
