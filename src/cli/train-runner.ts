/**
 * `mtlkit train` as a sweep's trial command (a child process: built or under tsx, see
 * src/sweep/entry.ts). The sweep layer runs whatever command it is given; the CLI, which owns
 * `train`, supplies this one as the default.
 */
import { scriptArgv } from '../sweep/entry.ts';

/** `mtlkit train`; the sweep appends `--config <file> --json`. */
export function trainCommand(): string[] {
  return [...scriptArgv('./main.ts', import.meta.url), 'train'];
}

/** The default trial command, with the run folder inside the trial's folder (`{trialDir}/run`). */
export function trainerRunner(): string[] {
  return [...trainCommand(), '--out', '{trialDir}/run'];
}
