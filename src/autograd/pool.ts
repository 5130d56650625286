import type { Backend, DType, Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';

/**
 * The gradient buffers of non-leaf tensors during backward, recycled across passes.
 *
 * A training step runs the same graph shapes as the last one, so the buffers a pass needs are
 * the ones the previous pass gave back: no allocation, no zero pages faulting in, no heap
 * growth in a synchronous loop (the wasm heap recycles a block only after its array is
 * garbage collected, which a loop without `await` never lets happen). Nothing here is visible
 * to users: backward takes a buffer when an input first receives a gradient and gives it back
 * as soon as the node that consumes it has run, so a pass also reuses its own buffers.
 *
 * Buffers idle for `keepPasses` passes are dropped (the garbage collector returns their
 * memory), so a shape that stops occurring does not pin memory. A change of the active
 * backend drops everything (storage must come from the backend whose kernels read it).
 */
export class GradBufferPool {
  private readonly free = new Map<string, { buf: Storage; pass: number }[]>();
  private owner: Backend | null = null;
  private pass = 0;
  /** Buffers currently handed out (a given-back buffer must have come from here). */
  private readonly out = new WeakSet<Storage>();

  constructor(readonly keepPasses = 16) {}

  /** Storage of n elements in `dtype`: zero-filled, or with `zero` false whatever it held. */
  take(dtype: DType, n: number, zero = true): Storage {
    const be = getBackend();
    if (be !== this.owner) {
      this.free.clear();
      this.owner = be;
    }
    const e = this.free.get(key(dtype, n))?.pop();
    let buf: Storage;
    if (e !== undefined) {
      buf = e.buf;
      if (zero) be.zero(buf, 0, buf.length);
    } else {
      buf = be.alloc(dtype, n);
    }
    this.out.add(buf);
    return buf;
  }

  /** Whether `buf` was taken from this pool and not given back yet. */
  owns(buf: Storage): boolean {
    return this.out.has(buf);
  }

  /** Return a buffer taken from the pool; nobody may read or write it afterwards. */
  give(buf: Storage): void {
    if (!this.out.delete(buf)) return; // not ours (a caller's upstream gradient), or given twice
    const k = key(buf instanceof Float64Array ? 'float64' : 'float32', buf.length);
    let list = this.free.get(k);
    if (list === undefined) this.free.set(k, (list = []));
    list.push({ buf, pass: this.pass });
  }

  /** A backward pass has finished: drop buffers that no pass has used for a while. */
  endPass(): void {
    this.pass++;
    const oldest = this.pass - this.keepPasses;
    for (const [k, list] of this.free) {
      if (list.length === 0 || list[0]!.pass >= oldest) continue;
      const kept = list.filter((e) => e.pass >= oldest);
      if (kept.length === 0) this.free.delete(k);
      else this.free.set(k, kept);
    }
  }

  /** Buffers waiting to be reused (tests, diagnostics). */
  stats(): { freeBuffers: number; freeBytes: number } {
    let freeBuffers = 0, freeBytes = 0;
    for (const list of this.free.values()) {
      for (const e of list) {
        freeBuffers++;
        freeBytes += e.buf.byteLength;
      }
    }
    return { freeBuffers, freeBytes };
  }

  /** Drop every idle buffer. */
  clear(): void {
    this.free.clear();
  }
}

function key(dtype: DType, n: number): string {
  return dtype === 'float64' ? `d${n}` : `f${n}`;
}

/** The process-wide pool backward uses. */
export const gradBuffers = new GradBufferPool();
