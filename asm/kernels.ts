// mtlkit's WebAssembly SIMD kernels (AssemblyScript). Built by scripts/build-wasm.mjs into
// build/wasm/kernels.wasm; loaded by src/tensor/backends/wasm.ts.
//
// Conventions: every pointer is a byte address into the one imported shared memory; every
// matrix is row-major and contiguous. The module holds no state and allocates nothing (the
// JS side owns the allocator), so one compiled module can be instantiated on the main thread
// and in every worker over the same memory, and any of them may run any row range.
//
// Matmul follows the GotoBLAS layout: for a KC-deep slab of op(B) (NC columns at a time),
// pack it into 8-column panels; for an MC-row block of op(A), pack it into 4-row panels;
// then a 4x8 register tile (eight f32x4 accumulators) walks the panels. Packing is where the
// three transpose forms differ, so A·B, A·Bᵀ and Aᵀ·B all run the same inner loop at the
// same speed, and no transpose is ever materialised.
//
// Why 4x8 and not larger: V8 emits a loop body's loads before its arithmetic, so the four
// broadcasts of A, two vectors of B and eight accumulators (plus one product temporary) are
// live at once: 15 of x64's 16 xmm registers, the 16th being V8's scratch. A 5x8 or 6x8
// tile, and unrolling p by two (binaryen interleaves the two halves), spill (docs/backends.md
// has the measurements). The tile's multiply-add is `madd`: with the relaxed-SIMD feature (the
// kernels-fma.wasm flavour, see scripts/build-wasm.mjs) it is one fused f32x4.relaxed_madd,
// which frees the temporary and halves the arithmetic instructions; otherwise mul then add.

import { WasmBinary, WasmUnary } from '../src/tensor/wasm/op-codes';

const KC: i32 = 256;
const MC: i32 = 96;
const NC: i32 = 512;

const MR: i32 = 4;
const NR: i32 = 8;
const NR64: i32 = 4;

/** Scratch bytes one thread needs for sgemm/dgemm (pack buffers + one edge tile). */
export function gemmScratchBytes(): i32 {
  return (MC + MR) * KC * 8 + KC * (NC + NR) * 8 + 64 * 8;
}

@inline function imin(a: i32, b: i32): i32 { return a < b ? a : b; }

// c + a·b per lane. Fused (one rounding) where the engine maps relaxed_madd to an FMA
// instruction, else rounded twice; either way within the matmul's float32 error bound, and
// the same on every thread, since all threads run one compiled module on one machine.
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// Stores the columns of the 4x4 block whose rows start at r0..r3 at d, d + step, d + 2 step
// and d + 3 step. Packing a row-major operand into column-interleaved panels this way reads
// and writes whole vectors instead of one float at a time (the scalar copy was up to half
// the time of a call at k or n = 16-32).
@inline function transpose4x4Store(r0: usize, r1: usize, r2: usize, r3: usize, d: usize, step: usize): void {
  const x0 = v128.load(r0), x1 = v128.load(r1), x2 = v128.load(r2), x3 = v128.load(r3);
  const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(x2, x3, 0, 4, 1, 5), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(d + step, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * step, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * step, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// ---------------------------------------------------------------- float32 matmul

// Pack op(B)[pc..pc+kb, jc..jc+nb] into panels of NR columns: panel q holds, for each p, the
// NR values op(B)[pc+p, jc+q*NR .. +NR] (zero beyond nb).
function packB32(b: usize, transB: bool, k: i32, n: i32, pc: i32, jc: i32, kb: i32, nb: i32, dst: usize): void {
  for (let q = 0; q < nb; q += NR) {
    const w = imin(NR, nb - q);
    const panel = dst + <usize>(q * kb) * 4;
    if (!transB) {
      // B stored k x n: row pc+p, columns jc+q ..
      let src = b + (<usize>(pc) * <usize>n + <usize>(jc + q)) * 4;
      const ld = <usize>n * 4;
      if (w == NR) {
        for (let p = 0; p < kb; p++) {
          v128.store(panel + <usize>(p * NR) * 4, v128.load(src));
          v128.store(panel + <usize>(p * NR) * 4, v128.load(src, 16), 16);
          src += ld;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          const row = panel + <usize>(p * NR) * 4;
          for (let j = 0; j < NR; j++) store<f32>(row + (<usize>j << 2), j < w ? load<f32>(src + (<usize>j << 2)) : 0);
          src += ld;
        }
      }
    } else {
      // B stored n x k: op(B)[p, j] = B[j, p]. A full panel goes 4 p at a time through two
      // 4x4 transposes (rows j 0-3, 4-7); the p tail and a partial panel one float at a time.
      let p0 = 0;
      if (w == NR) {
        const ldb = <usize>k * 4;
        const s0 = b + (<usize>(jc + q) * <usize>k + <usize>pc) * 4, s4 = s0 + 4 * ldb;
        for (; p0 + 4 <= kb; p0 += 4) {
          const o = <usize>p0 * 4;
          const d = panel + <usize>(p0 * NR) * 4;
          transpose4x4Store(s0 + o, s0 + ldb + o, s0 + 2 * ldb + o, s0 + 3 * ldb + o, d, NR * 4);
          transpose4x4Store(s4 + o, s4 + ldb + o, s4 + 2 * ldb + o, s4 + 3 * ldb + o, d + 16, NR * 4);
        }
      }
      for (let j = 0; j < NR; j++) {
        let d = panel + (<usize>(p0 * NR + j) << 2);
        if (j < w) {
          let src = b + (<usize>(jc + q + j) * <usize>k + <usize>(pc + p0)) * 4;
          for (let p = p0; p < kb; p++) {
            store<f32>(d, load<f32>(src));
            src += 4; d += NR * 4;
          }
        } else {
          for (let p = p0; p < kb; p++) { store<f32>(d, 0); d += NR * 4; }
        }
      }
    }
  }
}

// Pack op(A)[ic..ic+mb, pc..pc+kb] into panels of MR rows: panel q holds, for each p, the MR
// values op(A)[ic+q*MR .. +MR, pc+p] (zero beyond mb).
function packA32(a: usize, transA: bool, m: i32, k: i32, ic: i32, pc: i32, mb: i32, kb: i32, dst: usize): void {
  for (let q = 0; q < mb; q += MR) {
    const h = imin(MR, mb - q);
    const panel = dst + <usize>(q * kb) * 4;
    if (transA) {
      // A stored k x m: op(A)[i, p] = A[p, i]; the MR values for one p are contiguous.
      let src = a + (<usize>pc * <usize>m + <usize>(ic + q)) * 4;
      const ld = <usize>m * 4;
      if (h == MR) {
        for (let p = 0; p < kb; p++) {
          v128.store(panel + <usize>(p * MR) * 4, v128.load(src));
          src += ld;
        }
      } else {
        for (let p = 0; p < kb; p++) {
          const d = panel + <usize>(p * MR) * 4;
          for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), r < h ? load<f32>(src + (<usize>r << 2)) : 0);
          src += ld;
        }
      }
    } else {
      // A stored m x k: each of the MR rows is contiguous over p. A full panel goes 4 p at a
      // time through a 4x4 transpose; the p tail and a partial panel one float at a time.
      let p0 = 0;
      if (h == MR) {
        const lda = <usize>k * 4;
        const s0 = a + (<usize>(ic + q) * <usize>k + <usize>pc) * 4;
        for (; p0 + 4 <= kb; p0 += 4) {
          const o = <usize>p0 * 4;
          transpose4x4Store(s0 + o, s0 + lda + o, s0 + 2 * lda + o, s0 + 3 * lda + o, panel + <usize>(p0 * MR) * 4, MR * 4);
        }
      }
      for (let r = 0; r < MR; r++) {
        let d = panel + (<usize>(p0 * MR + r) << 2);
        if (r < h) {
          let src = a + (<usize>(ic + q + r) * <usize>k + <usize>(pc + p0)) * 4;
          for (let p = p0; p < kb; p++) { store<f32>(d, load<f32>(src)); src += 4; d += MR * 4; }
        } else {
          for (let p = p0; p < kb; p++) { store<f32>(d, 0); d += MR * 4; }
        }
      }
    }
  }
}

// The 4x8 register tile: C[4x8] (=|+=) Apanel[kb x 4]ᵀ · Bpanel[kb x 8] (why 4x8: see the top).
// c is the tile's top-left address, ldc the row stride of C in bytes.
@inline function kernel4x8(kb: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kb; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(pa, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(pa, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(pa, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    pa += 16; pb += 32;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16)); c += ldc;
    c10 = f32x4.add(c10, v128.load(c)); c11 = f32x4.add(c11, v128.load(c, 16)); c += ldc;
    c20 = f32x4.add(c20, v128.load(c)); c21 = f32x4.add(c21, v128.load(c, 16)); c += ldc;
    c30 = f32x4.add(c30, v128.load(c)); c31 = f32x4.add(c31, v128.load(c, 16));
    c -= ldc * 3;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

/**
 * Rows [r0, r1) of C[m x n] (=|+=) op(A)·op(B). A is m x k (k x m when transA); B is k x n
 * (n x k when transB). `scratch` holds gemmScratchBytes() bytes private to the caller.
 */
export function sgemm(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  transA: bool, transB: bool, accumulate: bool, r0: i32, r1: i32, scratch: usize,
): void {
  sgemmRows(a, b, false, c, m, k, n, transA, transB, accumulate, r0, r1, scratch);
}

/**
 * sgemm over rows [r0, r1) with op(B) already packed whole by `packBBlocks` at `packed`:
 * threads that split C's rows then share one packing of B instead of each packing all of it
 * for every chunk (for dW = xᵀg, B is the batch-long gradient and its packing dominated).
 */
export function sgemmPacked(
  a: usize, packed: usize, c: usize, m: i32, k: i32, n: i32,
  transA: bool, accumulate: bool, r0: i32, r1: i32, scratch: usize,
): void {
  sgemmRows(a, packed, true, c, m, k, n, transA, false, accumulate, r0, r1, scratch);
}

// Equal k-slabs (k = 320 runs as 2 x 160, not 256 + 64): a thin last slab would pay a full
// read-modify-write of C for little work.
@inline function kSlab(k: i32): i32 {
  return (k + ((k + KC - 1) / KC) - 1) / ((k + KC - 1) / KC);
}

// Where block (jc, pc) of a whole packing starts: column blocks of NC one after another, each
// its k-slabs in order, a slab kb x round-up(nb, NR) as packB32 lays it out.
@inline function packedBlock(packed: usize, k: i32, n: i32, jc: i32, pc: i32): usize {
  const nb = imin(NC, n - jc);
  const nbPad = (nb + NR - 1) / NR * NR;
  return packed + (<usize>jc * <usize>k + <usize>pc * <usize>nbPad) * 4;
}

/** Bytes `packBBlocks` fills for a k x n op(B). */
export function packedBBytes(k: i32, n: i32): i32 {
  return k * ((n + NR - 1) / NR * NR) * 4;
}

/** Blocks of a whole packing of op(B): column blocks times k-slabs. */
export function packedBBlockCount(k: i32, n: i32): i32 {
  const ks = kSlab(k);
  return ((n + NC - 1) / NC) * ((k + ks - 1) / ks);
}

/** Packs blocks [i0, i1) of op(B) (numbered column block first, then k-slab) into `packed`. */
export function packBBlocks(b: usize, transB: bool, k: i32, n: i32, packed: usize, i0: i32, i1: i32): void {
  if (k <= 0 || n <= 0) return;
  const ks = kSlab(k);
  const slabs = (k + ks - 1) / ks;
  for (let i = i0; i < i1; i++) {
    const jc = (i / slabs) * NC, pc = (i % slabs) * ks;
    packB32(b, transB, k, n, pc, jc, imin(ks, k - pc), imin(NC, n - jc), packedBlock(packed, k, n, jc, pc));
  }
}

@inline function sgemmRows(
  a: usize, b: usize, prepacked: bool, c: usize, m: i32, k: i32, n: i32,
  transA: bool, transB: bool, accumulate: bool, r0: i32, r1: i32, scratch: usize,
): void {
  if (r1 <= r0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) memory.fill(c + <usize>r0 * <usize>n * 4, 0, <usize>(r1 - r0) * <usize>n * 4);
    return;
  }
  const packA = scratch;
  const ownB = packA + <usize>((MC + MR) * KC) * 4;
  const tile = ownB + <usize>(KC * (NC + NR)) * 4;
  const ldc = <usize>n * 4;
  const kstep = kSlab(k);
  for (let jc = 0; jc < n; jc += NC) {
    const nb = imin(NC, n - jc);
    for (let pc = 0; pc < k; pc += kstep) {
      const kb = imin(kstep, k - pc);
      let packB = ownB;
      if (prepacked) packB = packedBlock(b, k, n, jc, pc);
      else packB32(b, transB, k, n, pc, jc, kb, nb, packB);
      const add = accumulate || pc > 0;
      for (let ic = r0; ic < r1; ic += MC) {
        const mb = imin(MC, r1 - ic);
        packA32(a, transA, m, k, ic, pc, mb, kb, packA);
        for (let jr = 0; jr < nb; jr += NR) {
          const w = imin(NR, nb - jr);
          const pb = packB + <usize>(jr * kb) * 4;
          for (let ir = 0; ir < mb; ir += MR) {
            const h = imin(MR, mb - ir);
            const pa = packA + <usize>(ir * kb) * 4;
            const cp = c + (<usize>(ic + ir) * <usize>n + <usize>(jc + jr)) * 4;
            if (h == MR && w == NR) {
              kernel4x8(kb, pa, pb, cp, ldc, add);
            } else {
              kernel4x8(kb, pa, pb, tile, NR * 4, false);
              for (let r = 0; r < h; r++) {
                for (let j = 0; j < w; j++) {
                  const dst = cp + <usize>r * ldc + (<usize>j << 2);
                  const v = load<f32>(tile + <usize>(r * NR + j) * 4);
                  store<f32>(dst, add ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- float32 narrow matmul
// A gate's Linear (x [B, 320] times W [320, 2]) fills 2 of the 4x8 tile's 8 columns in
// forward and in dW = xᵀ g, so the tile wastes most of its work there. These loops read each
// operand once and are bound by memory instead. Its dx = g Wᵀ (k = 2) stays on the tile: a
// dedicated thin-k loop gained nothing there (docs/backends.md).

/** Columns of C per pass in the Aᵀ·B narrow form: n x SB_I partial sums stay in L1. */
const SB_I: i32 = 1024;
/** Up to this many rows of A, the one-column Aᵀ·B form keeps its sums in registers. */
const SMALL_K: i32 = 16;

// sum_p a[p] b[p] over k float32s, four independent chains (an f32 add's latency is 4 cycles).
@inline function dotK32(a: usize, b: usize, k: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let p = 0;
  for (; p + 16 <= k; p += 16) {
    const o = <usize>p << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    s2 = f32x4.add(s2, f32x4.mul(v128.load(a + o, 32), v128.load(b + o, 32)));
    s3 = f32x4.add(s3, f32x4.mul(v128.load(a + o, 48), v128.load(b + o, 48)));
  }
  for (; p + 4 <= k; p += 4) {
    const o = <usize>p << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  s0 = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
  let s = f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3);
  for (; p < k; p++) s += load<f32>(a + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return s;
}

/**
 * sgemm for a narrow C (n <= 4 columns); scratch must hold k * n float32s (op(B) packed) and
 * 4 x 1024 (the Aᵀ·B partial sums). Same arguments and row-range contract as sgemm (rows [r0, r1) of C), so threads can
 * split it the same way.
 */
export function sgemmSmall(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  transA: bool, transB: bool, accumulate: bool, r0: i32, r1: i32, scratch: usize,
): void {
  if (r1 <= r0 || n <= 0) return;
  const ldc = <usize>n * 4;
  if (k <= 0) {
    if (!accumulate) memory.fill(c + <usize>r0 * ldc, 0, <usize>(r1 - r0) * ldc);
    return;
  }
  if (!transA) {
    // Rows of A are contiguous: each C entry is one dot product of a row of A with a column
    // of op(B); op(B)'s columns are packed as rows first (B stored n x k already is).
    let bt = b;
    if (!transB) {
      bt = scratch;
      for (let p = 0; p < k; p++) {
        for (let j = 0; j < n; j++) store<f32>(bt + (<usize>(j * k + p) << 2), load<f32>(b + (<usize>(p * n + j) << 2)));
      }
    }
    for (let i = r0; i < r1; i++) {
      const ar = a + <usize>i * <usize>k * 4;
      const cr = c + <usize>i * ldc;
      for (let j = 0; j < n; j++) {
        const v = dotK32(ar, bt + <usize>j * <usize>k * 4, k);
        const o = cr + (<usize>j << 2);
        store<f32>(o, accumulate ? load<f32>(o) + v : v);
      }
    }
    return;
  }
  if (n == 1 && k <= SMALL_K) {
    // One column of C from a few rows of A (a weighted sum of G's T rows, G^T w): each C
    // entry sums its k products in a register, p in order from 0 as the blocked form below
    // does (the same bits), and the k rows of A stream through once, side by side.
    const i4 = r0 + ((r1 - r0) & ~3);
    let i = r0;
    for (; i < i4; i += 4) {
      let acc = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(a + (<usize>p * <usize>m + <usize>i) * 4), v128.load32_splat(b + (<usize>p << 2))));
      }
      const o = c + (<usize>i << 2);
      v128.store(o, accumulate ? f32x4.add(v128.load(o), acc) : acc);
    }
    for (; i < r1; i++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) acc = acc + load<f32>(a + (<usize>p * <usize>m + <usize>i) * 4) * load<f32>(b + (<usize>p << 2));
      const o = c + (<usize>i << 2);
      store<f32>(o, accumulate ? load<f32>(o) + acc : acc);
    }
    return;
  }
  // A stored k x m: C's rows are A's columns. For a block of SB_I of them, stream A's rows
  // and add each one, scaled by op(B)[p, j], into n partial-sum rows ct[j] (in L1).
  const ct = scratch;
  const ldb = transB ? <usize>4 : ldc;
  const pstep = transB ? <usize>k * 4 : <usize>4;
  for (let i0 = r0; i0 < r1; i0 += SB_I) {
    const ib = imin(SB_I, r1 - i0);
    const ib4 = ib & ~3;
    memory.fill(ct, 0, <usize>(n * ib) * 4);
    for (let p = 0; p < k; p++) {
      const ar = a + (<usize>p * <usize>m + <usize>i0) * 4;
      const bp = b + <usize>p * ldb;
      for (let j = 0; j < n; j++) {
        const bs = load<f32>(bp + <usize>j * pstep);
        const bv = f32x4.splat(bs);
        const cj = ct + <usize>(j * ib) * 4;
        let i = 0;
        for (; i < ib4; i += 4) {
          const o = <usize>i << 2;
          v128.store(cj + o, f32x4.add(v128.load(cj + o), f32x4.mul(v128.load(ar + o), bv)));
        }
        for (; i < ib; i++) {
          const o = <usize>i << 2;
          store<f32>(cj + o, load<f32>(cj + o) + load<f32>(ar + o) * bs);
        }
      }
    }
    for (let i = 0; i < ib; i++) {
      const cr = c + <usize>(i0 + i) * ldc;
      for (let j = 0; j < n; j++) {
        const v = load<f32>(ct + (<usize>(j * ib + i) << 2));
        const o = cr + (<usize>j << 2);
        store<f32>(o, accumulate ? load<f32>(o) + v : v);
      }
    }
  }
}

// ---------------------------------------------------------------- float64 matmul
// Same layout with a 4x4 tile of f64x2 accumulators (eight registers).

function packB64(b: usize, transB: bool, k: i32, n: i32, pc: i32, jc: i32, kb: i32, nb: i32, dst: usize): void {
  for (let q = 0; q < nb; q += NR64) {
    const w = imin(NR64, nb - q);
    const panel = dst + <usize>(q * kb) * 8;
    for (let j = 0; j < NR64; j++) {
      let d = panel + (<usize>j << 3);
      if (j >= w) { for (let p = 0; p < kb; p++) { store<f64>(d, 0); d += NR64 * 8; } continue; }
      if (!transB) {
        let src = b + (<usize>pc * <usize>n + <usize>(jc + q + j)) * 8;
        const ld = <usize>n * 8;
        for (let p = 0; p < kb; p++) { store<f64>(d, load<f64>(src)); src += ld; d += NR64 * 8; }
      } else {
        let src = b + (<usize>(jc + q + j) * <usize>k + <usize>pc) * 8;
        for (let p = 0; p < kb; p++) { store<f64>(d, load<f64>(src)); src += 8; d += NR64 * 8; }
      }
    }
  }
}

function packA64(a: usize, transA: bool, m: i32, k: i32, ic: i32, pc: i32, mb: i32, kb: i32, dst: usize): void {
  for (let q = 0; q < mb; q += MR) {
    const h = imin(MR, mb - q);
    const panel = dst + <usize>(q * kb) * 8;
    for (let r = 0; r < MR; r++) {
      let d = panel + (<usize>r << 3);
      if (r >= h) { for (let p = 0; p < kb; p++) { store<f64>(d, 0); d += MR * 8; } continue; }
      if (transA) {
        let src = a + (<usize>pc * <usize>m + <usize>(ic + q + r)) * 8;
        const ld = <usize>m * 8;
        for (let p = 0; p < kb; p++) { store<f64>(d, load<f64>(src)); src += ld; d += MR * 8; }
      } else {
        let src = a + (<usize>(ic + q + r) * <usize>k + <usize>pc) * 8;
        for (let p = 0; p < kb; p++) { store<f64>(d, load<f64>(src)); src += 8; d += MR * 8; }
      }
    }
  }
}

@inline function kernel4x4d(kb: i32, pa: usize, pb: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kb; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = f64x2.add(c00, f64x2.mul(a, b0)); c01 = f64x2.add(c01, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 8);
    c10 = f64x2.add(c10, f64x2.mul(a, b0)); c11 = f64x2.add(c11, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 16);
    c20 = f64x2.add(c20, f64x2.mul(a, b0)); c21 = f64x2.add(c21, f64x2.mul(a, b1));
    a = v128.load64_splat(pa, 24);
    c30 = f64x2.add(c30, f64x2.mul(a, b0)); c31 = f64x2.add(c31, f64x2.mul(a, b1));
    pa += 32; pb += 32;
  }
  if (add) {
    c00 = f64x2.add(c00, v128.load(c)); c01 = f64x2.add(c01, v128.load(c, 16)); c += ldc;
    c10 = f64x2.add(c10, v128.load(c)); c11 = f64x2.add(c11, v128.load(c, 16)); c += ldc;
    c20 = f64x2.add(c20, v128.load(c)); c21 = f64x2.add(c21, v128.load(c, 16)); c += ldc;
    c30 = f64x2.add(c30, v128.load(c)); c31 = f64x2.add(c31, v128.load(c, 16));
    c -= ldc * 3;
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

/** dgemm: sgemm's float64 twin, same arguments. */
export function dgemm(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  transA: bool, transB: bool, accumulate: bool, r0: i32, r1: i32, scratch: usize,
): void {
  if (r1 <= r0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) memory.fill(c + <usize>r0 * <usize>n * 8, 0, <usize>(r1 - r0) * <usize>n * 8);
    return;
  }
  const packA = scratch;
  const packB = packA + <usize>((MC + MR) * KC) * 8;
  const tile = packB + <usize>(KC * (NC + NR)) * 8;
  const ldc = <usize>n * 8;
  // Equal k-slabs (k = 320 runs as 2 x 160, not 256 + 64): a thin last slab would pay a
  // full read-modify-write of C for little work.
  const kstep = (k + ((k + KC - 1) / KC) - 1) / ((k + KC - 1) / KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nb = imin(NC, n - jc);
    for (let pc = 0; pc < k; pc += kstep) {
      const kb = imin(kstep, k - pc);
      packB64(b, transB, k, n, pc, jc, kb, nb, packB);
      const add = accumulate || pc > 0;
      for (let ic = r0; ic < r1; ic += MC) {
        const mb = imin(MC, r1 - ic);
        packA64(a, transA, m, k, ic, pc, mb, kb, packA);
        for (let jr = 0; jr < nb; jr += NR64) {
          const w = imin(NR64, nb - jr);
          const pb = packB + <usize>(jr * kb) * 8;
          for (let ir = 0; ir < mb; ir += MR) {
            const h = imin(MR, mb - ir);
            const pa = packA + <usize>(ir * kb) * 8;
            const cp = c + (<usize>(ic + ir) * <usize>n + <usize>(jc + jr)) * 8;
            if (h == MR && w == NR64) {
              kernel4x4d(kb, pa, pb, cp, ldc, add);
            } else {
              kernel4x4d(kb, pa, pb, tile, NR64 * 8, false);
              for (let r = 0; r < h; r++) {
                for (let j = 0; j < w; j++) {
                  const dst = cp + <usize>r * ldc + (<usize>j << 3);
                  const v = load<f64>(tile + <usize>(r * NR64 + j) * 8);
                  store<f64>(dst, add ? load<f64>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------- dot products and Gram

// Sums of float32 products are kept in f32x4 lanes for at most BLOCK elements, then moved to
// f64: the error of a long f32 sum grows with its length, so d = 3e6 would otherwise lose
// about three digits; a 1024-long f32 partial keeps the relative error near 1e-5.
const BLOCK: i32 = 1024;

@inline function dot32Block(a: usize, b: usize, len: i32): f64 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const o = <usize>i << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  s0 = f32x4.add(s0, s1);
  let s = laneSum(s0);
  for (; i < len; i++) s += <f64>(load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2)));
  return s;
}

/** sum_i a[i] b[i] over float32 inputs, in f64 across blocks. */
export function dot32(a: usize, b: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i += BLOCK) {
    s += dot32Block(a + (<usize>i << 2), b + (<usize>i << 2), imin(BLOCK, n - i));
  }
  return s;
}

export function dot64(a: usize, b: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  s0 = f64x2.add(s0, s1);
  let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; i < n; i++) s += load<f64>(a + (<usize>i << 3)) * load<f64>(b + (<usize>i << 3));
  return s;
}

// Columns per pass of the Gram kernel: T rows x GRAM_CHUNK floats stay in L2 while the
// T(T+1)/2 row pairs are formed, and each row is streamed in runs long enough for the
// hardware prefetcher (a 4 KB run per row, one page, stalls on every new page).
const GRAM_CHUNK: i32 = 16384;

/**
 * Partial Gram over columns [c0, c1) of G (T x d, float32 or float64 by `f64`):
 * out[i*T + j] (f64, upper and lower filled) = sum over those columns of G[i,c] G[j,c].
 * Walks the columns in L2-sized chunks so each row chunk is read from memory once and the
 * T(T+1)/2 products run out of cache.
 */
export function gramRange(g: usize, out: usize, t: i32, d: i32, c0: i32, c1: i32, f64in: bool): void {
  for (let x = 0; x < t * t; x++) store<f64>(out + (<usize>x << 3), 0);
  const chunk = f64in ? GRAM_CHUNK / 2 : GRAM_CHUNK;
  const es: usize = f64in ? 8 : 4;
  for (let c = c0; c < c1; c += chunk) {
    const len = imin(chunk, c1 - c);
    for (let i = 0; i < t; i++) {
      const ri = g + (<usize>i * <usize>d + <usize>c) * es;
      let j = i;
      // Float32 rows four pairs at a time: their eight accumulator chains run side by side
      // (one pair's two chains wait on the add latency) and row i is loaded once for the four.
      // Each pair's arithmetic is dot32's, so the bits are the same.
      if (!f64in) {
        for (; j + 4 <= t; j += 4) {
          const r0 = g + (<usize>j * <usize>d + <usize>c) * es, rd = <usize>d * es;
          dot32x4(ri, r0, r0 + rd, r0 + 2 * rd, r0 + 3 * rd, len, out + (<usize>(i * t + j) << 3));
        }
      }
      for (; j < t; j++) {
        const rj = g + (<usize>j * <usize>d + <usize>c) * es;
        const v = f64in ? dot64(ri, rj, len) : dot32(ri, rj, len);
        const o = out + (<usize>(i * t + j) << 3);
        store<f64>(o, load<f64>(o) + v);
      }
    }
  }
  for (let i = 0; i < t; i++) {
    for (let j = 0; j < i; j++) {
      store<f64>(out + (<usize>(i * t + j) << 3), load<f64>(out + (<usize>(j * t + i) << 3)));
    }
  }
}

/**
 * out[q] += dot32(a, b_q, n) for the four rows b0 .. b3 (out: four f64s), each dot32's exact
 * arithmetic: per block of BLOCK, two float32 lane chains then their f64 sum, blocks added in f64.
 */
function dot32x4(a: usize, b0: usize, b1: usize, b2: usize, b3: usize, n: i32, out: usize): void {
  let t0: f64 = 0, t1: f64 = 0, t2: f64 = 0, t3: f64 = 0;
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const len = imin(BLOCK, n - i0);
    const off = <usize>i0 << 2;
    const pa = a + off, p0 = b0 + off, p1 = b1 + off, p2 = b2 + off, p3 = b3 + off;
    let x0 = f32x4.splat(0), y0 = f32x4.splat(0), x1 = f32x4.splat(0), y1 = f32x4.splat(0);
    let x2 = f32x4.splat(0), y2 = f32x4.splat(0), x3 = f32x4.splat(0), y3 = f32x4.splat(0);
    let i = 0;
    for (; i + 8 <= len; i += 8) {
      const o = <usize>i << 2;
      const u = v128.load(pa + o), w = v128.load(pa + o, 16);
      x0 = f32x4.add(x0, f32x4.mul(u, v128.load(p0 + o))); y0 = f32x4.add(y0, f32x4.mul(w, v128.load(p0 + o, 16)));
      x1 = f32x4.add(x1, f32x4.mul(u, v128.load(p1 + o))); y1 = f32x4.add(y1, f32x4.mul(w, v128.load(p1 + o, 16)));
      x2 = f32x4.add(x2, f32x4.mul(u, v128.load(p2 + o))); y2 = f32x4.add(y2, f32x4.mul(w, v128.load(p2 + o, 16)));
      x3 = f32x4.add(x3, f32x4.mul(u, v128.load(p3 + o))); y3 = f32x4.add(y3, f32x4.mul(w, v128.load(p3 + o, 16)));
    }
    let s0 = laneSum(f32x4.add(x0, y0)), s1 = laneSum(f32x4.add(x1, y1));
    let s2 = laneSum(f32x4.add(x2, y2)), s3 = laneSum(f32x4.add(x3, y3));
    for (; i < len; i++) {
      const o = <usize>i << 2;
      const ai = load<f32>(pa + o);
      s0 += <f64>(ai * load<f32>(p0 + o));
      s1 += <f64>(ai * load<f32>(p1 + o));
      s2 += <f64>(ai * load<f32>(p2 + o));
      s3 += <f64>(ai * load<f32>(p3 + o));
    }
    t0 += s0; t1 += s1; t2 += s2; t3 += s3;
  }
  store<f64>(out, load<f64>(out) + t0);
  store<f64>(out + 8, load<f64>(out + 8) + t1);
  store<f64>(out + 16, load<f64>(out + 16) + t2);
  store<f64>(out + 24, load<f64>(out + 24) + t3);
}

/** The sum of the four float32 lanes, in f64, lane 0 first (dot32's block sum). */
@inline function laneSum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

// ---------------------------------------------------------------- axis reductions

/** out[o, j] = sum_l x[o, l, j] for rows-of-the-output [o0, o1); float32. */
export function sumAxis32(x: usize, out: usize, outer: i32, len: i32, inner: i32, o0: i32, o1: i32): void {
  if (inner == 1) {
    for (let o = o0; o < o1; o++) {
      const src = x + <usize>o * <usize>len * 4;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let l = 0;
      for (; l + 8 <= len; l += 8) {
        s0 = f32x4.add(s0, v128.load(src + (<usize>l << 2)));
        s1 = f32x4.add(s1, v128.load(src + (<usize>l << 2), 16));
      }
      s0 = f32x4.add(s0, s1);
      let s = f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3);
      for (; l < len; l++) s += load<f32>(src + (<usize>l << 2));
      store<f32>(out + (<usize>o << 2), s);
    }
    return;
  }
  for (let o = o0; o < o1; o++) {
    const dst = out + <usize>o * <usize>inner * 4;
    const base = x + <usize>o * <usize>len * <usize>inner * 4;
    memory.fill(dst, 0, <usize>inner * 4);
    for (let l = 0; l < len; l++) {
      const src = base + <usize>l * <usize>inner * 4;
      let j = 0;
      for (; j + 4 <= inner; j += 4) {
        const o4 = <usize>j << 2;
        v128.store(dst + o4, f32x4.add(v128.load(dst + o4), v128.load(src + o4)));
      }
      for (; j < inner; j++) {
        const o1b = <usize>j << 2;
        store<f32>(dst + o1b, load<f32>(dst + o1b) + load<f32>(src + o1b));
      }
    }
  }
}

export function sumAxis64(x: usize, out: usize, outer: i32, len: i32, inner: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    const dst = out + <usize>o * <usize>inner * 8;
    const base = x + <usize>o * <usize>len * <usize>inner * 8;
    if (inner == 1) {
      let s0 = f64x2.splat(0);
      let l = 0;
      for (; l + 2 <= len; l += 2) s0 = f64x2.add(s0, v128.load(base + (<usize>l << 3)));
      let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
      for (; l < len; l++) s += load<f64>(base + (<usize>l << 3));
      store<f64>(dst, s);
      continue;
    }
    memory.fill(dst, 0, <usize>inner * 8);
    for (let l = 0; l < len; l++) {
      const src = base + <usize>l * <usize>inner * 8;
      let j = 0;
      for (; j + 2 <= inner; j += 2) {
        const o2 = <usize>j << 3;
        v128.store(dst + o2, f64x2.add(v128.load(dst + o2), v128.load(src + o2)));
      }
      for (; j < inner; j++) {
        const o1b = <usize>j << 3;
        store<f64>(dst + o1b, load<f64>(dst + o1b) + load<f64>(src + o1b));
      }
    }
  }
}

/**
 * out[o, j] = max_l x[o, l, j] (and argmax[o, j] = the first l attaining it, when argmax != 0).
 * Comparisons are the js twin's (`best == best && !(v <= best)`: a NaN wins and then keeps the
 * slot), so results agree bit for bit, NaNs included.
 */
export function maxAxis32(x: usize, out: usize, argmax: usize, outer: i32, len: i32, inner: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    const base = x + <usize>o * <usize>len * <usize>inner * 4;
    for (let j = 0; j < inner; j++) {
      let best = load<f32>(base + (<usize>j << 2));
      let bi = 0;
      for (let l = 1; l < len; l++) {
        const v = load<f32>(base + (<usize>(l * inner + j) << 2));
        if (best == best && !(v <= best)) { best = v; bi = l; }
      }
      store<f32>(out + (<usize>(o * inner + j) << 2), best);
      if (argmax != 0) store<i32>(argmax + (<usize>(o * inner + j) << 2), bi);
    }
  }
}

export function maxAxis64(x: usize, out: usize, argmax: usize, outer: i32, len: i32, inner: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    const base = x + <usize>o * <usize>len * <usize>inner * 8;
    for (let j = 0; j < inner; j++) {
      let best = load<f64>(base + (<usize>j << 3));
      let bi = 0;
      for (let l = 1; l < len; l++) {
        const v = load<f64>(base + (<usize>(l * inner + j) << 3));
        if (best == best && !(v <= best)) { best = v; bi = l; }
      }
      store<f64>(out + (<usize>(o * inner + j) << 3), best);
      if (argmax != 0) store<i32>(argmax + (<usize>(o * inner + j) << 2), bi);
    }
  }
}

// ---------------------------------------------------------------- elementwise (float32, contiguous)

/**
 * out = a op b elementwise over n float32s; op is a WasmBinary code. The last code is the
 * switch's default (an explicit case plus a trapping default compiled to slower loops); a code
 * added without its case therefore runs that op, which the parity harness reports.
 */
export function binary32(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o), y = v128.load(b + o);
    let r: v128;
    switch (op) {
      case WasmBinary.add: r = f32x4.add(x, y); break;
      case WasmBinary.sub: r = f32x4.sub(x, y); break;
      case WasmBinary.mul: r = f32x4.mul(x, y); break;
      case WasmBinary.div: r = f32x4.div(x, y); break;
      // x >= y ? x : y, as the js twin (NaN handling included), not IEEE max.
      case WasmBinary.max: r = v128.bitselect(x, y, f32x4.ge(x, y)); break;
      default: r = v128.bitselect(x, y, f32x4.le(x, y)); break; // WasmBinary.min
    }
    v128.store(out + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o), y = load<f32>(b + o);
    let r: f32;
    switch (op) {
      case WasmBinary.add: r = x + y; break;
      case WasmBinary.sub: r = x - y; break;
      case WasmBinary.mul: r = x * y; break;
      case WasmBinary.div: r = x / y; break;
      case WasmBinary.max: r = x >= y ? x : y; break;
      default: r = x <= y ? x : y; break; // WasmBinary.min
    }
    store<f32>(out + o, r);
  }
}

/** out = op(x) over n float32s; op is a WasmUnary code (the last one is the default, as above). */
export function unary32(op: i32, x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    let r: v128;
    switch (op) {
      case WasmUnary.neg: r = f32x4.neg(v); break;
      case WasmUnary.abs: r = f32x4.abs(v); break;
      case WasmUnary.sqrt: r = f32x4.sqrt(v); break;
      // v > 0 ? v : 0, as the js twin (NaN -> 0).
      case WasmUnary.relu: r = v128.bitselect(v, zero, f32x4.gt(v, zero)); break;
      case WasmUnary.square: r = f32x4.mul(v, v); break;
      default: r = f32x4.div(one, v); break; // WasmUnary.recip
    }
    v128.store(out + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    let r: f32;
    switch (op) {
      case WasmUnary.neg: r = -v; break;
      case WasmUnary.abs: r = Mathf.abs(v); break;
      case WasmUnary.sqrt: r = Mathf.sqrt(v); break;
      case WasmUnary.relu: r = v > 0 ? v : 0; break;
      case WasmUnary.square: r = v * v; break;
      default: r = 1 / v; break; // WasmUnary.recip
    }
    store<f32>(out + o, r);
  }
}

/** table[idx[r], :] += src[r, :] for r in [0, rows); float32, width columns. */
export function scatterAddRows32(table: usize, idx: usize, src: usize, rows: i32, width: i32): void {
  for (let r = 0; r < rows; r++) {
    const dst = table + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>width * 4;
    const s = src + <usize>r * <usize>width * 4;
    let j = 0;
    for (; j + 4 <= width; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(s + o)));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(s + o));
    }
  }
}

/** out[r, :] = src[at[r] .. + width] for r in [r0, r1) (element offsets); float32. */
export function gatherAt32(src: usize, at: usize, out: usize, width: i32, r0: i32, r1: i32): void {
  const rowBytes = <usize>width << 2;
  for (let r = r0; r < r1; r++) {
    copyRow(out + <usize>r * rowBytes, src + (<usize>load<i32>(at + (<usize>r << 2)) << 2), rowBytes);
  }
}

/** rowBytes (a multiple of 4) from s to d, 16 at a time. */
@inline function copyRow(d: usize, s: usize, rowBytes: usize): void {
  let j: usize = 0;
  for (; j + 16 <= rowBytes; j += 16) v128.store(d + j, v128.load(s + j));
  for (; j < rowBytes; j += 4) store<f32>(d + j, load<f32>(s + j));
}

/**
 * dst[at[r] + c] += src[r, c] for r < count, in order (repeated offsets accumulate), over the
 * elements lo <= at[r] + c < hi of dst only. Rows can collide, elements of disjoint ranges
 * cannot: the pool gives each thread its own range of dst, and each element still takes its
 * additions in row order (the bits of one call over every element).
 */
export function scatterAddAt32(dst: usize, at: usize, src: usize, count: i32, width: i32, lo: i32, hi: i32): void {
  const rowBytes = <usize>width << 2;
  for (let r = 0; r < count; r++) {
    const a = load<i32>(at + (<usize>r << 2));
    if (a >= hi || a + width <= lo) continue;
    const d = dst + (<usize>a << 2);
    const s = src + <usize>r * rowBytes;
    const j1 = <usize>(a + width > hi ? hi - a : width) << 2;
    let j = <usize>(a < lo ? lo - a : 0) << 2;
    for (; j + 16 <= j1; j += 16) v128.store(d + j, f32x4.add(v128.load(d + j), v128.load(s + j)));
    for (; j < j1; j += 4) store<f32>(d + j, load<f32>(d + j) + load<f32>(s + j));
  }
}

/** dst[at[r] .. + width] = src[r, :] for r < count, in order (a repeated offset keeps its last row); float32. */
export function scatterAt32(dst: usize, at: usize, src: usize, count: i32, width: i32): void {
  const rowBytes = <usize>width << 2;
  for (let r = 0; r < count; r++) copyRow(dst + (<usize>load<i32>(at + (<usize>r << 2)) << 2), src + <usize>r * rowBytes, rowBytes);
}

// ---------------------------------------------------------------- layer backward helpers

/**
 * ReLU's backward fused with the bias gradient, float32, one pass over rows x n:
 * gz = g * (y > 0 ? 1 : 0) (the js twin's product, so -0 and NaN propagate the same), and
 * when db != 0, db[j] += sum_r gz[r, j] with the sums taken in row order from 0 in `acc`
 * (n float32s of scratch) and added to db at the end: the same additions in the same order
 * as the js twin, so the results agree bit for bit.
 */
export function reluGradColSums32(y: usize, g: usize, gz: usize, db: usize, acc: usize, rows: i32, n: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const withSums = db != 0;
  if (withSums) memory.fill(acc, 0, <usize>n * 4);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>n * 4;
    const yr = y + base, gr = g + base, zr = gz + base;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const z = f32x4.mul(v128.load(gr + o), v128.and(f32x4.gt(v128.load(yr + o), zero), one));
      v128.store(zr + o, z);
      if (withSums) v128.store(acc + o, f32x4.add(v128.load(acc + o), z));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const z = load<f32>(gr + o) * (load<f32>(yr + o) > 0 ? <f32>1 : <f32>0);
      store<f32>(zr + o, z);
      if (withSums) store<f32>(acc + o, load<f32>(acc + o) + z);
    }
  }
  if (!withSums) return;
  for (let j = 0; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(db + o, load<f32>(db + o) + load<f32>(acc + o));
  }
}

/**
 * A Linear layer's epilogue over rows [r0, r1) of y (rows x n), in place: y[r, :] += b (when
 * b != 0), then y = y > 0 ? y : 0 (when relu; NaN -> 0). One pass where the layer made three
 * (the bias tiled into a scratch row block, a binary add, a unary ReLU); the same float32
 * operations in the same order, so the same bits. Row ranges let the pool split it.
 */
export function biasRelu32(y: usize, b: usize, n: i32, relu: i32, r0: i32, r1: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let r = r0; r < r1; r++) {
    const yr = y + <usize>r * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let v = v128.load(yr + o);
      if (b != 0) v = f32x4.add(v, v128.load(b + o));
      if (relu) v = v128.bitselect(v, zero, f32x4.gt(v, zero));
      v128.store(yr + o, v);
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(yr + o);
      if (b != 0) v = v + load<f32>(b + o);
      if (relu) v = v > 0 ? v : 0;
      store<f32>(yr + o, v);
    }
  }
}

// ---------------------------------------------------------------- gated mixture (float32)
// xs: the address of E addresses, each an expert output [B, d]. Sums run in f64 lanes and
// round to float32 wherever the js twin stores into a Float32Array, so outputs and dx are its
// bits; dw's dot products are f64 sums in two lanes (the twin: one), equal to rounding.

@inline function ld2(p: usize): v128 { return f64x2.promote_low_f32x4(v128.load64_zero(p)); }
@inline function st2(p: usize, x: v128): void { v128.store64_lane(p, f32x4.demote_f64x2_zero(x), 0); }

/**
 * out[b, :] = sum_e w[b, e] xs[e][b, :], e in order, rounded to float32 after each term, for
 * rows b in [b0, b1) of the bsz (rows are independent: the pool splits them).
 */
export function mixture32(w: usize, xs: usize, out: usize, e: i32, bsz: i32, d: i32, b0: i32, b1: i32): void {
  // Expert by expert over the row: the running sum is rounded to float32 after each term
  // anyway, so it can live in the output row. The first term, 0 + w x in float64 rounded
  // once, is float32's w x + 0 (the product of two float32s is exact in float64; + 0 turns a
  // -0 into +0 in both), four lanes at a time.
  if (e <= 0) {
    memory.fill(out + <usize>b0 * <usize>d * 4, 0, <usize>(b1 - b0) * <usize>d * 4);
    return;
  }
  const d4 = d & ~3;
  for (let b = b0; b < b1; b++) {
    const row = <usize>b * <usize>d * 4;
    const o = out + row;
    const x0 = <usize>load<i32>(xs) + row;
    const w0 = load<f32>(w + (<usize>(b * e) << 2));
    const wv0 = f32x4.splat(w0), zero = f32x4.splat(0);
    let j = 0;
    for (; j < d4; j += 4) {
      const jo = <usize>j << 2;
      v128.store(o + jo, f32x4.add(f32x4.mul(wv0, v128.load(x0 + jo)), zero));
    }
    for (; j < d; j++) {
      const jo = <usize>j << 2;
      store<f32>(o + jo, <f32>(<f64>0 + <f64>w0 * <f64>load<f32>(x0 + jo)));
    }
    for (let q = 1; q < e; q++) {
      const we = <f64>load<f32>(w + (<usize>(b * e + q) << 2));
      const wv = f64x2.splat(we);
      const x = <usize>load<i32>(xs + (<usize>q << 2)) + row;
      j = 0;
      for (; j + 2 <= d; j += 2) {
        const jo = <usize>j << 2;
        st2(o + jo, f64x2.add(ld2(o + jo), f64x2.mul(wv, ld2(x + jo))));
      }
      for (; j < d; j++) {
        const jo = <usize>j << 2;
        store<f32>(o + jo, <f32>(<f64>load<f32>(o + jo) + we * <f64>load<f32>(x + jo)));
      }
    }
  }
}

/**
 * Backward of mixture32 for gradient g [B, d]: dw[b, e] += <g[b, :], xs[e][b, :]> when dw != 0;
 * dxs[e][b, :] += w[b, e] g[b, :] for each nonzero address in the list dxs (0: not wanted);
 * rows b in [b0, b1) of the bsz. When `bad` != 0, every value stored is checked as it is stored
 * and the i32 at `bad` set to 1 if one is not finite (a pooled chunk only ever writes 1), so the
 * backward sweep need not read dw and dxs again.
 */
export function mixtureBack32(w: usize, xs: usize, g: usize, dw: usize, dxs: usize, e: i32, bsz: i32, d: i32, b0: i32, b1: i32, bad: usize, written: i32): void {
  // x - x is 0 for a finite x and NaN otherwise; NaN stays in the sum.
  let chk = f32x4.splat(0);
  let chk1: f32 = 0;
  const setDw = (written & 1) != 0;
  for (let q = 0; q < e; q++) {
    const x = <usize>load<i32>(xs + (<usize>q << 2));
    const dx = <usize>load<i32>(dxs + (<usize>q << 2));
    // Written (bit q + 1): the product alone, not added to what the buffer held.
    const setDx = ((written >> (q + 1)) & 1) != 0;
    for (let b = b0; b < b1; b++) {
      const row = <usize>b * <usize>d * 4;
      const wi = w + (<usize>(b * e + q) << 2);
      const gr = g + row;
      if (dw != 0) {
        let s0 = f64x2.splat(0);
        let j = 0;
        const xr = x + row;
        for (; j + 2 <= d; j += 2) {
          const jo = <usize>j << 2;
          s0 = f64x2.add(s0, f64x2.mul(ld2(gr + jo), ld2(xr + jo)));
        }
        let s = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
        for (; j < d; j++) s += <f64>load<f32>(gr + (<usize>j << 2)) * <f64>load<f32>(xr + (<usize>j << 2));
        const di = dw + (<usize>(b * e + q) << 2);
        const v = setDw ? <f32>s : <f32>(<f64>load<f32>(di) + s);
        store<f32>(di, v);
        chk1 += v - v;
      }
      if (dx != 0) {
        const we = <f64>load<f32>(wi);
        const wv = f64x2.splat(we);
        const dr = dx + row;
        let j = 0;
        if (setDx) {
          for (; j + 2 <= d; j += 2) {
            const jo = <usize>j << 2;
            const v = f32x4.demote_f64x2_zero(f64x2.mul(wv, ld2(gr + jo)));
            v128.store64_lane(dr + jo, v, 0);
            chk = f32x4.add(chk, f32x4.sub(v, v));
          }
          for (; j < d; j++) {
            const jo = <usize>j << 2;
            const v = <f32>(we * <f64>load<f32>(gr + jo));
            store<f32>(dr + jo, v);
            chk1 += v - v;
          }
        } else {
          for (; j + 2 <= d; j += 2) {
            const jo = <usize>j << 2;
            const v = f32x4.demote_f64x2_zero(f64x2.add(ld2(dr + jo), f64x2.mul(wv, ld2(gr + jo))));
            v128.store64_lane(dr + jo, v, 0);
            chk = f32x4.add(chk, f32x4.sub(v, v));
          }
          for (; j < d; j++) {
            const jo = <usize>j << 2;
            const v = <f32>(<f64>load<f32>(dr + jo) + we * <f64>load<f32>(gr + jo));
            store<f32>(dr + jo, v);
            chk1 += v - v;
          }
        }
      }
    }
  }
  if (bad != 0 && (chk1 != 0 || v128.any_true(f32x4.ne(chk, f32x4.splat(0))))) store<i32>(bad, 1);
}

// ---------------------------------------------------------------- dropout

/**
 * Inverted dropout's mask and output from 16-bit random halves: element 2k reads the low half
 * of bits[k], element 2k+1 the high half; kept (half < thr) -> m = scale, else 0; y = x * scale
 * in float64, rounded once (the js twin's bits).
 */
export function dropoutMask32(bits: usize, x: usize, y: usize, m: usize, n: i32, thr: i32, scale: f64): void {
  const sc = f64x2.splat(scale), t = i32x4.splat(thr), lo = i32x4.splat(0xffff);
  let i = 0;
  // 8 elements per round: 4 draws, split into [lo0 hi0 lo1 hi1] [lo2 hi2 lo3 hi3].
  for (; i + 8 <= n; i += 8) {
    const r = v128.load(bits + (<usize>(i >> 1) << 2));
    const l = v128.and(r, lo), h = i32x4.shr_u(r, 16);
    const a = i8x16.shuffle(l, h, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    const b = i8x16.shuffle(l, h, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
    const ka = i32x4.lt_s(a, t), kb = i32x4.lt_s(b, t);
    // keep masks as f64 lanes: scale where kept, +0 where dropped (as scale * 0 is).
    const o = <usize>i << 2;
    const k0 = v128.and(sc, i64x2.extend_low_i32x4_s(ka)), k1 = v128.and(sc, i64x2.extend_high_i32x4_s(ka));
    const k2 = v128.and(sc, i64x2.extend_low_i32x4_s(kb)), k3 = v128.and(sc, i64x2.extend_high_i32x4_s(kb));
    st2(m + o, k0); st2(m + o + 8, k1); st2(m + o + 16, k2); st2(m + o + 24, k3);
    st2(y + o, f64x2.mul(ld2(x + o), k0));
    st2(y + o + 8, f64x2.mul(ld2(x + o + 8), k1));
    st2(y + o + 16, f64x2.mul(ld2(x + o + 16), k2));
    st2(y + o + 24, f64x2.mul(ld2(x + o + 24), k3));
  }
  for (; i < n; i++) {
    const r = load<u32>(bits + (<usize>(i >> 1) << 2));
    const half = <i32>((i & 1) ? r >>> 16 : r & 0xffff);
    const mv: f64 = half < thr ? scale : 0;
    const o = <usize>i << 2;
    store<f32>(m + o, <f32>mv);
    store<f32>(y + o, <f32>(<f64>load<f32>(x + o) * mv));
  }
}

/** dst[i] += a[i] * b[i], each sum in float64 and rounded once (the js loop's bits). */
export function mulAdd32(dst: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 2;
    st2(dst + o, f64x2.add(ld2(dst + o), f64x2.mul(ld2(a + o), ld2(b + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, <f32>(<f64>load<f32>(dst + o) + <f64>load<f32>(a + o) * <f64>load<f32>(b + o)));
  }
}

// ---------------------------------------------------------------- optimizer

/**
 * Adam over `count` runs of `width` float32s: run r updates w and g at element offsets
 * wAt[r] .. + width and the moments m, v at sAt[r] .. + width (the optimizer's compact row
 * arenas sit apart from the flat buffers). Computed in f64 lanes with the js twin's operations
 * in its order (m and v rounded to float32 only when stored, as the twin's typed-array
 * stores do), so the results are the twin's bits: IEEE f64 add, mul, div and sqrt are exact
 * roundings on every engine, and wasm never fuses a multiply-add. zero = 1: each g element is
 * set to 0 once read (the optimizer's step with zeroGrad).
 */
export function adam32(
  w: usize, g: usize, m: usize, v: usize, wAt: usize, sAt: usize, count: i32, width: i32,
  b1: f64, b2: f64, c1: f64, c2: f64, step: f64, r: f64, eps: f64, zero: i32,
): void {
  for (let q = 0; q < count; q++) {
    const wo = <usize>load<i32>(wAt + (<usize>q << 2)) << 2;
    const so = <usize>load<i32>(sAt + (<usize>q << 2)) << 2;
    adamRun(w + wo, g + wo, m + so, v + so, width, b1, b2, c1, c2, step, r, eps, zero);
  }
}

/** adam32 over runs [q0, q1) of the run lists: a chunk of one call, for the pool's threads. */
export function adamRunsChunk32(
  w: usize, g: usize, m: usize, v: usize, wAt: usize, sAt: usize, width: i32,
  b1: f64, b2: f64, c1: f64, c2: f64, step: f64, r: f64, eps: f64, q0: i32, q1: i32, zero: i32,
): void {
  adam32(w, g, m, v, wAt + (<usize>q0 << 2), sAt + (<usize>q0 << 2), q1 - q0, width, b1, b2, c1, c2, step, r, eps, zero);
}

/**
 * adam32 over sets [s0, s1) of a set list: set s is the i32s at desc + 24 s (its m, v, wAt,
 * sAt, count, width); a chunk of one adamRunSets call, for the pool's threads.
 */
export function adamRunSetsChunk32(
  w: usize, g: usize, desc: usize,
  b1: f64, b2: f64, c1: f64, c2: f64, step: f64, r: f64, eps: f64, s0: i32, s1: i32, zero: i32,
): void {
  for (let s = s0; s < s1; s++) {
    const d = desc + <usize>s * 24;
    adam32(w, g, <usize>load<i32>(d), <usize>load<i32>(d, 4), <usize>load<i32>(d, 8), <usize>load<i32>(d, 12),
      load<i32>(d, 16), load<i32>(d, 20), b1, b2, c1, c2, step, r, eps, zero);
  }
}

/**
 * Elements [i0, i1) of one run (w, g, m, v: its first elements): a chunk of a long dense run,
 * for the pool's threads. Every element's arithmetic is independent of the others, so any
 * split gives the bits of the whole (even i0 keeps the f64 pairs where adam32 has them, though
 * the pairs and the scalar tail compute the same operations anyway).
 */
export function adamSpan32(
  w: usize, g: usize, m: usize, v: usize,
  b1: f64, b2: f64, c1: f64, c2: f64, step: f64, r: f64, eps: f64, i0: i32, i1: i32, zero: i32,
): void {
  const o = <usize>i0 << 2;
  adamRun(w + o, g + o, m + o, v + o, i1 - i0, b1, b2, c1, c2, step, r, eps, zero);
}

@inline
function adamRun(
  wp: usize, gp: usize, mp: usize, vp: usize, width: i32,
  b1: f64, b2: f64, c1: f64, c2: f64, step: f64, r: f64, eps: f64, zero: i32,
): void {
  const B1 = f64x2.splat(b1), B2 = f64x2.splat(b2), C1 = f64x2.splat(c1), C2 = f64x2.splat(c2);
  const S = f64x2.splat(step), R = f64x2.splat(r), E = f64x2.splat(eps);
  let i = 0;
  for (; i + 2 <= width; i += 2) {
    const o = <usize>i << 2;
    const gi = f64x2.promote_low_f32x4(v128.load64_zero(gp + o));
    const mi = f64x2.add(f64x2.mul(B1, f64x2.promote_low_f32x4(v128.load64_zero(mp + o))), f64x2.mul(C1, gi));
    const vi = f64x2.add(f64x2.mul(B2, f64x2.promote_low_f32x4(v128.load64_zero(vp + o))), f64x2.mul(f64x2.mul(C2, gi), gi));
    v128.store64_lane(mp + o, f32x4.demote_f64x2_zero(mi), 0);
    v128.store64_lane(vp + o, f32x4.demote_f64x2_zero(vi), 0);
    const u = f64x2.div(f64x2.mul(S, mi), f64x2.add(f64x2.mul(f64x2.sqrt(vi), R), E));
    const wi = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(wp + o)), u);
    v128.store64_lane(wp + o, f32x4.demote_f64x2_zero(wi), 0);
    if (zero) store<u64>(gp + o, 0);
  }
  for (; i < width; i++) {
    const o = <usize>i << 2;
    const gi = <f64>load<f32>(gp + o);
    const mi = b1 * <f64>load<f32>(mp + o) + c1 * gi;
    const vi = b2 * <f64>load<f32>(vp + o) + c2 * gi * gi;
    store<f32>(mp + o, <f32>mi);
    store<f32>(vp + o, <f32>vi);
    store<f32>(wp + o, <f32>(<f64>load<f32>(wp + o) - (step * mi) / (Math.sqrt(vi) * r + eps)));
    if (zero) store<f32>(gp + o, 0);
  }
}

/**
 * bytes zero bytes from p: the bulk memory.fill, a memset. The host's fill on a view of shared
 * memory stores element by element (a Uint8Array's byte by byte), several times slower.
 */
export function zeroBytes(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}

/** The first byte past the module's static data: the JS allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
