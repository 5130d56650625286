import type { DType, Storage } from '../backend.ts';
import { host } from '../../platform/host.ts';

/**
 * Tensor storage inside the kernels' WebAssembly memory, so matmul and Gram read their
 * operands in place instead of copying megabytes on every call.
 *
 * - The memory is shared (a SharedArrayBuffer): growing it never detaches the views already
 *   handed out, and the worker threads run kernels over the very same bytes.
 * - Blocks are freed when their typed array is garbage collected (a FinalizationRegistry),
 *   so users never free tensors by hand. Free blocks go to per-size-class lists: a training
 *   step allocates the same shapes as the previous one, so blocks are reused exactly.
 * - A view made with `subarray` keeps its parent block alive (the arrays are a subclass whose
 *   subarray records the owner). A view made with `new Float32Array(x.buffer, ...)` does
 *   not: don't do that with backend storage, keep the array you were given.
 * - V8 does not know that a small typed-array object pins megabytes of wasm memory, so on its
 *   own it would rarely collect them (docs/backends.md has the numbers). Every 32 MB of
 *   blocks handed out, the heap therefore allocates (and drops) an ordinary ArrayBuffer of the
 *   same size: V8 counts that as external memory and collects on schedule, and the heap
 *   levels off. Finalizers run between tasks, so a long synchronous loop recycles
 *   nothing until it yields (`await` anything once per step). If the storage budget
 *   (MTLKIT_WASM_HEAP_MB, default 1024) is reached first, alloc returns ordinary arrays and
 *   the kernels copy those in: slower, never wrong.
 */
export class WasmF32 extends Float32Array {
  keepAlive: object | undefined = undefined;
  override subarray(begin?: number, end?: number): WasmF32 {
    const [b, n] = bounds(this.length, begin, end);
    const v = new WasmF32(this.buffer as ArrayBuffer, this.byteOffset + b * 4, n);
    v.keepAlive = this.keepAlive ?? this;
    return v;
  }
}

export class WasmF64 extends Float64Array {
  keepAlive: object | undefined = undefined;
  override subarray(begin?: number, end?: number): WasmF64 {
    const [b, n] = bounds(this.length, begin, end);
    const v = new WasmF64(this.buffer as ArrayBuffer, this.byteOffset + b * 8, n);
    v.keepAlive = this.keepAlive ?? this;
    return v;
  }
}

// Code elsewhere compares `x.constructor === y.constructor` to check dtypes (the balancers
// do): to such checks a wasm-backed array is a Float32Array / Float64Array. This also makes
// slice / map / filter return ordinary arrays (they copy, so they need no block).
Object.defineProperty(WasmF32.prototype, 'constructor', { value: Float32Array, writable: true, configurable: true });
Object.defineProperty(WasmF64.prototype, 'constructor', { value: Float64Array, writable: true, configurable: true });

/** TypedArray.prototype.subarray's index rules: [start, count]. */
function bounds(len: number, begin = 0, end = len): [number, number] {
  const rel = (x: number) => {
    const i = Math.trunc(x) || 0;
    return i < 0 ? Math.max(len + i, 0) : Math.min(i, len);
  };
  const b = rel(begin), e = rel(end);
  return [b, Math.max(e - b, 0)];
}

const PAGE = 65536;
const ALIGN = 64;
const PRESSURE_STEP = 32 * 2 ** 20;

/** Size class: 8 classes per doubling, so a block is at most 12.5% larger than asked. */
function sizeClass(bytes: number): number {
  const b = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (b <= 1024) return b;
  const top = 2 ** Math.floor(Math.log2(b));
  const step = top / 8;
  return Math.ceil(b / step) * step;
}

export interface HeapOptions {
  /** Bytes of tensor storage handed out before alloc falls back to ordinary arrays. */
  budgetBytes?: number;
  /** Arrays smaller than this many elements are ordinary arrays (not worth a block). */
  minElements?: number;
  /** false: alloc always returns ordinary arrays (kernels copy in); the debugging escape hatch. */
  residentStorage?: boolean;
}

export class WasmHeap {
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry: FinalizationRegistry<[number, number]>;
  private liveBytes = 0;
  private sincePressure = 0;
  /** See the class comment: mirrors wasm allocations as GC-visible external memory. */
  private pressure: ArrayBuffer | null = null;
  readonly budgetBytes: number;
  readonly minElements: number;
  readonly resident: boolean;

  /**
   * `zero(addr, bytes)` zero-fills fresh blocks: the kernels' memset, since the host's `fill` on
   * a view of shared memory stores element by element (a `Uint8Array`'s byte by byte).
   */
  constructor(readonly memory: WebAssembly.Memory, heapBase: number, private readonly zero: (addr: number, bytes: number) => void,
    opts: HeapOptions = {}) {
    this.top = Math.ceil(heapBase / ALIGN) * ALIGN;
    const envMb = Number(host().env('MTLKIT_WASM_HEAP_MB'));
    this.budgetBytes = opts.budgetBytes ?? (envMb > 0 ? envMb * 2 ** 20 : 2 ** 30);
    this.minElements = opts.minElements ?? 1024;
    this.resident = opts.residentStorage ?? true;
    this.buffers.add(memory.buffer);
    this.registry = new FinalizationRegistry(([addr, cls]) => this.finalized(addr, cls));
  }

  /** Raw block of at least `bytes` bytes, 64-byte aligned; return it with `release`. */
  reserve(bytes: number): [addr: number, cls: number] {
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    if (list && list.length > 0) return [list.pop()!, cls];
    const addr = this.top;
    const end = addr + cls;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      // Grow at least 1/8 of the current size at a time: fewer grow calls.
      this.memory.grow(Math.max(pages, Math.ceil(have / PAGE / 8)));
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return [addr, cls];
  }

  release(addr: number, cls: number): void {
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(addr);
  }

  /** Zero-filled storage: a view into wasm memory when it is worth it and fits the budget. */
  alloc(dtype: DType, n: number): Storage {
    const bytesPer = dtype === 'float64' ? 8 : 4;
    const bytes = n * bytesPer;
    if (!this.resident || n < this.minElements || this.liveBytes + bytes > this.budgetBytes) {
      return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    }
    let addr: number, cls: number;
    try {
      [addr, cls] = this.reserve(bytes);
    } catch {
      // Memory cannot grow further (maximum reached or the host refused): ordinary array.
      return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    }
    const buf = this.memory.buffer as ArrayBuffer;
    this.zero(addr, bytes);
    const arr = dtype === 'float64' ? new WasmF64(buf, addr, n) : new WasmF32(buf, addr, n);
    this.liveBytes += cls;
    this.registry.register(arr, [addr, cls]);
    this.sincePressure += cls;
    if (this.sincePressure >= PRESSURE_STEP) {
      this.pressure = new ArrayBuffer(this.sincePressure);
      this.sincePressure = 0;
    }
    return arr;
  }

  /** Whether `arr` lies in this heap's memory (then its byteOffset is its address). */
  owns(arr: ArrayBufferView): boolean {
    return this.buffers.has(arr.buffer);
  }

  /** Current buffer (views made from it are valid until the next grow; use them at once). */
  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  stats(): { heapBytes: number; liveBytes: number; freeBlocks: number } {
    let freeBlocks = 0;
    for (const l of this.free.values()) freeBlocks += l.length;
    return { heapBytes: this.top, liveBytes: this.liveBytes, freeBlocks };
  }

  private finalized(addr: number, cls: number): void {
    this.liveBytes -= cls;
    this.release(addr, cls);
  }
}
