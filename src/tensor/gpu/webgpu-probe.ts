import { CHECK_SHAPE, checkOperands, compareMatmul, type ParityCheck } from './parity-check.ts';

/**
 * WebGPU on this thread, asked asynchronously: which adapter the browser offers, and one
 * matmul that gpu.js compiles to WGSL, compared with the js twin. WebGPU's readback
 * (mapAsync) is a Promise, so this is the asynchronous counterpart of the gpu backend; the
 * synchronous engine reaches WebGPU only through the bridge (a Worker it can block on).
 */
export type WebGpuProbe =
  | { available: true; adapter: string; parity: ParityCheck }
  | { available: false; reason: string };

interface GpuJs {
  GPU: {
    new(opts: { mode: string }): { createKernel(fn: unknown, settings: Record<string, unknown>): (...a: unknown[]) => unknown; destroy(): void };
    isWebGPUAvailable?(): Promise<boolean>;
  };
}
interface Adapter { info?: Record<string, string | undefined> }

/* The kernel body: gpu.js parses this function's source. */
function mm(this: { thread: { x: number; y: number }; constants: { k: number; n: number } }, a: number[], b: number[]): number {
  let s = 0;
  for (let p = 0; p < this.constants.k; p++) s += a[this.thread.y * this.constants.k + p] * b[p * this.constants.n + this.thread.x];
  return s;
}

export async function probeWebGpu(gpuJs: unknown): Promise<WebGpuProbe> {
  const gpuApi = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<Adapter | null> } } }).navigator?.gpu;
  if (!gpuApi) return { available: false, reason: 'this runtime has no navigator.gpu' };
  const adapter = await gpuApi.requestAdapter();
  if (!adapter) return { available: false, reason: 'navigator.gpu gave no adapter' };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter((x) => x).join(' ') || 'adapter without info';
  const lib = ((gpuJs as { GPU?: unknown }).GPU ? gpuJs : { GPU: gpuJs }) as GpuJs;
  if (typeof lib.GPU !== 'function') return { available: false, reason: `WebGPU adapter ${name}, but no gpu.js on this host to compile a kernel` };
  if (lib.GPU.isWebGPUAvailable && !(await lib.GPU.isWebGPUAvailable())) return { available: false, reason: `gpu.js found no WebGPU adapter (the browser offers ${name})` };
  const { m, k, n } = CHECK_SHAPE;
  const { a, b } = checkOperands();
  const gpu = new lib.GPU({ mode: 'webgpu' });
  try {
    const kernel = gpu.createKernel(mm, { output: [n, m], constants: { k, n }, tactic: 'precision' });
    const rows = (await kernel(a, b)) as ArrayLike<number>[];
    const flat = new Float32Array(m * n);
    rows.forEach((row, i) => flat.set(row, i * n));
    return { available: true, adapter: `WebGPU, ${name}`, parity: compareMatmul(flat) };
  } finally {
    gpu.destroy();
  }
}
