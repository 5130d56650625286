import { host } from './platform/host.ts';
import { loadCandidates } from './tensor/backends/accelerated.ts';
import type { GpuBackend } from './tensor/backends/gpu.ts';
import { matmulParity, type ParityCheck } from './tensor/gpu/parity-check.ts';
import { probeWebGpu, type WebGpuProbe } from './tensor/gpu/webgpu-probe.ts';
import { sharedMemorySupported, simdSupported } from './platform/wasm-features.ts';
import type { WasmBackend } from './tensor/backends/wasm.ts';

/**
 * What the engine gets on this host, for `mtlkit doctor` and a page's `await doctor()`: which
 * backends load (and why not), which GPU API and device the gpu backend's kernels run on, and
 * whether its matmul agrees with the js twin within the float32 summation bound. In a browser
 * it also asks WebGPU directly (asynchronously), since the gpu backend reaches WebGPU only
 * through its bridge.
 */
export interface PlatformReport {
  host: string;
  simd: boolean;
  sharedMemory: boolean;
  /** The wasm backend's default threads here (1 where this thread cannot block). */
  threads: number;
  backends: Record<string, { loaded: boolean; describe?: string; reason?: string }>;
  gpu: { loaded: true; mode: string; device: string; parity: ParityCheck } | { loaded: false; reason: string };
  /** Which kernel runs the wasm backend's float32 matmuls, and why not the native one. */
  matmul: MatmulReport;
  webgpu: WebGpuProbe;
}

export type MatmulReport =
  | { kernel: 'native'; microKernel: string; threads: string }
  | { kernel: 'wasm'; reason: string }
  | { kernel: null; reason: string };

export async function doctor(opts: { webgpu?: boolean } = {}): Promise<PlatformReport> {
  const h = host();
  // A browser fetches kernels and starts Workers here; a failure shows up below as a backend that did not load.
  await h.prepare?.('auto').catch(() => undefined);
  const report = platformReport();
  report.webgpu = opts.webgpu === false ? { available: false, reason: 'not asked' }
    : await probeWebGpu(h.gpuJs?.()).catch((e: unknown) => ({ available: false as const, reason: e instanceof Error ? e.message : String(e) }));
  return report;
}

/** The synchronous part of the report (no WebGPU): what `mtlkit doctor` prints in Node. */
export function platformReport(): PlatformReport {
  const { loaded, failed } = loadCandidates();
  const backends: PlatformReport['backends'] = {};
  for (const [name, be] of loaded) backends[name] = { loaded: true, describe: be.describe() };
  for (const [name, reason] of Object.entries(failed)) backends[name] = { loaded: false, reason };
  const gpu = loaded.find(([name]) => name === 'gpu')?.[1] as GpuBackend | undefined;
  const wasm = loaded.find(([name]) => name === 'wasm')?.[1] as WasmBackend | undefined;
  return {
    host: host().name,
    simd: simdSupported(),
    sharedMemory: sharedMemorySupported(),
    threads: host().cpuCount(),
    backends,
    gpu: gpu ? { loaded: true, mode: gpu.mode, device: gpu.device(), parity: matmulParity(gpu) } : { loaded: false, reason: failed.gpu ?? 'not loaded' },
    matmul: matmulReport(wasm, failed.wasm),
    webgpu: { available: false, reason: 'not asked' },
  };
}

function matmulReport(wasm: WasmBackend | undefined, failed: string | undefined): MatmulReport {
  if (!wasm) return { kernel: null, reason: `the wasm backend did not load (${failed ?? 'not loaded'})` };
  if (wasm.matmulKernel === 'wasm') return { kernel: 'wasm', reason: wasm.nativeReason };
  const info = host().nativeKernels!().info();
  return { kernel: 'native', microKernel: info.microKernel, threads: info.threads };
}

/** One line on the float32 matmul kernel. */
export function matmulLine(m: MatmulReport): string {
  if (m.kernel === 'native') return `matmul: native ${m.microKernel} (${m.threads})`;
  if (m.kernel === 'wasm') return `matmul: wasm SIMD (native unavailable: ${m.reason})`;
  return `matmul: ${m.reason}`;
}

/** One line on the gpu backend: API and device, and the parity check's result. */
export function gpuLine(gpu: PlatformReport['gpu']): string {
  if (!gpu.loaded) return `gpu: not loaded (${gpu.reason})`;
  const p = gpu.parity;
  return `gpu: gpu.js ${gpu.mode} mode, running on ${gpu.device}; matmul ${p.shape} vs js: ${p.ok ? 'ok' : 'FAILED'} (max error ${p.maxError.toExponential(2)}, bound ${p.tolerance.toExponential(2)})`;
}

/** One line on WebGPU as this thread sees it. */
export function webGpuLine(w: WebGpuProbe): string {
  if (!w.available) return `WebGPU: skipped: ${w.reason}`;
  const p = w.parity;
  return `${w.adapter}; gpu.js WGSL matmul ${p.shape} vs js: ${p.ok ? 'ok' : 'FAILED'} (max error ${p.maxError.toExponential(2)}, bound ${p.tolerance.toExponential(2)})`;
}
