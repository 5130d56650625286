/**
 * The BullMQ path end to end on loopback: a private redis-server on a free port (started here,
 * killed in afterAll, so CI only needs the binary), two `mtlkit worker` processes, one of which
 * is SIGKILLed mid-trial. Skipped, with a message, where redis-server is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkRedis, expandTrials, parseSpec, QueueError, runSweep } from '../../src/sweep/index.ts';
import { CLI, countBy, FAKE_RUNNER, ROOT, readResults, readRuns, tempDir } from './helpers.ts';

const hasRedis = !spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).error;
if (!hasRedis) {
  console.warn('test/sweep/distributed.test.ts: redis-server not found on PATH; skipping the distributed sweep tests (apt-get install -y redis-server)');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

let stopWaiting = false;
/** Polls until `cond` holds; bounded by the test's own timeout (no wall-clock assertion). */
async function until(cond: () => boolean, what: string, pollMs = 50): Promise<void> {
  while (!cond()) {
    if (stopWaiting) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const children: ChildProcess[] = [];
/** A `mtlkit worker` process; `tmp` becomes its TMPDIR, so its temp folders can be listed. */
function startWorker(url: string, queueName: string, tmp?: string): ChildProcess {
  const w = spawn(
    process.execPath,
    [
      '--import', 'tsx', CLI, 'worker', '--queue', url, '--queue-name', queueName, '--workers', '1',
      '--runner', JSON.stringify(FAKE_RUNNER), '--lock-duration', '1500', '--stalled-interval', '500', '--json',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: tmp ? { ...process.env, TMPDIR: tmp } : process.env },
  );
  // --json: one event per line on stdout; `ready` comes after the start-up sweep of stale folders.
  let out = '';
  w.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  w.stderr!.resume();
  children.push(w);
  printed.set(w, () => out);
  return w;
}

const printed = new Map<ChildProcess, () => string>();
const isReady = (w: ChildProcess): boolean => /"event":"ready"/.test(printed.get(w)?.() ?? '');

describe('distributed sweep: connection errors', () => {
  it('names the URL and the fix when no Redis listens there', async () => {
    const port = await freePort();
    const spec = parseSpec({ grid: { lr: [1] }, runner: FAKE_RUNNER });
    const url = `redis://127.0.0.1:${port}`;
    const err = await runSweep(spec, { outDir: tempDir('noredis'), queue: url, progress: { quiet: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueError);
    expect((err as Error).message).toMatch(new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): start one there`));
    expect((err as Error).message).not.toContain('\n');
  });
});

describe.skipIf(!hasRedis)('distributed sweep (BullMQ on a private redis-server)', () => {
  let redis: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    children.push(redis);
    for (;;) {
      try {
        await checkRedis(url, 500);
        return;
      } catch {
        if (redis.exitCode !== null) throw new Error(`redis-server exited with code ${redis.exitCode}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(() => {
    stopWaiting = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('two workers run a sweep; one is killed mid-trial; every trial lands in the results exactly once', async () => {
    const dir = tempDir('dist');
    const logFile = join(dir, 'runs.log');
    const queueName = 'kill-test';
    const spec = parseSpec({
      name: 'dist',
      base: { fake: { logFile, sleepMs: 700 } },
      grid: { lr: [1e-2, 1e-3, 1e-4], 'methodOptions.tau': [0.5, 1] },
      retries: 0,
    });
    const ids = expandTrials(spec).map((t) => t.id);
    const workerTmp = join(dir, 'tmp');
    mkdirSync(workerTmp);
    const victim = startWorker(url, queueName, workerTmp);
    const survivor = startWorker(url, queueName, workerTmp);
    // Each worker removes dead workers' folders as it starts: the survivor must have started
    // before the victim dies, or it would remove the victim's folder checked below.
    await until(() => isReady(victim) && isReady(survivor), 'both workers to be ready');

    const sweep = runSweep(spec, { outDir: join(dir, 'out'), queue: url, queueName, pollMs: 300, progress: { quiet: true } });
    // Kill the victim while it has a trial running (the fake trial's parent pid is its worker).
    await until(() => readRuns(logFile).some(([, ppid]) => ppid === victim.pid), 'the victim worker to start a trial');
    const killedTrial = readRuns(logFile).find(([, ppid]) => ppid === victim.pid)![0];
    victim.kill('SIGKILL');
    const summary = await sweep;

    expect(summary).toMatchObject({ trials: 6, done: 6, failed: 0, unfinished: 0 });
    const recs = readResults(join(dir, 'out/results.jsonl'));
    expect(recs.map((r) => r.trial).sort()).toEqual([...ids].sort()); // each exactly once
    expect(recs.every((r) => r.status === 'ok')).toBe(true);
    // The killed trial was started twice (stalled, then picked up again) but recorded once.
    const runs = countBy(readRuns(logFile).map(([id]) => id));
    expect(runs.get(killedTrial)).toBeGreaterThanOrEqual(2);
    expect(recs.find((r) => r.trial === killedTrial)!.attempts).toBeGreaterThanOrEqual(2);
    expect(summary.best?.config.lr).toBe(1e-3);
    expect(survivor.exitCode).toBeNull();
    // The killed worker could not remove its temp folder; the survivor does when it stops.
    await until(() => readdirSync(workerTmp).includes(`mtlkit-worker-${survivor.pid}`), 'the survivor\'s work folder');
    expect(readdirSync(workerTmp)).toContain(`mtlkit-worker-${victim.pid}`);
    survivor.kill('SIGTERM');
    await until(() => survivor.exitCode !== null || survivor.signalCode !== null, 'the survivor to stop');
    // (tsx keeps its compile cache there too: only the workers' folders are counted.)
    expect(readdirSync(workerTmp).filter((f) => f.startsWith('mtlkit-worker-'))).toEqual([]);

    // A fresh output folder on the same queue adopts the finished jobs: nothing runs again.
    const before = readRuns(logFile).length;
    const adopt = await runSweep(spec, { outDir: join(dir, 'out2'), queue: url, queueName, pollMs: 300, progress: { quiet: true } });
    expect(adopt).toMatchObject({ trials: 6, done: 6, ran: 6 });
    expect(readRuns(logFile)).toHaveLength(before);
    expect(readResults(join(dir, 'out2/results.jsonl'))).toHaveLength(6);
  });

  it('a failing trial is retried through the queue and then reported with its error', async () => {
    const dir = tempDir('dist-fail');
    const logFile = join(dir, 'runs.log');
    const queueName = 'fail-test';
    const spec = parseSpec({
      base: { fake: { logFile } },
      grid: [{ lr: [1e-3] }, { lr: [1e-4], 'fake.crash': [true] }, { lr: [1e-5], 'fake.configError': [true] }],
    });
    const [good, bad, config] = expandTrials(spec);
    startWorker(url, queueName);
    const s = await runSweep(spec, { outDir: dir, queue: url, queueName, retries: 1, pollMs: 300, progress: { quiet: true } });
    expect(s).toMatchObject({ done: 1, failed: 2 });
    const failure = new Map(s.failures.map((f) => [f.trial, f]));
    expect(failure.get(bad!.id)!.error).toMatch(/^exited with code 3: fake-trial: deliberate crash/);
    expect(failure.get(bad!.id)!.attempts).toBe(2);
    // A config error fails its job at once (UnrecoverableError), whatever retries are left.
    expect(failure.get(config!.id)!.error).toMatch(/^exited with code 2 \(a config error: not retried\)/);
    expect(failure.get(config!.id)!.attempts).toBe(1);
    const runs = countBy(readRuns(logFile).map(([id]) => id));
    expect(runs.get(bad!.id)).toBe(2);
    expect(runs.get(config!.id)).toBe(1);
    expect(runs.get(good!.id)).toBe(1);
  });
});
