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

/**
 * The conflict dial's fixed settings (the `conflict` experiment trains on them). Context 0.95:
 * with less, the world's share of the scores is learned too slowly for the context's
 * anti-correlation to dominate the residuals; at 1 nothing is learnable, the towers stay apart
 * and the residual correlation no longer reaches the shared gradients (docs/data.md, "Dials").
 */
export const CONFLICT_DIAL = { context: 0.95, agreement: 1, sparsity: 0 } as const satisfies SyntheticOptions;
/** The conflict dial's values: from agreeing tasks (1) to the most negative correlation six tasks admit. */
export const RHO_VALUES: readonly number[] = [1, 0.5, 0, -0.2];

/** Each knob's default values and the data it is measured on (docs/data.md shows these curves). */
export const CURVE_DEFAULTS: Record<CurveKnob, { values: readonly number[]; data: SyntheticOptions }> = {
  rho: { values: RHO_VALUES, data: { rows: 30_000, ...CONFLICT_DIAL } },
  context: { values: [0, 0.5, 0.8, 0.9, 0.95, 0.99, 1], data: { rows: 30_000, ...CONFLICT_DIAL, contextCorrelation: -0.2 } },
  sparsity: { values: [0, 1, 1.5, 2, 2.5], data: { rows: 100_000 } },
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
  values: readonly number[],
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
