import type { Backend, BinaryOp, DType, LinearForwardCall, LinearReluBackwardCall, Storage, UnaryOp } from '../backend.ts';
import { createJsBackend } from './js.ts';
import { destRanges } from './dest-ranges.ts';
import { adamRunSetsVia, adamRunThen, finiteOn, linearBackwardVia, linearForwardPairVia, linearForwardVia, linearStackForwardVia, stackFault, linearReluBackwardPairVia, linearReluBackwardVia, matmulCheckedVia, zeroRange } from './elementwise-js.ts';
import { WasmHeap } from '../wasm/heap.ts';
import { loadKernelBytes } from '../wasm/load.ts';
import { relaxedSimdSupported, sharedMemorySupported, simdSupported } from '../../platform/wasm-features.ts';
import { PoolBusyError, WorkerPool } from '../wasm/pool.ts';
import { WasmBinary, WasmUnary } from '../wasm/op-codes.ts';
import { host } from '../../platform/host.ts';
import type { NativeKernels, SgemmArgs } from '../../platform/native-kernels.ts';

/**
 * The CPU default: WebAssembly SIMD kernels (asm/kernels.ts) over storage that lives in the
 * kernels' own shared memory (see ../wasm/heap.ts), split across worker threads for large
 * calls (../wasm/pool.ts). Kernels it does not speed up are the js twin's.
 */
export interface WasmBackendOptions {
  /** Threads including the calling one; default MTLKIT_THREADS, else the core count. */
  threads?: number;
  /** false: alloc returns ordinary arrays and kernels copy operands in (debugging). */
  residentStorage?: boolean;
  /** Module bytes to use instead of build/wasm (tests pass broken bytes to simulate failure). */
  moduleBytes?: Uint8Array;
  /** false: behave as on a host without SharedArrayBuffer (unshared module, one thread). */
  sharedMemory?: boolean;
  /**
   * false: keep the plain SIMD kernels even where relaxed SIMD is available (the matmul tile's
   * multiply-add is then rounded twice instead of fused). Default: MTLKIT_WASM_FMA, else true.
   */
  fma?: boolean;
  /**
   * false: float32 matmuls stay on the wasm kernel even where the host offers the native
   * AVX2 / FMA matmul (native/). Default: MTLKIT_NATIVE, else true.
   */
  native?: boolean;
  /** How long the kernel threads poll before sleeping, in microseconds (pool.ts). Default: MTLKIT_POOL_SPIN_US, else DEFAULT_SPIN_US. */
  spinMicros?: number;
  /**
   * Kernel threads on CPUs of their own, and the thread that posts kernels on another while
   * they run (pool.ts, native/affinity.h; Linux with the native addon). 'auto': where the
   * threads are as many as the CPUs the process may use, so that no other process's threads
   * are crowded onto ours. Default: MTLKIT_PIN_THREADS (0 / 1 / auto), else 'auto'.
   */
  pinThreads?: boolean | 'auto';
}

/** Which kernel runs float32 matmuls: the native AVX2 / FMA addon or the wasm SIMD one. */
export type MatmulKernel = 'native' | 'wasm';

export interface WasmBackend extends Backend {
  readonly name: 'wasm';
  /** Threads available (1 + workers); `setThreads` picks how many kernels use. */
  readonly maxThreads: number;
  readonly threads: number;
  readonly sharedMemory: boolean;
  /** Whether the kernels are the relaxed-SIMD (fused multiply-add) flavour. */
  readonly fma: boolean;
  /** The float32 matmul's kernel (a run's numbers depend on it: the two round differently). */
  readonly matmulKernel: MatmulKernel;
  /** Why the native matmul is not used ('' when it is). */
  readonly nativeReason: string;
  setThreads(n: number): void;
  heapStats(): { heapBytes: number; liveBytes: number; freeBlocks: number };
  /**
   * The kernel threads since the start (null: none): jobs posted, milliseconds this thread
   * waited for workers after its own share, jobs it took back from workers not yet awake, the
   * workers, and the milliseconds they spent in jobs (summed over them).
   */
  poolStats(): { dispatches: number; waitedMs: number; withdrawn: number; workers: number; busyMs: number } | null;
  /** poolStats()'s busyMs alone, without building the object: cheap enough to read as a clock. */
  poolBusyMs(): number | null;
  close(): void;
}

interface Exports {
  gemmScratchBytes(): number;
  sgemm(a: number, b: number, c: number, m: number, k: number, n: number, ta: number, tb: number, acc: number, r0: number, r1: number, scratch: number): void;
  sgemmSmall(a: number, b: number, c: number, m: number, k: number, n: number, ta: number, tb: number, acc: number, r0: number, r1: number, scratch: number): void;
  sgemmPacked(a: number, packed: number, c: number, m: number, k: number, n: number, ta: number, acc: number, r0: number, r1: number, scratch: number): void;
  packBBlocks(b: number, tb: number, k: number, n: number, packed: number, i0: number, i1: number): void;
  packedBBytes(k: number, n: number): number;
  packedBBlockCount(k: number, n: number): number;
  dgemm(a: number, b: number, c: number, m: number, k: number, n: number, ta: number, tb: number, acc: number, r0: number, r1: number, scratch: number): void;
  dot32(a: number, b: number, n: number): number;
  dot64(a: number, b: number, n: number): number;
  gramRange(g: number, out: number, t: number, d: number, c0: number, c1: number, f64: number): void;
  sumAxis32(x: number, out: number, outer: number, len: number, inner: number, o0: number, o1: number): void;
  sumAxis64(x: number, out: number, outer: number, len: number, inner: number, o0: number, o1: number): void;
  maxAxis32(x: number, out: number, argmax: number, outer: number, len: number, inner: number, o0: number, o1: number): void;
  maxAxis64(x: number, out: number, argmax: number, outer: number, len: number, inner: number, o0: number, o1: number): void;
  binary32(op: number, a: number, b: number, out: number, n: number): void;
  unary32(op: number, x: number, out: number, n: number): void;
  scatterAddRows32(table: number, idx: number, src: number, rows: number, width: number): void;
  adam32(w: number, g: number, m: number, v: number, wAt: number, sAt: number, count: number, width: number,
    b1: number, b2: number, c1: number, c2: number, step: number, r: number, eps: number, zero: number): void;
  gatherAt32(src: number, at: number, out: number, width: number, r0: number, r1: number): void;
  scatterAddAt32(dst: number, at: number, src: number, count: number, width: number, lo: number, hi: number): void;
  scatterAt32(dst: number, at: number, src: number, count: number, width: number): void;
  mixture32(w: number, xs: number, out: number, e: number, b: number, d: number, b0: number, b1: number): void;
  mixtureBack32(w: number, xs: number, g: number, dw: number, dxs: number, e: number, b: number, d: number, b0: number, b1: number, bad: number, written: number): void;
  reluGradColSums32(y: number, g: number, gz: number, db: number, acc: number, rows: number, n: number): void;
  biasRelu32(y: number, b: number, n: number, relu: number, r0: number, r1: number): void;
  adamRunsChunk32(w: number, g: number, m: number, v: number, wAt: number, sAt: number, width: number,
    b1: number, b2: number, c1: number, c2: number, step: number, r: number, eps: number, q0: number, q1: number, zero: number): void;
  adamRunSetsChunk32(w: number, g: number, desc: number,
    b1: number, b2: number, c1: number, c2: number, step: number, r: number, eps: number, s0: number, s1: number, zero: number): void;
  adamSpan32(w: number, g: number, m: number, v: number,
    b1: number, b2: number, c1: number, c2: number, step: number, r: number, eps: number, i0: number, i1: number, zero: number): void;
  dropoutMask32(bits: number, x: number, y: number, m: number, n: number, thr: number, scale: number): void;
  mulAdd32(dst: number, a: number, b: number, n: number): void;
  zeroBytes(p: number, bytes: number): void;
  heapBase(): number;
}

/** The exports worker threads run (by index into this list); a name the module lacks does not compile. */
const POOLED_EXPORTS = [
  'sgemm', 'sgemmSmall', 'sgemmPacked', 'packBBlocks', 'dgemm', 'dot32', 'dot64', 'gramRange', 'sumAxis32', 'sumAxis64',
  'biasRelu32', 'mixture32', 'mixtureBack32', 'adamRunsChunk32', 'adamRunSetsChunk32', 'adamSpan32', 'gatherAt32', 'scatterAddAt32',
] as const satisfies readonly (keyof Exports)[];

/** Up to this many rows of a transposed A, a narrow matmul keeps the wasm kernel over its native twin (the workers get it with their start data). */
const NARROW_WASM_K = 16;

/** Below these sizes a call is not worth waking the workers (less work than the wake-up costs). */
const PAR_FLOPS = 4e6;
const PAR_ELEMS = 1 << 18;
/** Elements per chunk of adamRunAlongside's run: 64 KB of each of w, g, m and v. */
const ALONGSIDE_CHUNK = 1 << 14;
/** Below this many elements the host's fill costs less than the call into wasm. */
const ZERO_MIN = 256;
/**
 * Column ranges a large Gram matrix is summed in (partial Grams added in order). Two, whatever
 * the thread count: the numbers then do not depend on the machine, and they are the bits the
 * two-thread split gave before the split stopped following the thread count.
 */
export const GRAM_PARTS = 2;

/** `E` where every member of the enum names an op of `Op`; never (a compile error below) otherwise. */
type OnlyOps<E, Op extends string> = [Exclude<keyof E, Op>] extends [never] ? E : never;
// The kernels' op codes by op name; an op without one runs on the js twin.
const UNARY: { readonly [op in UnaryOp]?: WasmUnary } = WasmUnary satisfies OnlyOps<typeof WasmUnary, UnaryOp>;
const BINARY: { readonly [op in BinaryOp]?: WasmBinary } = WasmBinary satisfies OnlyOps<typeof WasmBinary, BinaryOp>;

/** The words that turn an environment flag off, and (where a flag refuses anything else) on. */
const OFF_WORDS = ['0', 'false', 'off', 'no'], ON_WORDS = ['1', 'true', 'on', 'yes'];

function flagFromEnv(name: string): boolean {
  const v = host().env(name);
  return v === undefined || v === '' || !OFF_WORDS.includes(v.toLowerCase());
}

/** The host's native matmul, or the reason it is not used. */
function nativeMatmul(wanted: boolean): NativeKernels | string {
  if (!wanted) return 'turned off (native: false or MTLKIT_NATIVE=0)';
  const h = host();
  if (!h.nativeKernels) return `the ${h.name} host has no native code`;
  try {
    return h.nativeKernels();
  } catch (e) {
    const reason = (e as { reason?: unknown }).reason;
    return typeof reason === 'string' ? reason : e instanceof Error ? e.message : String(e);
  }
}

/** How long the kernel threads poll between kernels by default, in microseconds. */
export const DEFAULT_SPIN_US = 300;
/** The most layers the addon's stack call takes (native/sgemm.h's MTLKIT_STACK_MAX). */
const STACK_MAX = 8;
/** A stack layer of at most this many columns takes the addon's narrow kernel (native/sgemm.h's MTLKIT_STACK_NARROW), */
const STACK_NARROW = 4;
/** with k x n at most this (MTLKIT_STACK_NARROW_KN: the kernel allocates nothing there). */
const STACK_NARROW_KN = 4096;

export function threadsFromEnv(): number | undefined {
  const v = host().env('MTLKIT_THREADS');
  if (!v) return undefined;
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n) || n < 1) throw new Error(`MTLKIT_THREADS must be a positive integer, got "${v}"`);
  return n;
}

/** MTLKIT_PIN_THREADS: 'auto' (unset, empty or auto), else a flag (0 / false / off / no: off). */
export function pinFromEnv(): boolean | 'auto' {
  const v = host().env('MTLKIT_PIN_THREADS');
  if (v === undefined || v === '' || v.toLowerCase() === 'auto') return 'auto';
  const off = OFF_WORDS.includes(v.toLowerCase()), on = ON_WORDS.includes(v.toLowerCase());
  if (!off && !on) throw new Error(`MTLKIT_PIN_THREADS must be 0, 1 or auto, got "${v}"`);
  return on;
}

/** MTLKIT_POOL_SPIN_US: how long the kernel threads poll before sleeping (pool.ts). */
export function spinFromEnv(): number {
  const v = host().env('MTLKIT_POOL_SPIN_US');
  if (!v) return DEFAULT_SPIN_US;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`MTLKIT_POOL_SPIN_US must be a number of microseconds >= 0, got "${v}"`);
  return n;
}

/** Creates a wasm backend; throws (with the reason) if this host cannot run it. */
export function createWasmBackend(opts: WasmBackendOptions = {}): WasmBackend {
  if (!simdSupported()) throw new Error('this WebAssembly engine has no SIMD support');
  const shared = (opts.sharedMemory ?? true) && sharedMemorySupported();
  let module: WebAssembly.Module | null = null;
  // The FMA flavour first where the engine takes it; any failure there (not built, rejected)
  // leaves the plain kernels, which are the reference the parity tests hold both to.
  let fma = false;
  if (opts.moduleBytes === undefined && shared && (opts.fma ?? flagFromEnv('MTLKIT_WASM_FMA')) && relaxedSimdSupported(() => host().enableRelaxedSimd?.())) {
    try {
      module = new WebAssembly.Module(loadKernelBytes('fma'));
      fma = true;
    } catch {
      module = null;
    }
  }
  module ??= new WebAssembly.Module(opts.moduleBytes ?? loadKernelBytes(shared ? 'shared' : 'single'));
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared });
  const instance = new WebAssembly.Instance(module, {
    env: { memory, abort: () => { throw new Error('wasm kernel abort'); } },
  });
  const k = instance.exports as unknown as Exports;
  // Resident storage needs views that survive memory growth: shared memory only.
  const heap = new WasmHeap(memory, k.heapBase(), (addr, bytes) => k.zeroBytes(addr, bytes), {
    residentStorage: shared && (opts.residentStorage ?? true),
  });

  const nativeOrWhy = nativeMatmul(opts.native ?? flagFromEnv('MTLKIT_NATIVE'));
  const native = typeof nativeOrWhy === 'string' ? null : nativeOrWhy;
  const nativeReason = typeof nativeOrWhy === 'string' ? nativeOrWhy : '';
  const wanted = Math.max(1, Math.floor(opts.threads ?? threadsFromEnv() ?? host().cpuCount()));
  let pool: WorkerPool | null = null;
  let poolError = '';
  if (wanted > 1 && shared) {
    const spinMicros = opts.spinMicros ?? spinFromEnv();
    try {
      const pinMode = opts.pinThreads ?? pinFromEnv();
      const pin = native !== null && (pinMode === true || (pinMode === 'auto' && native.allowedCpus() === wanted))
        ? { pinPoster: () => native.pinPoster(0), unpinPoster: () => native.unpinPoster() } : null;
      pool = new WorkerPool(module, memory, POOLED_EXPORTS, wanted - 1, { nativeFile: native?.file ?? null, nativeInstance: native?.instance(), spinMicros, narrowWasmK: NARROW_WASM_K, pin });
    } catch (e) {
      poolError = e instanceof Error ? e.message : String(e);
    }
    if (pool === null && native !== null) {
      // Workers that cannot load the addon still run the wasm kernels; the native matmul then
      // takes its own pthreads, as before the pools were one.
      try {
        pool = new WorkerPool(module, memory, POOLED_EXPORTS, wanted - 1, { spinMicros: 0 });
        console.warn(`mtlkit: the native matmul runs on its own threads: ${poolError}`);
      } catch (e) {
        poolError = e instanceof Error ? e.message : String(e);
      }
    }
    if (pool === null) console.warn(`mtlkit: wasm backend runs on one thread: ${poolError}`);
  }
  const maxThreads = pool ? pool.count + 1 : 1;
  let threads = maxThreads;

  const scratchBytes = k.gemmScratchBytes();
  const scratch: number[] = [];
  for (let t = 0; t < maxThreads; t++) scratch.push(heap.reserve(scratchBytes)[0]);
  // The whole packing of op(B) that threaded matmuls share: grown to the largest B seen, kept.
  let packedAt = 0, packedCap = 0;
  const packedBuffer = (bytes: number): number => {
    if (bytes > packedCap) {
      if (packedCap > 0) heap.release(packedAt, packedCap);
      [packedAt, packedCap] = heap.reserve(bytes);
    }
    return packedAt;
  };

  const js = createJsBackend();

  // ---- operand marshalling: resident arrays are passed by address, others copied in.
  type Temp = { addr: number; cls: number; arr: ArrayBufferView | null; count: number };
  const temps: Temp[] = [];

  function addrIn(arr: Storage | Int32Array, n: number): number {
    if (heap.owns(arr)) return arr.byteOffset;
    const bytes = n * arr.BYTES_PER_ELEMENT;
    const [addr, cls] = heap.reserve(bytes);
    new Uint8Array(heap.buffer, addr, bytes).set(new Uint8Array(arr.buffer, arr.byteOffset, bytes));
    temps.push({ addr, cls, arr: null, count: 0 });
    return addr;
  }

  function addrOut(arr: Storage, n: number, copyIn: boolean): number {
    if (heap.owns(arr)) return arr.byteOffset;
    const bytes = n * arr.BYTES_PER_ELEMENT;
    const [addr, cls] = heap.reserve(bytes);
    if (copyIn) new Uint8Array(heap.buffer, addr, bytes).set(new Uint8Array(arr.buffer, arr.byteOffset, bytes));
    temps.push({ addr, cls, arr, count: bytes });
    return addr;
  }

  /** A list of addresses in a scratch block for this call only (the kernels' pointer arrays). */
  function addrList(addrs: number[]): number {
    const p = tempBlock(addrs.length * 4);
    new Int32Array(heap.buffer, p, addrs.length).set(addrs);
    return p;
  }

  /**
   * Whether a memory-bound kernel touching about `elems` elements, split into `units` rows or
   * columns, is worth waking the workers for.
   */
  function pooled(elems: number, units: number): boolean {
    return pool !== null && threads > 1 && elems >= PAR_ELEMS / 2 && units >= 8;
  }
  /** Rows per chunk: about 4 chunks per thread, to rebalance when a core is busy. */
  function rowChunk(rows: number): number {
    return Math.max(4, Math.ceil(rows / (threads * 4)));
  }

  /** A scratch block for this call only (released by finish). */
  function tempBlock(bytes: number): number {
    const [addr, cls] = heap.reserve(bytes);
    temps.push({ addr, cls, arr: null, count: 0 });
    return addr;
  }

  function finish(): void {
    for (const t of temps) {
      if (t.arr) new Uint8Array(t.arr.buffer, t.arr.byteOffset, t.count).set(new Uint8Array(heap.buffer, t.addr, t.count));
      heap.release(t.addr, t.cls);
    }
    temps.length = 0;
  }

  /** Whether a matmul of this n takes the narrow streaming kernel (sgemmSmall). */
  function narrow(n: number, kk: number, f64: boolean): boolean {
    return !f64 && n <= 4 && kk * n * 4 + 4 * 1024 * 4 <= scratchBytes;
  }

  /**
   * The native matmul (with its optional Linear epilogue), its parts on the kernel threads.
   * With `check`, whether every element of C is finite after it (else true); the operand masks
   * and B's column sums as NativeKernels.sgemm takes them.
   */
  function nativeMatmul32(a: Float32Array, b: Float32Array, c: Float32Array, m: number, kk: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean, bias: Float32Array | null, relu: boolean, check: boolean,
    maskA: Float32Array | null = null, maskB: Float32Array | null = null, colsumB: Float32Array | null = null, meanwhile?: () => void): boolean {
    const nat = native!;
    nativeFree('a native matmul');
    // The addon reads the arrays in place, resident in wasm memory or not.
    if (pool === null || threads === 1 || pool.nativeFile === null) {
      // meanwhile first, its error after the matmul has run, as where it runs beside the parts.
      let finite = true;
      try {
        if (meanwhile !== undefined) beside(meanwhile);
      } finally {
        finite = nat.sgemm(a, b, c, m, kk, n, transA, transB, accumulate, threads, bias, relu, check, maskA, maskB, colsumB) ?? true;
      }
      return finite;
    }
    // Its parts run on this backend's kernel threads: one set of threads for every kernel.
    const parts = nat.sgemmBegin(a, b, c, m, kk, n, transA, transB, accumulate, threads, bias, relu, check, maskA, maskB, colsumB);
    let finite = true;
    try {
      if (parts > 0) runParts(parts, meanwhile);
      else if (meanwhile !== undefined) beside(meanwhile);
    } finally {
      finite = nat.sgemmEnd();
    }
    return finite;
  }

  /** The open native call's parts: part 0 here, the others on the kernel threads. */
  function runParts(parts: number, meanwhile?: () => void): void {
    const nat = native!;
    // With `meanwhile`, the workers start on the call and this thread joins once it is done (or
    // threw: its part still runs, so the call completes before the error goes on).
    const mine = meanwhile === undefined ? () => nat.sgemmPart(0) : () => {
      try {
        beside(meanwhile);
      } finally {
        nat.sgemmPart(0);
      }
    };
    if (parts === 1) mine();
    else pool!.runNative(parts - 1, mine);
  }

  /** Whether work runs beside a kernel (`beside`). */
  let besideOpen = false;

  /**
   * Runs `work` beside a kernel that the kernel threads run (the `meanwhile` of a pair, of
   * stacks, of adamRunAlongside): every kernel it calls on this thread alone, where it would
   * otherwise post a job to threads that are busy; a native matmul refused with PoolBusyError
   * (beside an open one it would wait for the lock that call holds), on any thread count.
   */
  function beside(work: () => void): void {
    const before = threads, open = besideOpen;
    threads = 1;
    besideOpen = true;
    try {
      work();
    } finally {
      threads = before;
      besideOpen = open;
    }
  }

  /** Refuses a native matmul from the work run beside a kernel (`beside`). */
  function nativeFree(what: string): void {
    if (besideOpen) {
      throw new PoolBusyError(`wasm backend: ${what} was called from the work run beside another kernel; ` +
        'run it before or after the call that runs that work');
    }
  }

  /** Whether native matmuls split over the kernel threads, so two of them can run as one pair. */
  function pairs(): boolean {
    return native !== null && pool !== null && threads > 1 && pool.nativeFile !== null;
  }

  /**
   * Two independent native matmuls as one split call on the kernel threads (NativeKernels'
   * sgemmPairBegin): bit 0 set when the first's C is all finite, bit 1 the second's.
   */
  function nativePair(first: SgemmArgs, second: SgemmArgs, meanwhile?: () => void): number {
    return nativeChains([first, second], meanwhile);
  }

  /**
   * Two chains of native matmuls (first then firstNext, second then secondNext), or a pair, as
   * one split call on the kernel threads: bit i set when the i-th call's C is all finite.
   */
  function nativeChains(calls: readonly [SgemmArgs, SgemmArgs, (SgemmArgs | null)?, (SgemmArgs | null)?], meanwhile?: () => void): number {
    const nat = native!;
    nativeFree('a pair of native matmuls');
    // A plain pair is begun with two calls: null next calls would add 'finite' bits 2 and 3 to a
    // verdict that a pair's callers return as is, two bits.
    const parts = calls.length > 2 ? nat.sgemmPairBegin(calls[0], calls[1], calls[2] ?? null, calls[3] ?? null) : nat.sgemmPairBegin(calls[0], calls[1]);
    let finite = 0;
    try {
      if (parts > 0) runParts(parts, meanwhile);
      else if (meanwhile !== undefined) beside(meanwhile);
    } finally {
      finite = nat.sgemmPairEnd();
    }
    return finite;
  }

  /**
   * Whether the narrow kernel runs this matmul on one thread: too little memory to split. A
   * gate's forward (A's rows split, each contiguous) gains from two threads; its dW (A
   * transposed: every chunk of C's rows streams a column slice of all of A) lost in the step
   * even in one chunk per thread, so that form splits only from four times the size.
   */
  function narrowAlone(m: number, kk: number, n: number, transA: boolean): boolean {
    return m < 8 || m * (kk + n) < (transA ? PAR_ELEMS * 4 : PAR_ELEMS);
  }

  /** Whether a float32 matmul of these operands runs on the native kernel (matmul's own test). */
  function nativeFor(a: Storage, b: Storage, c: Storage, m: number, kk: number, n: number): boolean {
    return native !== null && a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array
      && m > 0 && n > 0 && !narrow(n, kk, false);
  }

  /** Whether Adam's operands are float32 in this backend's memory (its kernels update them in place). */
  function adamResident(w: Storage, g: Storage, m: Storage, v: Storage): boolean {
    return w instanceof Float32Array && g instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array
      && heap.owns(w) && heap.owns(g) && heap.owns(m) && heap.owns(v);
  }

  /** Whether a linearForward call runs on the native matmul (as linearForward decides). */
  function forwardNative(c: LinearForwardCall): boolean {
    return nativeFor(c.x, c.w, c.y, c.rows, c.k, c.n) && (c.b === null || c.b instanceof Float32Array);
  }

  /**
   * Whether the addon's stack runs a layer as linearForward would: on the native matmul, or, of
   * at most STACK_NARROW columns, on the narrow kernel (sgemmSmall's bits) where linearForward
   * takes that (a head's logit after its tower); the addon tells the two by the width alone.
   */
  function stackable(c: LinearForwardCall): boolean {
    if (c.n > STACK_NARROW) return forwardNative(c);
    return c.rows > 0 && c.n > 0 && c.k * c.n <= STACK_NARROW_KN && c.x instanceof Float32Array && c.w instanceof Float32Array && c.y instanceof Float32Array && narrow(c.n, c.k, false)
      && (c.b === null || c.b instanceof Float32Array);
  }

  /** A native linearForward call's arguments for the pair or a stack (forwardNative holds), on `parts` threads. */
  function forwardArgs(c: LinearForwardCall, parts = threads): SgemmArgs {
    return [c.x as Float32Array, c.w as Float32Array, c.y as Float32Array, c.rows, c.k, c.n, false, false, false, parts, c.b as Float32Array | null, c.relu, false];
  }

  /**
   * Whether linearReluBackward's matmuls run native here (dW given; dx, when given, too): then
   * they read g through y's mask as they pack it, and dW's packing sums db's columns.
   */
  function reluNative(x: Storage, w: Storage, y: Storage, g: Storage, dw: Storage | null, dx: Storage | null, db: Storage | null,
    rows: number, kk: number, n: number): boolean {
    return dw !== null && nativeFor(x, g, dw, kk, rows, n) && (dx === null || nativeFor(g, w, dx, rows, n, kk))
      && y instanceof Float32Array && (db === null || db instanceof Float32Array);
  }

  /** dW's native arguments (reluNative holds): x^T (g masked by y), db summed as g is packed. */
  function reluWeightArgs(x: Storage, g: Storage, dw: Storage, y: Storage, db: Storage | null, rows: number, kk: number, n: number): SgemmArgs {
    return [x as Float32Array, g as Float32Array, dw as Float32Array, kk, rows, n, true, false, true, threads, null, false, true, null,
      y as Float32Array, db as Float32Array | null];
  }

  /** dx's native arguments (reluNative holds): (g masked by y) W^T, added to dx or not. */
  function reluInputArgs(g: Storage, w: Storage, dx: Storage, y: Storage, rows: number, kk: number, n: number, accumulateDx: boolean): SgemmArgs {
    return [g as Float32Array, w as Float32Array, dx as Float32Array, rows, n, kk, false, true, accumulateDx, threads, null, false, true,
      y as Float32Array];
  }

  function call<T>(f: () => T): T {
    try {
      return f();
    } finally {
      finish();
    }
  }

  /** Splits [0, total) into `parts` ranges whose bounds are multiples of `align`. */
  function ranges(total: number, parts: number, align: number): Array<[number, number]> {
    const step = Math.ceil(total / parts / align) * align;
    const out: Array<[number, number]> = [];
    for (let s = 0; s < total; s += step) out.push([s, Math.min(total, s + step)]);
    return out;
  }

  /** Views of the wasm memory at a byte address (what a twin hands the addon); no count: to the end. */
  const f32At = (at: number, count?: number): Float32Array => new Float32Array(heap.buffer, at, count);
  const i32At = (at: number, count: number): Int32Array => new Int32Array(heap.buffer, at, count);
  const twins: Record<string, (...a: number[]) => number> = native === null ? {} : {
    sgemmSmall: (pa, pb, pc, m, kk, n, ta, tb, acc, r0, r1, scratch) => {
      // A weighted sum of a few long rows (G^T w) stays wasm: in a step its rows are in cache
      // and the wasm loop was the faster of the two there (docs/speed.md).
      if (ta && kk <= NARROW_WASM_K) k.sgemmSmall(pa, pb, pc, m, kk, n, ta, tb, acc, r0, r1, scratch);
      else native.sgemmNarrow(f32At(pa, m * kk), f32At(pb, kk * n), f32At(pc, m * n), m, kk, n, ta !== 0, tb !== 0, acc !== 0, r0, r1);
      return 0;
    },
    gramRange: (pg, po, t, d, c0, c1, f64) => {
      if (f64) k.gramRange(pg, po, t, d, c0, c1, f64);
      else native.gramRange(f32At(pg, t * d), new Float64Array(heap.buffer, po, t * t), t, d, c0, c1);
      return 0;
    },
    // Adam: the arrays from each address to the end of memory (the offsets index into them).
    adam32: (w, g, m, v, pw, ps, count, width, b1, b2, c1, c2, step, r, eps, zero) => {
      native.adamRuns(f32At(w), f32At(g), f32At(m), f32At(v), i32At(pw, count), i32At(ps, count), width, b1, b2, c1, c2, step, r, eps, 0, count, zero);
      return 0;
    },
    adamRunsChunk32: (w, g, m, v, pw, ps, width, b1, b2, c1, c2, step, r, eps, q0, q1, zero) => {
      native.adamRuns(f32At(w), f32At(g), f32At(m), f32At(v), i32At(pw, q1), i32At(ps, q1), width, b1, b2, c1, c2, step, r, eps, q0, q1, zero);
      return 0;
    },
    adamRunSetsChunk32: (w, g, desc, b1, b2, c1, c2, step, r, eps, s0, s1, zero) => {
      const d = i32At(desc, s1 * 6);
      for (let s = s0, o = s0 * 6; s < s1; s++, o += 6) {
        const count = d[o + 4]!;
        native.adamRuns(f32At(w), f32At(g), f32At(d[o]!), f32At(d[o + 1]!), i32At(d[o + 2]!, count), i32At(d[o + 3]!, count), d[o + 5]!,
          b1, b2, c1, c2, step, r, eps, 0, count, zero);
      }
      return 0;
    },
    adamSpan32: (w, g, m, v, b1, b2, c1, c2, step, r, eps, i0, i1, zero) => {
      native.adamSpan(f32At(w), f32At(g), f32At(m), f32At(v), b1, b2, c1, c2, step, r, eps, i0, i1, zero);
      return 0;
    },
    gatherAt32: (src, pa, po, width, r0, r1) => {
      native.gatherAt(f32At(src), i32At(pa, r1), f32At(po, r1 * width), width, r0, r1);
      return 0;
    },
    scatterAddAt32: (dst, pa, ps, count, width, lo, hi) => {
      native.scatterAddAt(f32At(dst), i32At(pa, count), f32At(ps, count * width), count, width, lo, hi);
      return 0;
    },
    scatterAt32: (dst, pa, ps, count, width) => {
      native.scatterAt(f32At(dst), i32At(pa, count), f32At(ps, count * width), count, width);
      return 0;
    },
  };
  /**
   * A pooled export by name, or its native twin on this thread: the addon's function with the
   * export's bits, over views of the wasm memory (worker.mjs makes the same substitution, so a
   * job runs the twin on whichever thread takes it).
   */
  function exportOrTwin(name: string): (...a: number[]) => number {
    return twins[name] ?? (k as unknown as Record<string, (...a: number[]) => number>)[name]!;
  }

  /**
   * Runs `job(range, i)` over the ranges and returns their results in range order: range i on
   * thread i (0 = this one) while there are threads, the rest on this thread after its own.
   */
  function parallel(rs: Array<[number, number]>, job: (r: [number, number], i: number) => readonly [string, ...number[]]): number[] {
    const runHere = (i: number): number => {
      const [name, ...args] = job(rs[i]!, i);
      return exportOrTwin(name)(...args) ?? 0;
    };
    const helpers = pool === null ? 0 : Math.min(pool.count, threads - 1, rs.length - 1);
    if (helpers <= 0) return rs.map((_, i) => runHere(i));
    const jobs: Array<readonly [string, ...number[]] | null> = [];
    for (let w = 0; w < pool!.count; w++) jobs.push(w < helpers ? job(rs[w + 1]!, w + 1) : null);
    const out = new Array<number>(rs.length).fill(0);
    const theirs = pool!.run(jobs, () => {
      out[0] = runHere(0);
      for (let i = helpers + 1; i < rs.length; i++) out[i] = runHere(i);
    }, ([name, ...args]) => exportOrTwin(name)(...args) ?? 0);
    for (let w = 0; w < helpers; w++) out[w + 1] = theirs[w]!;
    return out;
  }

  const backend: WasmBackend = {
    ...js,
    name: 'wasm',
    maxThreads,
    get threads() { return threads; },
    sharedMemory: shared,
    fma,
    matmulKernel: native ? 'native' : 'wasm',
    nativeReason,
    setThreads(n: number) {
      threads = Math.max(1, Math.min(maxThreads, Math.floor(n)));
    },
    heapStats: () => heap.stats(),
    poolStats: () => (pool === null ? null : { ...pool.stats, workers: pool.count, busyMs: pool.workersBusyMs() }),
    poolBusyMs: () => (pool === null ? null : pool.workersBusyMs()),
    close() {
      pool?.close();
      pool = null;
      threads = 1;
    },
    alloc(dtype: DType, n: number): Storage {
      return heap.alloc(dtype, n);
    },
    resident: (x) => heap.owns(x),
    fastFiniteCheck: true,
    // G^T w is the streaming sgemmSmall kernel (n = 1), which beats a float64 loop at every
    // size the caller asks about.
    rowSumByMatmul: () => true,
    describe(): string {
      const storage = heap.resident ? 'storage in shared wasm memory' : 'storage in ordinary arrays (copied in)';
      const why = poolError ? ` (threads unavailable: ${poolError})` : !shared ? ' (no SharedArrayBuffer)' : '';
      const matmul = native ? `matmul: native ${native.wide() ? 'AVX-512' : 'AVX2'}/FMA, ${threads} thread(s)` : `matmul: wasm (native unavailable: ${nativeReason})`;
      const pinned = pool?.pinned ? ', each on a CPU of its own' : '';
      return `wasm: SIMD kernels${fma ? ' (relaxed-SIMD FMA)' : ''}, ${threads}/${maxThreads} thread(s)${pinned}${why}, ${storage}; ${matmul}`;
    },

    linearForward(x, w, b, y, rows, kk, n, relu) {
      // The native matmul applies the bias and ReLU to each tile before storing it; the other
      // paths (float64, the narrow kernel, no addon) run biasRelu after.
      if (nativeFor(x, w, y, rows, kk, n) && (b === null || b instanceof Float32Array)) {
        nativeMatmul32(x as Float32Array, w as Float32Array, y as Float32Array, rows, kk, n, false, false, false, b, relu, false);
        return;
      }
      linearForwardVia(backend, x, w, b, y, rows, kk, n, relu);
    },

    linearForwardPair(first, second, meanwhile) {
      if (pairs() && forwardNative(first) && forwardNative(second)) {
        nativePair(forwardArgs(first), forwardArgs(second), meanwhile);
        return;
      }
      linearForwardPairVia(backend, first, second, meanwhile);
    },

    linearStackForward(first, second, meanwhile) {
      // The leading layers the native matmul runs (both stacks', at most STACK_MAX) as one
      // blocked call; the rest layer by layer.
      let cut = 0;
      while (native !== null && cut < STACK_MAX && cut < first.length && stackable(first[cut]!)
        && (second === null || (cut < second.length && stackable(second[cut]!)))) cut++;
      if (cut === 0 || stackFault(first) !== null || (second !== null && stackFault(second) !== null)) {
        linearStackForwardVia(backend, first, second, meanwhile);
        return;
      }
      const nat = native!;
      nativeFree('linearStackForward');
      // Without kernel threads that run the addon's parts, the stacks run on this thread.
      const own = pairs() ? threads : 1;
      const args = (c: LinearForwardCall): SgemmArgs => forwardArgs(c, own);
      const parts = nat.sgemmStackBegin(first.slice(0, cut).map(args), second?.slice(0, cut).map(args) ?? null);
      // meanwhile's error comes after every layer has run, as where the layers run after it.
      let failed = false, failure: unknown = null;
      try {
        runParts(parts, meanwhile);
      } catch (e) {
        failed = true;
        failure = e;
      } finally {
        nat.sgemmStackEnd();
      }
      const restFirst = first.slice(cut), restSecond = second?.slice(cut) ?? [];
      if (restFirst.length > 0) linearStackForwardVia(backend, restFirst, restSecond.length > 0 ? restSecond : null);
      else if (restSecond.length > 0) linearStackForwardVia(backend, restSecond, null);
      if (failed) throw failure;
    },

    matmulChecked(a, b, c, m, kk, n, transA, transB, accumulate) {
      // The native matmul sees each tile as it stores it; elsewhere the matmul, then a pass.
      if (nativeFor(a, b, c, m, kk, n)) {
        return nativeMatmul32(a as Float32Array, b as Float32Array, c as Float32Array, m, kk, n, transA, transB, accumulate, null, false, true);
      }
      return matmulCheckedVia(backend, a, b, c, m, kk, n, transA, transB, accumulate);
    },

    linearBackward(x, w, g, dw, dx, rows, kk, n, accumulateDx) {
      // A gate's dW (n <= 4: the narrow kernel, one thread, as matmul runs it at this size) on
      // this thread while the kernel threads start on dx (native parts), which this thread then
      // joins: two matmuls at once instead of one after the other, and neither thread waits for
      // the other's matmul to end. Each has the bits it has either way.
      if (pool !== null && threads > 1 && dw !== null && dx !== null && x instanceof Float32Array && g instanceof Float32Array
        && dw instanceof Float32Array && w instanceof Float32Array && dx instanceof Float32Array && narrow(n, rows, false)
        && narrowAlone(kk, rows, n, true) && nativeFor(g, w, dx, rows, n, kk)) {
        const dxFinite = call(() => {
          const px = addrIn(x, rows * kk), pg = addrIn(g, rows * n), pdw = addrOut(dw, kk * n, true);
          return nativeMatmul32(g, w, dx, rows, n, kk, false, true, accumulateDx, null, false, true, null, null, null,
            () => { exportOrTwin('sgemmSmall')(px, pg, pdw, kk, rows, n, 1, 0, 1, 0, kk, scratch[0]!); });
        });
        return (finiteOn(backend, dw, kk * n) ? 1 : 0) | (dxFinite ? 2 : 0);
      }
      // Both native: one pair on the kernel threads, as a ReLU layer's backward.
      if (dw !== null && dx !== null && pairs() && nativeFor(x, g, dw, kk, rows, n) && nativeFor(g, w, dx, rows, n, kk)) {
        const g32 = g as Float32Array;
        return nativePair([x as Float32Array, g32, dw as Float32Array, kk, rows, n, true, false, true, threads, null, false, true],
          [g32, w as Float32Array, dx as Float32Array, rows, n, kk, false, true, accumulateDx, threads, null, false, true]);
      }
      return linearBackwardVia(backend, x, w, g, dw, dx, rows, kk, n, accumulateDx);
    },

    linearReluBackward(x, w, y, g, gz, dw, dx, db, rows, kk, n, accumulateDx) {
      // The native matmuls read g through y's mask as they pack it (dW's packing also sums db's
      // columns), so gz is never written; any other path runs the kernels one after another.
      if (reluNative(x, w, y, g, dw, dx, db, rows, kk, n)) {
        // The two matmuls run as one pair: on the kernel threads each thread starts on one and
        // then helps with the other, where split one after the other both would wait at each
        // one's end, and each would read what the other thread packed; on any thread count, a
        // thread that has packed dW's masked g reads dx's from that packing (native/sgemm.c).
        if (dx !== null) return nativePair(reluWeightArgs(x, g, dw!, y, db, rows, kk, n), reluInputArgs(g, w, dx, y, rows, kk, n, accumulateDx));
        return nativeMatmul32(x as Float32Array, g as Float32Array, dw as Float32Array, kk, rows, n, true, false, true, null, false, true, null,
          y as Float32Array, db as Float32Array | null) ? 1 : 0;
      }
      // dx alone (the sweep ran this layer's dW and db ahead, beside another layer): the call above.
      if (dw === null && db === null && dx !== null && nativeFor(g, w, dx, rows, n, kk) && y instanceof Float32Array) {
        return nativeMatmul32(g as Float32Array, w as Float32Array, dx as Float32Array, rows, n, kk, false, true, accumulateDx, null, false, true, y) ? 2 : 0;
      }
      return linearReluBackwardVia(backend, x, w, y, g, gz, dw, dx, db, rows, kk, n, accumulateDx);
    },

    linearReluBackwardPair(first, second) {
      // One chain per layer, dW then dx, each started by its own thread (which then helps with
      // the other chain): a layer's calls keep to one thread's operands but for the tail, and
      // no thread waits between its dW and its dx.
      // A layer without dx (the sweep runs a layer's dW ahead of its dx) is a chain of one call.
      const p = first, q = second;
      if (pairs() && reluNative(p.x, p.w, p.y, p.g, p.dw, p.dx, p.db, p.rows, p.k, p.n)
        && reluNative(q.x, q.w, q.y, q.g, q.dw, q.dx, q.db, q.rows, q.k, q.n)) {
        const input = (c: LinearReluBackwardCall): SgemmArgs | null => c.dx === null ? null : reluInputArgs(c.g, c.w, c.dx, c.y, c.rows, c.k, c.n, c.accumulateDx);
        const f = nativeChains([reluWeightArgs(p.x, p.g, p.dw!, p.y, p.db, p.rows, p.k, p.n), reluWeightArgs(q.x, q.g, q.dw!, q.y, q.db, q.rows, q.k, q.n),
          input(p), input(q)]);
        // The chains' bits are p's dW, q's dW, p's dx, q's dx; the pair's p's dW, dx, q's dW, dx
        // (a dx not computed leaves its flag clear, as linearReluBackward does).
        return (f & 1) | (p.dx === null ? 0 : (f & 4) >> 1) | ((f & 2) << 1) | (q.dx === null ? 0 : f & 8);
      }
      return linearReluBackwardPairVia(backend, first, second);
    },

    matmul(a, b, c, m, kk, n, transA, transB, accumulate) {
      const f64 = c instanceof Float64Array;
      if (a instanceof Float64Array !== f64 || b instanceof Float64Array !== f64 || m === 0 || n === 0) {
        js.matmul(a, b, c, m, kk, n, transA, transB, accumulate);
        return;
      }
      // A narrow C (a gate's n = 2, forward and dW) leaves 6 of the 4x8 tile's 8 columns
      // empty: sgemmSmall streams the operands once instead. It is memory bound, so threads
      // pay off only for a lot of memory, not of flops (narrowAlone).
      const small = narrow(n, kk, f64);
      if (nativeFor(a, b, c, m, kk, n)) {
        nativeMatmul32(a as Float32Array, b as Float32Array, c as Float32Array, m, kk, n, transA, transB, accumulate, null, false, false);
        return;
      }
      call(() => {
        const pa = addrIn(a, m * kk), pb = addrIn(b, kk * n), pc = addrOut(c, m * n, accumulate);
        const name = f64 ? 'dgemm' : small ? 'sgemmSmall' : 'sgemm';
        const fn = exportOrTwin(name);
        const args = (t: number) => [pa, pb, pc, m, kk, n, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0, 0, m, scratch[t]];
        if (pool === null || threads === 1 || (small ? narrowAlone(m, kk, n, transA) : m < 8 || 2 * m * n * kk < PAR_FLOPS)) {
          fn(...(args(0) as number[]));
          return;
        }
        // About 4 chunks per thread (rows in multiples of the 4-row tile, at least 16): enough
        // to rebalance when a core is busy.
        const chunk = Math.max(16, Math.ceil(m / (threads * 4) / 4) * 4);
        if (f64 || small) {
          pool.runChunks(name, m, chunk, 9, args, fn as (...a: number[]) => unknown, threads - 1);
          return;
        }
        // op(B) packed once, by all threads, then shared: each chunk packing all of B again
        // cost more than the second thread gained where B is long (dW = xᵀg over the batch).
        const packed = packedBuffer(k.packedBBytes(kk, n));
        const blocks = k.packedBBlockCount(kk, n);
        const tb = transB ? 1 : 0, ta = transA ? 1 : 0, acc = accumulate ? 1 : 0;
        pool.runChunks('packBBlocks', blocks, 1, 5, () => [pb, tb, kk, n, packed, 0, blocks], k.packBBlocks as (...a: number[]) => unknown, threads - 1);
        pool.runChunks('sgemmPacked', m, chunk, 8, (t) => [pa, packed, pc, m, kk, n, ta, acc, 0, m, scratch[t]],
          k.sgemmPacked as (...a: number[]) => unknown, threads - 1);
      });
    },

    gram(g, out, t, d) {
      if (t === 0) return;
      const f64 = g instanceof Float64Array;
      call(() => {
        const pg = addrIn(g, t * d);
        // The split is fixed by the size, never by the thread count: the partial sums (and so
        // the Gram's bits, and every balancer's numbers) are the same on any number of cores.
        const parts = t * t * d >= PAR_ELEMS * 4 ? GRAM_PARTS : 1;
        const rs = ranges(d, parts, 16);
        if (rs.length === 0) rs.push([0, 0]);
        const partial = rs.map(() => heap.reserve(t * t * 8));
        parallel(rs, ([c0, c1], i) => ['gramRange', pg, partial[i][0], t, d, c0, c1, f64 ? 1 : 0]);
        const view = new Float64Array(heap.buffer);
        out.fill(0, 0, t * t);
        for (const [addr, cls] of partial) {
          const base = addr / 8;
          for (let x = 0; x < t * t; x++) out[x] += view[base + x];
          heap.release(addr, cls);
        }
      });
    },

    dot(a, b, n) {
      const f64 = a instanceof Float64Array;
      if (n < 64 || (b instanceof Float64Array) !== f64) return js.dot(a, b, n);
      return call(() => {
        const pa = addrIn(a, n), pb = addrIn(b, n);
        const parts = n >= PAR_ELEMS ? threads : 1;
        const es = f64 ? 8 : 4;
        const sums = parallel(ranges(n, parts, 16), ([i0, i1]) =>
          [f64 ? 'dot64' : 'dot32', pa + i0 * es, pb + i0 * es, i1 - i0]);
        return sums.reduce((s, v) => s + v, 0);
      });
    },

    sumAxis(x, out, outer, len, inner) {
      const f64 = x instanceof Float64Array;
      if (outer * len * inner < 256 || (out instanceof Float64Array) !== f64) {
        js.sumAxis(x, out, outer, len, inner);
        return;
      }
      call(() => {
        const px = addrIn(x, outer * len * inner), po = addrOut(out, outer * inner, false);
        const parts = outer >= 2 && outer * len * inner >= PAR_ELEMS ? threads : 1;
        parallel(ranges(outer, parts, 1), ([o0, o1]) =>
          [f64 ? 'sumAxis64' : 'sumAxis32', px, po, outer, len, inner, o0, o1]);
      });
    },

    maxAxis(x, out, argmax, outer, len, inner) {
      const f64 = x instanceof Float64Array;
      if (outer * len * inner < 256 || (out instanceof Float64Array) !== f64 || len === 0) {
        js.maxAxis(x, out, argmax, outer, len, inner);
        return;
      }
      call(() => {
        const px = addrIn(x, outer * len * inner), po = addrOut(out, outer * inner, false);
        const pi = argmax ? addrOutInt(argmax, outer * inner) : 0;
        (f64 ? k.maxAxis64 : k.maxAxis32)(px, po, pi, outer, len, inner, 0, outer);
      });
    },

    unary(op, x, out, n) {
      const code = UNARY[op];
      // Only worth it when nothing must be copied: a copy costs what the loop saves.
      if (code === undefined || !(x instanceof Float32Array) || !(out instanceof Float32Array)
        || !heap.owns(x) || !heap.owns(out) || n < 256) {
        js.unary(op, x, out, n);
        return;
      }
      k.unary32(code, x.byteOffset, out.byteOffset, n);
    },

    binary(op, a, aStrides, b, bStrides, out, shape) {
      const code = BINARY[op];
      const n = shape.reduce((p, s) => p * s, 1);
      if (code === undefined || n < 256 || !(a instanceof Float32Array) || !(b instanceof Float32Array)
        || !(out instanceof Float32Array) || !heap.owns(a) || !heap.owns(b) || !heap.owns(out)
        || !contiguous(aStrides, shape) || !contiguous(bStrides, shape)) {
        js.binary(op, a, aStrides, b, bStrides, out, shape);
        return;
      }
      k.binary32(code, a.byteOffset, b.byteOffset, out.byteOffset, n);
    },

    scatterAddRows(table, idx, src, rows, width) {
      if (!(table instanceof Float32Array) || !(src instanceof Float32Array) || !heap.owns(table)
        || rows * width < 256) {
        js.scatterAddRows(table, idx, src, rows, width);
        return;
      }
      call(() => {
        const pi = addrIn(idx, rows), ps = addrIn(src, rows * width);
        k.scatterAddRows32(table.byteOffset, pi, ps, rows, width);
      });
    },

    // The table side must be resident (copying a whole table in for a few rows would cost more
    // than the loop); the rows side and the offsets are copied in when they are not.
    gatherAt(src, at, out, count, width) {
      if (rowsOnHost(src, out, count * width)) {
        native!.gatherAt(src as Float32Array, at, out as Float32Array, width, 0, count);
        return;
      }
      if (count * width < 256 || !(src instanceof Float32Array) || !(out instanceof Float32Array) || !heap.owns(src)) {
        js.gatherAt(src, at, out, count, width);
        return;
      }
      call(() => {
        const pa = addrIn(at, count), po = addrOut(out, count * width, false);
        if (!pooled(count * width, count)) {
          exportOrTwin('gatherAt32')(src.byteOffset, pa, po, width, 0, count);
          return;
        }
        pool!.runChunks('gatherAt32', count, rowChunk(count), 4, () => [src.byteOffset, pa, po, width, 0, count],
          exportOrTwin('gatherAt32'), threads - 1);
      });
    },

    scatterAddAt(dst, at, src, count, width) {
      if (rowsOnHost(dst, src, count * width)) {
        native!.scatterAddAt(dst as Float32Array, at, src as Float32Array, count, width, 0, dst.length);
        return;
      }
      if (count * width < 256 || !(dst instanceof Float32Array) || !(src instanceof Float32Array) || !heap.owns(dst)) {
        js.scatterAddAt(dst, at, src, count, width);
        return;
      }
      call(() => {
        const pa = addrIn(at, count), ps = addrIn(src, count * width);
        if (!pooled(count * width, count)) {
          exportOrTwin('scatterAddAt32')(dst.byteOffset, pa, ps, count, width, 0, dst.length);
          return;
        }
        // Rows may share a destination element: each thread takes a range of dst's elements.
        parallel(destRanges(at, count, dst.length, threads, dst.byteOffset >> 2),
          ([lo, hi]) => ['scatterAddAt32', dst.byteOffset, pa, ps, count, width, lo, hi]);
      });
    },

    scatterAt(dst, at, src, count, width) {
      if (rowsOnHost(dst, src, count * width)) {
        native!.scatterAt(dst as Float32Array, at, src as Float32Array, count, width);
        return;
      }
      if (count * width < 256 || !(dst instanceof Float32Array) || !(src instanceof Float32Array) || !heap.owns(dst)) {
        js.scatterAt(dst, at, src, count, width);
        return;
      }
      // One thread: a row copy is memory bound, and rows may repeat (the last one must win).
      call(() => exportOrTwin('scatterAt32')(dst.byteOffset, addrIn(at, count), addrIn(src, count * width), count, width));
    },

    claimSlots(slot, order, count, rows, start, stride, n, out) {
      // Integers, no wasm memory: the addon's loop fetches the slot map's entries ahead (a
      // million-row table's map is megabytes), on this thread; a short list is not worth the call.
      if (native === null || n < 64) return js.claimSlots(slot, order, count, rows, start, stride, n, out);
      return native.claimSlots(slot, order, count, rows, start, stride, n, out);
    },

    mixture(w, xs, out, B, d) {
      const E = xs.length;
      if (B * d < 256 || E === 0 || !(w instanceof Float32Array) || !(out instanceof Float32Array)
        || !xs.every((x) => x instanceof Float32Array)) {
        js.mixture(w, xs, out, B, d);
        return;
      }
      call(() => {
        const pw = addrIn(w, B * E), px = addrList(xs.map((x) => addrIn(x, B * d)));
        const po = addrOut(out, B * d, false);
        if (!pooled(B * d * (E + 1), B)) {
          k.mixture32(pw, px, po, E, B, d, 0, B);
          return;
        }
        pool!.runChunks('mixture32', B, rowChunk(B), 6, () => [pw, px, po, E, B, d, 0, B], k.mixture32 as (...a: number[]) => unknown, threads - 1);
      });
    },

    mixtureBackward(w, xs, g, dw, dxs, B, d, written) {
      const E = xs.length;
      if (B * d < 256 || E === 0 || !(w instanceof Float32Array) || !(g instanceof Float32Array)
        || (dw !== null && !(dw instanceof Float32Array))
        || !xs.every((x) => x instanceof Float32Array) || !dxs.every((x) => x === null || x instanceof Float32Array)) {
        return js.mixtureBackward(w, xs, g, dw, dxs, B, d, written);
      }
      return call(() => {
        const pw = addrIn(w, B * E), pg = addrIn(g, B * d), pdw = dw ? addrOut(dw, B * E, true) : 0;
        const px = addrList(xs.map((x) => addrIn(x, B * d)));
        const pdx = addrList(xs.map((_, e) => (dxs[e] ? addrOut(dxs[e]!, B * d, true) : 0)));
        const bad = tempBlock(4), flag = i32At(bad, 1);
        flag[0] = 0;
        // Rows are independent: split by rows, each element's sums in the same order.
        if (!pooled(B * d * (E + 1), B)) {
          k.mixtureBack32(pw, px, pg, pdw, pdx, E, B, d, 0, B, bad, written);
        } else {
          pool!.runChunks('mixtureBack32', B, rowChunk(B), 8, () => [pw, px, pg, pdw, pdx, E, B, d, 0, B, bad, written], k.mixtureBack32 as (...a: number[]) => unknown, threads - 1);
        }
        return flag[0] === 0;
      });
    },

    dropoutMask(bits, x, y, m, n, thr, scale) {
      if (n < 256 || !(x instanceof Float32Array) || !(y instanceof Float32Array) || !(m instanceof Float32Array)) {
        js.dropoutMask(bits, x, y, m, n, thr, scale);
        return;
      }
      call(() => {
        const words = (n + 1) >> 1;
        const pb = addrIn(bits instanceof Int32Array ? bits : new Int32Array(bits.buffer, bits.byteOffset, words), words);
        k.dropoutMask32(pb, addrIn(x, n), addrOut(y, n, false), addrOut(m, n, false), n, thr, scale);
      });
    },

    mulAdd(dst, a, b, n) {
      if (n < 256 || !(dst instanceof Float32Array) || !(a instanceof Float32Array) || !(b instanceof Float32Array)) {
        js.mulAdd(dst, a, b, n);
        return;
      }
      call(() => {
        k.mulAdd32(addrOut(dst, n, true), addrIn(a, n), addrIn(b, n), n);
      });
    },

    zero(x, start, end) {
      zeroRange(x, start, end);
      // Storage elsewhere is the host's own array: its fill is a memset there.
      if (end - start < ZERO_MIN || !heap.owns(x)) x.fill(0, start, end);
      else k.zeroBytes(x.byteOffset + start * x.BYTES_PER_ELEMENT, (end - start) * x.BYTES_PER_ELEMENT);
    },

    reluGradColumnSums(y, g, gz, db, rows, n) {
      const len = rows * n;
      if (len < 256 || !(y instanceof Float32Array) || !(g instanceof Float32Array) || !(gz instanceof Float32Array)
        || (db !== null && !(db instanceof Float32Array))) {
        js.reluGradColumnSums(y, g, gz, db, rows, n);
        return;
      }
      call(() => {
        const py = addrIn(y, len), pg = addrIn(g, len), pz = addrOut(gz, len, false);
        const pd = db ? addrOut(db, n, true) : 0, pacc = db ? tempBlock(n * 4) : 0;
        k.reluGradColSums32(py, pg, pz, pd, pacc, rows, n);
      });
    },

    biasRelu(y, b, rows, n, relu) {
      const len = rows * n;
      if (len < 256 || !(y instanceof Float32Array) || (b !== null && !(b instanceof Float32Array))) {
        js.biasRelu(y, b, rows, n, relu);
        return;
      }
      call(() => {
        const py = addrOut(y, len, true), pb = b ? addrIn(b, n) : 0, r = relu ? 1 : 0;
        // Memory bound: the second thread pays where the rows are many (a batch's activations).
        if (pool === null || threads === 1 || len < PAR_ELEMS || rows < 8) {
          k.biasRelu32(py, pb, n, r, 0, rows);
          return;
        }
        const chunk = Math.max(4, Math.ceil(rows / (threads * 4)));
        pool.runChunks('biasRelu32', rows, chunk, 4, () => [py, pb, n, r, 0, rows], k.biasRelu32 as (...a: number[]) => unknown, threads - 1);
      });
    },

    adamRunAlongside(w, g, m, v, at, sAt, width, h, meanwhile) {
      // The workers take the run chunk by chunk while this thread runs `meanwhile`, then this
      // thread takes the chunks left (a worker not yet awake leaves them all to it). The run
      // completes even when `meanwhile` throws: its error is held until the run is done.
      const aside = (): void => beside(meanwhile);
      if (pool === null || threads === 1 || width < PAR_ELEMS / 2 || !adamResident(w, g, m, v)) {
        adamRunThen(backend, w, g, m, v, at, sAt, width, h, aside);
        return;
      }
      const args = [w.byteOffset + at * 4, g.byteOffset + at * 4, m.byteOffset + sAt * 4, v.byteOffset + sAt * 4,
        h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, h.stepSize, h.invSqrtBc2, h.eps, 0, width, h.zeroGrad ? 1 : 0];
      // Small chunks (even, for adam32's f64 pairs): the run's tail splits between the threads.
      pool.runChunks('adamSpan32', width, ALONGSIDE_CHUNK, 11, () => args.slice(), exportOrTwin('adamSpan32'), threads - 1, aside);
    },

    adamRunSets(w, g, sets, h) {
      // Each set on one thread (a table's touched rows, too few to split, as adamRuns finds),
      // the sets shared out among the threads: one wake-up for all of them.
      let elems = 0, resident = true;
      for (const s of sets) {
        elems += s.count * s.width;
        resident &&= s.count > 0 && adamResident(w, g, s.m, s.v);
      }
      if (pool === null || threads === 1 || sets.length < 2 || elems < PAR_ELEMS / 2 || !resident) {
        adamRunSetsVia(backend, w, g, sets, h);
        return;
      }
      call(() => {
        const desc = tempBlock(sets.length * 24), d = i32At(desc, sets.length * 6);
        for (let i = 0, o = 0; i < sets.length; i++, o += 6) {
          const s = sets[i]!;
          d[o] = s.m.byteOffset;
          d[o + 1] = s.v.byteOffset;
          d[o + 2] = addrIn(s.wAt, s.count);
          d[o + 3] = addrIn(s.sAt, s.count);
          d[o + 4] = s.count;
          d[o + 5] = s.width;
        }
        pool!.runChunks('adamRunSetsChunk32', sets.length, 1, 10,
          () => [w.byteOffset, g.byteOffset, desc, h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, h.stepSize, h.invSqrtBc2, h.eps, 0, sets.length, h.zeroGrad ? 1 : 0],
          exportOrTwin('adamRunSetsChunk32'), threads - 1);
      });
    },

    adamRuns(w, g, m, v, wAt, sAt, count, width, h) {
      if (count * width < 64) {
        js.adamRuns(w, g, m, v, wAt, sAt, count, width, h);
        return;
      }
      const b1 = h.beta1, b2 = h.beta2, c1 = 1 - h.beta1, c2 = 1 - h.beta2, step = h.stepSize, r = h.invSqrtBc2, eps = h.eps;
      const zero = h.zeroGrad ? 1 : 0;
      // The kernels want the parameters and moments resident: copying the store in and out
      // would cost more than the update (only the offsets are copied). A store in the host's own
      // memory (too large for the heap: see rowsOnHost) gets the addon's update in place, here.
      if (!adamResident(w, g, m, v)) {
        if (native !== null && w instanceof Float32Array && g instanceof Float32Array && m instanceof Float32Array && v instanceof Float32Array) {
          native.adamRuns(w, g, m, v, wAt, sAt, width, b1, b2, c1, c2, step, r, eps, 0, count, zero);
        } else js.adamRuns(w, g, m, v, wAt, sAt, count, width, h);
        return;
      }
      call(() => {
        const pw = addrIn(wAt, count), ps = addrIn(sAt, count);
        // Each element's update is independent of the others, so the threads split it anywhere
        // and return the same bits. A table's touched rows (a few thousand rows of 16, scattered)
        // pay for a thread's wake-up on the wasm kernel, which takes their cache misses one by
        // one; the native twin prefetches them and is several times faster, so there they run
        // on one thread unless there are many (docs/speed.md).
        const alone = native !== null && count > 1 ? PAR_ELEMS : PAR_ELEMS / 32;
        if (pool === null || threads === 1 || count * width < alone) {
          exportOrTwin('adam32')(w.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, pw, ps, count, width, b1, b2, c1, c2, step, r, eps, zero);
          return;
        }
        if (count === 1) {
          // One long dense run: split its elements (even bounds keep adam32's f64 pairs).
          const wo = wAt[0]! * 4, so = sAt[0]! * 4;
          const chunk = Math.max(2048, Math.ceil(width / (threads * 4) / 2) * 2);
          pool.runChunks('adamSpan32', width, chunk, 11,
            () => [w.byteOffset + wo, g.byteOffset + wo, m.byteOffset + so, v.byteOffset + so, b1, b2, c1, c2, step, r, eps, 0, width, zero],
            exportOrTwin('adamSpan32'), threads - 1);
          return;
        }
        const chunk = Math.max(16, Math.ceil(count / (threads * 4)));
        pool.runChunks('adamRunsChunk32', count, chunk, 14,
          () => [w.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, pw, ps, width, b1, b2, c1, c2, step, r, eps, 0, count, zero],
          exportOrTwin('adamRunsChunk32'), threads - 1);
      });
    },
  };

  /**
   * Whether a row kernel's table lies in the host's own memory (a store too large for the heap,
   * nn/alloc.ts: an embedding of a million rows per field) and the addon runs it there in place,
   * on this thread: the js twin takes each row's cache and TLB misses one at a time, the addon
   * prefetches rows ahead. Its results are the wasm kernel's, the js twin's bits.
   */
  function rowsOnHost(table: Storage, rows: Storage, elems: number): boolean {
    return native !== null && elems >= 256 && table instanceof Float32Array && rows instanceof Float32Array && !heap.owns(table);
  }

  function addrOutInt(arr: Int32Array, n: number): number {
    if (heap.owns(arr)) return arr.byteOffset;
    const bytes = n * 4;
    const [addr, cls] = heap.reserve(bytes);
    temps.push({ addr, cls, arr, count: bytes });
    return addr;
  }

  return backend;
}

function contiguous(strides: readonly number[], shape: readonly number[]): boolean {
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== s) return false;
    s *= shape[d];
  }
  return true;
}

let shared: WasmBackend | null = null;

/** The process-wide wasm backend (one memory, one worker pool), created on first use. */
export function wasmBackend(): WasmBackend {
  if (shared === null) shared = createWasmBackend();
  return shared;
}
