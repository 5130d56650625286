import { KERNEL_FILES as FILES, type KernelFlavor } from './wasm-kernels.ts';
import { relaxedSimdSupported, sharedMemorySupported } from './wasm-features.ts';
import type { Host, WorkerRole } from './host.ts';
import { threadCanBlock, webWorkerCtor, WorkerReserve, type WorkerSource } from './web-workers.ts';

/**
 * The host for a browser page, a web worker or any runtime without Node: no files,
 * configuration from options instead of the environment. The wasm kernels come either as
 * bytes the app already has (`wasmKernels`) or from `kernelsUrl`, fetched by
 * `await initBackend('wasm')` (the engine itself stays synchronous: the fetch happens before
 * the first kernel call, never during one).
 *
 * Threads (the wasm kernels' and the gpu.js bridge's) are module Workers over shared memory.
 * They need a thread that may block in Atomics.wait, which a page's main thread may not, and
 * SharedArrayBuffer, which a page has only when cross-origin isolated (COOP / COEP headers).
 * So: run the engine in a dedicated Worker of an isolated page for threads; anywhere else the
 * wasm kernels run on one thread (kernels-single.wasm without shared memory), with the same bits.
 */
export interface WebHostOptions {
  /** MTLKIT_* settings, as Node reads them from the environment. */
  env?: Record<string, string | undefined>;
  /** Compiled kernels by flavour ('single' for unshared memory, 'shared' for shared memory). */
  wasmKernels?: Partial<Record<KernelFlavor, Uint8Array>>;
  /** Folder (URL) holding kernels.wasm, kernels-single.wasm and kernels-fma.wasm, for `initBackend('wasm')`. */
  kernelsUrl?: string | URL;
  /** The gpu.js module (its `GPU` class), for the gpu backend on this thread (WebGL2). */
  gpuJs?: unknown;
  /** gpu.js's browser build (dist/gpu-browser.js), for the bridge's Worker (WebGPU). */
  gpuJsUrl?: string | URL;
  /**
   * mtlkit's worker scripts (src/tensor/wasm/worker.mjs, src/tensor/gpu/worker.mjs, served
   * with their sibling start-data.mjs). Default: where the engine's module says they are,
   * right when mtlkit is served unbundled or by a bundler that rewrites
   * `new URL(..., import.meta.url)`; a bundle made without that must say where they are.
   */
  workerUrls?: Partial<Record<WorkerRole, WorkerSource>>;
}

/** Settings whose browser default differs from Node's: gpu.js's home in a page is WebGL2. */
const WEB_DEFAULTS: Record<string, string> = { MTLKIT_GPU_MODE: 'webgl2' };
const BRIDGED_GPU_MODES = new Set(['webgpu', 'async']);
const SCRIPTS: Record<WorkerRole, string> = { 'wasm-kernels': '../tensor/wasm/worker.mjs', 'gpu-bridge': '../tensor/gpu/worker.mjs' };

export function createWebHost(opts: WebHostOptions = {}): Host {
  const kernels: Partial<Record<KernelFlavor, Uint8Array>> = { ...opts.wasmKernels };
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number; userAgent?: string } }).navigator;
  const env = (name: string): string | undefined => opts.env?.[name] ?? WEB_DEFAULTS[name];
  const canThread = webWorkerCtor() !== undefined && sharedMemorySupported() && threadCanBlock();
  const reserve = new WorkerReserve((role) => opts.workerUrls?.[role] ?? new URL(SCRIPTS[role], import.meta.url));
  // The wasm backend's default thread count; a thread that cannot block gets one quietly.
  const cpuCount = (): number => (canThread ? nav?.hardwareConcurrency ?? 1 : 1);

  async function fetchKernels(flavor: KernelFlavor): Promise<void> {
    if (kernels[flavor] || opts.kernelsUrl === undefined) return;
    const base = String(opts.kernelsUrl).replace(/\/?$/, '/');
    const res = await fetch(new URL(FILES[flavor], base));
    if (!res.ok) throw new Error(`fetching ${FILES[flavor]} from ${base}: HTTP ${res.status}`);
    kernels[flavor] = new Uint8Array(await res.arrayBuffer());
  }

  async function prepareWasm(): Promise<void> {
    const shared = sharedMemorySupported();
    await fetchKernels(shared ? 'shared' : 'single');
    const fma = env('MTLKIT_WASM_FMA');
    if (shared && !['0', 'false', 'off', 'no'].includes((fma ?? '').toLowerCase()) && relaxedSimdSupported()) {
      // Best effort, as in Node: without the FMA flavour the plain shared kernels run.
      await fetchKernels('fma').catch(() => undefined);
    }
    const threads = Number.parseInt(env('MTLKIT_THREADS') ?? '', 10) || cpuCount();
    if (canThread && threads > 1) await reserve.fill('wasm-kernels', threads - 1);
  }

  const host: Host = {
    name: 'web',
    env,
    cpuCount,
    defaultBackend: () => (kernels.shared || kernels.single ? 'wasm' : 'js'),
    async prepare(backend) {
      if (backend === 'wasm' || backend === 'auto') await prepareWasm();
      if ((backend === 'gpu' || backend === 'auto') && BRIDGED_GPU_MODES.has(env('MTLKIT_GPU_MODE') ?? '') && canThread) {
        await reserve.fill('gpu-bridge', 1);
      }
    },
    wasmKernels(flavor) {
      const bytes = kernels[flavor];
      if (!bytes) throw new Error(`no ${FILES[flavor]} on the web host: pass wasmKernels or kernelsUrl to createWebHost and await initBackend('wasm')`);
      return bytes;
    },
    fingerprint: () => [nav?.userAgent ?? 'unknown runtime', nav?.hardwareConcurrency ?? 1].join('|'),
    digest: fnv64,
  };
  if (canThread) {
    host.startWorker = (_script, data, role) => reserve.take(role, role === 'gpu-bridge' && opts.gpuJsUrl !== undefined ? { ...data, gpuJsUrl: String(opts.gpuJsUrl) } : data);
  }
  if (opts.gpuJs !== undefined) host.gpuJs = () => opts.gpuJs;
  return host;
}

/** FNV-1a, 64 bits as two 32-bit halves: a cache key, not a security boundary. */
function fnv64(text: string): string {
  let h1 = 0x811c9dc5, h2 = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ (c + i), 0x01000193);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
