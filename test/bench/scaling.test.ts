import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { whyNoNative } from '../platform/native-support.ts';

/**
 * bench/scaling.ts runs end to end on a small batch: the step split into kernels and the rest
 * on one thread and two, chain-bench's ceilings where it builds, and the bounds computed from
 * the figures it printed (the formula, not a speed).
 */
const why = whyNoNative();

describe.skipIf(availableParallelism() < 2)('bench/scaling.ts', () => {
  it('prints the split, the ceilings and the bounds they give', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'scaling', '--rounds', '1', '--steps', '2', '--warmup', '1', '--settle', '2', '--batch', '64', '--chain-seconds', '0', '--by-op', '5', '--json'],
      { encoding: 'utf8', timeout: 300_000, env: { ...process.env, MTLKIT_THREADS: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/after 2 settling steps on each/);
    expect(r.stderr).toMatch(/round 1, 1 thread\(s\): step [0-9.]+ ms = kernels [0-9.]+ \+ the rest/);
    expect(r.stderr).toMatch(/gain from the second thread: the step [0-9.]+x, its kernels [0-9.]+x, the rest [0-9.]+x/);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const s of [...j.rounds.one, ...j.rounds.two]) {
      expect(s.step).toBeGreaterThan(0);
      expect(s.kernels).toBeGreaterThan(0);
      expect(s.kernels + s.rest).toBeCloseTo(s.step, 9);
      // The op families' times, the kernels' among them.
      const kernels = Object.entries(s.families as Record<string, number>).filter(([f]) => f.startsWith('kernel.')).reduce((a, [, ms]) => a + ms, 0);
      expect(kernels).toBeCloseTo(s.kernels, 9);
    }
    // On two threads the worker's time in jobs and idle split the step.
    for (const s of j.rounds.two) {
      expect(s.busy).toBeGreaterThanOrEqual(0);
      expect(s.busy + s.idle).toBeCloseTo(s.step, 9);
    }
    expect(r.stderr).toMatch(/two threads: the worker idle [0-9.]+ ms of the [0-9.]+ ms step \(median\); (1\.8x needs the step [0-9.]+ ms shorter|the step is at 1\.8x or better)/);
    // --by-op: every family by its loss from one thread to two, each the means of the rounds' families.
    expect(r.stderr).toMatch(/by op, one thread against two .*the [0-9]+ that lose most:\n {2}\S.* one [0-9.]+ {2}two [0-9.]+ {2}lost -?[0-9.]+/);
    const fam = (rounds: { families: Record<string, number> }[], f: string): number => rounds.reduce((a, x) => a + (x.families[f] ?? 0), 0) / rounds.length;
    expect(j.byThreads.length).toBeGreaterThan(0);
    for (const f of j.byThreads) {
      expect(f.lost).toBeCloseTo(f.two - f.one / 2, 12);
      // One thread forms no pairs: a family's one-thread time is its own.
      expect(f.one).toBeCloseTo(fam(j.rounds.one, f.family), 9);
    }
    for (let i = 1; i < j.byThreads.length; i++) expect(j.byThreads[i].lost).toBeLessThanOrEqual(j.byThreads[i - 1].lost);
    const { T1, T2, K1, J2 } = j.medians;
    expect(j.gain).toBeCloseTo(T1 / T2, 12);
    expect(j.boundPerfect).toBeCloseTo(T1 / (K1 / 2 + J2), 12);
    if (why !== '') {
      expect(j.chain.skipped).toBeTruthy();
      expect(j.placement.skipped).toBeTruthy();
      return;
    }
    // The placement probe around the one two-thread run: two readings, the round in one group.
    expect(j.placement.probes).toHaveLength(1);
    for (const p of j.placement.probes[0]) for (const k of ['own', 'other', 'flushed']) expect(p[k]).toBeGreaterThan(0);
    const { shared, apart } = j.placement.byPlacement;
    expect((shared?.rounds ?? 0) + (apart?.rounds ?? 0)).toBe(1);
    expect(r.stderr).toMatch(/by the vCPUs' placement .*: shared (none|1 round\(s\), two threads [0-9.]+ ms, gain [0-9.]+x); apart (none|1 round)/);
    // One round has one placement: --by-op has nothing to compare, and says so.
    expect(r.stderr).toMatch(/by op: every round had one placement; nothing to compare/);
    expect(j.placement.byOp).toBeNull();
    expect(j.chain.runs).toHaveLength(4);
    expect(j.chain.processes).toHaveLength(2);
    expect(j.bound).toBeCloseTo(T1 / (K1 / j.chain.ceiling + J2), 12);
    expect(j.boundMachine).toBeCloseTo(T1 / (K1 / j.chain.machine + J2), 12);
    expect(r.stderr).toMatch(/the machine's own \(two processes against one, mean of the pairs\): [0-9.]+x/);
  }, 300_000);
});
