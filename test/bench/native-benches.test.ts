import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The C benches of bench/native build with the compile line their header gives and print
 * their line: a change to the kernel's API that leaves them behind fails here, not in a
 * reader's shell.
 */
function whyNot(): string {
  if (process.arch !== 'x64') return `the CPU is ${process.arch}, not x86-64`;
  if (process.platform !== 'linux') return `${process.platform}: only Linux is set up to build them`;
  const cpu = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  if (!/\bavx2\b/.test(cpu) || !/\bfma\b/.test(cpu)) return 'this CPU lacks AVX2 or FMA';
  if (spawnSync(process.env.CC || 'cc', ['--version'], { stdio: 'ignore' }).status !== 0) return 'no C compiler (cc)';
  return '';
}
const why = whyNot();
const wide = !why && /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));

/** Compiles with the line in the file's header (its `cc ...` line, the output path replaced). */
function build(source: string): string {
  const line = readFileSync(source, 'utf8').split('\n').find((l) => /^\s\*\s+cc /.test(l));
  expect(line, `${source} names its compile line`).toBeDefined();
  const args = line!.replace(/^\s\*\s+cc\s+/, '').trim().split(/\s+/);
  const exe = join(mkdtempSync(join(tmpdir(), 'mtlkit-bench-')), 'bench');
  args[args.indexOf('-o') + 1] = exe;
  const cc = spawnSync(process.env.CC || 'cc', args, { encoding: 'utf8' });
  expect(cc.stderr).toBe('');
  expect(cc.status).toBe(0);
  return exe;
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

  it('bandwidth.c: GB/s on one thread and on two', () => {
    const run = spawnSync(build('bench/native/bandwidth.c'), ['2', '2'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^2 MB, 1 thread\(s\): [0-9.]+ GB\/s \(best of 40 passes, [0-9.]+ us\)\n2 MB, 2 thread\(s\): [0-9.]+ GB\/s/);
  });
});
