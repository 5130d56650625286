/**
 * `mtlkit sweep <spec.json>`: a grid or seeded random search over trainer config fields, each
 * trial its own process, on this machine's cores (default) or through a Redis queue that
 * `mtlkit worker` processes serve. Resumable; selects the best trial on validation. See docs/sweeps.md.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';
import { trainerRunner } from '../train-runner.ts';
import { DEFAULT_QUEUE_NAME, expandTrials, loadSpec, QueueError, runSweep, SpecError, type SweepSummary } from '../../sweep/index.ts';
export function intOption(flag: string, min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} must be an integer >= ${min}, got "${value}"`);
    return n;
  };
}

export function secondsOption(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number of seconds, got "${value}"`);
    return n;
  };
}

/** A runner command: a JSON array of arguments, or a plain command line split on spaces. */
export function parseRunner(value: string): string[] {
  const v = value.trim();
  if (v.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw new CliError(`--runner: not a valid JSON array: ${v}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((a) => typeof a !== 'string' || a.length === 0)) {
      throw new CliError('--runner: expected a non-empty JSON array of strings, e.g. ["node", "trainer.mjs"]');
    }
    return parsed as string[];
  }
  const parts = v.split(/\s+/).filter((p) => p.length > 0);
  if (parts.length === 0) throw new CliError('--runner: empty command');
  return parts;
}

/** Aborts `controller` on the first SIGINT / SIGTERM; a second one exits at once. Returns a disposer. */
export function abortOnSignals(controller: AbortController, onFirst: (signal: string) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    onFirst(signal);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

interface SweepCliOptions {
  out?: string;
  workers?: number;
  retries?: number;
  timeout?: number;
  runner?: string;
  queue?: string;
  queueName?: string;
  retryFailed?: boolean;
  dryRun?: boolean;
  connectionTimeout?: number;
  quiet?: boolean;
  json?: boolean;
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a grid / random search of training trials and pick the best on validation')
    .argument('<spec>', 'sweep spec (JSON): base config, grid and/or random space, select, runner')
    .option('--out <dir>', 'output folder for results.jsonl and best.json (default: sweeps/<spec name>)')
    .option('--workers <n>', 'trial processes at once on this machine (default: spec.workers, else the number of cores)', intOption('--workers', 1))
    .option('--retries <n>', 'extra attempts for a failed trial (default: spec.retries, else 2)', intOption('--retries', 0))
    .option('--timeout <sec>', 'time limit per trial in seconds (default: spec.timeoutSec, else none)', secondsOption('--timeout'))
    .option('--runner <cmd>', 'trial command, as a JSON array or a command line; "--config <file> --json" is appended (default: mtlkit train)')
    .option('--queue <url>', 'distribute through BullMQ on Redis at this URL (redis://host:port); run `mtlkit worker` on the machines')
    .option('--queue-name <name>', 'BullMQ queue name (workers must use the same)', DEFAULT_QUEUE_NAME)
    .option('--retry-failed', 'run again the trials the results file records as failed')
    .option('--dry-run', 'list the trials (id and config) without running them')
    .option('--connection-timeout <sec>', 'give up when Redis is unreachable this long', secondsOption('--connection-timeout'), 30)
    .option('--quiet', 'no progress display')
    .option('--json', 'print one JSON object (the summary, with the best trial) as the last stdout line')
    .action(async (specPath: string, opts: SweepCliOptions) => {
      let spec;
      try {
        spec = loadSpec(specPath);
      } catch (err) {
        if (err instanceof SpecError) throw new CliError(err.message);
        throw err;
      }
      const outDir = opts.out ?? join('sweeps', spec.name);
      if (opts.dryRun) {
        const trials = expandTrials(spec);
        if (opts.json) printJson({ name: spec.name, trials });
        else {
          for (const t of trials) process.stdout.write(`${t.id}  ${JSON.stringify(t.config)}\n`);
          process.stdout.write(`${trials.length} trials; results would go to ${join(outDir, 'results.jsonl')}\n`);
        }
        return;
      }
      const controller = new AbortController();
      const dispose = abortOnSignals(controller, (sig) => {
        process.stderr.write(`mtlkit sweep: ${sig}: stopping; unfinished trials run again when you re-run the same command\n`);
      });
      let summary: SweepSummary;
      try {
        summary = await runSweep(spec, {
          outDir,
          workers: opts.workers,
          retries: opts.retries,
          timeoutSec: opts.timeout,
          runner: opts.runner ? parseRunner(opts.runner) : undefined,
          defaultRunner: trainerRunner(),
          queue: opts.queue,
          queueName: opts.queueName,
          retryFailed: opts.retryFailed,
          connectionTimeoutSec: opts.connectionTimeout,
          progress: { quiet: opts.quiet },
          signal: controller.signal,
        });
      } catch (err) {
        if (err instanceof QueueError) throw new CliError(err.message, 1);
        if (err instanceof SpecError) throw new CliError(err.message, 1);
        throw err;
      } finally {
        dispose();
        // BullMQ's clients can keep reconnecting to an unreachable Redis after close; exit anyway.
        if (opts.queue) setTimeout(() => process.exit(), 2000).unref();
      }
      if (opts.json) printJson(summary);
      else printSummary(summary);
      if (summary.interrupted) process.exitCode = 130;
      else if (!summary.best) {
        throw new CliError(
          summary.done > 0
            ? `no finished trial has a finite "${spec.select.metric}" in its result; check the runner's --json last line`
            : `no trial finished successfully (${summary.failed} failed); see ${summary.results}`,
          1,
        );
      }
    });
}

function printSummary(s: SweepSummary): void {
  const out = (line: string): boolean => process.stdout.write(line + '\n');
  out(`sweep ${s.name}: ${s.trials} trials, ${s.done} done, ${s.failed} failed, ${s.unfinished} unfinished (${s.skipped} from earlier runs)`);
  for (const f of s.failures.slice(0, 10)) out(`  failed ${f.trial} after ${f.attempts} attempt(s): ${f.error.split('\n')[0]}`);
  if (s.failures.length > 10) out(`  ... and ${s.failures.length - 10} more in ${s.results}`);
  if (s.best) {
    const b = s.best;
    out(`best trial ${b.trial}: ${b.metric} = ${b.value} (${b.mode} over ${b.compared} trials)`);
    out(`  test:   ${JSON.stringify(b.test ?? null)}`);
    out(`  config: ${JSON.stringify(b.config)}`);
    out(`  written to ${s.bestFile}`);
  }
  out(`results: ${s.results}`);
}
