/**
 * The run's clock: training seconds and samples, the same over the steps that recorded no
 * diagnostics (those cost extra: T backwards for loss methods, so samples_per_s leaves them
 * out and methods compare fairly), and evaluation seconds. Its totals are plain data
 * (TrainState.timing) so a resumed run reports the whole run's time.
 */
import type { TrainState } from './train-state.ts';
import type { Timing } from './result.ts';

export type TimerTotals = TrainState['timing'];

/** Seconds on the monotonic clock. */
export function now(): number {
  return performance.now() / 1000;
}

export class StepTimer {
  private readonly t: TimerTotals;

  constructor(totals?: TimerTotals) {
    this.t = totals ? { ...totals } : { trainSeconds: 0, evalSeconds: 0, samples: 0, plainSeconds: 0, plainSamples: 0 };
  }

  /** A step that started at `started` (now()) and recorded no diagnostics has ended. */
  plainStep(started: number, samples: number): void {
    this.t.plainSeconds += now() - started;
    this.t.plainSamples += samples;
  }

  /** An epoch's training part (steps, not evaluation) took `seconds` over `samples` rows. */
  epoch(seconds: number, samples: number): void {
    this.t.trainSeconds += seconds;
    this.t.samples += samples;
  }

  /** Evaluation that started at `started` (now()) has ended. */
  evaluated(started: number): void {
    this.t.evalSeconds += now() - started;
  }

  /** The totals for a checkpoint (a copy). */
  totals(): TimerTotals {
    return { ...this.t };
  }

  /** final.json's timing: `steps` steps in all, `seconds` of wall time for the whole run. */
  summary(steps: number, seconds: number): Timing {
    const t = this.t;
    return {
      samples_per_s: t.plainSamples > 0 ? t.plainSamples / Math.max(t.plainSeconds, 1e-9) : t.samples / Math.max(t.trainSeconds, 1e-9),
      samples_per_s_all: t.samples / Math.max(t.trainSeconds, 1e-9),
      seconds,
      train_seconds: t.trainSeconds,
      eval_seconds: t.evalSeconds,
      steps,
      samples: t.samples,
      ms_per_step: (1000 * t.trainSeconds) / Math.max(1, steps),
    };
  }
}
