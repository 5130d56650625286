import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { benchBalancedStep } from '../../src/bench/balanced-step.ts';

const tiny = { model: 'ple-lite' as const, batch: 32, fields: 3, vocab: 50, tasks: 3, steps: 2, warmup: 1 };

describe('benchBalancedStep: the real balanced step for any balancer and mode', () => {
  it('param mode per-task path (T backwards, compact d), rep mode over B x width, loss path for EW', () => {
    const gc = benchBalancedStep({ ...tiny, method: 'gradcraft', mode: 'param' });
    expect(gc).toMatchObject({ method: 'gradcraft', mode: 'param', path: 'per-task', tasks: 3, steps: 2 });
    expect(gc.d).toBeGreaterThan(0);
    expect(gc.d).toBeLessThan(gc.params);
    const mb = benchBalancedStep({ ...tiny, method: 'multibalance', mode: 'rep' });
    expect(mb).toMatchObject({ method: 'multibalance', mode: 'rep', path: 'per-task' });
    expect(mb.d % tiny.batch).toBe(0); // B x repWidth
    const ew = benchBalancedStep({ ...tiny, method: 'ew', mode: 'param' });
    expect(ew).toMatchObject({ path: 'loss', d: 0 });
    const db = benchBalancedStep({ ...tiny, method: 'dbmtl', mode: 'param' });
    expect(db.d).toBeGreaterThan(gc.d); // the fixed layout: whole shared tables
    for (const r of [gc, mb, ew, db]) {
      for (const k of ['ms_per_step', 'samples_per_s', 'peak_rss_mb'] as const) expect(Number.isFinite(r[k]) && r[k] > 0, k).toBe(true);
      for (const v of Object.values(r.phases_ms)) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('mtlkit bench step --method --mode --json prints the contract object; a param-only method refuses rep', () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', 'step', '--model', 'ple-lite', '--batch', '32', '--fields', '3', '--vocab', '50', '--tasks', '3', '--steps', '2', '--warmup', '1', ...args], { encoding: 'utf8', timeout: 120_000 });
    const ok = cli(['--method', 'gradcraft', '--mode', 'param', '--opt', 'tau=0.2', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    const r = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    expect(r).toMatchObject({ method: 'gradcraft', mode: 'param', model: 'ple-lite', path: 'per-task' });
    for (const k of ['samples_per_s', 'ms_per_step', 'peak_rss_mb']) expect(typeof r[k]).toBe('number');
    const ko = cli(['--method', 'dbmtl', '--mode', 'rep', '--json']);
    expect(ko.status).not.toBe(0);
    expect(ko.stderr).toMatch(/balancer 'dbmtl' runs in mode 'param', not 'rep'/);
    // --profile --shapes: one matmul family per shape, as many rows as --top asks.
    const shapes = cli(['--profile', '--shapes', '--top', '40']);
    expect(shapes.status, shapes.stderr).toBe(0);
    expect(shapes.stdout).toMatch(/by op family \(self ms\/step, calls\/step\), top 40:/);
    expect(shapes.stdout).toMatch(/kernel\.linearForward 32x\d+x\d+ /);
    expect(shapes.stdout).toMatch(/kernel\.linearReluBackward 32x\d+x\d+ /);
    const alone = cli(['--shapes']);
    expect(alone.status).not.toBe(0);
    expect(alone.stderr).toMatch(/--shapes needs --profile/);
    // --idle: the profile on the kernel threads' idle clock, where there are kernel threads.
    const idleAlone = cli(['--idle']);
    expect(idleAlone.status).not.toBe(0);
    expect(idleAlone.stderr).toMatch(/--idle needs --profile/);
    const env = (threads: string) => ({ ...process.env, MTLKIT_THREADS: threads, MTLKIT_BACKEND: 'wasm' });
    const cliOn = (threads: string, args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bench', 'step', '--model', 'ple-lite', '--batch', '32', '--fields', '3', '--vocab', '50', '--tasks', '3', '--steps', '2', '--warmup', '1', ...args], { encoding: 'utf8', timeout: 120_000, env: env(threads) });
    const one = cliOn('1', ['--profile', '--idle']);
    expect(one.status).not.toBe(0);
    expect(one.stderr).toMatch(/--idle needs kernel threads/);
    if (availableParallelism() >= 2) {
      const two = cliOn('2', ['--profile', '--idle']);
      expect(two.status, two.stderr).toBe(0);
      expect(two.stdout).toMatch(/the worker in jobs [0-9.]+ ms\/step \(mean\)\n/);
      expect(two.stdout).toMatch(/profile: 2 step\(s\), -?[0-9.]+ ms\/step worker idle\n/);
    }
  });
});
