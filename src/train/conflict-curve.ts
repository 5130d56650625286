/**
 * A measured curve of one synthetic dial: `measureConflict` at each value of a knob, the other
 * options fixed. What `mtlkit data conflict` prints and docs/data.md shows.
 */
import type { SyntheticOptions } from '../data/synthetic.ts';
import { ConflictMeasureError, measureConflict, type ConflictMeasurement, type MeasureOptions } from './conflict.ts';

/** The knobs a curve can turn, by their short name; `rho` is contextCorrelation. */
export const CURVE_KNOBS = {
  rho: 'contextCorrelation',
  context: 'context',
  sparsity: 'sparsity',
  conflict: 'conflict',
  noise: 'noise',
} as const satisfies Record<string, keyof SyntheticOptions>;
export type CurveKnob = keyof typeof CURVE_KNOBS;

/** Each knob's default values and the data it is measured on (docs/data.md shows these curves). */
export const CURVE_DEFAULTS: Record<CurveKnob, { values: number[]; data: SyntheticOptions }> = {
  rho: { values: [1, 0.5, 0, -0.2], data: { rows: 30_000, context: 0.8, agreement: 1, sparsity: 0 } },
  context: { values: [0, 0.4, 0.8], data: { rows: 30_000, contextCorrelation: -0.2, agreement: 1, sparsity: 0 } },
  sparsity: { values: [0, 1, 1.5, 2], data: { rows: 100_000 } },
  conflict: { values: [0, 1, 2], data: { rows: 30_000 } },
  noise: { values: [0, 1, 2], data: { rows: 30_000 } },
};

export interface CurvePoint {
  value: number;
  data: SyntheticOptions;
  measurement: ConflictMeasurement;
}

export function conflictCurve(
  knob: CurveKnob,
  values: number[],
  data: SyntheticOptions,
  opts: Omit<MeasureOptions, 'data'> = {},
  onPoint?: (p: CurvePoint) => void,
): CurvePoint[] {
  if (!Object.prototype.hasOwnProperty.call(CURVE_KNOBS, knob)) {
    throw new ConflictMeasureError(`conflictCurve: unknown knob '${knob}' (knobs: ${Object.keys(CURVE_KNOBS).join(', ')})`);
  }
  return values.map((value) => {
    const d = { ...data, [CURVE_KNOBS[knob]]: value };
    const p = { value, data: d, measurement: measureConflict({ ...opts, data: d }) };
    onPoint?.(p);
    return p;
  });
}
