/**
 * Why an experiment folder refuses a run. A refusal is decided before anything in the folder
 * is written, so the finished runs and their report stay exactly as they were.
 */

/** One config field that differs between a run folder and the run this experiment wants. */
export interface FieldChange {
  field: string;
  stored: unknown;
  wanted: unknown;
}

/** `runDir` holds a run of another config than the experiment's run `runId`. */
export class RunFolderConflict extends Error {
  constructor(readonly runDir: string, readonly runId: string, readonly changes: FieldChange[]) {
    super(`${runDir} holds a different run (its config.json differs from this experiment's run '${runId}'${changes.length ? `: ${describeChanges(changes)}` : ''}); use another --out`);
    this.name = 'RunFolderConflict';
  }
}

/** The experiment folder holds another experiment (preset or run configs), so this one is not run there. */
export class ExperimentRefused extends Error {
  constructor(readonly dir: string, readonly reason: string, readonly conflicts: RunFolderConflict[] = []) {
    super(
      `experiment folder ${dir} ${reason}; nothing was run and no file in it was changed. ` +
        'Give a new --out for this experiment (mtlkit never overwrites a finished run), or run the same command without the changed options to resume it.',
    );
    this.name = 'ExperimentRefused';
  }
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'unset';
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

export function describeChanges(changes: FieldChange[], max = 3): string {
  const shown = changes.slice(0, max).map((c) => `${c.field} ${short(c.stored)} -> ${short(c.wanted)}`);
  return shown.join(', ') + (changes.length > max ? `, and ${changes.length - max} more` : '');
}

/** A `--reuse` folder that is not an experiment folder. */
export class ReuseFolderError extends Error {
  constructor(readonly dir: string) {
    super(`--reuse ${dir}: not an experiment folder (it has no experiment.json and runs/); give the --out of an earlier experiment`);
    this.name = 'ReuseFolderError';
  }
}
