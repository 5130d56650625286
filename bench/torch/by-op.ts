/**
 * Where our EW step loses from one thread to two under the race's own conditions (compare-torch
 * `--by-op N`): the step profiler (src/profile) runs around our EW steps only, so PyTorch's
 * steps, the gaps and the other modes count nowhere; each round gives its op families' self time
 * a step (after the round's warm-up steps), and thread-loss.ts's table compares the one-thread
 * rounds with the two-thread ones. The scaling bench's `--by-op` table is of steps run back to
 * back; this one is of the steps the race times, each after the other side's step and a gap.
 */
import { profile } from '../../src/profile/index.ts';

/** One round's profile: `begin`, then each profiled step through `step`, then `end`. */
export class RoundProfile {
  private open = false;

  /** Opens a round: the profiler on but paused, the first `warmup` steps it times discarded. */
  begin(warmup: number): void {
    if (this.open) throw new Error('RoundProfile: begin() while a round is open; end() it first');
    profile.enable({ skipSteps: warmup });
    profile.pause();
    this.open = true;
  }

  /** Runs `fn` as one profiled step (whatever runs outside it in the round counts nowhere). */
  step<T>(fn: () => T): T {
    if (!this.open) throw new Error('RoundProfile: step() outside a round; call begin() first');
    profile.resume();
    try {
      return fn();
    } finally {
      profile.step();
      profile.pause();
    }
  }

  /** Closes the round: each op family's self milliseconds per profiled step after the warm-up. */
  end(): Map<string, number> {
    if (!this.open) throw new Error('RoundProfile: end() without begin()');
    this.open = false;
    const r = profile.report();
    profile.disable();
    return new Map(r.byFamily.map((f) => [f.family, f.ms]));
  }
}
