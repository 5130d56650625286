import { createRequire } from 'node:module';
import type { Backend, Storage } from '../backend.ts';
import { createJsBackend } from './js.ts';

/**
 * The gpu.js backend: matmul (all transpose forms), sumAxis and the Gram matrix as gpu.js
 * kernels over flat float32 arrays, compiled once per shape and cached. Everything else,
 * and every float64 call (gpu.js computes in float32), is the js twin's.
 *
 * The synchronous boundary. The engine calls kernels synchronously. gpu.js's GL and webasm
 * kernels are synchronous and are called in process. WebGPU kernels return Promises, and
 * a Promise cannot be awaited by a caller that must return now without blocking the very
 * event loop that would resolve it. The design for webgpu is therefore a bridge: gpu.js
 * runs in a worker thread of its own (its own event loop awaits the device), the main
 * thread copies operands into a SharedArrayBuffer, posts the job and blocks on Atomics.wait
 * until the worker has written the result back and notified. The engine stays synchronous;
 * the price is one copy each way, small next to a GPU readback. No machine with a GPU was
 * available while this was written, so that bridge is not built yet: asking for webgpu
 * here throws, and the registry falls back (to wasm, then js) with one warning.
 */
export type GpuMode = 'webasm' | 'webgpu' | 'cpu';

export interface GpuBackendOptions {
  /** gpu.js mode; default MTLKIT_GPU_MODE, else webasm (the only one without a GPU). */
  mode?: GpuMode;
}

export interface GpuBackend extends Backend {
  readonly name: 'gpu';
  readonly mode: GpuMode;
  /** Kernels compiled so far (one per op, transpose form and shape). */
  cachedKernels(): number;
}

interface GpuKernel {
  (...args: unknown[]): unknown;
  destroy?: () => void;
}
interface GpuInstance {
  createKernel(fn: (...args: never[]) => number, settings: Record<string, unknown>): GpuKernel;
  destroy(): void;
}
interface GpuModule {
  GPU: { new(opts: { mode: string }): GpuInstance; isWebAssemblySupported?: boolean };
}

function loadGpuJs(): GpuModule {
  const require = createRequire(import.meta.url);
  return require('gpu.js') as GpuModule;
}

/* Kernel bodies: gpu.js parses these functions' source, so they must stay plain functions. */
/* eslint-disable */
type K = { thread: { x: number; y: number }; constants: { k: number; n: number; m: number; len: number; inner: number; d: number } };

function mmNN(this: K, a: number[], b: number[]): number {
  let s = 0;
  for (let p = 0; p < this.constants.k; p++) s += a[this.thread.y * this.constants.k + p] * b[p * this.constants.n + this.thread.x];
  return s;
}
function mmNT(this: K, a: number[], b: number[]): number {
  let s = 0;
  for (let p = 0; p < this.constants.k; p++) s += a[this.thread.y * this.constants.k + p] * b[this.thread.x * this.constants.k + p];
  return s;
}
function mmTN(this: K, a: number[], b: number[]): number {
  let s = 0;
  for (let p = 0; p < this.constants.k; p++) s += a[p * this.constants.m + this.thread.y] * b[p * this.constants.n + this.thread.x];
  return s;
}
function mmTT(this: K, a: number[], b: number[]): number {
  let s = 0;
  for (let p = 0; p < this.constants.k; p++) s += a[p * this.constants.m + this.thread.y] * b[this.thread.x * this.constants.k + p];
  return s;
}
/** out[o][j] = sum_l x[o, l, j] (thread.y = o, thread.x = j). */
function sumMid(this: K, x: number[]): number {
  let s = 0;
  const base = this.thread.y * this.constants.len * this.constants.inner + this.thread.x;
  for (let l = 0; l < this.constants.len; l++) s += x[base + l * this.constants.inner];
  return s;
}
/** out[r][s] = sum_c g[r, c] g[s, c]. */
function gramK(this: K, g: number[]): number {
  let s = 0;
  const r = this.thread.y * this.constants.d, q = this.thread.x * this.constants.d;
  for (let c = 0; c < this.constants.d; c++) s += g[r + c] * g[q + c];
  return s;
}
/* eslint-enable */

function copyRows(rows: unknown, out: Storage, width: number, accumulate: boolean): void {
  const list = rows as ArrayLike<number>[] | ArrayLike<number>;
  if (list.length > 0 && typeof (list as ArrayLike<number>)[0] === 'number') {
    const flat = list as ArrayLike<number>;
    for (let i = 0; i < flat.length; i++) out[i] = accumulate ? out[i] + flat[i] : flat[i];
    return;
  }
  const rs = list as ArrayLike<number>[];
  for (let r = 0; r < rs.length; r++) {
    const row = rs[r], o = r * width;
    if (accumulate) for (let j = 0; j < width; j++) out[o + j] += row[j];
    else if (row instanceof Float32Array && out instanceof Float32Array) out.set(row, o);
    else for (let j = 0; j < width; j++) out[o + j] = row[j];
  }
}

export function createGpuBackend(opts: GpuBackendOptions = {}): GpuBackend {
  if (process.env.MTLKIT_SIMULATE_LOAD_FAILURE?.split(',').includes('gpu')) {
    throw new Error('simulated load failure (MTLKIT_SIMULATE_LOAD_FAILURE=gpu)');
  }
  const mode = opts.mode ?? (process.env.MTLKIT_GPU_MODE as GpuMode | undefined) ?? 'webasm';
  if (mode === 'webgpu') {
    throw new Error('gpu.js webgpu mode needs the worker bridge described in docs/backends.md, which is not built yet');
  }
  let lib: GpuModule;
  try {
    lib = loadGpuJs();
  } catch (e) {
    throw new Error(`gpu.js could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
  const gpu = new lib.GPU({ mode });
  const cache = new Map<string, GpuKernel>();
  const js = createJsBackend();

  function kernel(key: string, fn: (...args: never[]) => number, output: number[], constants: Record<string, number>): GpuKernel {
    let k = cache.get(key);
    if (!k) {
      k = gpu.createKernel(fn, { output, constants, tactic: 'precision', dynamicArguments: false });
      cache.set(key, k);
    }
    return k;
  }

  // Probe once so a broken gpu.js install fails here (and the registry falls back) rather
  // than in the middle of a training step.
  const probe = kernel('probe', mmNN as never, [1, 1], { k: 1, n: 1, m: 1 })(new Float32Array([2]), new Float32Array([3]));
  const probeValue = (probe as ArrayLike<ArrayLike<number>>)[0]?.[0] ?? (probe as ArrayLike<number>)[0];
  if (probeValue !== 6) throw new Error(`gpu.js ${mode} probe kernel returned ${String(probeValue)} instead of 6`);

  return {
    ...js,
    name: 'gpu',
    mode,
    cachedKernels: () => cache.size,
    describe: () => `gpu: gpu.js ${mode} kernels (matmul, sumAxis, gram; float32), ${cache.size} compiled`,
    matmul(a, b, c, m, k, n, transA, transB, accumulate) {
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || !(c instanceof Float32Array) || m * n * k === 0) {
        js.matmul(a, b, c, m, k, n, transA, transB, accumulate);
        return;
      }
      const fn = transA ? (transB ? mmTT : mmTN) : (transB ? mmNT : mmNN);
      const key = `mm${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${m}x${k}x${n}`;
      const out = kernel(key, fn as never, [n, m], { k, n, m })(a, b);
      copyRows(out, c, n, accumulate);
    },
    sumAxis(x, out, outer, len, inner) {
      if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || outer * len * inner === 0) {
        js.sumAxis(x, out, outer, len, inner);
        return;
      }
      const res = kernel(`sum:${outer}x${len}x${inner}`, sumMid as never, [inner, outer], { len, inner })(x);
      copyRows(res, out, inner, false);
    },
    gram(g, out, t, d) {
      if (!(g instanceof Float32Array) || t * d === 0) {
        js.gram(g, out, t, d);
        return;
      }
      const res = kernel(`gram:${t}x${d}`, gramK as never, [t, t], { d })(g);
      copyRows(res, out, t, false);
    },
  };
}

let shared: GpuBackend | null = null;

/** The process-wide gpu backend, created on first use. */
export function gpuBackend(): GpuBackend {
  if (shared === null) shared = createGpuBackend();
  return shared;
}
