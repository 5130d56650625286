/**
 * What a sweep leaves on disk and says on the console: config errors are not retried, failure
 * lines carry the stderr they report, and every trial's files live in `<out>/trials/<id>/`,
 * holding only its last attempt's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { expandTrials, failureMessage, parseSpec, runSweep } from '../../src/sweep/index.ts';
import { CLI, countBy, FAKE_RUNNER, readResults, readRuns, ROOT, tempDir } from './helpers.ts';

/** A progress stream that keeps every line the sweep prints. */
function logSink(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { stream: s as unknown as NodeJS.WriteStream, lines: () => text.split('\n').filter((l) => l.trim()) };
}

describe('sweep trial failures', () => {
  it('a config error (exit 2) is recorded after one attempt; a crash is retried; every console line carries its stderr', async () => {
    const dir = tempDir('cfgerr');
    const logFile = join(dir, 'runs.log');
    const spec = parseSpec({
      base: { fake: { logFile } },
      grid: [{ lr: [1e-3] }, { lr: [1e-4], 'fake.configError': [true] }, { lr: [1e-5], 'fake.crash': [true] }, { lr: [1e-6], 'fake.silentCrash': [true] }],
      runner: FAKE_RUNNER,
    });
    const [, bad, crasher, silent] = expandTrials(spec);
    const sink = logSink();
    const s = await runSweep(spec, { outDir: join(dir, 'out'), workers: 2, retries: 2, progress: { stream: sink.stream, tty: false } });
    expect(s).toMatchObject({ trials: 4, done: 1, failed: 3 });
    const runs = countBy(readRuns(logFile).map(([id]) => id));
    expect(runs.get(bad!.id)).toBe(1);
    expect(runs.get(crasher!.id)).toBe(3);
    const recs = new Map(readResults(join(dir, 'out/results.jsonl')).map((r) => [r.trial, r]));
    expect(recs.get(bad!.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(recs.get(bad!.id)!.error).toBe("exited with code 2 (a config error: not retried): fake-trial: config: method 'nope' is not a balancer");
    expect(recs.get(silent!.id)!.error).toBe('exited with code 3');

    const lines = sink.lines();
    expect(lines.some((l) => l.endsWith('stderr tail:'))).toBe(false);
    expect(lines.find((l) => l.includes(bad!.id))).toMatch(/failed after 1 attempt\(s\): exited with code 2 \(a config error: not retried\): fake-trial: config: method 'nope'/);
    expect(lines.find((l) => l.includes(`trial ${crasher!.id} failed (attempt 1), retrying`))).toMatch(/exited with code 3: fake-trial: deliberate crash/);
  });

  it('failureMessage: one self-contained first line; the tail only when stderr has more than it', () => {
    expect(failureMessage('exited with code 1', '')).toBe('exited with code 1');
    expect(failureMessage('exited with code 1', '  \n')).toBe('exited with code 1');
    expect(failureMessage('exited with code 1', 'boom\n')).toBe('exited with code 1: boom');
    expect(failureMessage('exited with code 1', 'at a\nboom\n\n')).toBe('exited with code 1: boom\nstderr tail:\nat a\nboom');
  });
});

describe('sweep trial folders', () => {
  it('each attempt starts from an empty trial folder: a crashed attempt leaves nothing beside the next', async () => {
    const dir = tempDir('attempts');
    const logFile = join(dir, 'runs.log');
    const spec = parseSpec({ base: { fake: { logFile, touch: true, crashRuns: 1 } }, grid: { lr: [1e-3] }, runner: FAKE_RUNNER });
    const [t] = expandTrials(spec);
    const s = await runSweep(spec, { outDir: join(dir, 'out'), workers: 1, retries: 1, progress: { quiet: true } });
    expect(s).toMatchObject({ done: 1, failed: 0 });
    expect(readdirSync(join(dir, 'out/trials'))).toEqual([t!.id]);
    expect(readdirSync(join(dir, 'out/trials', t!.id)).sort()).toEqual(['config.json', 'run']);
    expect(readdirSync(join(dir, 'out/trials', t!.id, 'run'))).toEqual(['attempt-2']);
  });

  it('mtlkit sweep with the default runner: run folders under <out>/trials/<id>/run, none in the current folder; a bad method is not retried', () => {
    const dir = tempDir('cwd');
    const spec = {
      name: 'tiny',
      base: { data: { kind: 'synthetic', rows: 300, users: 20, items: 50 }, model: 'shared-bottom', epochs: 1, batchSize: 100, checkpoint: false, diagnosticsEvery: 0 },
      grid: [{ method: ['ew'] }, { method: ['no-such-method'] }],
      retries: 2,
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    // tsx resolved here: the sweep runs in a folder with no node_modules.
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, CLI, 'sweep', 'spec.json', '--out', 'out', '--workers', '2', '--json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { done: number; failed: number; failures: { trial: string; attempts: number; error: string }[] };
    expect(summary).toMatchObject({ done: 1, failed: 1 });
    expect(summary.failures[0]!.attempts).toBe(1);
    expect(summary.failures[0]!.error).toMatch(/^exited with code 2 \(a config error: not retried\): mtlkit: train: .*no-such-method/);
    expect(readdirSync(dir).sort()).toEqual(['out', 'spec.json']);
    const [good] = readResults(join(dir, 'out/results.jsonl')).filter((x) => x.status === 'ok');
    expect(existsSync(join(dir, 'out/trials', good!.trial, 'run', 'final.json'))).toBe(true);
  }, 120_000);
});
