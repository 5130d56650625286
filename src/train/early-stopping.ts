/**
 * Early stopping on the mean validation AUC: patience epochs without an improvement of more
 * than minDelta stop the run. Its state is plain data (EarlyStopState) so a checkpoint carries it.
 */
import type { EarlyStopState } from './train-state.ts';

/**
 * What an epoch's score means for the best weights: 'improved' (a new best: keep these
 * weights), 'fallback' (no usable score yet: keep the latest weights so there is something to
 * restore) or 'worse' (keep the best ones).
 */
export type EpochVerdict = 'improved' | 'fallback' | 'worse';

export class EarlyStopping {
  private readonly s: EarlyStopState;

  constructor(private readonly patience: number, private readonly minDelta: number, state?: EarlyStopState) {
    this.s = state ? { ...state } : { bestScore: null, bestEpoch: 0, badEpochs: 0, stopped: false };
  }

  /** Records epoch `epoch`'s score (null when no task had a validation AUC). */
  observe(epoch: number, score: number | null): EpochVerdict {
    const s = this.s;
    let verdict: EpochVerdict;
    if (score !== null && (s.bestScore === null || score > s.bestScore + this.minDelta)) {
      s.bestScore = score;
      s.bestEpoch = epoch;
      s.badEpochs = 0;
      verdict = 'improved';
    } else {
      s.badEpochs++;
      verdict = s.bestEpoch === 0 ? 'fallback' : 'worse';
    }
    s.stopped = s.badEpochs >= this.patience;
    return verdict;
  }

  get stopped(): boolean {
    return this.s.stopped;
  }

  /** 1-based epoch of the best score; 0 while none had one. */
  get bestEpoch(): number {
    return this.s.bestEpoch;
  }

  get bestScore(): number | null {
    return this.s.bestScore;
  }

  /** The state for a checkpoint (a copy). */
  state(): EarlyStopState {
    return { ...this.s };
  }
}
