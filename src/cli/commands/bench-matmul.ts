import type { Command } from 'commander';
import type { Backend } from '../../tensor/backend.ts';
import { autoBackend } from '../../tensor/backends/auto.ts';
import { createGpuBackend } from '../../tensor/backends/gpu.ts';
import { createJsBackend } from '../../tensor/backends/js.ts';
import { createWasmBackend, threadsFromEnv, type MatmulKernel, type WasmBackend } from '../../tensor/backends/wasm.ts';
import { ikjMatmul } from '../../bench/index.ts';
import { repsFor, timeMs } from '../../tensor/timing.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit bench matmul --m 2048 --k 320 --n 256 [--transpose none|a|b] [--backend js|wasm|gpu|auto]
 * [--threads N] [--kernel wasm|native|both] [--json]`: median time and GFLOP/s of one float32
 * matmul C = op(A)·op(B) (op(A) m x k, op(B) k x n), beside the plain i-k-j loop measured in the
 * same run. On the wasm backend `--kernel both` (the default where the native matmul loads)
 * measures the wasm and the native kernel in the same process, interleaved, and their ratio.
 */
export interface MatmulBenchResult {
  backend: string;
  threads: number;
  m: number; k: number; n: number;
  transpose: 'none' | 'a' | 'b';
  dtype: 'float32';
  reps: number;
  ms: number;
  gflops: number;
  baseline_ms: number;
  baseline_gflops: number;
  speedup: number;
  /** For auto: the backend its plan picked for this shape. */
  picked?: string;
  /** The wasm backend's float32 matmul kernel (native AVX2 / FMA or wasm SIMD). */
  kernel?: MatmulKernel;
}

/** `--kernel both`: the two kernels' medians over interleaved rounds, and native / wasm. */
export interface MatmulKernelsResult {
  wasm: MatmulBenchResult;
  native: MatmulBenchResult;
  /** native GFLOP/s over wasm GFLOP/s. */
  ratio: number;
  rounds: number;
}

/** The backend a run measures; `pick` (auto only) names the backend its plan picks for a matmul. */
export interface BenchTarget {
  be: Backend;
  pick?: (work: number) => string;
  /** Releases what was made for this run only (a fresh wasm backend's threads). */
  close(): void;
}

export function makeBackend(name: string, threads?: number, native?: boolean): BenchTarget {
  switch (name) {
    case 'js': return { be: createJsBackend(), close: () => {} };
    case 'wasm': {
      const be = createWasmBackend({ threads, native });
      return { be, close: () => be.close() };
    }
    case 'gpu': return { be: createGpuBackend(), close: () => {} };
    case 'auto': {
      // The process-wide auto backend: not closed.
      const be = autoBackend();
      return { be, pick: (work) => be.pick('matmul', work), close: () => {} };
    }
    default: throw new CliError(`--backend must be js, wasm, gpu or auto, got "${name}"`);
  }
}

function filled(be: Backend, n: number, seed: number): Float32Array {
  const a = be.alloc('float32', n) as Float32Array;
  let s = seed | 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) | 0; a[i] = ((s >>> 8) / 16777216) - 0.5; }
  return a;
}

export function benchMatmul(
  be: Backend, m: number, k: number, n: number, transpose: 'none' | 'a' | 'b',
  opts: { baselineMs?: number; pick?: BenchTarget['pick'] } = {},
): MatmulBenchResult {
  const a = filled(be, m * k, 1), b = filled(be, k * n, 2), c = be.alloc('float32', m * n);
  const ta = transpose === 'a', tb = transpose === 'b';
  const flops = 2 * m * k * n;
  const once = timeMs(() => be.matmul(a, b, c, m, k, n, ta, tb, false), 1, 1);
  const reps = repsFor(once, 1500);
  const ms = timeMs(() => be.matmul(a, b, c, m, k, n, ta, tb, false), reps, 0);
  let base = opts.baselineMs;
  if (base === undefined) {
    const pa = new Float32Array(a), pb = new Float32Array(b), pc = new Float32Array(m * n);
    const first = timeMs(() => ikjMatmul(pa, pb, pc, m, k, n), 1, 0);
    base = timeMs(() => ikjMatmul(pa, pb, pc, m, k, n), first > 200 ? 3 : 5, 0);
  }
  return {
    backend: be.name,
    threads: be.threads,
    m, k, n, transpose, dtype: 'float32', reps,
    ms: round(ms, 4),
    gflops: significant(flops / ms / 1e6, 3),
    baseline_ms: round(base, 3),
    baseline_gflops: significant(flops / base / 1e6, 3),
    speedup: round(base / ms, 1),
    ...(opts.pick ? { picked: opts.pick(m * k * n) } : {}),
    ...(isWasm(be) ? { kernel: be.matmulKernel } : {}),
  };
}

function isWasm(be: Backend): be is WasmBackend {
  return 'matmulKernel' in be;
}

/**
 * The wasm and the native kernel on the same shape, in the same process: `rounds` rounds, each
 * timing wasm then native, so a burst of load on this shared machine hits both; medians.
 */
export function benchMatmulKernels(
  wasm: Backend, native: Backend, m: number, k: number, n: number, transpose: 'none' | 'a' | 'b', rounds = 3,
): MatmulKernelsResult {
  const runs: Record<MatmulKernel, MatmulBenchResult[]> = { wasm: [], native: [] };
  let baselineMs: number | undefined;
  for (let r = 0; r < rounds; r++) {
    for (const [kernel, be] of [['wasm', wasm], ['native', native]] as const) {
      const res = benchMatmul(be, m, k, n, transpose, { baselineMs });
      baselineMs = res.baseline_ms;
      runs[kernel].push(res);
    }
  }
  const median = (xs: MatmulBenchResult[]): MatmulBenchResult => [...xs].sort((x, y) => x.ms - y.ms)[xs.length >> 1];
  const w = median(runs.wasm), nat = median(runs.native);
  return { wasm: w, native: nat, ratio: round(nat.gflops / w.gflops, 2), rounds };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** A rate to `digits` significant digits: a slow tiny matmul must not print as 0 GFLOP/s. */
function significant(x: number, digits: number): number {
  return x > 0 && Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function registerBenchMatmul(bench: Command): void {
  bench
    .command('matmul')
    .description('median time and GFLOP/s of one float32 matmul on a backend, beside the plain i-k-j loop')
    .option('--m <n>', 'rows of op(A) and C', positive('--m'), 2048)
    .option('--k <n>', 'inner dimension', positive('--k'), 320)
    .option('--n <n>', 'columns of op(B) and C', positive('--n'), 256)
    .option('--transpose <which>', 'none | a (Aᵀ·B) | b (A·Bᵀ)', 'none')
    .option('--backend <name>', 'js | wasm | gpu | auto (default: MTLKIT_BACKEND, else wasm)')
    .option('--threads <n>', 'wasm threads (default: MTLKIT_THREADS, else the core count)', positive('--threads'))
    .option('--kernel <which>', 'wasm backend only: wasm | native | both (default: both where the native matmul loads, else wasm)')
    .option('--json', 'print one JSON object')
    .action((o: { m: number; k: number; n: number; transpose: string; backend?: string; threads?: number; kernel?: string; json?: boolean }) => {
      if (!['none', 'a', 'b'].includes(o.transpose)) throw new CliError(`--transpose must be none, a or b, got "${o.transpose}"`);
      if (o.kernel !== undefined && !['wasm', 'native', 'both'].includes(o.kernel)) throw new CliError(`--kernel must be wasm, native or both, got "${o.kernel}"`);
      const name = o.backend ?? process.env.MTLKIT_BACKEND ?? 'wasm';
      if (o.kernel !== undefined && name !== 'wasm') throw new CliError(`--kernel applies to the wasm backend only, not ${name}`);
      const threads = o.threads ?? threadsFromEnv();
      if (name === 'wasm' && o.kernel !== 'wasm') {
        const native = createWasmBackend({ threads, native: true });
        if (native.matmulKernel !== 'native') {
          native.close();
          if (o.kernel === 'native' || o.kernel === 'both') throw new CliError(`--kernel ${o.kernel}: native matmul unavailable: ${native.nativeReason}`, 1);
        } else if (o.kernel === 'native') {
          report(benchMatmul(native, o.m, o.k, o.n, o.transpose as 'none' | 'a' | 'b'), o.json);
          native.close();
          return;
        } else {
          const wasm = createWasmBackend({ threads, native: false });
          const r = benchMatmulKernels(wasm, native, o.m, o.k, o.n, o.transpose as 'none' | 'a' | 'b');
          wasm.close();
          native.close();
          if (o.json) printJson(r);
          else {
            report(r.wasm, false);
            report(r.native, false);
            process.stdout.write(`native / wasm: ${r.ratio}x (medians of ${r.rounds} interleaved rounds)\n`);
          }
          return;
        }
      }
      let target: BenchTarget;
      try {
        target = makeBackend(name, threads, name === 'wasm' ? false : undefined);
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`backend ${name} could not start: ${e instanceof Error ? e.message : String(e)}`, 1);
      }
      const r = benchMatmul(target.be, o.m, o.k, o.n, o.transpose as 'none' | 'a' | 'b', { pick: target.pick });
      target.close();
      report(r, o.json);
    });
}

function report(r: MatmulBenchResult, json: boolean | undefined): void {
  if (json) {
    printJson(r);
    return;
  }
  const what = `${r.backend}${r.kernel ? ` (${r.kernel} matmul)` : ''}${r.picked ? ` (picked ${r.picked})` : ''}`;
  process.stdout.write(`${what}, ${r.threads} thread(s): [${r.m}x${r.k}]·[${r.k}x${r.n}] transpose=${r.transpose}: ` +
    `${r.ms} ms, ${r.gflops} GFLOP/s; i-k-j baseline ${r.baseline_gflops} GFLOP/s (${r.speedup}x)\n`);
}
