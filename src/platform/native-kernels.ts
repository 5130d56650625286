/**
 * The native matmul addon as the engine sees it: what it exports (native/binding.c), where
 * its file lives and what it is built from. The Node host loads it (building it first when
 * missing or stale); the web host has none. The tensor layer's wasm backend asks the host
 * for it and keeps its own matmul when the answer is a reason instead.
 */

/** What info() reports: whether this CPU can run the kernel, and how it is built. */
export interface NativeKernelsInfo {
  /** false where the CPU lacks AVX2 or FMA (the addon still loads; sgemm then throws). */
  readonly available: boolean;
  /** Why it is not available; '' when it is. */
  readonly reason: string;
  /** The register tile in use, e.g. "6x16 AVX2 FMA" (see `wide`). */
  readonly microKernel: string;
  /** What runs the threads, e.g. "the caller's threads in the split form, else pthreads (sleeping workers)". */
  readonly threads: string;
  /** Blocking: the longest k slab and the most rows of A packed at once; the register tile's rows (a block's rows are whole tiles of them). */
  readonly kc: number;
  readonly mc: number;
  readonly mr: number;
}

/** sgemm's arguments, in its order: a, b, c, m, k, n, transA, transB, accumulate, threads, then the options. */
export type SgemmArgs = readonly [a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
  transA: boolean, transB: boolean, accumulate: boolean, threads: number, bias?: Float32Array | null, relu?: boolean, check?: boolean,
  maskA?: Float32Array | null, maskB?: Float32Array | null, colsumB?: Float32Array | null];

export interface NativeKernels {
  /**
   * c[m x n] = op(a)[m x k] op(b)[k x n] (+ c when accumulate), row-major float32; op(a) reads a
   * as k x m when transA, op(b) reads b as n x k when transB. The arrays may be views of a
   * SharedArrayBuffer. Bitwise the same for every `threads`. Throws a TypeError / RangeError
   * naming the argument when an array is not a Float32Array or is shorter than its sizes.
   * `bias` (n floats) and `relu`: the Linear epilogue on the result, c = relu(c + bias), the
   * float32 operations of `biasRelu` (so its bits), without a second pass over c. `check`:
   * returns whether every element of c is finite after the call, seen on each register tile
   * as it is stored (no second pass either); without it, undefined. `maskA` / `maskB` (the
   * operand's layout, operand not transposed): a ReLU layer's backward reads its gradient g
   * through its output y, the operand read as v * (y > 0 ? 1 : 0), reluGradColumnSums' values.
   * `colsumB` (n floats, B not transposed): op(B)'s column sums, over k in order from 0 in
   * float32, added to it (the bias gradient, reluGradColumnSums' bits).
   */
  sgemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean, threads: number, bias?: Float32Array | null, relu?: boolean, check?: boolean,
    maskA?: Float32Array | null, maskB?: Float32Array | null, colsumB?: Float32Array | null): boolean | undefined;
  /**
   * The same call split over the caller's own threads: `sgemmBegin` (the arguments of sgemm)
   * opens it and returns how many parts to run (0: nothing left to do, C is final); each part
   * t in 0 .. parts-1 is run once by `sgemmPart(t)`, concurrently, on any thread that loaded
   * this addon (the wasm backend's kernel workers); `sgemmEnd` closes it after every part
   * returned, and returns whether every element of C is finite when the call was opened with
   * `check` (true when it was not); call it also after 0 parts to have that answer. One call is
   * open at a time per process. The same bits as sgemm.
   */
  sgemmBegin(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean, threads: number, bias?: Float32Array | null, relu?: boolean, check?: boolean,
    maskA?: Float32Array | null, maskB?: Float32Array | null, colsumB?: Float32Array | null): number;
  sgemmPart(part: number): void;
  sgemmEnd(): boolean;
  /**
   * Two independent calls (each an array of sgemm's arguments; the first's `threads` counts)
   * opened as one split call, run with `sgemmPart` like sgemmBegin's: each thread starts on one
   * call and then helps with the other, so two threads stay busy on a pair too small to split,
   * and neither call waits on the other's barrier. A layer's backward is such a pair (dW = xᵀg
   * and dx = g Wᵀ). Neither call may write what the other reads. `sgemmPairEnd` closes it:
   * bit 0 set when the first call's C is all finite (or it did not check), bit 1 for the
   * second. Each C gets the bits of its own sgemm.
   *
   * With `firstNext` (and `secondNext`), two chains: a thread runs first then firstNext (another
   * second then secondNext) and then helps with the other chain, so each thread's second call
   * finds what it shares with its first in the thread's own caches (two ReLU layers' backward:
   * each layer's dW then its dx, both reading the layer's masked output gradient) and no thread
   * waits between them. Every call may run while any other does: none may write what another
   * reads. A next call may be null (none). `sgemmPairEnd`'s bit i is then the i-th call's
   * (first, second, firstNext, secondNext; set for a null one).
   */
  sgemmPairBegin(first: SgemmArgs, second: SgemmArgs, firstNext?: SgemmArgs | null, secondNext?: SgemmArgs | null): number;
  sgemmPairEnd(): number;
  /**
   * A stack of Linear forwards (each layer an array of sgemm's arguments, the first's `threads`
   * counts; layer l reads layer l - 1's c as its a, all with the same m, none transposed or
   * accumulating, no maskB or colsumB) opened as one split call, run with `sgemmPart`: each part
   * takes blocks of rows and runs each through every layer, so a layer's output rows are the
   * next layer's input while still in that core's caches. `sgemmStackEnd` closes it: bit l set
   * when layer l's C is all finite (or it did not check). Each C gets the bits of its own sgemm.
   * A TypeError when the calls are not such a stack, a RangeError when one layer's output
   * overlaps another's arrays (the next layer's a apart); 1 to 8 layers. With `second`, two
   * stacks side by side, as sgemmPairBegin's chains (bits: the first's layers, then the second's).
   * A layer of at most 4 columns (no maskA, k x n at most 4096; a head's logit after its tower) runs `sgemmNarrow`'s
   * arithmetic on each block's rows, then its bias and ReLU with biasRelu's float32 operations:
   * the bits of the wasm backend's narrow linearForward, not sgemm's.
   */
  sgemmStackBegin(first: readonly SgemmArgs[], second?: readonly SgemmArgs[] | null): number;
  sgemmStackEnd(): number;
  /**
   * Rows [r0, r1) of c[m x n] = op(a) op(b) (+ c when accumulate), n <= 4: the wasm kernel
   * `sgemmSmall`'s arithmetic (a dot product in sixteen float32 lanes per element, or, with a
   * transposed, the products added in order), so its bits (native/narrow.h). Throws a
   * TypeError / RangeError naming the argument, or when n > 4 or r0 <= r1 <= m fails.
   */
  sgemmNarrow(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean, r0: number, r1: number): void;
  /**
   * out (t x t) = the Gram matrix of g's t rows of d float32s over the columns [c0, c1): the
   * wasm kernel `gramRange`'s arithmetic (float32 products and sums in eight lanes per block of
   * 1024, float64 across blocks; native/gram.h), so its bits. Throws a TypeError / RangeError
   * naming the argument when an array has the wrong type or is short, or c0 <= c1 <= d fails.
   */
  gramRange(g: Float32Array, out: Float64Array, t: number, d: number, c0: number, c1: number): void;
  /**
   * Adam over runs [q0, q1): run q is w[wAt[q] .. + width] (and g at the same offsets) with its
   * moments at m[sAt[q] .. + width], v likewise: the wasm kernel `adamRunsChunk32`'s arithmetic
   * (float64, m and v rounded to float32 when stored, no fused multiply-add), so its bits, with
   * the rows a few runs ahead prefetched (native/adam.h); zero = 1 sets each g element to 0 once
   * read (0: g untouched). Throws a TypeError / RangeError naming the argument, or the first run
   * that lies outside its arrays (nothing is written then).
   */
  adamRuns(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wAt: Int32Array, sAt: Int32Array, width: number,
    b1: number, b2: number, c1: number, c2: number, step: number, r: number, eps: number, q0: number, q1: number, zero: number): void;
  /** Elements [i0, i1) of one run (w, g, m, v start at its first element): `adamSpan32`'s bits, zero as adamRuns'. */
  adamSpan(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    b1: number, b2: number, c1: number, c2: number, step: number, r: number, eps: number, i0: number, i1: number, zero: number): void;
  /**
   * Rows at offsets, the rows ahead prefetched (native/rows.h), with the wasm kernels' results:
   * gatherAt: out[r, :] = src[at[r] .. + width] for r in [r0, r1) (`gatherAt32`); scatterAddAt:
   * dst[at[r] + c] += src[r, c] for every r in order, of dst's elements [lo, hi) only
   * (`scatterAddAt32`'s float32 sums); scatterAt: dst[at[r] .. + width] = src[r, :] in order (`scatterAt32`). Each row's
   * offset is checked first: a TypeError / RangeError names the argument or the first row outside.
   */
  gatherAt(src: Float32Array, at: Int32Array, out: Float32Array, width: number, r0: number, r1: number): void;
  scatterAddAt(dst: Float32Array, at: Int32Array, src: Float32Array, count: number, width: number, lo: number, hi: number): void;
  scatterAt(dst: Float32Array, at: Int32Array, src: Float32Array, count: number, width: number): void;
  /**
   * Kernels.claimSlots with the slot map's entries a few rows ahead prefetched (native/rows.h):
   * integers only, the js twin's result. Every row, order's room and out's length are checked
   * first (a RangeError names the first that does not fit).
   */
  claimSlots(slot: Int32Array, order: Int32Array, count: number, rows: Int32Array, start: number, stride: number, n: number,
    out: Int32Array | null): number;
  /**
   * A number unique to this loaded copy of the addon. A worker that loads the file gets the
   * same copy, and so the open call, unless the file was replaced on disk in between: then the
   * numbers differ and the worker must not run parts.
   */
  instance(): number;
  /**
   * The blocks of rows a call of m rows is split into on `threads` threads: their starts, then
   * m. `twoEnded` (a call alone on two threads): the two threads claim blocks from either end,
   * each keeping to about the same half of C's rows call after call, the blocks shrinking
   * towards the middle; else from the front, shrinking towards the end (native/sgemm.c).
   */
  sgemmBounds(m: number, threads: number, twoEnded: boolean): number[];
  /**
   * Whether calls take the 6x32 AVX-512 tile over pairs of 16-column panels: on by default
   * where the CPU has AVX-512F (MTLKIT_NATIVE_WIDE=0 turns it off). It does each element's
   * multiply-adds in the 6x16 AVX2 tile's order, so the bits are the same either way. Given a
   * boolean, turns it on (where the CPU has it) or off first; returns whether it is on now.
   */
  wide(on?: boolean): boolean;
  /**
   * Thread placement (native/affinity.h; Linux, elsewhere -1 or 0): `pinSelf(i)` keeps the
   * calling thread to the i-th CPU of the process's allowed set (mod its size), `pinPoster(i)`
   * the thread that posts kernels, its own set kept, which `unpinPoster()` gives back from any
   * thread; each returns the CPU, 0, or -1 where it could not. `allowedCpus()`: the set's size
   * (0: not known).
   */
  pinSelf(index: number): number;
  pinPoster(index: number): number;
  unpinPoster(): number;
  allowedCpus(): number;
  info(): NativeKernelsInfo;
  /** The addon's file, for worker threads to load the same module (its state is per process). */
  readonly file: string;
}

/** The addon's file, relative to the package root, for a platform and CPU (Node's names). */
export function nativeAddonPath(platform: string, arch: string): string {
  return `build/native/${platform}-${arch}/mtlkit-native.node`;
}

/** The folder of the C sources: an addon older than any file in it is stale. */
export const NATIVE_SOURCE_DIR = 'native';

/** Thrown (by the host's `nativeKernels`) with the reason the native matmul cannot run here. */
export class NativeKernelsUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`native matmul unavailable: ${reason}`);
    this.name = 'NativeKernelsUnavailableError';
  }
}
