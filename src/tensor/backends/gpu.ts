import type { Backend, Storage } from '../backend.ts';
import { createJsBackend } from './js.ts';
import { linearBackwardVia, linearForwardPairVia, linearForwardVia, linearStackForwardVia, linearReluBackwardPairVia, linearReluBackwardVia, matmulCheckedVia } from './elementwise-js.ts';
import { GpuBridge } from '../gpu/bridge.ts';
import { describeGpuJsKernel } from '../gpu/device.ts';
import { host, need } from '../../platform/host.ts';

/**
 * The gpu.js backend: matmul (all transpose forms), sumAxis and the Gram matrix as gpu.js
 * kernels over flat float32 arrays, compiled once per shape and cached. Everything else,
 * and every float64 call (gpu.js computes in float32), is the js twin's.
 *
 * The synchronous boundary. The engine calls kernels synchronously. gpu.js's GL and webasm
 * kernels are synchronous and run in process. WebGPU kernels return Promises, and a thread
 * cannot block on a Promise its own event loop must resolve, so in the asynchronous modes
 * (`webgpu`, and `async`, which exercises the same path without a GPU) gpu.js runs in a
 * worker thread behind ../gpu/bridge.ts: operands are copied into a SharedArrayBuffer, the
 * job is posted, and the caller blocks in Atomics.wait until the worker has awaited the
 * kernel and written the result back. The engine stays synchronous; the price is one copy
 * each way, small next to a GPU readback. No machine with a GPU was available while this was
 * written: webgpu is untested (it needs a WebGPU adapter through the `webgpu` package's
 * Dawn binding); without one, creating the backend throws and the fallback moves on.
 */
export type GpuMode = 'webasm' | 'webgpu' | 'async' | 'cpu' | 'webgl2' | 'webgl' | 'gpu';
const MODES: readonly GpuMode[] = ['webasm', 'webgpu', 'async', 'cpu', 'webgl2', 'webgl', 'gpu'];

export interface GpuBackendOptions {
  /**
   * gpu.js mode; default MTLKIT_GPU_MODE, else webasm (a web host defaults it to webgl2).
   * webgpu and async go through the bridge; webgl2, webgl and gpu (gpu.js's pick) need a page.
   */
  mode?: GpuMode;
}

export interface GpuBackend extends Backend {
  readonly name: 'gpu';
  readonly mode: GpuMode;
  /** The API and device the kernels run on ("WebGL2, ANGLE (...)", "the CPU (gpu.js webasm kernels ...)"). */
  device(): string;
  /** Kernels compiled so far (one per op, transpose form and shape). */
  cachedKernels(): number;
  close(): void;
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
  return need('gpuJs', 'pass the gpu.js module to the host (createWebHost({ gpuJs }))')() as GpuModule;
}

/* Kernel bodies: gpu.js parses these functions' source, so they must stay plain functions. */
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

/** Gram widths above this are padded to a multiple of it (see gram below). */
export const GRAM_BUCKET = 1 << 16;

export function createGpuBackend(opts: GpuBackendOptions = {}): GpuBackend {
  const mode = opts.mode ?? (host().env('MTLKIT_GPU_MODE') as GpuMode | undefined) ?? 'webasm';
  if (!MODES.includes(mode)) throw new Error(`unknown gpu.js mode "${mode}" (${MODES.join(', ')})`);
  const js = createJsBackend();
  const cache = new Map<string, GpuKernel>();
  let gramPad = new Float32Array(0);
  let bridge: GpuBridge | null = null;
  let gpu: GpuInstance | null = null;
  if (mode === 'webgpu' || mode === 'async') {
    bridge = new GpuBridge(mode);
  } else {
    let lib: GpuModule;
    try {
      lib = loadGpuJs();
    } catch (e) {
      throw new Error(`gpu.js could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    }
    gpu = new lib.GPU({ mode });
  }

  /** Runs kernel `fn` (compiled once per key) and leaves its rows, concatenated, in `out`. */
  function run(key: string, fn: (...args: never[]) => number, output: number[], constants: Record<string, number>,
    inputs: Float32Array[], out: Storage, outLength: number, accumulate: boolean): void {
    if (bridge) {
      if (!accumulate && out instanceof Float32Array) {
        bridge.run(key, fn.toString(), output, constants, inputs, out, outLength);
        return;
      }
      const tmp = new Float32Array(outLength);
      bridge.run(key, fn.toString(), output, constants, inputs, tmp, outLength);
      copyRows(tmp, out, outLength, accumulate);
      return;
    }
    let k = cache.get(key);
    if (!k) {
      k = gpu!.createKernel(fn, { output, constants, tactic: 'precision', dynamicArguments: false });
      cache.set(key, k);
    }
    copyRows(k(...inputs), out, output[0], accumulate);
  }

  // Probe once so a broken gpu.js install fails here (and the registry falls back) rather
  // than in the middle of a training step.
  const probe = new Float32Array(1);
  run('probe', mmNN as never, [1, 1], { k: 1, n: 1, m: 1 }, [new Float32Array([2]), new Float32Array([3])], probe, 1, false);
  if (probe[0] !== 6) throw new Error(`gpu.js ${mode} probe kernel returned ${probe[0]} instead of 6`);
  const device = bridge ? bridge.device : describeGpuJsKernel(cache.get('probe'));

  const backend: GpuBackend = {
    ...js,
    name: 'gpu',
    mode,
    device: () => device,
    cachedKernels: () => bridge ? bridge.compiledKernels() : cache.size,
    describe: () => `gpu: gpu.js ${mode} kernels${bridge ? ' in a worker behind a synchronous bridge' : ''} (matmul, sumAxis, gram; float32)`,
    close: () => bridge?.close(),
    matmul(a, b, c, m, k, n, transA, transB, accumulate) {
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || !(c instanceof Float32Array) || m * n * k === 0) {
        js.matmul(a, b, c, m, k, n, transA, transB, accumulate);
        return;
      }
      const fn = transA ? (transB ? mmTT : mmTN) : (transB ? mmNT : mmNN);
      const key = `mm${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}:${m}x${k}x${n}`;
      run(key, fn as never, [n, m], { k, n, m }, [a, b], c, m * n, accumulate);
    },
    sumAxis(x, out, outer, len, inner) {
      if (!(x instanceof Float32Array) || !(out instanceof Float32Array) || outer * len * inner === 0) {
        js.sumAxis(x, out, outer, len, inner);
        return;
      }
      run(`sum:${outer}x${len}x${inner}`, sumMid as never, [inner, outer], { len, inner }, [x], out, outer * inner, false);
    },
    gram(g, out, t, d) {
      if (!(g instanceof Float32Array) || t * d === 0) {
        js.gram(g, out, t, d);
        return;
      }
      // In param mode G's width is the batch's touched rows, different every step, and gpu.js
      // compiles a kernel per shape: pad d with zero columns (which add nothing to G G^T) up
      // to a multiple of GRAM_BUCKET, so a run compiles a handful of kernels, not one per step.
      const dp = d <= GRAM_BUCKET ? d : Math.ceil(d / GRAM_BUCKET) * GRAM_BUCKET;
      let src = g.subarray(0, t * d);
      if (dp !== d) {
        if (gramPad.length < t * dp) gramPad = new Float32Array(t * dp);
        src = gramPad.subarray(0, t * dp);
        for (let r = 0; r < t; r++) {
          src.set(g.subarray(r * d, (r + 1) * d), r * dp);
          src.fill(0, r * dp + d, (r + 1) * dp);
        }
      }
      run(`gram:${t}x${dp}`, gramK as never, [t, t], { d: dp }, [src], out, t * t, false);
    },
    // This backend's matmul, then the twin's bias and ReLU.
    linearForward: (x, w, b, y, rows, k, n, relu) => linearForwardVia(backend, x, w, b, y, rows, k, n, relu),
    linearForwardPair: (first, second, meanwhile) => linearForwardPairVia(backend, first, second, meanwhile),
    linearStackForward: (first, second, meanwhile) => linearStackForwardVia(backend, first, second, meanwhile),
    matmulChecked: (a, b, c, m, k, n, ta, tb, acc) => matmulCheckedVia(backend, a, b, c, m, k, n, ta, tb, acc),
    linearBackward: (x, w, g, dw, dx, rows, k, n, acc) => linearBackwardVia(backend, x, w, g, dw, dx, rows, k, n, acc),
    linearReluBackward: (x, w, y, g, gz, dw, dx, db, rows, k, n, acc) => linearReluBackwardVia(backend, x, w, y, g, gz, dw, dx, db, rows, k, n, acc),
    linearReluBackwardPair: (first, second) => linearReluBackwardPairVia(backend, first, second),
  };
  return backend;
}

let shared: GpuBackend | null = null;

/** The process-wide gpu backend, created on first use. */
export function gpuBackend(): GpuBackend {
  if (shared === null) shared = createGpuBackend();
  return shared;
}
