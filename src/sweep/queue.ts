/**
 * The distributed executor, on BullMQ: the sweep enqueues one job per trial (job id = trial id, so
 * a trial is enqueued once however often the sweep is started) and collects the outcomes from the
 * queue (QueueEvents for speed, a periodic reconciliation of job states for anything an event
 * missed); `mtlkit worker` processes on any machine pull jobs and run them with their own runner.
 *
 * Robustness comes from BullMQ's job locks: a worker renews its lock while a trial runs; when a
 * worker dies its lock expires, a surviving worker's stalled-job check moves the job back to wait,
 * and someone runs it again. Completed jobs are kept in Redis, so a sweep restarted after its own
 * crash picks up the results the workers produced meanwhile. The results file itself is written
 * only by the sweep, once per trial id.
 */
import { Queue, QueueEvents, UnrecoverableError, WaitingError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isPlainObject, type JsonObject } from './fields.ts';
import type { ExecutorEvents } from './local-pool.ts';
import { checkRedis, ConnectionWatch, parseRedisUrl, QueueError, redactUrl } from './redis.ts';
import type { TrialRecord } from './results.ts';
import { killTree, retryable, runTrial } from './runner.ts';
import { removeQuietly, removeStaleWorkDirs, workerDir } from './work-dir.ts';
import type { Trial } from './spec.ts';

export const DEFAULT_QUEUE_NAME = 'mtlkit-sweep';

/** What a job carries. The runner command is deliberately not in it: workers never execute commands read from Redis. */
export interface TrialJobData {
  trialId: string;
  sweep: string;
  config: JsonObject;
  timeoutSec?: number;
}

/** A job's return value. */
export interface TrialJobResult {
  result: JsonObject;
  durationMs: number;
  ranOn: string;
}

export interface QueueSweepOptions {
  url: string;
  queueName?: string;
  sweepName: string;
  retries: number;
  timeoutSec?: number;
  /** Re-run trials whose job failed in an earlier sweep instead of reporting the old failure. */
  retryFailed?: boolean;
  /** How often job states are reconciled with Redis (ms, default 2000). */
  pollMs?: number;
  /** Give up when Redis is unreachable this long (s, default 30). */
  connectionTimeoutSec?: number;
  signal?: AbortSignal;
}

export async function runQueueSweep(trials: Trial[], opts: QueueSweepOptions, events: ExecutorEvents): Promise<void> {
  if (trials.length === 0) return;
  await checkRedis(opts.url);
  const connection = bullConnection(opts.url);
  const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const queue = new Queue<TrialJob>(name, { connection });
  const queueEvents = new QueueEvents(name, { connection });
  queue.on('error', () => {});
  queueEvents.on('error', () => {});

  const pending = new Map(trials.map((t) => [t.id, t]));
  const active = new Set<string>();
  let fatal: Error | undefined;
  let wake: () => void = () => {};
  const poke = (): void => wake();

  const finish = (rec: TrialRecord): void => {
    if (!pending.delete(rec.trial)) return;
    active.delete(rec.trial);
    events.onFinish(rec);
    poke();
  };
  const finishFromJob = (job: TrialJob, state: string): void => {
    const trial = pending.get(job.id ?? '');
    if (!trial) return;
    const attempts = Math.max(1, job.attemptsStarted ?? job.attemptsMade ?? 1);
    const finishedAt = new Date(job.finishedOn ?? Date.now()).toISOString();
    if (state === 'completed') {
      const rv = typeof job.returnvalue === 'string' ? safeParse(job.returnvalue) : job.returnvalue;
      if (isPlainObject(rv) && isPlainObject(rv.result)) {
        finish({
          trial: trial.id, status: 'ok', config: trial.config, result: rv.result as JsonObject, attempts,
          durationMs: rv.durationMs as number, ranOn: rv.ranOn as string, finishedAt,
        });
        return;
      }
      finish({ trial: trial.id, status: 'failed', config: trial.config, attempts, error: 'the job completed without a trial result (was it processed by something other than mtlkit worker?)', finishedAt });
      return;
    }
    finish({ trial: trial.id, status: 'failed', config: trial.config, attempts, error: job.failedReason || 'failed without a reason', finishedAt });
  };

  const watch = new ConnectionWatch(opts.url, (opts.connectionTimeoutSec ?? 30) * 1000, (err) => {
    fatal = err;
    poke();
  });
  const onAbort = (): void => poke();
  opts.signal?.addEventListener('abort', onAbort);

  const jobOpts = { attempts: opts.retries + 1, removeOnComplete: false, removeOnFail: false };
  const toData = (t: Trial): TrialJobData => {
    const d: TrialJobData = { trialId: t.id, sweep: opts.sweepName, config: t.config };
    if (opts.timeoutSec !== undefined) d.timeoutSec = opts.timeoutSec;
    return d;
  };

  try {
    queueEvents.on('active', ({ jobId }) => {
      const t = pending.get(jobId);
      if (t && !active.has(jobId)) {
        active.add(jobId);
        events.onStart?.(t, 0);
      }
    });
    queueEvents.on('completed', ({ jobId }) => {
      if (pending.has(jobId)) void settle(jobId);
    });
    queueEvents.on('failed', ({ jobId }) => {
      if (pending.has(jobId)) void settle(jobId);
    });
    const settle = async (id: string): Promise<void> => {
      const job = await queue.getJob(id);
      if (!job) return;
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') finishFromJob(job, state);
    };
    await queueEvents.waitUntilReady();

    // Enqueue what is not in Redis yet; adopt what is (a restarted sweep, or another sweep's identical trial).
    const fresh: Trial[] = [];
    for (const t of trials) {
      const job = await queue.getJob(t.id);
      if (!job) {
        fresh.push(t);
        continue;
      }
      const state = await job.getState();
      if (state === 'failed' && opts.retryFailed) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      else if (state === 'completed' || state === 'failed') finishFromJob(job, state);
    }
    for (let i = 0; i < fresh.length; i += 500) {
      await queue.addBulk(fresh.slice(i, i + 500).map((t) => ({ name: 'trial', data: toData(t), opts: { ...jobOpts, jobId: t.id } })));
    }

    const pollMs = opts.pollMs ?? 2000;
    while (pending.size > 0 && !fatal && !opts.signal?.aborted) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, pollMs);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      if (pending.size === 0 || fatal || opts.signal?.aborted) break;
      await reconcile();
    }
    if (fatal) throw fatal;
  } catch (err) {
    throw fatal ?? (err instanceof QueueError ? err : new QueueError(`Redis at ${redactUrl(opts.url)}: ${(err as Error).message}`));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    watch.stop();
    await closeQuietly(queueEvents);
    await closeQuietly(queue);
  }

  async function reconcile(): Promise<void> {
    const ids = [...pending.keys()];
    for (let i = 0; i < ids.length; i += 100) {
      const states = await Promise.all(ids.slice(i, i + 100).map(async (id) => [id, await queue.getJobState(id)] as const));
      for (const [id, state] of states) {
        const t = pending.get(id);
        if (!t) continue;
        if (state === 'completed' || state === 'failed') {
          const job = await queue.getJob(id);
          if (job) finishFromJob(job, state);
        } else if (state === 'active') {
          if (!active.has(id)) {
            active.add(id);
            events.onStart?.(t, 0);
          }
        } else if (state === 'unknown') {
          // Removed from Redis behind our back (queue obliterated): enqueue it again.
          active.delete(id);
          await queue.add('trial', toData(t), { ...jobOpts, jobId: id });
        } else {
          active.delete(id);
        }
      }
    }
  }
}

type TrialJob = Job<TrialJobData, TrialJobResult, string>;

/** ioredis's and BullMQ's option types differ in detail; the values are plain ioredis options. */
function bullConnection(url: string): ConnectionOptions {
  return parseRedisUrl(url) as unknown as ConnectionOptions;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Closes a BullMQ object, falling back to a hard disconnect when Redis is gone. */
async function closeQuietly(x: { close(force?: boolean): Promise<void>; disconnect(): Promise<void> }, ms = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    x.close().then(() => true, () => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    }),
  ]);
  clearTimeout(timer);
  if (!closed) {
    // disconnect() can itself wait on a dead socket; never let shutdown hang on it.
    await Promise.race([x.disconnect().catch(() => {}), new Promise((r) => setTimeout(r, 500).unref())]);
  }
}

export interface WorkerOptions {
  url: string;
  queueName?: string;
  runner: string[];
  /** Trials run at once by this worker (default: 1). */
  concurrency?: number;
  /** Overrides the sweep's per-trial timeout. */
  timeoutSec?: number;
  /** Job lock time (ms): a dead worker's trial is re-run about this long after it died (default 30000). */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (ms, default lockDuration / 2). */
  stalledIntervalMs?: number;
  /** How many times a trial may stall (its worker died) before it is failed (default 2). */
  maxStalledCount?: number;
  /** Exit after this many seconds without work (default: run until stopped). */
  idleExitSec?: number;
  connectionTimeoutSec?: number;
  /**
   * Trial folders `<workDir>/trials/<id>/` (config.json, and the run folder `run/` with the
   * default runner). Default: a temp folder the worker removes, trial by trial and when it stops.
   */
  workDir?: string;
  signal?: AbortSignal;
  onEvent?: (e: WorkerEvent) => void;
}

export type WorkerEvent =
  | { event: 'ready'; queue: string; url: string; concurrency: number }
  | { event: 'start'; trial: string; attempt: number }
  | { event: 'done'; trial: string; durationMs: number }
  | { event: 'failed'; trial: string; attempt: number; error: string }
  | { event: 'stop'; reason: string; done: number; failed: number };

/** Runs trials from the queue until `signal` aborts, the idle limit passes, or Redis is lost (throws). */
export async function runWorker(opts: WorkerOptions): Promise<{ done: number; failed: number }> {
  await checkRedis(opts.url);
  const connection = bullConnection(opts.url);
  const name = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const ranOn = `${hostname()}:${process.pid}`;
  const { dir: workDir, owned } = workerDir(opts.workDir);
  removeStaleWorkDirs();
  const children = new Set<ChildProcess>();
  const emit = (e: WorkerEvent): void => opts.onEvent?.(e);
  let stopping = false;
  let done = 0;
  let failed = 0;
  let running = 0;
  let lastBusy = Date.now();

  const processor = async (job: TrialJob, token?: string): Promise<TrialJobResult> => {
    const data = job.data;
    const attempt = job.attemptsStarted || 1;
    running++;
    emit({ event: 'start', trial: data.trialId, attempt });
    let child: ChildProcess | undefined;
    const trialDir = join(workDir, 'trials', data.trialId);
    // Whatever an earlier attempt of this trial left here (killed, failed) is not this attempt's.
    removeQuietly(trialDir);
    try {
      const outcome = await runTrial(data.config, {
        runner: opts.runner,
        configPath: join(trialDir, 'config.json'),
        trialDir,
        timeoutSec: opts.timeoutSec ?? data.timeoutSec,
        env: { MTLKIT_TRIAL_ID: data.trialId, MTLKIT_TRIAL_ATTEMPT: String(attempt), MTLKIT_TRIAL_DIR: trialDir },
        onSpawn: (c) => {
          child = c;
          children.add(c);
        },
      });
      if (stopping && !outcome.ok) {
        // We killed it ourselves: hand the trial back untouched rather than burn an attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (!outcome.ok) {
        failed++;
        emit({ event: 'failed', trial: data.trialId, attempt, error: outcome.error });
        // BullMQ fails an UnrecoverableError's job at once, whatever attempts are left.
        throw retryable(outcome) ? new Error(outcome.error) : new UnrecoverableError(outcome.error);
      }
      done++;
      emit({ event: 'done', trial: data.trialId, durationMs: outcome.durationMs });
      return { result: outcome.result, durationMs: outcome.durationMs, ranOn };
    } finally {
      if (child) children.delete(child);
      if (owned) removeQuietly(trialDir);
      running--;
      lastBusy = Date.now();
    }
  };

  const lockDuration = opts.lockDurationMs ?? 30000;
  const worker = new Worker<TrialJobData, TrialJobResult, string>(name, processor, {
    connection,
    concurrency: opts.concurrency ?? 1,
    lockDuration,
    stalledInterval: opts.stalledIntervalMs ?? Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: opts.maxStalledCount ?? 2,
    autorun: false,
  });
  worker.on('error', () => {});

  let fatal: Error | undefined;
  let stopReason = 'stopped';
  let resolveStop: () => void = () => {};
  const stopped = new Promise<void>((r) => {
    resolveStop = r;
  });
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    stopReason = reason;
    for (const c of children) killTree(c, 'SIGTERM');
    resolveStop();
  };
  const watch = new ConnectionWatch(opts.url, (opts.connectionTimeoutSec ?? 30) * 1000, (err) => {
    fatal = err;
    stop('lost Redis');
  });
  const onAbort = (): void => stop('signal');
  if (opts.signal?.aborted) stop('signal');
  opts.signal?.addEventListener('abort', onAbort);
  const idleTimer = opts.idleExitSec
    ? setInterval(() => {
        if (running === 0 && Date.now() - lastBusy > opts.idleExitSec! * 1000) stop('idle');
      }, 250)
    : undefined;

  try {
    const runLoop = worker.run().catch((err: unknown) => {
      fatal ??= err as Error;
      stop('error');
    });
    await worker.waitUntilReady();
    emit({ event: 'ready', queue: name, url: redactUrl(opts.url), concurrency: opts.concurrency ?? 1 });
    await stopped;
    // Trials killed above are handed back by their processors; give them a moment, then leave.
    await closeQuietly(worker, fatal ? 500 : 5000);
    await Promise.race([runLoop, new Promise((r) => setTimeout(r, 1000))]);
  } finally {
    if (idleTimer) clearInterval(idleTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    watch.stop();
    for (const c of children) killTree(c, 'SIGKILL');
    if (owned) removeQuietly(workDir);
    removeStaleWorkDirs();
  }
  emit({ event: 'stop', reason: stopReason, done, failed });
  if (fatal) throw fatal instanceof QueueError ? fatal : new QueueError(`Redis at ${redactUrl(opts.url)}: ${fatal.message}`);
  return { done, failed };
}
