/**
 * Runs one trial as its own process: writes the config to a file, executes the runner command with
 * `--config <file> --json`, and parses the LAST non-empty stdout line as the result JSON (the
 * trainer's `--json` contract). A crash, a non-zero exit, a timeout or a last line that is not a
 * JSON object is a failure carrying the tail of stderr, so one bad trial never takes the sweep down.
 *
 * Exit code 2 (CONFIG_ERROR_EXIT, what `mtlkit train` returns for a bad config, option or method)
 * marks a failure that no retry can fix: the executors record it at once instead of retrying.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isPlainObject, type JsonObject } from './fields.ts';

/** A runner's exit code for a trial whose config can never work (validation error, unknown method, bad option). */
export const CONFIG_ERROR_EXIT = 2;

/**
 * The full argv for one trial: `{config}` (and `{trialDir}`) placeholders are substituted, else
 * `--config F --json` appended.
 */
export function runnerArgv(runner: string[], configPath: string, trialDir = dirname(configPath)): string[] {
  const argv = runner.map((a) => a.replaceAll('{config}', configPath).replaceAll('{trialDir}', trialDir));
  if (!runner.some((a) => a.includes('{config}'))) argv.push('--config', configPath, '--json');
  // A bare "node" means this very Node, so a sweep works where "node" is not on PATH.
  if (argv[0] === 'node') argv[0] = process.execPath;
  return argv;
}

export interface RunTrialOptions {
  runner: string[];
  /** Where the trial's config file is written. */
  configPath: string;
  /** What `{trialDir}` in the runner stands for (default: the config file's folder). */
  trialDir?: string;
  timeoutSec?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives the child as soon as it starts (for killing it on shutdown). */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Why an attempt failed. Only `config` is final (the runner exited with CONFIG_ERROR_EXIT);
 * the others (a crash, a kill, a timeout, a bad last line, a runner that would not start) may
 * pass on another attempt.
 */
export type FailureKind = 'config' | 'crash' | 'timeout' | 'output' | 'spawn';

export type TrialOutcome =
  | { ok: true; result: JsonObject; durationMs: number }
  | { ok: false; kind: FailureKind; error: string; durationMs: number };

/** Whether another attempt could succeed. */
export const retryable = (o: TrialOutcome): boolean => !o.ok && o.kind !== 'config';

const TAIL_CHARS = 2000;

export function tail(text: string, chars = TAIL_CHARS): string {
  const t = text.trimEnd();
  return t.length <= chars ? t : '...' + t.slice(t.length - chars);
}

/**
 * A failure message whose first line stands alone (consoles print only that line): what
 * happened and the last line of stderr. The whole tail follows under "stderr tail:" when it
 * has more than that one line; with nothing on stderr there is no tail section at all.
 */
export function failureMessage(what: string, stderr: string): string {
  const t = tail(stderr);
  if (!t) return what;
  const lines = t.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1]!.trim();
  return lines.length > 1 ? `${what}: ${last}\nstderr tail:\n${t}` : `${what}: ${last}`;
}

/** Parses the last non-empty line of stdout as a JSON object. */
export function parseLastLine(stdout: string): JsonObject | string {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  if (last === undefined) return 'the runner printed nothing on stdout (expected one JSON object as its last line)';
  try {
    const v = JSON.parse(last) as unknown;
    if (isPlainObject(v)) return v;
  } catch {
    // fall through
  }
  return `the runner's last stdout line is not a JSON object: ${last.slice(0, 200)}`;
}

export function runTrial(config: JsonObject, opts: RunTrialOptions): Promise<TrialOutcome> {
  mkdirSync(dirname(opts.configPath), { recursive: true });
  writeFileSync(opts.configPath, JSON.stringify(config, null, 2) + '\n');
  const argv = runnerArgv(opts.runner, opts.configPath, opts.trialDir);
  const started = Date.now();
  return new Promise((resolvePromise) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const finish = (o: TrialOutcome): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolvePromise(o);
    };
    let child: ChildProcess;
    try {
      // detached: the trial leads its own process group, so a timeout kills whatever it started too.
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: opts.cwd,
        // MTLKIT_PARENT_PID: mtlkit's own trial stops itself if this process dies (src/cli/parent-watch.ts).
        env: { ...process.env, MTLKIT_PARENT_PID: String(process.pid), ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
      });
    } catch (err) {
      finish({ ok: false, kind: 'spawn', error: `cannot start runner ${argv[0]}: ${(err as Error).message}`, durationMs: 0 });
      return;
    }
    opts.onSpawn?.(child);
    // Keep only what a failure report and the last-line parse need.
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.length > 1 << 20) stdout = stdout.slice(stdout.length - (1 << 19));
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 1 << 16) stderr = stderr.slice(stderr.length - (1 << 15));
    });
    const timer = opts.timeoutSec
      ? setTimeout(() => {
          timedOut = true;
          killTree(child, 'SIGTERM');
          setTimeout(() => killTree(child, 'SIGKILL'), 5000).unref();
        }, opts.timeoutSec * 1000)
      : undefined;
    child.on('error', (err) => {
      finish({ ok: false, kind: 'spawn', error: `cannot start runner ${argv[0]}: ${err.message}`, durationMs: Date.now() - started });
    });
    child.on('close', (code, signal) => {
      const durationMs = Date.now() - started;
      const fail = (kind: FailureKind, what: string): void => finish({ ok: false, kind, error: failureMessage(what, stderr), durationMs });
      if (timedOut) return fail('timeout', `timed out after ${opts.timeoutSec} s`);
      if (code === CONFIG_ERROR_EXIT) return fail('config', `exited with code ${code} (a config error: not retried)`);
      if (code !== 0) return fail('crash', signal ? `killed by ${signal}` : `exited with code ${code}`);
      const parsed = parseLastLine(stdout);
      if (typeof parsed === 'string') return fail('output', parsed);
      finish({ ok: true, result: parsed, durationMs });
    });
  });
}

/** Signals the child's whole process group (falls back to the child alone). */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
