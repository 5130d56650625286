import type { DType, Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';

/**
 * The one place the nn layer allocates parameter-sized storage (values, gradients, optimizer
 * moments). Zero-filled. Up to 32M elements it comes from the active backend's `alloc` (a wasm
 * backend hands out views into its linear memory, so its kernels read parameters in place). Very large stores (an embedding table of 1M rows per field) stay plain
 * typed arrays either way: a zero-filled ArrayBuffer is paged in lazily by the OS, so the
 * rows a run never touches never become resident.
 */
export function allocStorage(dtype: DType, n: number): Storage {
  if (!Number.isInteger(n) || n < 0) throw new Error(`allocStorage: need a non-negative integer length, got ${n}`);
  if (n <= BACKEND_ALLOC_LIMIT) {
    try {
      return getBackend().alloc(dtype, n);
    } catch {
      // A backend whose memory is full (wasm32 stops at 4 GiB): plain memory still works,
      // its kernels copy such operands in.
    }
  }
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Larger stores (big embedding tables) stay in plain, lazily paged memory. */
const BACKEND_ALLOC_LIMIT = 1 << 25;

