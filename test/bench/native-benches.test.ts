import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildNativeBench } from '../../bench/native/build.ts';
import { whyNoNative, whyNoWideTile } from '../platform/native-support.ts';

/**
 * The C benches of bench/native build with the compile line their header gives and print
 * their line: a change to the kernel's API that leaves them behind fails here, not in a
 * reader's shell.
 */
const why = whyNoNative();
const wide = whyNoWideTile() === '';
const made: string[] = [];
afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

/** Compiles with the line in the file's header (bench/native/build.ts), in a fresh folder. */
function build(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtlkit-bench-'));
  made.push(dir);
  const b = buildNativeBench(source, dir);
  expect(b.why).toBeUndefined();
  return b.exe!;
}

describe.skipIf(why !== '')(`bench/native${why ? ` (skipped: ${why})` : ''}`, () => {
  it('sgemm-bench.c: GFLOP/s of the tile in use, bits equal on 2 threads and to the 6x16 tile', () => {
    const exe = build('bench/native/sgemm-bench.c');
    for (const [args, tile] of [[['37', '300', '70', '1', '0', '2'], wide ? '6x32 AVX-512' : '6x16 AVX2'], [['37', '300', '70', '0', '1', '2', '0'], '6x16 AVX2']] as const) {
      const run = spawnSync(exe, args, { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`threads=2 tile=${tile}: best [0-9.]+ GFLOP/s.*bits equal to 1 thread: yes, to the 6x16 tile: yes`));
    }
  });

  it('experts-bench.c: the seven first layers as seven calls and as one wide call, each part timed', () => {
    const run = spawnSync(build('bench/native/experts-bench.c'), ['2', '0.3'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const part = 'forward [0-9.]+ ms, dW [0-9.]+ ms, dx [0-9.]+ ms, all [0-9.]+ ms \\(mean of [0-9]+ rounds\\)';
    expect(run.stdout).toMatch(new RegExp(`^2 thread\\(s\\), seven calls  : ${part}\n2 thread\\(s\\), one wide call: ${part}\n$`));
  });

  it('pair-bench.c: a layer\'s backward as two calls and as one pair, their ratio, the same bits', () => {
    const run = spawnSync(build('bench/native/pair-bench.c'), ['2', '300', '40', '24', '0.2'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^2 thread\(s\), layer 300x40x24 backward: two calls [0-9.]+ ms, one pair [0-9.]+ ms, two calls \/ pair [0-9.]+x \(mean of \d+ rounds\); bits equal: yes\n$/);
  });

  it('chain-bench.c: the seven expert stacks forward and backward, layers split and experts paired, the same bits', () => {
    const run = spawnSync(build('bench/native/chain-bench.c'), ['2', '0'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const part = 'forward [0-9.]+ ms, backward [0-9.]+ ms, all [0-9.]+ ms \\(mean of [0-9]+ rounds\\)';
    expect(run.stdout).toMatch(new RegExp(`^2 thread\\(s\\), layers split  : ${part}\n2 thread\\(s\\), experts paired: ${part}\nbits equal: yes\n$`));
  });

  it.skipIf(availableParallelism() < 2)('cross-core.c: what a second CPU reads of what the first wrote, against the first and DRAM', () => {
    const run = spawnSync(build('bench/native/cross-core.c'), ['64'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^64 KB written on CPU (\d+): read on CPU \1 [0-9.]+ GB\/s, on CPU (\d+) [0-9.]+ GB\/s, on CPU \2 after a 256 MB flush [0-9.]+ GB\/s\n$/);
  });

  it('fma-peak.c: the multiply-add ceiling on one thread and on two, at each width the CPU has', () => {
    const run = spawnSync(build('bench/native/fma-peak.c'), ['2', '5'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const width = (name: string) => `${name}, 1 thread\\(s\\): [0-9.]+ GFLOP/s \\(best of 20 passes, [0-9.]+ us\\)\n${name}, 2 thread\\(s\\): [0-9.]+ GFLOP/s \\(best of 20 passes, [0-9.]+ us\\)\n`;
    expect(run.stdout).toMatch(new RegExp(`^${width('AVX2 \\(8 lanes\\)')}${wide ? width('AVX-512 \\(16 lanes\\)') : ''}$`));
  });

  it('bandwidth.c: GB/s on one thread and on two', () => {
    const run = spawnSync(build('bench/native/bandwidth.c'), ['2', '2'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^2 MB, 1 thread\(s\): [0-9.]+ GB\/s \(best of 40 passes, [0-9.]+ us\)\n2 MB, 2 thread\(s\): [0-9.]+ GB\/s/);
  });
});
