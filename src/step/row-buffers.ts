import type { DType, Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';

/**
 * G (T x d, row t = task t's gradient) and the combined d-vector. Allocated once, from the active
 * backend (the wasm backend's kernels then read and write G's rows in place); they grow (never
 * shrink) only when a batch needs a longer row than any before, so a run settles after a few steps.
 */
export class RowBuffers {
  private G: Storage;
  private out: Storage;

  constructor(readonly tasks: number, private readonly dtype: DType, d0: number) {
    this.G = getBackend().alloc(dtype, tasks * d0);
    this.out = getBackend().alloc(dtype, d0);
  }

  /** The current row capacity. */
  get capacity(): number {
    return this.out.length;
  }

  ensure(d: number): void {
    if (d <= this.out.length) return;
    const n = Math.ceil(d * 1.25);
    this.G = getBackend().alloc(this.dtype, this.tasks * n);
    this.out = getBackend().alloc(this.dtype, n);
  }

  /** The T rows of length d (a view). */
  rows(d: number): Storage {
    return this.G.subarray(0, this.tasks * d);
  }

  /** Row t of length d (a view). */
  row(t: number, d: number): Storage {
    return this.G.subarray(t * d, (t + 1) * d);
  }

  combined(d: number): Storage {
    return this.out.subarray(0, d);
  }
}
