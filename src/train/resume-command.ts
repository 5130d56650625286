/**
 * The exact command that continues a run, for the messages that send the user there (an
 * interrupt, a refused resume). Quoted for a POSIX shell, so it can be pasted as printed.
 */
export interface ResumeCommandOptions {
  /** --backend to pass (the run's recorded backend, or the one the user chose). */
  backend?: string | null;
  /** Environment settings to put in front, e.g. MTLKIT_THREADS=4. */
  env?: string[];
  /** Extra flags, e.g. --use-previous-checkpoint. */
  flags?: string[];
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function resumeCommand(runDir: string, opts: ResumeCommandOptions = {}): string {
  return [
    ...(opts.env ?? []),
    'mtlkit', 'train', '--resume', shellQuote(runDir),
    ...(opts.backend ? ['--backend', shellQuote(opts.backend)] : []),
    ...(opts.flags ?? []),
  ].join(' ');
}
