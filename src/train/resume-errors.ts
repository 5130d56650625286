/**
 * The typed refusals and stops around resuming a run. Callers branch on the class and `fault`;
 * the message (one line, for the CLI) names the run folder, what is wrong and the fix.
 */

/**
 *   not-a-run      the folder has no config.json
 *   no-checkpoint  epochs were done but checkpoint/state.ckpt is gone (or never written)
 *   no-previous    --use-previous-checkpoint, and there is no state.prev.ckpt
 *   backend        the run trained on other kernels (bit-exact resume needs the same ones)
 *   inconsistent   the checkpoint files disagree with each other
 */
export type ResumeFault = 'not-a-run' | 'no-checkpoint' | 'no-previous' | 'backend' | 'inconsistent';

export class ResumeError extends Error {
  constructor(readonly runDir: string, readonly fault: ResumeFault, readonly detail: string, readonly fix: string) {
    super(`resume ${runDir}: ${detail}; ${fix}`);
    this.name = 'ResumeError';
  }
}

/** Training stopped on request (TrainOptions.signal: the CLI's SIGINT) at a step boundary. */
export class TrainingInterruptedError extends Error {
  constructor(
    readonly runDir: string,
    /** Epochs whose checkpoint is on disk (what a resume continues from); 0 = none yet. */
    readonly epochsSaved: number,
    readonly step: number,
    /** False when epochs were done but none saved (checkpoint: false): a resume cannot continue. */
    readonly resumable: boolean,
  ) {
    super(`training interrupted at step ${step}; ${epochsSaved > 0 ? `epoch ${epochsSaved} is the last checkpoint` : 'no checkpoint was written'} in ${runDir}`);
    this.name = 'TrainingInterruptedError';
  }
}
