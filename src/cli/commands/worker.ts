/**
 * `mtlkit worker --queue redis://host:port`: serve a distributed sweep from any machine. Pulls
 * trials from the BullMQ queue, runs each in its own process with this machine's runner (never a
 * command read from Redis), and returns the result JSON through the queue. Kill it at any time: a
 * trial it was running is picked up again by another worker once its lock expires.
 */
import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';
import { DEFAULT_QUEUE_NAME, QueueError, runWorker, type WorkerEvent } from '../../sweep/index.ts';
import { trainerRunner } from '../train-runner.ts';
import { abortOnSignals, intOption, parseRunner, secondsOption } from './sweep.ts';

interface WorkerCliOptions {
  queue?: string;
  queueName: string;
  workers?: number;
  runner?: string;
  timeout?: number;
  lockDuration?: number;
  stalledInterval?: number;
  maxStalled?: number;
  idleExit?: number;
  connectionTimeout?: number;
  workDir?: string;
  quiet?: boolean;
  json?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run sweep trials from a Redis queue (start one per machine; see `mtlkit sweep --queue`)')
    .option('--queue <url>', 'Redis URL of the sweep queue, e.g. redis://10.0.0.5:6379 (required)')
    .option('--queue-name <name>', 'BullMQ queue name (as given to mtlkit sweep)', DEFAULT_QUEUE_NAME)
    .option('--workers <n>', 'trials at once on this machine (default: the number of cores)', intOption('--workers', 1))
    .option('--runner <cmd>', 'trial command, as a JSON array or a command line; "--config <file> --json" is appended (default: mtlkit train)')
    .option('--timeout <sec>', "time limit per trial (default: the sweep's)", secondsOption('--timeout'))
    .option('--lock-duration <ms>', 'job lock time: a trial of a dead worker is re-run about this long after (default 30000)', intOption('--lock-duration', 100))
    .option('--stalled-interval <ms>', 'how often to look for trials of dead workers (default: lock duration / 2)', intOption('--stalled-interval', 100))
    .option('--max-stalled <n>', 'how often a trial may lose its worker before it is failed (default 2)', intOption('--max-stalled', 0))
    .option('--idle-exit <sec>', 'exit after this long without a trial (default: run until stopped)', secondsOption('--idle-exit'))
    .option('--connection-timeout <sec>', 'exit with an error when Redis is unreachable this long', secondsOption('--connection-timeout'), 30)
    .option('--work-dir <dir>', "keep each trial's folder (config.json, run/) under DIR/trials/<id> (default: a temp folder, removed trial by trial)")
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'one JSON object per line for each event (ready, start, done, failed, stop)')
    .action(async (opts: WorkerCliOptions) => {
      if (!opts.queue) throw new CliError('mtlkit worker needs --queue redis://host:port (the Redis the sweep enqueued on)');
      const controller = new AbortController();
      const dispose = abortOnSignals(controller, (sig) => {
        if (!opts.json && !opts.quiet) process.stderr.write(`mtlkit worker: ${sig}: stopping; running trials go back to the queue\n`);
      });
      const onEvent = (e: WorkerEvent): void => {
        if (opts.json) return printJson(e);
        if (opts.quiet) return;
        process.stderr.write(`mtlkit worker: ${describeEvent(e)}\n`);
      };
      try {
        await runWorker({
          url: opts.queue,
          queueName: opts.queueName,
          runner: opts.runner ? parseRunner(opts.runner) : trainerRunner(),
          concurrency: opts.workers ?? availableParallelism(),
          timeoutSec: opts.timeout,
          lockDurationMs: opts.lockDuration,
          stalledIntervalMs: opts.stalledInterval,
          maxStalledCount: opts.maxStalled,
          idleExitSec: opts.idleExit,
          connectionTimeoutSec: opts.connectionTimeout,
          workDir: opts.workDir,
          signal: controller.signal,
          onEvent,
        });
      } catch (err) {
        if (err instanceof QueueError) throw new CliError(err.message, 1);
        throw err;
      } finally {
        dispose();
        // BullMQ's clients can keep reconnecting to an unreachable Redis after close; exit anyway.
        setTimeout(() => process.exit(), 2000).unref();
      }
      if (controller.signal.aborted) process.exitCode = 130;
    });
}

function describeEvent(e: WorkerEvent): string {
  switch (e.event) {
    case 'ready':
      return `serving queue ${e.queue} at ${e.url} with ${e.concurrency} trial slot(s)`;
    case 'start':
      return `trial ${e.trial} started (attempt ${e.attempt})`;
    case 'done':
      return `trial ${e.trial} done in ${(e.durationMs / 1000).toFixed(1)} s`;
    case 'failed':
      return `trial ${e.trial} failed (attempt ${e.attempt}): ${e.error.split('\n')[0]}`;
    case 'stop':
      return `stopped (${e.reason}): ${e.done} done, ${e.failed} failed attempts`;
  }
}
