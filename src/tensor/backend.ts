/**
 * The backend line. Everything above it (Tensor ops, autograd, layers, balancers) calls these
 * kernels on flat, contiguous, row-major typed arrays; everything below it (js loops,
 * WebAssembly SIMD, gpu.js) implements them. The set is small on purpose (tinygrad's lesson):
 * a new backend implements the kernels it can speed up and inherits the js twin for the rest.
 *
 * Storage: every tensor's data comes from `alloc` of the active backend, so a backend whose
 * kernels read their own memory (wasm: views into its linear memory) can hand out views there
 * and never copy operands. Kernels must still accept arrays from anywhere (a user's
 * Float32Array) and copy them in when they must.
 */
export type DType = 'float32' | 'float64';
export type Storage = Float32Array | Float64Array;

/** The elementwise ops, each list declared once: the types, the twin's switch and the tests derive from it. */
export const UNARY_OPS = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sigmoid', 'relu', 'tanh', 'square', 'recip'] as const;
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min'] as const;
export type UnaryOp = typeof UNARY_OPS[number];
export type BinaryOp = typeof BINARY_OPS[number];

export type BackendName = 'js' | 'wasm' | 'gpu' | 'auto';

export interface Kernels {
  /**
   * C = op(A) · op(B), or C += op(A) · op(B) when `accumulate`.
   * op(A) is m x k: A is stored m x k, or k x m when `transA`.
   * op(B) is k x n: B is stored k x n, or n x k when `transB`.
   * Transposed forms are read in place: backward never materialises a transpose.
   */
  matmul(
    a: Storage, b: Storage, c: Storage,
    m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean,
  ): void;

  /**
   * `matmul`, then whether every element of C[0 .. m*n) is finite: the check a gradient gets,
   * for a writer that can make it as C is stored (the native matmul, on each register tile)
   * instead of a second pass over C. matmul's bits on this backend.
   */
  matmulChecked(
    a: Storage, b: Storage, c: Storage,
    m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean,
  ): boolean;

  /**
   * Reduce x viewed as [outer, len, inner] over the middle axis into out [outer, inner].
   * `sum` adds, `max` keeps the maximum (and its index into len in `argmax` when given).
   */
  sumAxis(x: Storage, out: Storage, outer: number, len: number, inner: number): void;
  maxAxis(x: Storage, out: Storage, argmax: Int32Array | null, outer: number, len: number, inner: number): void;

  /** out[T x T] = G G^T for G stored T x d; the balancers' Gram matrix. out may be float64. */
  gram(g: Storage, out: Float64Array, t: number, d: number): void;
  /** sum_i a[i] b[i], accumulated in float64. */
  dot(a: Storage, b: Storage, n: number): number;

  /** out[i] = op(x[i]) over n elements. */
  unary(op: UnaryOp, x: Storage, out: Storage, n: number): void;
  /**
   * out = op(a, b) with broadcasting. `shape` is the output shape; aStrides / bStrides are
   * element strides of a and b over the output shape (0 on broadcast axes).
   */
  binary(
    op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[],
    out: Storage, shape: readonly number[],
  ): void;

  /** out[r, :] = table[idx[r], :] for r < rows; width columns. Indices are checked by the caller. */
  gatherRows(table: Storage, idx: Int32Array, out: Storage, rows: number, width: number): void;
  /** table[idx[r], :] += src[r, :]; duplicate indices accumulate. */
  scatterAddRows(table: Storage, idx: Int32Array, src: Storage, rows: number, width: number): void;
  /**
   * gatherRows at element offsets: out[r, :] = src[at[r] .. + width] for r < count. The rows
   * may start anywhere (an embedding's tables are slices of one flat store).
   */
  gatherAt(src: Storage, at: Int32Array, out: Storage, count: number, width: number): void;
  /** scatterAddRows at element offsets: dst[at[r] .. + width] += src[r, :], in order of r. */
  scatterAddAt(dst: Storage, at: Int32Array, src: Storage, count: number, width: number): void;
  /** gatherAt's inverse: dst[at[r] .. + width] = src[r, :], in order of r (a repeated offset keeps its last row). */
  scatterAt(dst: Storage, at: Int32Array, src: Storage, count: number, width: number): void;
  /**
   * A slot map's claims (the store's touched rows, the optimizer's compact rows): for i < n in
   * order, row r = rows[start + i * stride]; where slot[r] is 0, r is appended to order
   * (order[count] = r) and slot[r] = ++count; with out, out[i] = slot[r] - 1. Returns the new
   * count. order has room for n more rows; every row is inside slot. A table of a million rows
   * has a slot map of megabytes read at random places: a kernel may fetch the rows ahead.
   */
  claimSlots(slot: Int32Array, order: Int32Array, count: number, rows: Int32Array, start: number, stride: number, n: number,
    out: Int32Array | null): number;

  /**
   * ReLU's backward fused with the bias gradient (the Linear layer's, one pass over rows x n):
   * gz[i] = g[i] * (y[i] > 0 ? 1 : 0), and when db is given, db[j] += sum_r gz[r, j] with the
   * column sums taken in row order from 0 in db's precision, then added to db. A masked element
   * is -0 where g < 0 (it changes no sum); NaN in g stays NaN. Every backend returns the js
   * twin's bits.
   */
  reluGradColumnSums(y: Storage, g: Storage, gz: Storage, db: Storage | null, rows: number, n: number): void;
  /**
   * The Linear layer's forward epilogue, in place over y (rows x n): y[r, :] += b when b is
   * given (each sum rounded to y's type), then, when relu, y[i] = y[i] > 0 ? y[i] : 0 (NaN -> 0).
   * Every backend returns the js twin's bits.
   */
  biasRelu(y: Storage, b: Storage | null, rows: number, n: number, relu: boolean): void;
  /**
   * A Linear layer's forward, y[rows x n] = x[rows x k] W[k x n], then biasRelu(y, b, rows, n,
   * relu): matmul's then biasRelu's bits on this backend, where a backend may apply the bias
   * and ReLU to each block of y while it is still in registers (the native matmul does).
   */
  linearForward(x: Storage, w: Storage, b: Storage | null, y: Storage, rows: number, k: number, n: number, relu: boolean): void;
  /**
   * Two independent linearForward calls (neither writes what either reads), each with
   * linearForward's bits. A backend with threads may run them at once, each call started by its
   * own thread: two expert stacks reading one input keep each thread on its own expert's
   * operands, where splitting every call reads half of them from the other core.
   * `meanwhile`, when given, runs once on the calling thread after the other threads have
   * started on the pair, and this thread then joins them (a backend without them runs it
   * first): work that would otherwise leave them idle. It must not touch either call's
   * operands; the kernels it calls run on the calling thread alone (where the backend would
   * split them), and a matmul of the pair's kind (the wasm backend's native one) is refused
   * with PoolBusyError. The pair is complete when this returns or throws its error.
   */
  linearForwardPair(first: LinearForwardCall, second: LinearForwardCall, meanwhile?: () => void): void;
  /**
   * Stacks of Linear forwards (an MLP's layers): in each, layer l's x is layer l - 1's y, all
   * with the same rows; every layer gets linearForward's bits. `second` (null: none) is a stack
   * independent of the first (neither writes what the other reads), as linearForwardPair's
   * second call. A backend may run a stack block of rows by block of rows, each block through
   * every layer while its rows are in a core's caches (where layer after layer reads each
   * output back from memory), and two stacks at once, each started by its own thread.
   * `meanwhile` as linearForwardPair's. Throws when a layer's x is not the layer before's y.
   */
  linearStackForward(first: readonly LinearForwardCall[], second: readonly LinearForwardCall[] | null, meanwhile?: () => void): void;

  /**
   * A Linear's two backward matmuls (no ReLU; x rows x k, W k x n, g rows x n): dw += xᵀ g and
   * dx = g Wᵀ (dx += when `accumulateDx`), each when given. Returns matmulChecked's flags: bit 1
   * dw, bit 2 dx checked all finite. matmulChecked's bits, one matmul after the other or both at
   * once (the wasm backend runs a gate's narrow dW on this thread while the kernel threads
   * start on dx, then joins them).
   */
  linearBackward(
    x: Storage, w: Storage, g: Storage, dw: Storage | null, dx: Storage | null,
    rows: number, k: number, n: number, accumulateDx: boolean,
  ): number;

  /**
   * A ReLU Linear's backward (y = relu(x W + b), x rows x k, W k x n) from y's gradient g: with
   * gz = g ⊙ (y > 0) as reluGradColumnSums forms it, dw += xᵀ gz, dx = gz Wᵀ (dx += when
   * `accumulateDx`) and db += gz's column sums, each when given; `gz` (rows x n) is scratch a
   * backend may use or not. Returns which outputs were checked all finite as they were stored
   * (matmulChecked's check): bit 1 dw, bit 2 dx; a clear bit says nothing. The bits of
   * reluGradColumnSums then matmulChecked on this backend; the native matmul reads g through
   * the mask while it packs it and sums db's columns there, so gz is never written.
   */
  linearReluBackward(
    x: Storage, w: Storage, y: Storage, g: Storage, gz: Storage, dw: Storage | null, dx: Storage | null, db: Storage | null,
    rows: number, k: number, n: number, accumulateDx: boolean,
  ): number;
  /**
   * Two independent linearReluBackward calls (neither writes what either reads or writes), each
   * with linearReluBackward's bits. Returns the first's flags in bits 1 and 2, the second's in
   * bits 4 and 8. A backend with threads may run them at once, each call started by its own
   * thread (both dW, then both dx): two experts' layers keep each thread on its own expert's
   * operands, where splitting each call reads half of them from the other core.
   */
  linearReluBackwardPair(first: LinearReluBackwardCall, second: LinearReluBackwardCall): number;

  /**
   * The gated mixture of E expert outputs xs[e], each [B, d]: out[b, :] = sum_e w[b, e] xs[e][b, :]
   * with w [B, E]; out is overwritten; the terms are added in order of e.
   */
  mixture(w: Storage, xs: readonly Storage[], out: Storage, B: number, d: number): void;
  /**
   * Its backward for gradient g [B, d]: dw[b, e] += <g[b, :], xs[e][b, :]> (when dw is given)
   * and dxs[e][b, :] += w[b, e] g[b, :] (for each dxs[e] given). `written`: bit 0 set, dw is
   * written (=) instead of added to; bit e + 1, dxs[e] likewise: a buffer whose first
   * gradient this is needs no zeroing pass first (written, a -0 stays -0 where 0 + -0 gives
   * +0). dx are the js twin's bits; dw may differ from it in the rounding of the float64 dot
   * products. Returns true when every value it stored (dw and each dxs[e] given, whole) was
   * checked finite as it was stored; false says nothing (not checked, or one is not finite:
   * the caller's own check names it).
   */
  mixtureBackward(
    w: Storage, xs: readonly Storage[], g: Storage, dw: Storage | null, dxs: readonly (Storage | null)[], B: number, d: number,
    written: number,
  ): boolean;

  /**
   * Inverted dropout from random bits: element i reads the low 16 bits of bits[i >> 1] when i
   * is even, the high 16 when odd; kept when that half < thr, then m[i] = scale and
   * y[i] = x[i] * scale, else m[i] = 0 and y[i] = x[i] * 0. Products in float64, rounded once
   * to y's type; every backend returns the js twin's bits.
   */
  dropoutMask(bits: Int32Array | Uint32Array, x: Storage, y: Storage, m: Storage, n: number, thr: number, scale: number): void;
  /** dst[i] += a[i] * b[i] for i < n (in float64, rounded once: the js twin's bits). */
  mulAdd(dst: Storage, a: Storage, b: Storage, n: number): void;
  /** x[start .. end) = 0: the zeroing of gradient buffers and fresh storage, a memset where one exists. */
  zero(x: Storage, start: number, end: number): void;

  /**
   * Adam's update (see nn/optim/adam.ts) over `count` runs of `width` elements: run r is
   * w[wAt[r] .. + width] with its gradient at the same offsets of g, and its moments at
   * m[sAt[r] .. + width], v[sAt[r] .. + width]. Arithmetic in float64, m and v rounded to the
   * storage when stored; every backend returns the js twin's bits.
   */
  adamRuns(
    w: Storage, g: Storage, m: Storage, v: Storage, wAt: Int32Array, sAt: Int32Array,
    count: number, width: number, h: AdamScalars,
  ): void;
  /**
   * `adamRuns` over several sets of runs of w and g, each set with its own moment buffers (the
   * optimizer's sparse tables, each with its arenas): the bits of adamRuns set by set. The sets
   * touch disjoint elements, so a backend may update them on different threads at once.
   */
  adamRunSets(w: Storage, g: Storage, sets: readonly AdamRunSet[], h: AdamScalars): void;
}

/**
 * Every kernel's name, once: a kernel added to `Kernels` but not here (or the reverse) is a
 * compile error. Code that treats kernels alike (the profiler's timed backend) walks this list.
 */
const KERNEL_SET = {
  matmul: true, matmulChecked: true, sumAxis: true, maxAxis: true, gram: true, dot: true, unary: true, binary: true,
  gatherRows: true, scatterAddRows: true, gatherAt: true, scatterAddAt: true, scatterAt: true, claimSlots: true, reluGradColumnSums: true, biasRelu: true, linearForward: true, linearForwardPair: true, linearStackForward: true, linearBackward: true, linearReluBackward: true, linearReluBackwardPair: true,
  mixture: true, mixtureBackward: true, dropoutMask: true, mulAdd: true, zero: true, adamRuns: true, adamRunSets: true,
} as const satisfies Record<keyof Kernels, true>;
export type KernelName = keyof typeof KERNEL_SET;
export const KERNEL_NAMES = Object.keys(KERNEL_SET) as readonly KernelName[];

/** One linearForward call's operands (linearForwardPair takes two). */
export interface LinearForwardCall {
  x: Storage;
  w: Storage;
  b: Storage | null;
  y: Storage;
  rows: number;
  k: number;
  n: number;
  relu: boolean;
}

/** One linearReluBackward call's operands (linearReluBackwardPair takes two). */
export interface LinearReluBackwardCall {
  x: Storage;
  w: Storage;
  y: Storage;
  g: Storage;
  gz: Storage;
  dw: Storage | null;
  dx: Storage | null;
  db: Storage | null;
  rows: number;
  k: number;
  n: number;
  accumulateDx: boolean;
}

/** The per-step scalars of an Adam update: w -= stepSize m / (sqrt(v) invSqrtBc2 + eps). */
export interface AdamScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** 1 / sqrt(1 - beta2^t). */
  invSqrtBc2: number;
  /** Whether each gradient element is set to 0 once the update has read it (Optimizer.step's zeroGrad). */
  zeroGrad: boolean;
}

/** One set of adamRunSets: `count` runs of `width` elements, run r at w[wAt[r] ..] and m, v[sAt[r] ..]. */
export interface AdamRunSet {
  m: Storage;
  v: Storage;
  wAt: Int32Array;
  sAt: Int32Array;
  count: number;
  width: number;
}

/**
 * What a backend offers beyond the kernels, asked by callers that choose between a kernel and
 * their own loop. Callers ask these, never the backend's name: `auto` and any new backend answer
 * for the kernels they actually run.
 */
export interface Capabilities {
  /**
   * Resident storage: whether `x` lies in this backend's own memory, where its kernels read it in
   * place (wasm: views into its linear memory). Arrays from anywhere else are copied in.
   */
  resident(x: Storage): boolean;
  /**
   * Whether `dot(x, x, n)` on resident storage is cheap enough to serve as an all-finite check
   * (a sum of squares is finite exactly when every term is, unless finite squares overflow).
   */
  readonly fastFiniteCheck: boolean;
  /**
   * Whether a weighted row sum out = Gᵀ w over a float32 G of `work` = T x d elements should run
   * here as one narrow matmul (n = 1) instead of the caller's float64 loop.
   */
  rowSumByMatmul(work: number): boolean;
  /**
   * `adamRuns` over one run (w[at .. at + width) and its gradient, moments at m, v[sAt ..
   * sAt + width)) on the other threads while `meanwhile` runs on the calling thread, which then
   * helps with what is left; returns once both are done, with adamRuns' bits. A backend without
   * a second thread runs the update and then `meanwhile`. `meanwhile` must not touch the run's
   * elements of w, g, m, v; its kernels run on the calling thread alone, and a native matmul
   * from it is refused with PoolBusyError, as linearForwardPair's. The optimizer runs its
   * largest dense update so while it places the tables' touched rows.
   */
  adamRunAlongside(
    w: Storage, g: Storage, m: Storage, v: Storage, at: number, sAt: number, width: number, h: AdamScalars,
    meanwhile: () => void,
  ): void;
  /** Threads the kernels split across (1 for a single-threaded backend); `setThreads` picks up to `maxThreads`. */
  readonly threads: number;
  readonly maxThreads: number;
  setThreads(n: number): void;
}

export interface Backend extends Kernels, Capabilities {
  readonly name: BackendName;
  /** Zero-filled storage of n elements. */
  alloc(dtype: DType, n: number): Storage;
  /** A one-line description for `mtlkit doctor` (threads, SIMD, mode). */
  describe(): string;
}

export function isFloat64(s: Storage): s is Float64Array {
  return s instanceof Float64Array;
}
