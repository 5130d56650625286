import { describe, expect, it } from 'vitest';
import { EarlyStopping } from '../../src/train/early-stopping.ts';
import { StepTimer } from '../../src/train/step-timer.ts';

describe('EarlyStopping', () => {
  it('improves above minDelta, counts bad epochs, stops after patience', () => {
    const e = new EarlyStopping(2, 0.01);
    expect(e.observe(1, 0.7)).toBe('improved');
    expect(e.observe(2, 0.705)).toBe('worse');
    expect(e.stopped).toBe(false);
    expect(e.observe(3, 0.72)).toBe('improved');
    expect(e.observe(4, 0.5)).toBe('worse');
    expect(e.observe(5, 0.5)).toBe('worse');
    expect(e.stopped).toBe(true);
    expect(e.state()).toEqual({ bestScore: 0.72, bestEpoch: 3, badEpochs: 2, stopped: true });
  });

  it('keeps the latest weights while no epoch had a score, and continues from a saved state', () => {
    const e = new EarlyStopping(3, 0);
    expect(e.observe(1, null)).toBe('fallback');
    expect(e.bestEpoch).toBe(0);
    const resumed = new EarlyStopping(3, 0, e.state());
    expect(resumed.state()).toEqual({ bestScore: null, bestEpoch: 0, badEpochs: 1, stopped: false });
    expect(resumed.observe(2, 0.6)).toBe('improved');
    expect(e.state().bestEpoch).toBe(0); // the saved state is a copy
  });
});

describe('StepTimer', () => {
  it('carries its totals through a checkpoint and reports per-step figures', () => {
    const t = new StepTimer({ trainSeconds: 2, evalSeconds: 1, samples: 400, plainSeconds: 1, plainSamples: 100 });
    t.epoch(2, 400);
    const s = t.summary(8, 10);
    expect(s).toMatchObject({ samples_per_s: 100, samples_per_s_all: 200, train_seconds: 4, eval_seconds: 1, steps: 8, samples: 800, ms_per_step: 500, seconds: 10 });
    expect(t.totals()).toEqual({ trainSeconds: 4, evalSeconds: 1, samples: 800, plainSeconds: 1, plainSamples: 100 });
  });
});
