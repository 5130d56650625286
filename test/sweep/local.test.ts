import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandTrials, loadSpec, parseSpec, runSweep, trialId, type SweepOptions } from '../../src/sweep/index.ts';
import { trialThreads } from '../../src/sweep/local-pool.ts';
import { CLI, countBy, FAKE_RUNNER, ROOT, readResults, readRuns, tempDir } from './helpers.ts';

const quiet: SweepOptions['progress'] = { quiet: true };

function baseSpec(logFile: string, extra: Record<string, unknown> = {}) {
  return parseSpec({
    name: 'local-test',
    base: { method: 'gradcraft', epochs: 1, fake: { logFile } },
    grid: { lr: [1e-2, 1e-3, 1e-4], 'methodOptions.tau': [0.5, 1] },
    runner: FAKE_RUNNER,
    retries: 2,
    ...extra,
  });
}

describe('local pool', () => {
  it('runs a small sweep to completion and selects the best on validation', async () => {
    const dir = tempDir('small');
    const logFile = join(dir, 'runs.log');
    const spec = baseSpec(logFile);
    const summary = await runSweep(spec, { outDir: join(dir, 'out'), workers: 3, progress: quiet });

    expect(summary).toMatchObject({ trials: 6, done: 6, failed: 0, unfinished: 0, skipped: 0, ran: 6 });
    const recs = readResults(join(dir, 'out/results.jsonl'));
    expect(recs).toHaveLength(6);
    expect(new Set(recs.map((r) => r.trial))).toEqual(new Set(expandTrials(spec).map((t) => t.id)));
    for (const r of recs) {
      expect(r.status).toBe('ok');
      expect(r.trial).toBe(trialId(r.config));
      expect(r.attempts).toBe(1);
    }
    // One process per trial.
    expect(readRuns(logFile)).toHaveLength(6);

    // The fake peaks at lr = 1e-3; tau does not matter, so the tie goes to the first (tau 0.5).
    const best = JSON.parse(readFileSync(join(dir, 'out/best.json'), 'utf8'));
    expect(best.config).toMatchObject({ lr: 1e-3, methodOptions: { tau: 0.5 } });
    expect(best.metric).toBe('valid.mean_auc');
    expect(best.value).toBeCloseTo(0.8, 12);
    expect(best.test).toMatchObject({ av_a: expect.any(Number), av_g: expect.any(Number), click: { auc: expect.any(Number) } });
    expect(summary.best?.trial).toBe(best.trial);
  });

  it('selects on validation, not on test', async () => {
    const dir = tempDir('select');
    const spec = parseSpec({
      grid: [
        { 'fake.valid': [{ mean_auc: 0.70 }], 'fake.test': [{ av_a: 0.90 }] },
        { 'fake.valid': [{ mean_auc: 0.75 }], 'fake.test': [{ av_a: 0.60 }] },
        { 'fake.valid': [{ mean_auc: 0.72 }], 'fake.test': [{ av_a: 0.95 }] },
      ],
      runner: FAKE_RUNNER,
    });
    const s = await runSweep(spec, { outDir: dir, workers: 2, progress: quiet });
    expect(s.best?.value).toBe(0.75);
    expect(s.best?.test).toEqual({ av_a: 0.6 });

    const minSpec = parseSpec({ ...JSON.parse(JSON.stringify(spec)), select: { metric: 'test.av_a', mode: 'min' } });
    const m = await runSweep(minSpec, { outDir: dir, workers: 2, progress: quiet });
    expect(m.ran).toBe(0);
    expect(m.best?.value).toBe(0.6);
  });

  it('retries a crashing trial, then reports it failed with its stderr, without losing the others', async () => {
    const dir = tempDir('crash');
    const logFile = join(dir, 'runs.log');
    const spec = parseSpec({
      base: { fake: { logFile } },
      grid: [{ lr: [1e-3, 1e-2] }, { lr: [1e-4], 'fake.crash': [true] }, { lr: [1e-5], 'fake.crashRuns': [1] }],
      runner: FAKE_RUNNER,
    });
    const [ok1, ok2, crasher, flaky] = expandTrials(spec);
    const s = await runSweep(spec, { outDir: join(dir, 'out'), workers: 2, retries: 2, progress: quiet });

    expect(s).toMatchObject({ trials: 4, done: 3, failed: 1 });
    const runs = countBy(readRuns(logFile).map(([id]) => id));
    expect(runs.get(crasher!.id)).toBe(3); // 1 + 2 retries
    expect(runs.get(flaky!.id)).toBe(2); // crashed once, then succeeded
    expect(runs.get(ok1!.id)).toBe(1);
    expect(runs.get(ok2!.id)).toBe(1);

    const recs = new Map(readResults(join(dir, 'out/results.jsonl')).map((r) => [r.trial, r]));
    expect(recs.size).toBe(4);
    const failed = recs.get(crasher!.id)!;
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(3);
    expect(failed.error).toMatch(/exited with code 3/);
    expect(failed.error).toMatch(/deliberate crash/);
    expect(recs.get(flaky!.id)).toMatchObject({ status: 'ok', attempts: 2 });
    expect(s.failures).toEqual([{ trial: crasher!.id, attempts: 3, error: failed.error }]);
    expect(s.best?.config.lr).toBe(1e-3);

    // A re-run keeps the failure; --retry-failed runs only the failed trial again.
    const again = await runSweep(spec, { outDir: join(dir, 'out'), workers: 2, retries: 0, progress: quiet });
    expect(again.ran).toBe(0);
    const retried = await runSweep(spec, { outDir: join(dir, 'out'), workers: 2, retries: 0, retryFailed: true, progress: quiet });
    expect(retried.ran).toBe(1);
    expect(countBy(readRuns(logFile).map(([id]) => id)).get(crasher!.id)).toBe(4);
  });

  it('fails a trial that times out or prints no JSON, with the reason', async () => {
    const dir = tempDir('timeout');
    const spec = parseSpec({
      grid: [{ 'fake.sleepMs': [60_000] }, { 'fake.badOutput': [true] }],
      runner: FAKE_RUNNER,
      // Long enough that the bad-output trial's process starts and ends on a loaded machine.
      timeoutSec: 5,
      retries: 0,
    });
    const s = await runSweep(spec, { outDir: dir, workers: 2, progress: quiet });
    expect(s).toMatchObject({ done: 0, failed: 2 });
    const errors = s.failures.map((f) => f.error).sort();
    expect(errors[0]).toMatch(/last stdout line is not a JSON object: done, no json here/);
    expect(errors[1]).toMatch(/timed out after 5 s/);
    expect(s.best).toBeUndefined();
  });

  it('resumes: a re-run skips finished trials and runs only new ones', async () => {
    const dir = tempDir('resume');
    const logFile = join(dir, 'runs.log');
    const out = join(dir, 'out');
    const first = await runSweep(baseSpec(logFile), { outDir: out, workers: 2, progress: quiet });
    expect(first.ran).toBe(6);
    expect(readRuns(logFile)).toHaveLength(6);

    const second = await runSweep(baseSpec(logFile), { outDir: out, workers: 2, progress: quiet });
    expect(second).toMatchObject({ skipped: 6, ran: 0, done: 6 });
    expect(readRuns(logFile)).toHaveLength(6);
    expect(second.best?.trial).toBe(first.best?.trial);

    // A wider grid: only the two new configs run.
    const wider = baseSpec(logFile, { grid: { lr: [1e-2, 1e-3, 1e-4, 1e-5], 'methodOptions.tau': [0.5, 1] } });
    const third = await runSweep(wider, { outDir: out, workers: 2, progress: quiet });
    expect(third).toMatchObject({ trials: 8, skipped: 6, ran: 2, done: 8 });
    expect(readRuns(logFile)).toHaveLength(8);
    const ids = readResults(join(out, 'results.jsonl')).map((r) => r.trial);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });
});

describe('mtlkit sweep (CLI)', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', CLI, 'sweep', ...args], { cwd: ROOT, encoding: 'utf8' });

  it('runs a spec and prints the summary as its last stdout line with --json', () => {
    const dir = tempDir('cli');
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify({ name: 'cli', grid: { lr: [1e-2, 1e-3] }, runner: FAKE_RUNNER }));
    const res = run([specPath, '--out', join(dir, 'out'), '--workers', '2', '--json']);
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary).toMatchObject({ name: 'cli', trials: 2, done: 2, failed: 0, best: { config: { lr: 1e-3 }, metric: 'valid.mean_auc' } });
    expect(res.stderr).toMatch(/sweep: 2\/2 finished/); // plain progress lines when not a TTY
  });

  it('exits non-zero with a one-line error naming the bad field', () => {
    const dir = tempDir('cli-bad');
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify({ grid: { lr: 0.001 } }));
    const res = run([specPath]);
    expect(res.status).not.toBe(0);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/"grid.lr" must be a non-empty array/);

    const res2 = run([join(dir, 'missing.json')]);
    expect(res2.status).not.toBe(0);
    expect(res2.stderr).toMatch(/cannot read sweep spec .*missing\.json: ENOENT/);
  });

  it('lists the trials with --dry-run and runs nothing', () => {
    const dir = tempDir('cli-dry');
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify({ grid: { lr: [1, 2, 3] }, runner: ['node', join(dir, 'nope.mjs')] }));
    const res = run([specPath, '--dry-run', '--json']);
    expect(res.status).toBe(0);
    const out = JSON.parse(res.stdout.trim().split('\n').pop()!);
    expect(out.trials.map((t: { config: { lr: number } }) => t.config.lr)).toEqual([1, 2, 3]);
  });
});

describe('examples/sweep-spec.json', () => {
  it('parses into a grid over the trainer config fields', () => {
    const trials = expandTrials(loadSpec(join(ROOT, 'examples/sweep-spec.json')));
    expect(trials).toHaveLength(24);
    const keys = new Set(trials.flatMap((t) => Object.keys(t.config)));
    expect([...keys].sort()).toEqual(['batchSize', 'epochs', 'l2', 'lr', 'method', 'methodOptions', 'seed']);
    expect(trials.filter((t) => t.config.method === 'ew').every((t) => t.config.methodOptions === undefined)).toBe(true);
  });
});

describe('threads per trial process', () => {
  it('N processes at once share the cores (at least one thread each); a user\'s MTLKIT_THREADS is kept', () => {
    expect(trialThreads(2, 2, {})).toBe('1');
    expect(trialThreads(1, 8, {})).toBe('8');
    expect(trialThreads(3, 8, {})).toBe('2');
    expect(trialThreads(16, 2, {})).toBe('1');
    expect(trialThreads(2, 2, { MTLKIT_THREADS: '2' })).toBeNull();
    expect(trialThreads(2, 2, { MTLKIT_THREADS: ' ' })).toBe('1');
  });
});
