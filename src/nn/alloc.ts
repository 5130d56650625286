import type { DType, Storage } from '../tensor/backend.ts';

/**
 * The one place the nn layer allocates parameter-sized storage (values, gradients, optimizer
 * moments). Zero-filled. Plain typed arrays for now; when the backend registry lands this is
 * the single line to route through its `alloc` (a wasm backend would hand out views into its
 * linear memory). Very large stores (an embedding table of 1M rows per field) stay plain
 * typed arrays either way: a zero-filled ArrayBuffer is paged in lazily by the OS, so the
 * rows a run never touches never become resident.
 */
export function allocStorage(dtype: DType, n: number): Storage {
  if (!Number.isInteger(n) || n < 0) throw new Error(`allocStorage: need a non-negative integer length, got ${n}`);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

export function dtypeOf(s: Storage): DType {
  return s instanceof Float64Array ? 'float64' : 'float32';
}
