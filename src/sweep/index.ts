/** Hyper-parameter sweeps: local process pool or BullMQ queue, resumable, selected on validation. */
export { canonicalJson, trialId } from './trial-id.ts';
export { getPath, setPath, type Json, type JsonObject } from './fields.ts';
export { DEFAULT_SELECT, expandTrials, loadSpec, parseSpec, SpecError, type Distribution, type SelectSpec, type SweepSpec, type Trial } from './spec.ts';
export { ResultsFile, type TrialRecord } from './results.ts';
export { CONFIG_ERROR_EXIT, failureMessage, parseLastLine, retryable, runTrial, runnerArgv, type FailureKind, type TrialOutcome } from './runner.ts';
export { selectBest, type BestTrial } from './select.ts';
export { runLocalPool, type ExecutorEvents, type LocalPoolOptions } from './local-pool.ts';
export { DEFAULT_QUEUE_NAME, runQueueSweep, runWorker, type QueueSweepOptions, type WorkerEvent, type WorkerOptions } from './queue.ts';
export { checkRedis, parseRedisUrl, QueueError } from './redis.ts';
export { Progress, type ProgressCounts } from './progress.ts';
export { BEST_FILE, RESULTS_FILE, runSweep, type SweepOptions, type SweepSummary } from './sweep.ts';
