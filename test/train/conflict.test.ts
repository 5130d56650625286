import { describe, expect, it } from 'vitest';
import { conflictOf, measureConflict } from '../../src/train/conflict.ts';
import { CONFLICT_DIAL, conflictCurve } from '../../src/train/conflict-curve.ts';
import { SIZES } from '../../src/experiments/sizes.ts';

describe('conflictOf', () => {
  it('counts negative pair cosines over steps, per pair and in the second half, and the norm spread', () => {
    const rec = (c01: number, c02: number, c12: number, norms: number[]) => ({
      cosine: [[1, c01, c02], [c01, 1, c12], [c02, c12, 1]],
      norms_before: norms,
    });
    const s = conflictOf([rec(0.5, -0.1, 0.2, [1, 2, 4]), rec(-0.3, -0.2, 0.1, [1, 2, 4]), rec(-0.3, -0.2, -0.1, [6, 2, 4]), rec(0.1, 0.1, 0.1, [3, 2, 4])]);
    expect(s.steps).toBe(4);
    expect(s.negativeShare).toBeCloseTo(6 / 12, 12);
    expect(s.negativeShareLate).toBeCloseTo(3 / 6, 12);
    expect(s.pairs.map((p) => p.negativeShare)).toEqual([0.5, 0.75, 0.25]);
    expect(s.meanNorms).toEqual([2.75, 2, 4]);
    expect(s.normRatio).toBe(2);
    expect(s.normRatioLate).toBeCloseTo(4.5 / 2, 12);
    expect(() => conflictOf([])).toThrow(/no diagnostics record/);
  });
});

describe('measureConflict', () => {
  it('measures a tiny model deterministically, and agreeing tasks conflict less than opposed ones', () => {
    const at = (rho: number) =>
      measureConflict({ data: { rows: 2000, users: 60, items: 200, context: 0.8, agreement: 1, sparsity: 0, contextCorrelation: rho }, steps: 40, batchSize: 128, lr: 5e-3 });
    const agree = at(1), again = at(1), oppose = at(-0.2);
    expect(again.negativeShare).toBe(agree.negativeShare);
    expect(agree.tasks).toHaveLength(6);
    expect(agree.pairs).toHaveLength(15);
    expect(agree.positiveRates.every((r) => Math.abs(r - 0.5) < 0.05)).toBe(true);
    expect(oppose.negativeShare).toBeGreaterThan(agree.negativeShare + 0.2);
  });
});

describe('the conflict dial on the experiments\' model', () => {
  // Toy sizes of `mtlkit data conflict --knob context`: the same ordering as the 300-step curve
  // in docs/data.md, with margins well inside what the toy run shows.
  const at = (context: number, rho: number) =>
    measureConflict({
      model: SIZES.quick.model,
      data: { rows: 3000, users: 80, items: 300, ...CONFLICT_DIAL, context, contextCorrelation: rho },
      steps: 60,
      batchSize: 128,
      lr: 5e-3,
    });
  const meanCosine = (m: ReturnType<typeof at>): number => m.pairs.reduce((a, p) => a + p.meanCosine, 0) / m.pairs.length;

  it('at the dial\'s context, rho = -0.2 makes most pair cosines negative and rho = 1 almost none', () => {
    const oppose = at(CONFLICT_DIAL.context, -0.2), agree = at(CONFLICT_DIAL.context, 1);
    expect(oppose.negativeShare).toBeGreaterThan(0.55);
    expect(meanCosine(oppose)).toBeLessThan(-0.02);
    expect(agree.negativeShare).toBeLessThan(0.15);
  });

  it('a weaker context leaves the residuals to the world\'s score, and no world score leaves the towers apart', () => {
    const [weak, dial, none] = conflictCurve('context', [0.8, CONFLICT_DIAL.context, 1], { rows: 3000, users: 80, items: 300, ...CONFLICT_DIAL, contextCorrelation: -0.2 }, {
      model: SIZES.quick.model,
      steps: 60,
      batchSize: 128,
      lr: 5e-3,
    }).map((p) => p.measurement);
    expect(dial!.negativeShare).toBeGreaterThan(weak!.negativeShare + 0.1);
    expect(dial!.negativeShare).toBeGreaterThan(none!.negativeShare + 0.08);
  });
});
