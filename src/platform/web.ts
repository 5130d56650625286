import { KERNEL_FILES as FILES, sharedMemorySupported, type KernelFlavor } from '../tensor/wasm/load.ts';
import type { Host } from './host.ts';

/**
 * The host for a browser page, a web worker or any runtime without Node: no files, no worker
 * threads yet, configuration from options instead of the environment. The wasm kernels come
 * either as bytes the app already has (`wasmKernels`) or from `kernelsUrl`, fetched by
 * `await initBackend('wasm')` (the engine itself stays synchronous: the fetch happens before
 * the first kernel call, never during one).
 */
export interface WebHostOptions {
  /** MTLKIT_* settings, as Node reads them from the environment. */
  env?: Record<string, string | undefined>;
  /** Compiled kernels by flavour ('single' for unshared memory, 'shared' for shared memory). */
  wasmKernels?: Partial<Record<KernelFlavor, Uint8Array>>;
  /** Folder (URL) holding kernels.wasm and kernels-single.wasm, for `initBackend('wasm')`. */
  kernelsUrl?: string | URL;
  /** The gpu.js module, when the app bundles it. */
  gpuJs?: unknown;
}

export function createWebHost(opts: WebHostOptions = {}): Host {
  const kernels: Partial<Record<KernelFlavor, Uint8Array>> = { ...opts.wasmKernels };
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number; userAgent?: string } }).navigator;
  const host: Host = {
    name: 'web',
    env: (name) => opts.env?.[name],
    cpuCount: () => nav?.hardwareConcurrency ?? 1,
    defaultBackend: () => (kernels.shared || kernels.single ? 'wasm' : 'js'),
    async prepare(backend) {
      if (backend !== 'wasm' && backend !== 'auto') return;
      const flavor: KernelFlavor = sharedMemorySupported() ? 'shared' : 'single';
      if (kernels[flavor] || opts.kernelsUrl === undefined) return;
      const base = String(opts.kernelsUrl).replace(/\/?$/, '/');
      const res = await fetch(new URL(FILES[flavor], base));
      if (!res.ok) throw new Error(`fetching ${FILES[flavor]} from ${base}: HTTP ${res.status}`);
      kernels[flavor] = new Uint8Array(await res.arrayBuffer());
    },
    wasmKernels(flavor) {
      const bytes = kernels[flavor];
      if (!bytes) throw new Error(`no ${FILES[flavor]} on the web host: pass wasmKernels or kernelsUrl to createWebHost and await initBackend('wasm')`);
      return bytes;
    },
    fingerprint: () => [nav?.userAgent ?? 'unknown runtime', nav?.hardwareConcurrency ?? 1].join('|'),
    digest: fnv64,
  };
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
