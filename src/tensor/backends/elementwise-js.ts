import type { AdamRunSet, AdamScalars, BinaryOp, Capabilities, Kernels, LinearForwardCall, LinearReluBackwardCall, Storage, UnaryOp } from '../backend.ts';

/** out[i] = op(x[i]). One loop per op so that each loop body is monomorphic and closure-free. */
export function unaryJs(op: UnaryOp, x: Storage, out: Storage, n: number): void {
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); return;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); return;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); return;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); return;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : 0; } return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); return;
    case 'square': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } return;
    case 'recip': for (let i = 0; i < n; i++) out[i] = 1 / x[i]; return;
    case 'sigmoid':
      // Split by sign so exp never overflows: both branches are the same function.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else { const e = Math.exp(v); out[i] = e / (1 + e); }
      }
      return;
    default: {
      const never: never = op;
      throw new Error(`js backend: unknown unary op ${String(never)}`);
    }
  }
}

/**
 * out = op(a, b) over `shape` with element strides (0 on broadcast axes). The last axis is the
 * inner loop; an odometer walks the others, so any rank costs one counter update per row.
 */
export function binaryJs(
  op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[],
  out: Storage, shape: readonly number[],
): void {
  const rank = shape.length;
  let total = 1;
  for (let d = 0; d < rank; d++) total *= shape[d];
  if (total === 0) return;
  if (rank === 0) {
    binaryRow(op, a, 0, 0, b, 0, 0, out, 0, 1);
    return;
  }
  const last = shape[rank - 1];
  const as = aStrides[rank - 1], bs = bStrides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let ao = 0, bo = 0;
  for (let o = 0; o < total; o += last) {
    binaryRow(op, a, ao, as, b, bo, bs, out, o, last);
    // Advance the odometer over axes rank-2 .. 0.
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      ao += aStrides[d];
      bo += bStrides[d];
      if (idx[d] < shape[d]) break;
      ao -= aStrides[d] * shape[d];
      bo -= bStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
}

function binaryRow(
  op: BinaryOp, a: Storage, ao: number, as: number, b: Storage, bo: number, bs: number,
  out: Storage, oo: number, len: number,
): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] + b[bo + j * bs]; return;
    case 'sub': for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] - b[bo + j * bs]; return;
    case 'mul': for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] * b[bo + j * bs]; return;
    case 'div': for (let j = 0; j < len; j++) out[oo + j] = a[ao + j * as] / b[bo + j * bs]; return;
    case 'pow': for (let j = 0; j < len; j++) out[oo + j] = Math.pow(a[ao + j * as], b[bo + j * bs]); return;
    case 'max': for (let j = 0; j < len; j++) { const x = a[ao + j * as], y = b[bo + j * bs]; out[oo + j] = x >= y ? x : y; } return;
    case 'min': for (let j = 0; j < len; j++) { const x = a[ao + j * as], y = b[bo + j * bs]; out[oo + j] = x <= y ? x : y; } return;
    default: {
      const never: never = op;
      throw new Error(`js backend: unknown binary op ${String(never)}`);
    }
  }
}

// Column accumulators of reluGradColumnSumsJs, grown on demand and reused: the kernel runs once
// per Linear layer per backward, and allocating there would churn the GC every step.
let acc32 = new Float32Array(256);
let acc64 = new Float64Array(256);

/** See Kernels.reluGradColumnSums: the mask, then the column sums in row order in db's precision. */
export function reluGradColumnSumsJs(y: Storage, g: Storage, gz: Storage, db: Storage | null, rows: number, n: number): void {
  const len = rows * n;
  for (let i = 0; i < len; i++) gz[i] = g[i]! * +(y[i]! > 0);
  if (db === null) return;
  let acc: Storage;
  if (db instanceof Float64Array) {
    if (acc64.length < n) acc64 = new Float64Array(n);
    acc = acc64;
  } else {
    if (acc32.length < n) acc32 = new Float32Array(n);
    acc = acc32;
  }
  acc.fill(0, 0, n);
  for (let r = 0; r < rows; r++) for (let j = 0, o = r * n; j < n; j++) acc[j] += gz[o + j]!;
  for (let j = 0; j < n; j++) db[j] += acc[j]!;
}

/** Kernels.linearForward from a backend's own matmul and biasRelu (its bits, by definition). */
export function linearForwardVia(be: Pick<Kernels, 'matmul' | 'biasRelu'>, x: Storage, w: Storage, b: Storage | null, y: Storage,
  rows: number, k: number, n: number, relu: boolean): void {
  be.matmul(x, w, y, rows, k, n, false, false, false);
  if (b !== null || relu) be.biasRelu(y, b, rows, n, relu);
}

/**
 * linearForwardPair one call after the other (a backend with no way to run them at once), after
 * `meanwhile`; the calls run even when it throws, as where it runs beside them.
 */
export function linearForwardPairVia(be: Pick<Kernels, 'linearForward'>, first: LinearForwardCall, second: LinearForwardCall, meanwhile?: () => void): void {
  try {
    meanwhile?.();
  } finally {
    for (const c of [first, second]) be.linearForward(c.x, c.w, c.b, c.y, c.rows, c.k, c.n, c.relu);
  }
}

/** Why `layers` is not a stack (linearStackForward's terms), or null. */
export function stackFault(layers: readonly LinearForwardCall[]): string | null {
  if (layers.length === 0) return 'no layers';
  for (let l = 1; l < layers.length; l++) {
    const p = layers[l - 1]!, c = layers[l]!;
    if (c.x !== p.y) return `layer ${l}'s x is not layer ${l - 1}'s y`;
    if (c.rows !== p.rows || c.k !== p.n) return `layer ${l} is ${c.rows} x ${c.k}, layer ${l - 1}'s output ${p.rows} x ${p.n}`;
  }
  return null;
}

/**
 * linearStackForward layer by layer, layer l of both stacks as one linearForwardPair (the
 * backend's own: at once where it can), after `meanwhile` (with the first layers); every layer
 * runs even when it throws, and its error comes after them, as where it runs beside them.
 */
export function linearStackForwardVia(be: Pick<Kernels, 'linearForward' | 'linearForwardPair'>, first: readonly LinearForwardCall[],
  second: readonly LinearForwardCall[] | null, meanwhile?: () => void): void {
  for (const [which, layers] of [['first', first], ['second', second]] as const) {
    const fault = layers === null ? null : stackFault(layers);
    if (fault !== null) throw new Error(`linearStackForward: the ${which} stack: ${fault}`);
  }
  let failed = false, failure: unknown = null;
  const layers = Math.max(first.length, second?.length ?? 0);
  for (let l = 0; l < layers; l++) {
    const p = first[l], q = second?.[l], beside = l === 0 ? meanwhile : undefined;
    try {
      if (p !== undefined && q !== undefined) {
        be.linearForwardPair(p, q, beside);
      } else {
        const c = (p ?? q)!;
        try {
          beside?.();
        } finally {
          be.linearForward(c.x, c.w, c.b, c.y, c.rows, c.k, c.n, c.relu);
        }
      }
    } catch (e) {
      if (!failed) failure = e;
      failed = true;
    }
  }
  if (failed) throw failure;
}

/** Below this many elements a plain loop is as fast as a kernel call. */
const FAST_CHECK_MIN = 4096;

/**
 * Whether x[0 .. n) is all finite. Large buffers in a SharedArrayBuffer on a backend with
 * `fastFiniteCheck` (the wasm kernels' memory) ask its SIMD dot for sum x_i^2: every term is
 * >= 0, so the sum is finite exactly when every x_i is, unless finite squares overflow (|x| >
 * ~1e19 in float32 lanes), which the exact loop then settles.
 */
export function finiteOn(be: Pick<Kernels, 'dot'> & Pick<Capabilities, 'fastFiniteCheck'>, x: Storage, n: number): boolean {
  if (n >= FAST_CHECK_MIN && be.fastFiniteCheck && typeof SharedArrayBuffer !== 'undefined' && x.buffer instanceof SharedArrayBuffer
    && Number.isFinite(be.dot(x, x, n))) return true;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v - v !== 0) return false;
  }
  return true;
}

/** Kernels.matmulChecked from a backend's own matmul, then a check of C (finiteOn). */
export function matmulCheckedVia(be: Pick<Kernels, 'matmul' | 'dot'> & Pick<Capabilities, 'fastFiniteCheck'>, a: Storage, b: Storage, c: Storage,
  m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean): boolean {
  be.matmul(a, b, c, m, k, n, transA, transB, accumulate);
  return finiteOn(be, c, m * n);
}

/** Kernels.linearBackward from a backend's matmulChecked, dw then dx (its bits). */
export function linearBackwardVia(be: Pick<Kernels, 'matmulChecked'>, x: Storage, w: Storage, g: Storage, dw: Storage | null, dx: Storage | null,
  rows: number, k: number, n: number, accumulateDx: boolean): number {
  let checked = 0;
  if (dw !== null && be.matmulChecked(x, g, dw, k, rows, n, true, false, true)) checked |= 1;
  if (dx !== null && be.matmulChecked(g, w, dx, rows, n, k, false, true, accumulateDx)) checked |= 2;
  return checked;
}

/** Kernels.linearReluBackward from a backend's reluGradColumnSums and matmulChecked (their bits). */
export function linearReluBackwardVia(be: Pick<Kernels, 'reluGradColumnSums' | 'matmulChecked'>, x: Storage, w: Storage, y: Storage, g: Storage,
  gz: Storage, dw: Storage | null, dx: Storage | null, db: Storage | null, rows: number, k: number, n: number, accumulateDx: boolean): number {
  be.reluGradColumnSums(y, g, gz, db, rows, n);
  let checked = 0;
  if (dw !== null && be.matmulChecked(x, gz, dw, k, rows, n, true, false, true)) checked |= 1;
  if (dx !== null && be.matmulChecked(gz, w, dx, rows, n, k, false, true, accumulateDx)) checked |= 2;
  return checked;
}

/** linearReluBackwardPair one call after the other (a backend with no way to run them at once). */
export function linearReluBackwardPairVia(be: Pick<Kernels, 'linearReluBackward'>, first: LinearReluBackwardCall, second: LinearReluBackwardCall): number {
  const one = (c: LinearReluBackwardCall): number => be.linearReluBackward(c.x, c.w, c.y, c.g, c.gz, c.dw, c.dx, c.db, c.rows, c.k, c.n, c.accumulateDx);
  const a = one(first);
  return a | (one(second) << 2);
}

/** See Kernels.biasRelu: the bias row added to every row, then ReLU, in place. */
export function biasReluJs(y: Storage, b: Storage | null, rows: number, n: number, relu: boolean): void {
  if (b !== null) for (let r = 0; r < rows; r++) for (let j = 0, o = r * n; j < n; j++) y[o + j] += b[j]!;
  if (relu) for (let i = 0, len = rows * n; i < len; i++) { const v = y[i]!; y[i] = v > 0 ? v : 0; }
}

/**
 * adamRunAlongside where no second thread runs the update: the update, then `meanwhile` (they
 * touch different elements, so the order does not change a bit).
 */
export function adamRunThen(
  be: Pick<Kernels, 'adamRuns'>, w: Storage, g: Storage, m: Storage, v: Storage, at: number, sAt: number, width: number,
  h: AdamScalars, meanwhile: () => void,
): void {
  be.adamRuns(w, g, m, v, Int32Array.of(at), Int32Array.of(sAt), 1, width, h);
  meanwhile();
}

/** See Kernels.adamRunSets: adamRuns set by set, on this thread. */
export function adamRunSetsVia(be: Pick<Kernels, 'adamRuns'>, w: Storage, g: Storage, sets: readonly AdamRunSet[], h: AdamScalars): void {
  for (const s of sets) be.adamRuns(w, g, s.m, s.v, s.wAt, s.sAt, s.count, s.width, h);
}

/** See Kernels.adamRuns: the reference loop (float64 arithmetic on the loaded values). */
export function adamRunsJs(
  w: Storage, g: Storage, m: Storage, v: Storage, wAt: Int32Array, sAt: Int32Array,
  count: number, width: number, h: AdamScalars,
): void {
  const b1 = h.beta1, b2 = h.beta2, c1 = 1 - b1, c2 = 1 - b2;
  const step = h.stepSize, r = h.invSqrtBc2, eps = h.eps, zero = h.zeroGrad;
  for (let q = 0; q < count; q++) {
    const a = wAt[q]!, d = sAt[q]! - a;
    for (let i = a; i < a + width; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i + d]! + c1 * gi;
      const vi = b2 * v[i + d]! + c2 * gi * gi;
      m[i + d] = mi;
      v[i + d] = vi;
      w[i] -= (step * mi) / (Math.sqrt(vi) * r + eps);
      if (zero) g[i] = 0;
    }
  }
}

/** See Kernels.gatherAt. */
export function gatherAtJs(src: Storage, at: Int32Array, out: Storage, count: number, width: number): void {
  for (let r = 0; r < count; r++) {
    const s = at[r]!, o = r * width;
    for (let j = 0; j < width; j++) out[o + j] = src[s + j]!;
  }
}

/** See Kernels.scatterAddAt. */
export function scatterAddAtJs(dst: Storage, at: Int32Array, src: Storage, count: number, width: number): void {
  for (let r = 0; r < count; r++) {
    const d = at[r]!, o = r * width;
    for (let j = 0; j < width; j++) dst[d + j] += src[o + j]!;
  }
}

/** See Kernels.scatterAt. */
export function scatterAtJs(dst: Storage, at: Int32Array, src: Storage, count: number, width: number): void {
  for (let r = 0; r < count; r++) {
    const d = at[r]!, o = r * width;
    for (let j = 0; j < width; j++) dst[d + j] = src[o + j]!;
  }
}

/** See Kernels.claimSlots. */
export function claimSlotsJs(slot: Int32Array, order: Int32Array, count: number, rows: Int32Array, start: number, stride: number, n: number,
  out: Int32Array | null): number {
  for (let i = 0, at = start; i < n; i++, at += stride) {
    const r = rows[at]!;
    let s = slot[r]!;
    if (s === 0) {
      order[count] = r;
      s = slot[r] = ++count;
    }
    if (out !== null) out[i] = s - 1;
  }
  return count;
}

/** See Kernels.mixture. */
export function mixtureJs(w: Storage, xs: readonly Storage[], out: Storage, B: number, d: number): void {
  const E = xs.length;
  out.fill(0, 0, B * d);
  for (let e = 0; e < E; e++) {
    const xd = xs[e]!;
    for (let b = 0; b < B; b++) {
      const we = w[b * E + e]!, o = b * d;
      for (let j = 0; j < d; j++) out[o + j] += we * xd[o + j]!;
    }
  }
}

/** See Kernels.mixtureBackward. Checks nothing (returns false): the sweep's check reads the outputs. */
export function mixtureBackwardJs(
  w: Storage, xs: readonly Storage[], g: Storage, dw: Storage | null, dxs: readonly (Storage | null)[], B: number, d: number,
  written: number,
): boolean {
  const E = xs.length;
  if (dw) {
    const set = (written & 1) !== 0;
    for (let e = 0; e < E; e++) {
      const xd = xs[e]!;
      for (let b = 0; b < B; b++) {
        let s = 0;
        const o = b * d;
        for (let j = 0; j < d; j++) s += g[o + j]! * xd[o + j]!;
        if (set) dw[b * E + e] = s;
        else dw[b * E + e] += s;
      }
    }
  }
  for (let e = 0; e < E; e++) {
    const dx = dxs[e];
    if (!dx) continue;
    const set = ((written >> (e + 1)) & 1) !== 0;
    for (let b = 0; b < B; b++) {
      const we = w[b * E + e]!, o = b * d;
      if (set) for (let j = 0; j < d; j++) dx[o + j] = we * g[o + j]!;
      else for (let j = 0; j < d; j++) dx[o + j] += we * g[o + j]!;
    }
  }
  return false;
}

/** See Kernels.dropoutMask. */
export function dropoutMaskJs(bits: Int32Array | Uint32Array, x: Storage, y: Storage, m: Storage, n: number, thr: number, scale: number): void {
  for (let i = 0, k = 0; i < n; i += 2, k++) {
    const r = bits[k]! >>> 0;
    const m0 = scale * +((r & 0xffff) < thr);
    m[i] = m0;
    y[i] = x[i]! * m0;
    if (i + 1 < n) {
      const m1 = scale * +(r >>> 16 < thr);
      m[i + 1] = m1;
      y[i + 1] = x[i + 1]! * m1;
    }
  }
}

/** See Kernels.zero. */
export function zeroJs(x: Storage, start: number, end: number): void {
  zeroRange(x, start, end);
  x.fill(0, start, end);
}

/** Kernels.zero's range check: a fill would clamp a range past the end, a memset would not. */
export function zeroRange(x: Storage, start: number, end: number): void {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= x.length)) {
    throw new RangeError(`zero: the range [${start}, ${end}) is not within the storage's ${x.length} elements; pass 0 <= start <= end <= length`);
  }
}

/** See Kernels.mulAdd. */
export function mulAddJs(dst: Storage, a: Storage, b: Storage, n: number): void {
  for (let i = 0; i < n; i++) dst[i] += a[i]! * b[i]!;
}
