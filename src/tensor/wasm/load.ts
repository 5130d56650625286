import { need } from '../../platform/host.ts';
import type { KernelFlavor } from '../../platform/wasm-kernels.ts';

/**
 * The compiled kernels' bytes come from the host (../../platform): in Node it reads build/wasm
 * and builds it if missing or stale; a browser host fetches them before first use (`initBackend`).
 */
export function loadKernelBytes(flavor: KernelFlavor): Uint8Array {
  return need('wasmKernels', "give the host the kernels (createWebHost({ kernelsUrl }) and await initBackend('wasm'))")(flavor);
}
