/**
 * The warm-up bench's thread accounting (bench/jit/threads.ts): which threads count as main,
 * kernel and Node / V8's own, and that /proc's reading moves with this thread's own work.
 * `npm run bench -- warmup` runs the bench itself.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { newThreads, splitCpu, threadCpuNs } from '../../bench/jit/threads.ts';

describe('bench warmup: CPU per thread', () => {
  it('splits the CPU between two readings into main, kernel and the rest; a thread started in between counts from zero', () => {
    const from = new Map([[100, 5e6], [101, 1e6], [102, 0]]);
    const to = new Map([[100, 9e6], [101, 4e6], [102, 2e6], [103, 7e6]]);
    const s = splitCpu(from, to, 100, new Set([101, 103]));
    expect(s).toEqual({ main: 4, kernel: 3 + 7, other: 2 });
  });

  it('the threads a backend started are those present after it and not before', () => {
    const before = new Map([[1, 0], [2, 0]]);
    const after = new Map([[1, 0], [2, 0], [7, 0], [9, 0]]);
    expect([...newThreads(before, after)].sort()).toEqual([7, 9]);
  });

  it.runIf(process.platform === 'linux')('reads this process\'s threads from /proc, and their time grows with the work of this one', () => {
    const a = threadCpuNs();
    expect(a).not.toBeNull();
    expect(a!.has(process.pid)).toBe(true);
    // Work until the threads' time moves (a bounded wait, not a timing): it moves with the work.
    // (The test may run on the process's main thread or a worker thread: count them all.)
    const used = (): number => { const s = splitCpu(a!, threadCpuNs()!, process.pid, new Set()); return s.main + s.other; };
    // At least one round: the time may have moved already, before any work of the test's own.
    let x = 0, round = 0;
    do for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + 1);
    while (++round < 1000 && used() === 0);
    expect(x).toBeGreaterThan(0);
    expect(used()).toBeGreaterThan(0);
  });

  const bench = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'warmup', ...args],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MTLKIT_THREADS: '' } });

  it('runs end to end: a fresh process per thread count, its steps in blocks, each block\'s CPU per group of threads', () => {
    const r = bench('--steps', '5', '--block', '2', '--batch', '64', '--threads', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(j.runs).toHaveLength(1);
    const run = j.runs[0];
    expect(run.threads).toBe(1);
    // Five steps in blocks of two: the last block holds the one left.
    expect(run.blocks.map((b: { from: number; to: number }) => [b.from, b.to])).toEqual([[0, 1], [2, 3], [4, 4]]);
    for (const b of run.blocks) {
      expect(b.ms).toBeGreaterThan(0);
      if (process.platform !== 'linux') continue;
      expect(b.cpu.main).toBeGreaterThan(0);
      // One thread: the backend started no kernel threads.
      expect(b.cpu.kernel).toBe(0);
    }
    expect(r.stderr).toMatch(/\| 0-1 \| [0-9.]+ \|/);
  }, 120_000);

  it.runIf(process.platform === 'linux' && availableParallelism() >= 2)('on two threads the kernel thread the backend started is told from Node\'s own', () => {
    const r = bench('--steps', '4', '--block', '4', '--batch', '256', '--threads', '2', '--json');
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).runs[0];
    expect(run.threads).toBe(2);
    expect(run.blocks[0].cpu.kernel).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a step count that is not a whole number', () => {
    const r = bench('--steps', 'x');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/warmup: --steps must be a whole number >= 1, got "x"/);
  });
});
