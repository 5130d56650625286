/** The wasm half of bundle.test.ts: a web host given the kernels, then the same tiny run. */
import { createWebHost, initBackend, useHost } from '../../src/core.ts';
import { tinyTrain } from './tiny-train.ts';

export async function run(kernels: Uint8Array): Promise<string> {
  useHost(createWebHost({ wasmKernels: { shared: kernels } }));
  await initBackend('wasm');
  return JSON.stringify(tinyTrain('wasm', 3));
}
