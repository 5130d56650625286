/*
 * The GotoBLAS / BLIS scheme on AVX2 + FMA: op(B) is packed into 16-column panels (k split
 * into equal slabs of at most KC), once per call by each thread that takes part, op(A) into
 * 6-row micro-panels one block of rows at a time, and a 6x16 register tile (twelve ymm
 * accumulators, two B loads and one A broadcast per k) runs over the panels. Where the CPU has
 * AVX-512, a 6x32 tile (twelve zmm accumulators) takes two adjacent panels at once: twice the
 * multiply-adds per instruction over the same packed operands; a last odd or partial panel
 * takes the 6x16 tile.
 *
 * Determinism: each C element is summed over the slabs in order, and within a slab over k in
 * order, starting from 0 (first slab, no accumulate) or from C. Edge tiles run the same tile
 * over zero-padded panels into a scratch tile. So an element's arithmetic depends on (m, k, n)
 * only, never on which thread or which block computed it: any split gives the same bits. The
 * 6x32 tile does each element's same fused multiply-adds in the same order (one lane of a zmm
 * instead of one of a ymm), and the same epilogue, so it gives the 6x16 tile's bits too.
 */
#include "sgemm.h"
#include "narrow.h"
#include "pool.h"

#include <immintrin.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MR MTLKIT_MR
#define NR MTLKIT_NR
/* The blocking: k in slabs of at most KC, C's rows in blocks of at most MC (op(A)'s packed
   block, MC x KC floats, stays in a core's L2). Where measured (docs/speed.md, "Each thread its
   own op(B)"), 512 x 144 ran the model's calls on two threads faster than 256 x 96 and on one
   as fast; the bits do not depend on them (a slab boundary stores and reloads the float32 sum). */
#ifndef KC
#define KC 512
#endif
#ifndef MC
#define MC 144
#endif
#define MAX_THREADS 64

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx2,fma")))

int mtlkit_cpu_ok(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* Whether calls take the 6x32 AVX-512 tile: -1 until first asked (then the CPU decides, and
   MTLKIT_NATIVE_WIDE=0 turns it off), changed only with the call lock held. */
static atomic_int wide_state = -1;

static int wide_on(void) {
  if (wide_state < 0) {
    __builtin_cpu_init();
    const char *env = getenv("MTLKIT_NATIVE_WIDE");
    wide_state = __builtin_cpu_supports("avx512f") && !(env && strcmp(env, "0") == 0);
  }
  return wide_state;
}

int mtlkit_sgemm_wide(int want) {
  /* Asking takes no lock: a thread inside an open split call (which holds the lock) may ask. */
  if (want < 0 && wide_state >= 0) return wide_state;
  mtlkit_pool_lock();
  if (want >= 0) {
    __builtin_cpu_init();
    wide_state = want && __builtin_cpu_supports("avx512f");
  }
  const int on = wide_on();
  mtlkit_pool_unlock();
  return on;
}

/*
 * The register tile, written once for both widths: C[6 x 2W] (row stride ldc) = (load ? C : 0)
 * + A_panel . [B0 | B1] over kc, B0 and B1 each W columns (W = 8: one 16-column panel as two
 * halves; W = 16: two adjacent panels), then, when given, the Linear epilogue: + bias[0 .. 2W)
 * on every row, and ReLU as max(v, 0) (v > 0 ? v : 0: NaN and -0 become +0, as biasRelu does).
 * With `bad`, set to 1 when a stored value is not finite (its v - v is not +0). Each element's
 * operations are the same at both widths, one lane of a ymm or of a zmm: the same bits.
 *   V: the vector type; X(op): its intrinsic _mm256_op / _mm512_op; BCAST(p): *p in every
 *   lane; NF(v): v - v as integer lanes; ORI: their or; ANY(o): whether o has a bit set.
 */
#define DEFINE_TILE(NAME, ATTR, V, X, W, BCAST, NF, ORI, ANY)                                            \
  static ATTR void NAME(size_t kc, const float *restrict ap, const float *restrict b0p,                \
                        const float *restrict b1p, float *restrict c, size_t ldc, int load,              \
                        const float *restrict bias, int relu, int *restrict bad) {                      \
    V c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;                                      \
    if (load) {                                                                                        \
      c00 = X(loadu_ps)(c + 0 * ldc); c01 = X(loadu_ps)(c + 0 * ldc + W);                              \
      c10 = X(loadu_ps)(c + 1 * ldc); c11 = X(loadu_ps)(c + 1 * ldc + W);                              \
      c20 = X(loadu_ps)(c + 2 * ldc); c21 = X(loadu_ps)(c + 2 * ldc + W);                              \
      c30 = X(loadu_ps)(c + 3 * ldc); c31 = X(loadu_ps)(c + 3 * ldc + W);                              \
      c40 = X(loadu_ps)(c + 4 * ldc); c41 = X(loadu_ps)(c + 4 * ldc + W);                              \
      c50 = X(loadu_ps)(c + 5 * ldc); c51 = X(loadu_ps)(c + 5 * ldc + W);                              \
    } else {                                                                                           \
      c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = X(setzero_ps)();         \
    }                                                                                                  \
    for (size_t p = 0; p < kc; p++) {                                                                  \
      const V b0 = X(load_ps)(b0p), b1 = X(load_ps)(b1p);                                              \
      V a;                                                                                             \
      a = BCAST(ap + 0); c00 = X(fmadd_ps)(a, b0, c00); c01 = X(fmadd_ps)(a, b1, c01);                 \
      a = BCAST(ap + 1); c10 = X(fmadd_ps)(a, b0, c10); c11 = X(fmadd_ps)(a, b1, c11);                 \
      a = BCAST(ap + 2); c20 = X(fmadd_ps)(a, b0, c20); c21 = X(fmadd_ps)(a, b1, c21);                 \
      a = BCAST(ap + 3); c30 = X(fmadd_ps)(a, b0, c30); c31 = X(fmadd_ps)(a, b1, c31);                 \
      a = BCAST(ap + 4); c40 = X(fmadd_ps)(a, b0, c40); c41 = X(fmadd_ps)(a, b1, c41);                 \
      a = BCAST(ap + 5); c50 = X(fmadd_ps)(a, b0, c50); c51 = X(fmadd_ps)(a, b1, c51);                 \
      ap += MR;                                                                                        \
      b0p += NR;                                                                                       \
      b1p += NR;                                                                                       \
    }                                                                                                  \
    if (bias) {                                                                                        \
      const V b0 = X(loadu_ps)(bias), b1 = X(loadu_ps)(bias + W);                                      \
      c00 = X(add_ps)(c00, b0); c01 = X(add_ps)(c01, b1); c10 = X(add_ps)(c10, b0); c11 = X(add_ps)(c11, b1); \
      c20 = X(add_ps)(c20, b0); c21 = X(add_ps)(c21, b1); c30 = X(add_ps)(c30, b0); c31 = X(add_ps)(c31, b1); \
      c40 = X(add_ps)(c40, b0); c41 = X(add_ps)(c41, b1); c50 = X(add_ps)(c50, b0); c51 = X(add_ps)(c51, b1); \
    }                                                                                                  \
    if (relu) {                                                                                        \
      /* max(v, 0) returns its second operand for a NaN v and for -0. */                               \
      const V z = X(setzero_ps)();                                                                     \
      c00 = X(max_ps)(c00, z); c01 = X(max_ps)(c01, z); c10 = X(max_ps)(c10, z); c11 = X(max_ps)(c11, z); \
      c20 = X(max_ps)(c20, z); c21 = X(max_ps)(c21, z); c30 = X(max_ps)(c30, z); c31 = X(max_ps)(c31, z); \
      c40 = X(max_ps)(c40, z); c41 = X(max_ps)(c41, z); c50 = X(max_ps)(c50, z); c51 = X(max_ps)(c51, z); \
    }                                                                                                  \
    if (bad) {                                                                                         \
      const __typeof__(NF(c00)) o = ORI(ORI(ORI(NF(c00), NF(c01)), ORI(NF(c10), NF(c11))),             \
                                        ORI(ORI(ORI(NF(c20), NF(c21)), ORI(NF(c30), NF(c31))),         \
                                            ORI(ORI(NF(c40), NF(c41)), ORI(NF(c50), NF(c51)))));        \
      if (ANY(o)) *bad = 1;                                                                            \
    }                                                                                                  \
    X(storeu_ps)(c + 0 * ldc, c00); X(storeu_ps)(c + 0 * ldc + W, c01);                                \
    X(storeu_ps)(c + 1 * ldc, c10); X(storeu_ps)(c + 1 * ldc + W, c11);                                \
    X(storeu_ps)(c + 2 * ldc, c20); X(storeu_ps)(c + 2 * ldc + W, c21);                                \
    X(storeu_ps)(c + 3 * ldc, c30); X(storeu_ps)(c + 3 * ldc + W, c31);                                \
    X(storeu_ps)(c + 4 * ldc, c40); X(storeu_ps)(c + 4 * ldc + W, c41);                                \
    X(storeu_ps)(c + 5 * ldc, c50); X(storeu_ps)(c + 5 * ldc + W, c51);                                \
  }

#define X256(op) _mm256_##op
#define BCAST256(p) _mm256_broadcast_ss(p)
#define NF256(v) _mm256_castps_si256(_mm256_sub_ps(v, v))
#define ANY256(o) (!_mm256_testz_si256(o, o))
#define X512(op) _mm512_##op
#define BCAST512(p) _mm512_set1_ps(*(p))
#define NF512(v) _mm512_castps_si512(_mm512_sub_ps(v, v))
#define ANY512(o) (_mm512_test_epi32_mask(o, o) != 0)

/* The 6x16 tile: one panel, its two 8-column halves (call with b0p = bp, b1p = bp + 8). */
DEFINE_TILE(tile16, AVX2, __m256, X256, 8, BCAST256, NF256, _mm256_or_si256, ANY256)
/* The 6x32 tile: two adjacent panels (b0p, b1p = b0p + kc * NR). */
DEFINE_TILE(tile32, AVX512, __m512, X512, 16, BCAST512, NF512, _mm512_or_si512, ANY512)

/* The 6x16 tile over one panel bp. */
static AVX2 inline void tile(size_t kc, const float *restrict ap, const float *restrict bp, float *restrict c,
                             size_t ldc, int load, const float *restrict bias, int relu, int *restrict bad) {
  tile16(kc, ap, bp, bp + 8, c, ldc, load, bias, relu, bad);
}

/* A partial tile (mr < 6 or nr < 16): the same tile through a scratch copy of the valid part.
   With `bad`, only the valid part's values are checked (the scratch's padding is not C). */
static AVX2 void edge_tile(size_t kc, const float *ap, const float *bp, float *c, size_t ldc, int load,
                           size_t mr, size_t nr, const float *bias, int relu, int *bad) {
  float t[MR * NR] __attribute__((aligned(32)));
  float b[NR] = {0};
  if (load)
    for (size_t r = 0; r < mr; r++) memcpy(t + r * NR, c + r * ldc, nr * sizeof(float));
  /* The bias padded to the tile's width: the tile reads 16 of it. */
  if (bias) memcpy(b, bias, nr * sizeof(float));
  tile(kc, ap, bp, t, NR, load, bias ? b : NULL, relu, NULL);
  for (size_t r = 0; r < mr; r++) memcpy(c + r * ldc, t + r * NR, nr * sizeof(float));
  if (bad)
    for (size_t r = 0; r < mr; r++)
      for (size_t q = 0; q < nr; q++) {
        const float v = t[r * NR + q];
        if (v - v != 0.0f) *bad = 1;
      }
}

/* The slabs of k: `count` equal parts of at most KC (the first k % count one longer). */
typedef struct {
  size_t count, base, extra;
} slabs_t;

static slabs_t slabs_of(size_t k) {
  slabs_t s;
  s.count = (k + KC - 1) / KC;
  s.base = k / s.count;
  s.extra = k % s.count;
  return s;
}
static size_t slab_start(const slabs_t *s, size_t i) { return i * s->base + (i < s->extra ? i : s->extra); }
static size_t slab_len(const slabs_t *s, size_t i) { return s->base + (i < s->extra ? 1 : 0); }

/* op(B)[p0 .. p0+kc, j .. j+nr] into kc rows of 16 (zero beyond nr). */
static AVX2 void pack_b(const float *b, int tb, size_t k, size_t n, size_t p0, size_t kc, size_t j, size_t nr,
                        float *restrict out) {
  if (!tb) {
    const float *src = b + p0 * n + j;
    if (nr == NR) {
      for (size_t p = 0; p < kc; p++, src += n, out += NR) {
        _mm256_store_ps(out, _mm256_loadu_ps(src));
        _mm256_store_ps(out + 8, _mm256_loadu_ps(src + 8));
      }
    } else {
      for (size_t p = 0; p < kc; p++, src += n, out += NR) {
        size_t c = 0;
        for (; c < nr; c++) out[c] = src[c];
        for (; c < NR; c++) out[c] = 0.0f;
      }
    }
    return;
  }
  /* B stored n x k: column c of the panel is row j + c of B, contiguous in p. */
  for (size_t c = 0; c < NR; c++) {
    if (c < nr) {
      const float *src = b + (j + c) * k + p0;
      for (size_t p = 0; p < kc; p++) out[p * NR + c] = src[p];
    } else {
      for (size_t p = 0; p < kc; p++) out[p * NR + c] = 0.0f;
    }
  }
}

/* The ReLU mask of an operand: v * (y > 0 ? 1 : 0), the float32 product reluGradColumnSums
   forms (g * 0 is -0 for g < 0, NaN for g = Inf or NaN; a NaN y masks). */
static AVX2 inline __m256 relu_masked(__m256 v, __m256 y) {
  const __m256 on = _mm256_and_ps(_mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ), _mm256_set1_ps(1.0f));
  return _mm256_mul_ps(v, on);
}
static inline float relu_masked1(float v, float y) { return v * (y > 0 ? 1.0f : 0.0f); }

/* Eight floats of row r at p, through its mask row y when there is one (y NULL: none). */
static AVX2 inline __m256 load_row8(const float *r, const float *y, size_t p) {
  const __m256 v = _mm256_loadu_ps(r + p);
  return y ? relu_masked(v, _mm256_loadu_ps(y + p)) : v;
}
static inline float row_at(const float *r, const float *y, size_t p) { return y ? relu_masked1(r[p], y[p]) : r[p]; }

/* pack_b for B stored k x n, read through the mask y (B's layout) when given, each column's
   values added to `sums` (16 floats) in order of p: the bias gradient's column sums. */
static AVX2 void pack_b_sums(const float *b, const float *y, size_t n, size_t p0, size_t kc, size_t j, size_t nr,
                             float *restrict out, float *restrict sums) {
  const float *src = b + p0 * n + j, *ys = y ? y + p0 * n + j : src;
  if (nr == NR) {
    __m256 s0 = _mm256_loadu_ps(sums), s1 = _mm256_loadu_ps(sums + 8);
    for (size_t p = 0; p < kc; p++, src += n, ys += n, out += NR) {
      __m256 v0 = _mm256_loadu_ps(src), v1 = _mm256_loadu_ps(src + 8);
      if (y) {
        v0 = relu_masked(v0, _mm256_loadu_ps(ys));
        v1 = relu_masked(v1, _mm256_loadu_ps(ys + 8));
      }
      _mm256_store_ps(out, v0);
      _mm256_store_ps(out + 8, v1);
      s0 = _mm256_add_ps(s0, v0);
      s1 = _mm256_add_ps(s1, v1);
    }
    _mm256_storeu_ps(sums, s0);
    _mm256_storeu_ps(sums + 8, s1);
    return;
  }
  for (size_t p = 0; p < kc; p++, src += n, ys += n, out += NR) {
    size_t c = 0;
    for (; c < nr; c++) {
      const float v = y ? relu_masked1(src[c], ys[c]) : src[c];
      out[c] = v;
      sums[c] += v;
    }
    for (; c < NR; c++) out[c] = 0.0f;
  }
}

/* Eight k of six rows x0 .. x5 (z: zeros) stored as eight groups of 6 at out. Each group is
   written as 8 floats, the last 2 overwritten by the next group (the caller leaves at least one
   k after the block to overwrite the last spill). */
static AVX2 inline void transpose6x8(__m256 x0, __m256 x1, __m256 x2, __m256 x3, __m256 x4, __m256 x5, __m256 z,
                                     float *out) {
  const __m256 t0 = _mm256_unpacklo_ps(x0, x1), t1 = _mm256_unpackhi_ps(x0, x1);
  const __m256 t2 = _mm256_unpacklo_ps(x2, x3), t3 = _mm256_unpackhi_ps(x2, x3);
  const __m256 t4 = _mm256_unpacklo_ps(x4, x5), t5 = _mm256_unpackhi_ps(x4, x5);
  const __m256 t6 = _mm256_unpacklo_ps(z, z), t7 = t6;
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  /* Column q (k = p + q) is rows 0-3 from u*, rows 4-5 (and two zeros) from the u* of rows 4-7. */
  _mm256_storeu_ps(out + 0 * MR, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(out + 1 * MR, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(out + 2 * MR, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(out + 3 * MR, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(out + 4 * MR, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(out + 5 * MR, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(out + 6 * MR, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(out + 7 * MR, _mm256_permute2f128_ps(u3, u7, 0x31));
}

/* op(A)[i .. i+mr, p0 .. p0+kc] into kc groups of 6 (zero beyond mr); with `mask` (A's layout,
   A not transposed) each value through the ReLU mask. */
static AVX2 void pack_a(const float *a, const float *mask, int ta, size_t m, size_t k, size_t i, size_t mr, size_t p0, size_t kc,
                        float *restrict out) {
  if (ta) {
    const float *src = a + p0 * m + i;
    if (mr == MR) {
      /* Six plain copies: a loop here becomes a memcpy call per k. */
      for (size_t p = 0; p < kc; p++, src += m, out += MR) {
        out[0] = src[0]; out[1] = src[1]; out[2] = src[2];
        out[3] = src[3]; out[4] = src[4]; out[5] = src[5];
      }
      return;
    }
    for (size_t p = 0; p < kc; p++, src += m, out += MR) {
      size_t r = 0;
      for (; r < mr; r++) out[r] = src[r];
      for (; r < MR; r++) out[r] = 0.0f;
    }
    return;
  }
  /* Row r's mask row, or NULL. */
#define MASK_ROW(r) (mask ? mask + (i + (r)) * k + p0 : NULL)
  if (mr == MR) {
    const float *r0 = a + i * k + p0, *r1 = r0 + k, *r2 = r1 + k, *r3 = r2 + k, *r4 = r3 + k, *r5 = r4 + k;
    const float *y0 = MASK_ROW(0), *y1 = MASK_ROW(1), *y2 = MASK_ROW(2), *y3 = MASK_ROW(3), *y4 = MASK_ROW(4), *y5 = MASK_ROW(5);
    size_t p = 0;
    /* Eight k at a time: a 6x8 block of A transposed in registers (as 8x8 with two zero rows).
       Each group of 6 is stored as 8 floats, the last 2 overwritten by the next group, so the
       loop stops while at least one k is left for the scalar tail to overwrite the spill. */
    for (; p + 8 < kc; p += 8, out += 8 * MR) {
      const __m256 z = _mm256_setzero_ps();
      const __m256 x0 = load_row8(r0, y0, p), x1 = load_row8(r1, y1, p), x2 = load_row8(r2, y2, p);
      const __m256 x3 = load_row8(r3, y3, p), x4 = load_row8(r4, y4, p), x5 = load_row8(r5, y5, p);
      transpose6x8(x0, x1, x2, x3, x4, x5, z, out);
    }
    for (; p < kc; p++, out += MR) {
      out[0] = row_at(r0, y0, p); out[1] = row_at(r1, y1, p); out[2] = row_at(r2, y2, p);
      out[3] = row_at(r3, y3, p); out[4] = row_at(r4, y4, p); out[5] = row_at(r5, y5, p);
    }
    return;
  }
  for (size_t r = 0; r < MR; r++) {
    if (r < mr) {
      const float *src = a + (i + r) * k + p0, *ys = MASK_ROW(r);
      for (size_t p = 0; p < kc; p++) out[p * MR + r] = row_at(src, ys, p);
    } else {
      for (size_t p = 0; p < kc; p++) out[p * MR + r] = 0.0f;
    }
  }
#undef MASK_ROW
}

/* ---- one call, shared by its threads */

typedef struct job_s {
  const float *a, *b;
  float *c;
  size_t m, k, n;
  int ta, tb, acc;
  const float *bias; /* the epilogue (NULL / 0: none), applied after the last slab */
  int relu;
  int check;         /* whether to tell if a stored value of C is not finite */
  atomic_int nonfinite;
  const float *mask_a, *mask_b; /* ReLU masks of A and B (NULL: none) */
  int wide;          /* pairs of full panels take the 6x32 tile */
  float *colsum_b;   /* op(B)'s column sums are added here (NULL: none) */
  slabs_t s;
  size_t panels;     /* ceil(n / 16) */
  size_t *bounds;    /* work unit u is rows bounds[u] .. bounds[u + 1] */
  size_t chunks;
  size_t bfloats;    /* op(B) packed: slab by slab, panel by panel */
  int own_b;         /* each part packs all of op(B) for itself (else the parts share one packing) */
  float *bshared;    /* the shared packing (own_b 0) */
  atomic_int summed; /* whether a part has added op(B)'s column sums to colsum_b (own_b) */
  atomic_size_t next_pack, packed, next_chunk;
  int two_ended;     /* blocks claimed from both ends (two threads; see claim) */
  _Atomic uint64_t ends; /* two_ended's claims: from the front (low half), from the back (high) */
  /* Another call of the same split call whose masked op(B) is this call's masked op(A) (a ReLU
     layer's dW, whose op(B) is g through y's mask, for its dx, whose op(A) is the same): a part
     that has just packed that op(B) whole reads this call's op(A) from its packing, already
     masked and written by that thread, instead of g and y again (NULL: none). */
  const struct job_s *a_from;
} job_t;

/* Grow-only buffers, kept between calls (the call lock guards them): each call of a pair its
   bounds and shared packing of op(B), each part (a thread runs one call's block at a time) its
   packing of op(A)'s block and its own of op(B). */
typedef struct {
  size_t *bounds;
  size_t bounds_cap;
  float *bpack; /* the shared packing of op(B) */
  size_t bpack_cap;
} buffers_t;
static buffers_t bufs[4];
static float *apack_buf[MAX_THREADS];
static float *bpack_buf[MAX_THREADS];
static size_t bpack_cap[MAX_THREADS];
/* The call whose whole op(B) bpack_buf[t] holds (NULL: none, or not known); reset when a call
   opens. A call reading its op(A) from that packing (a_from) packs its own op(B) here instead. */
static const job_t *held[MAX_THREADS];
static float *bpack2_buf[MAX_THREADS];
static size_t bpack2_cap[MAX_THREADS];

static float *grow(float **buf, size_t *cap, size_t floats) {
  if (floats <= *cap) return *buf;
  free(*buf);
  *buf = aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
  *cap = *buf ? floats : 0;
  return *buf;
}

/* Where row r of src's op(B) starts in its whole packing bp (as pack_all_b lays it out: slab by
   slab, panel by panel, each panel kc rows of NR), and the distance from one panel to the next. */
static const float *packed_row(const job_t *src, const float *bp, size_t r, size_t *panel_stride) {
  const slabs_t *s = &src->s;
  const size_t long_rows = s->extra * (s->base + 1);
  const size_t si = r < long_rows ? r / (s->base + 1) : s->extra + (r - long_rows) / s->base;
  const size_t p0 = slab_start(s, si), kc = slab_len(s, si);
  *panel_stride = kc * NR;
  return bp + (p0 * src->panels) * NR + (r - p0) * NR;
}

/* pack_a of a call whose op(A) is src's masked op(B) (a_from), from src's whole packing bp:
   rows i .. i+mr of op(A) are rows of op(B), k its columns, each value the one pack_b_sums
   stored (the same masked float32), so C gets the bits of pack_a from A and its mask. */
static AVX2 void pack_a_from(const job_t *src, const float *bp, size_t i, size_t mr, size_t p0, size_t kc,
                             float *restrict out) {
  const float *row[MR];
  size_t stride[MR];
  for (size_t r = 0; r < mr; r++) row[r] = packed_row(src, bp, i + r, &stride[r]);
#define AT(r, q) (row[r][((q) / NR) * stride[r] + (q) % NR])
  size_t p = 0;
  if (mr == MR && p0 % 8 == 0) {
    /* Eight k at a time, as pack_a: eight aligned floats of each row's panel, transposed. */
    for (; p + 8 < kc; p += 8, out += 8 * MR) {
      const size_t q = p0 + p, off = (q / NR), half = q % NR;
      const __m256 z = _mm256_setzero_ps();
      transpose6x8(_mm256_load_ps(row[0] + off * stride[0] + half), _mm256_load_ps(row[1] + off * stride[1] + half),
                   _mm256_load_ps(row[2] + off * stride[2] + half), _mm256_load_ps(row[3] + off * stride[3] + half),
                   _mm256_load_ps(row[4] + off * stride[4] + half), _mm256_load_ps(row[5] + off * stride[5] + half), z, out);
    }
  }
  for (; p < kc; p++, out += MR) {
    size_t r = 0;
    for (; r < mr; r++) out[r] = AT(r, p0 + p);
    for (; r < MR; r++) out[r] = 0.0f;
  }
#undef AT
}

/* One unit of op(B)'s packing into bp: slab si of panel jp. */
static AVX2 void pack_b_unit(const job_t *j, size_t si, size_t jp, float *bp) {
  const size_t p0 = slab_start(&j->s, si), kc = slab_len(&j->s, si);
  const size_t col = jp * NR, nr = j->n - col < NR ? j->n - col : NR;
  pack_b(j->b, j->tb, j->k, j->n, p0, kc, col, nr, bp + (p0 * j->panels + jp * kc) * NR);
}

/* Panel jp of a masked or summed op(B) into bp, its slabs in order (a column's sum adds its
   rows in order of k); the sums go into colsum_b when `sum` is set. */
static AVX2 void pack_b_panel_summed(job_t *j, size_t jp, float *bp, int sum) {
  const size_t col = jp * NR, nr = j->n - col < NR ? j->n - col : NR;
  float sums[NR] = {0};
  for (size_t si = 0; si < j->s.count; si++) {
    const size_t p0 = slab_start(&j->s, si), kc = slab_len(&j->s, si);
    pack_b_sums(j->b, j->mask_b, j->n, p0, kc, col, nr, bp + (p0 * j->panels + jp * kc) * NR, sums);
  }
  if (sum)
    for (size_t c = 0; c < nr; c++) j->colsum_b[col + c] += sums[c];
}

/* op(B) into bp, slab by slab, panel by panel; a whole panel at a time, its slabs in order,
   when B is masked or summed (a column's sum adds its rows in order of k). The sums go into
   colsum_b once, from whichever part packs first. */
static AVX2 void pack_all_b(job_t *j, float *bp) {
  if (j->mask_b == NULL && j->colsum_b == NULL) {
    for (size_t si = 0; si < j->s.count; si++)
      for (size_t jp = 0; jp < j->panels; jp++) pack_b_unit(j, si, jp, bp);
    return;
  }
  const int sums_here = j->colsum_b != NULL && atomic_exchange(&j->summed, 1) == 0;
  for (size_t jp = 0; jp < j->panels; jp++) pack_b_panel_summed(j, jp, bp, sums_here);
}

/* op(B) into j->bshared by every part that takes part, one (slab, panel) at a time (a whole
   panel, its slabs in order, when B is masked or summed); returns once all of it is packed. */
static AVX2 void pack_shared_b(job_t *j) {
  const int by_panel = j->mask_b != NULL || j->colsum_b != NULL;
  const size_t units = by_panel ? j->panels : j->s.count * j->panels;
  for (size_t u; (u = atomic_fetch_add(&j->next_pack, 1)) < units;) {
    if (by_panel) pack_b_panel_summed(j, u, j->bshared, j->colsum_b != NULL);
    else pack_b_unit(j, u / j->panels, u % j->panels, j->bshared);
    atomic_fetch_add(&j->packed, 1);
  }
  for (unsigned spins = 0; atomic_load(&j->packed) < units;) mtlkit_pool_relax(&spins);
}

/* Block u of rows of one call: op(A)'s rows packed slab by slab (from a_from's packing `from`
   where given), each slab's tiles against op(B) packed in bpack; *bad set where a checked tile
   holds a value that is not finite. */
static AVX2 void run_block(const job_t *j, size_t u, const float *bpack, const float *from, float *ap, int *bad) {
  const size_t i0 = j->bounds[u], i1 = j->bounds[u + 1];
  for (size_t si = 0; si < j->s.count; si++) {
    const size_t p0 = slab_start(&j->s, si), kc = slab_len(&j->s, si);
    const int load = si > 0 || j->acc;
    const int last = si + 1 == j->s.count;
    const int relu = last && j->relu;
    const int chk = last && j->check;
    for (size_t i = i0; i < i1; i += MR) {
      const size_t mr = i1 - i < MR ? i1 - i : MR;
      if (from) pack_a_from(j->a_from, from, i, mr, p0, kc, ap + (i - i0) * kc);
      else pack_a(j->a, j->mask_a, j->ta, j->m, j->k, i, mr, p0, kc, ap + (i - i0) * kc);
    }
    const float *bs = bpack + p0 * j->panels * NR;
    for (size_t jp = 0; jp < j->panels;) {
      const size_t col = jp * NR, nr = j->n - col < NR ? j->n - col : NR;
      const float *bp = bs + jp * kc * NR;
      const float *bias = last && j->bias ? j->bias + col : NULL;
      if (j->wide && j->n - col >= 2 * NR) {
        /* Two full panels: the 6x32 tile (a partial row block takes the edge tile per panel). */
        for (size_t i = i0; i < i1; i += MR) {
          const size_t mr = i1 - i < MR ? i1 - i : MR;
          float *c = j->c + i * j->n + col;
          const float *a6 = ap + (i - i0) * kc;
          if (mr == MR) {
            tile32(kc, a6, bp, bp + kc * NR, c, j->n, load, bias, relu, chk ? bad : NULL);
          } else {
            edge_tile(kc, a6, bp, c, j->n, load, mr, NR, bias, relu, chk ? bad : NULL);
            edge_tile(kc, a6, bp + kc * NR, c + NR, j->n, load, mr, NR, bias ? bias + NR : NULL, relu, chk ? bad : NULL);
          }
        }
        jp += 2;
        continue;
      }
      for (size_t i = i0; i < i1; i += MR) {
        const size_t mr = i1 - i < MR ? i1 - i : MR;
        float *c = j->c + i * j->n + col;
        if (mr == MR && nr == NR) tile(kc, ap + (i - i0) * kc, bp, c, j->n, load, bias, relu, chk ? bad : NULL);
        else edge_tile(kc, ap + (i - i0) * kc, bp, c, j->n, load, mr, nr, bias, relu, chk ? bad : NULL);
      }
      jp++;
    }
  }
}

/* The next block of rows for part t, or j->chunks when none is left. A call alone on two
   threads (two_ended) has part 0 take blocks from the front and part 1 from the back until they
   meet, so each thread keeps to about the same half of C's rows call after call: the calls that
   add into the model input's gradient (the task experts' first layers' and the gates'), or a
   lone expert's layers one after another, read and write their half where the last call left
   it, in this core's caches. Where the host puts the two vCPUs on different core complexes a
   row the other thread wrote comes across at about the rate of memory (docs/speed.md, "Row
   blocks from both ends"). A call beside another, or a stack, keeps one counter: there each
   thread starts on its own call and the blocks it helps with are the other's last and smallest. */
static size_t claim(job_t *j, int t) {
  if (!j->two_ended) return atomic_fetch_add(&j->next_chunk, 1);
  const uint64_t prev = atomic_fetch_add(&j->ends, (t & 1) ? (uint64_t)1 << 32 : 1);
  const size_t front = (size_t)(prev & 0xffffffffu), back = (size_t)(prev >> 32);
  if (front + back >= j->chunks) return j->chunks;
  return (t & 1) ? j->chunks - 1 - back : front;
}

static AVX2 void run_part(void *arg, int t) {
  job_t *j = arg;
  /* On two threads each part packs all of op(B) into a buffer of its own, once it has taken a
     block of rows (a part that finds none left packs nothing). One packing shared by the two
     had each read, block after block, lines that the other core had just written, and each
     call's packers take back lines the other core held from the call before: on the machine
     measured that cost more than packing op(B) once more (docs/speed.md, "Each thread its own
     op(B)"). On more threads the copies would add up (each thread packs all of op(B) for a
     share of C), so there the threads share one packing, as before. */
  size_t u;
  const float *bpack, *from = NULL;
  if (j->own_b) {
    if ((u = claim(j, t)) >= j->chunks) return;
    if (j->a_from != NULL && held[t] == j->a_from) {
      /* This part packed a_from's op(B) whole: op(A) comes from there, op(B) goes beside it. */
      from = bpack_buf[t];
      pack_all_b(j, bpack2_buf[t]);
      bpack = bpack2_buf[t];
    } else {
      pack_all_b(j, bpack_buf[t]);
      bpack = bpack_buf[t];
      held[t] = j;
    }
  } else {
    pack_shared_b(j);
    bpack = j->bshared;
    u = atomic_fetch_add(&j->next_chunk, 1);
  }

  /* Blocks of rows of C, taken from a shared counter. */
  float *ap = apack_buf[t];
  int bad = 0;
  for (; u < j->chunks; u = claim(j, t)) run_block(j, u, bpack, from, ap, &bad);
  if (j->check && bad) atomic_store(&j->nonfinite, 1);
}

int mtlkit_sgemm_kc(void) { return KC; }
int mtlkit_sgemm_mc(void) { return MC; }

/* Below this many flops a call is not worth waking a thread, unless C is large: with k small
   (a gate's input gradient, k = 2) the call streams C through memory, which two cores do
   faster than one. */
#define PAR_FLOPS 4e6
#define PAR_C 65536

/* Nothing to multiply: C is left (k = 0 with accumulate) or zeroed, then the epilogue and the
   check, and op(B)'s column sums (m = 0 leaves B's rows to sum). Returns 1 when so. */
static int trivial(float *c, const float *b, size_t m, size_t k, size_t n, int acc, const mtlkit_sgemm_opts *o,
                   int *nonfinite) {
  if (n == 0) return 1;
  if (m == 0) {
    if (o->colsum_b)
      for (size_t jj = 0; jj < n; jj++) {
        float sum = 0.0f;
        for (size_t p = 0; p < k; p++) sum += o->mask_b ? relu_masked1(b[p * n + jj], o->mask_b[p * n + jj]) : b[p * n + jj];
        o->colsum_b[jj] += sum;
      }
    return 1;
  }
  if (k != 0) return 0;
  if (!acc) memset(c, 0, m * n * sizeof(float));
  if (!o->bias && !o->relu && !o->check) return 1;
  for (size_t i = 0; i < m; i++) {
    for (size_t jj = 0; jj < n; jj++) {
      float v = c[i * n + jj];
      if (o->bias) v = v + o->bias[jj];
      if (o->relu) v = v > 0 ? v : 0.0f;
      c[i * n + jj] = v;
      if (o->check && v - v != 0.0f) *nonfinite = 1;
    }
  }
  return 1;
}

static const mtlkit_sgemm_opts no_opts;

/* The packing buffers of parts 0 .. parts-1, their own of op(B) of at least bfloats (0: none
   needed) and the one beside it of at least b2floats (a_from's calls); 0 when one could not be
   allocated. Every part's held packing is forgotten: a call opens. */
static int buffers_for(int parts, size_t bfloats, size_t b2floats) {
  for (int t = 0; t < MAX_THREADS; t++) held[t] = NULL;
  for (int t = 0; t < parts; t++) {
    if (!apack_buf[t]) apack_buf[t] = aligned_alloc(64, (size_t)MC * KC * sizeof(float));
    if (apack_buf[t] == NULL || (bfloats > 0 && grow(&bpack_buf[t], &bpack_cap[t], bfloats) == NULL)) return 0;
    if (b2floats > 0 && grow(&bpack2_buf[t], &bpack2_cap[t], b2floats) == NULL) return 0;
  }
  return 1;
}

/* A block's rows with `left` rows to go towards the point blocks shrink to: a 1 / parts share,
   in whole tiles, at most MC and at most what is left. */
static size_t block_rows(size_t left, size_t parts) {
  size_t rows = ((left + parts - 1) / parts + MR - 1) / MR * MR;
  if (rows > MC) rows = MC;
  return rows > left ? left : rows;
}

/* C's blocks of rows for a call of m rows on `threads` threads (two_ended: claimed from both
   ends, two threads): their starts into out[0 .. units), then m; returns units (at most
   ceil(m / MR)). Blocks are at most MC rows, whole tiles but for the last one before the point
   they shrink towards: the end of C, or with two_ended the middle (the front half's blocks
   shrink towards it from row 0, the back half's from row m). */
static size_t block_bounds(size_t m, int threads, int two_ended, size_t *out) {
  size_t units = 0;
  if (two_ended) {
    size_t h = (m / 2 + MR - 1) / MR * MR;
    if (h > m) h = m;
    for (size_t i = 0; i < h; i += block_rows(h - i, 2)) out[units++] = i;
    /* The back half from its end, then its starts put in ascending order. */
    size_t back = 0;
    for (size_t e = m; e > h; back++) {
      e -= block_rows(e - h, 2);
      out[units + back] = e;
    }
    for (size_t q = 0; q < back / 2; q++) {
      const size_t x = out[units + q];
      out[units + q] = out[units + back - 1 - q];
      out[units + back - 1 - q] = x;
    }
    units += back;
  } else {
    /* One thread: blocks of MC; several: each a share of what is left. */
    const size_t parts = threads == 1 ? 1 : 2 * (size_t)threads;
    for (size_t i = 0; i < m; i += block_rows(m - i, parts)) out[units++] = i;
  }
  out[units] = m;
  return units;
}

size_t mtlkit_sgemm_bounds(size_t m, int threads, int two_ended, size_t *out) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  return block_bounds(m, threads, two_ended && threads == 2, out);
}

/* Fills j for one call (the pool lock held); returns the parts to run, or -1 when a buffer
   could not be allocated. `ends`: the call runs alone (not beside another call or as a stack's
   layer), so on two threads its blocks are claimed from both ends (claim). */
static int setup(job_t *j, buffers_t *bf, const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                 int ta, int tb, int acc, const mtlkit_sgemm_opts *o, int threads, int ends) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if ((2.0 * m * n * k < PAR_FLOPS && (double)m * n < PAR_C) || m < 2 * MR) threads = 1;
  j->a = a; j->b = b; j->c = c; j->m = m; j->k = k; j->n = n; j->ta = ta; j->tb = tb; j->acc = acc;
  j->bias = o->bias; j->relu = o->relu; j->check = o->check;
  j->mask_a = o->mask_a; j->mask_b = o->mask_b; j->colsum_b = o->colsum_b;
  j->a_from = NULL;
  j->wide = wide_on();
  atomic_init(&j->nonfinite, 0);
  j->s = slabs_of(k);
  j->panels = (n + NR - 1) / NR;
  /* Blocks of rows, at most MC. On several threads they shrink towards the end (each a share
     of what is left), so the threads finish close together: a thread that takes the last
     block while the others wait holds them for one small block, not a big one. Claimed from
     both ends, they shrink towards the middle instead, where the two threads meet. */
  const size_t most = (m + MR - 1) / MR + 1;
  if (bf->bounds_cap < most) {
    free(bf->bounds);
    bf->bounds = malloc(most * sizeof(size_t));
    bf->bounds_cap = bf->bounds ? most : 0;
    if (bf->bounds == NULL) return -1;
  }
  size_t *bounds_buf = j->bounds = bf->bounds;
  j->two_ended = ends && threads == 2 && m < ((size_t)1 << 32); /* claim counts in 32 bits */
  const size_t units = block_bounds(m, threads, j->two_ended, bounds_buf);
  j->chunks = units;
  if ((size_t)threads > j->chunks) threads = (int)j->chunks;
  j->bfloats = k * j->panels * NR;
  j->own_b = threads <= 2;
  if (!j->own_b && (j->bshared = grow(&bf->bpack, &bf->bpack_cap, j->bfloats)) == NULL) return -1;
  atomic_init(&j->summed, 0);
  atomic_init(&j->next_pack, 0);
  atomic_init(&j->packed, 0);
  atomic_init(&j->next_chunk, 0);
  atomic_init(&j->ends, 0);
  return threads;
}

/* One call, or two chains of one or two independent calls run side by side. */
typedef struct {
  job_t jobs[4];
  /* the jobs to run, chain by chain in order, and each one's call: 0 first, 1 second, 2
     first_next, 3 second_next (its bit in the verdict; its chain is call & 1) */
  int count, call[4];
} pair_t;

/* Each thread runs one chain (thread 0 the first), its calls in order, then helps with the
   other's: a thread's second call reads what its first read, still in its own caches, and no
   thread waits at a barrier between the two. */
static void run_pair(void *arg, int t) {
  pair_t *p = arg;
  for (int pass = 0; pass < 2; pass++)
    for (int q = 0; q < p->count; q++)
      if (((p->call[q] & 1) == (t & 1)) == (pass == 0)) run_part(&p->jobs[q], t);
}

/* Finishes the calls with nothing to multiply (their verdicts into *nonfinite, bit i for
   calls[i]: first, second, first_next, second_next) and prepares the others. Returns the parts
   to run with the pool lock held, or 0 (nothing left) / -1 (out of memory) without it. */
static int open_pair(pair_t *p, const mtlkit_sgemm_call *const calls[4], int threads, int *nonfinite) {
  const mtlkit_sgemm_call *live[4];
  p->count = 0;
  for (int i = 0; i < 4; i++) {
    const mtlkit_sgemm_call *x = calls[i];
    if (x == NULL) continue;
    int bad = 0;
    if (trivial(x->c, x->b, x->m, x->k, x->n, x->acc, &x->opts, &bad)) {
      *nonfinite |= bad << i;
    } else {
      p->call[p->count] = i;
      live[p->count++] = x;
    }
  }
  if (p->count == 0) return 0;
  mtlkit_pool_lock();
  int parts = 0;
  double flops = 0;
  for (int q = 0; q < p->count; q++) {
    const mtlkit_sgemm_call *x = live[q];
    flops += 2.0 * x->m * x->k * x->n;
    const int n = setup(&p->jobs[q], &bufs[q], x->a, x->b, x->c, x->m, x->k, x->n, x->ta, x->tb, x->acc, &x->opts, threads, p->count == 1);
    if (n <= 0) {
      mtlkit_pool_unlock();
      return -1;
    }
    if (n > parts) parts = n;
  }
  /* Calls too small to split run at once, one chain on each of two threads, when together they
     are worth waking a thread. */
  if (p->count >= 2 && parts < 2 && threads >= 2 && flops >= PAR_FLOPS) parts = 2;
  size_t bfloats = 0;
  for (int q = 0; q < p->count; q++)
    if (p->jobs[q].own_b && p->jobs[q].bfloats > bfloats) bfloats = p->jobs[q].bfloats;
  /* A call whose masked op(A) another call packs as its masked op(B) reads it from there. */
  size_t b2floats = 0;
  for (int q = 0; q < p->count; q++) {
    job_t *x = &p->jobs[q];
    for (int r = 0; r < p->count && x->mask_a != NULL && !x->ta && x->own_b; r++) {
      const job_t *s = &p->jobs[r];
      if (r != q && s->own_b && !s->tb && s->b == x->a && s->mask_b == x->mask_a && s->k == x->m && s->n == x->k) {
        x->a_from = s;
        if (x->bfloats > b2floats) b2floats = x->bfloats;
        break;
      }
    }
  }
  if (!buffers_for(parts, bfloats, b2floats)) {
    mtlkit_pool_unlock();
    return -1;
  }
  return parts;
}

/* The verdict once every part has returned; releases the pool lock. */
static int close_pair(pair_t *p, int nonfinite) {
  for (int q = 0; q < p->count; q++)
    if (p->jobs[q].check && atomic_load(&p->jobs[q].nonfinite)) nonfinite |= 1 << p->call[q];
  mtlkit_pool_unlock();
  return nonfinite;
}

int mtlkit_sgemm_chains(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second,
                        const mtlkit_sgemm_call *first_next, const mtlkit_sgemm_call *second_next, int threads) {
  const mtlkit_sgemm_call *const calls[4] = {first, second, first_next, second_next};
  pair_t p;
  int nonfinite = 0;
  const int parts = open_pair(&p, calls, threads, &nonfinite);
  if (parts <= 0) return parts < 0 ? -1 : nonfinite;
  mtlkit_pool_run(run_pair, &p, parts);
  return close_pair(&p, nonfinite);
}

int mtlkit_sgemm_pair(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second, int threads) {
  return mtlkit_sgemm_chains(first, second, NULL, NULL, threads);
}

int mtlkit_sgemm(const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                 int ta, int tb, int acc, const mtlkit_sgemm_opts *opts, int threads) {
  const mtlkit_sgemm_call one = {a, b, c, m, k, n, ta, tb, acc, opts ? *opts : no_opts};
  return mtlkit_sgemm_pair(&one, NULL, threads);
}

/* The split call, between begin and end (the pool lock held while it has parts). */
static pair_t split;
static atomic_int split_parts;
/* The verdict on calls that begin finished itself. */
static int split_trivial_nonfinite;

int mtlkit_sgemm_begin_chains(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second,
                              const mtlkit_sgemm_call *first_next, const mtlkit_sgemm_call *second_next, int threads) {
  const mtlkit_sgemm_call *const calls[4] = {first, second, first_next, second_next};
  split_trivial_nonfinite = 0;
  const int parts = open_pair(&split, calls, threads, &split_trivial_nonfinite);
  if (parts > 0) atomic_store(&split_parts, parts);
  return parts;
}

int mtlkit_sgemm_begin_pair(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second, int threads) {
  return mtlkit_sgemm_begin_chains(first, second, NULL, NULL, threads);
}

int mtlkit_sgemm_begin(const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                       int ta, int tb, int acc, const mtlkit_sgemm_opts *opts, int threads) {
  const mtlkit_sgemm_call one = {a, b, c, m, k, n, ta, tb, acc, opts ? *opts : no_opts};
  return mtlkit_sgemm_begin_pair(&one, NULL, threads);
}

/* ---- a stack: calls each reading the one before's C, row block by row block */

/* Its layers, each a call's job sharing the first's blocks of rows; where each layer's op(B)
   sits in a part's packing buffer. */
typedef struct {
  job_t jobs[MTLKIT_STACK_MAX];
  int layers;
  size_t boff[MTLKIT_STACK_MAX];
  /* A layer of at most MTLKIT_STACK_NARROW columns (a head's logit) takes the narrow kernel. */
  int narrow[MTLKIT_STACK_MAX];
} stack_t;
/* One or two stacks open as the split call; whether the open split call is them (else the pair). */
static stack_t stacks[2];
static int stack_count, split_stack;

/* A part packs every layer's op(B), then takes blocks of rows and runs each through all the
   layers: a block's rows of one layer's C are op(A) of the next while they are still in this
   core's caches, where whole calls one after another read them back from memory. A part that
   finds no block left packs nothing. */
/* A narrow layer's rows [i0, i1): the narrow kernel (sgemmSmall's bits), then the epilogue with
   biasRelu's float32 operations, as the call alone would run them (linearForward's narrow path). */
static void run_narrow_rows(const job_t *j, size_t i0, size_t i1, int *bad) {
  /* k*n <= MTLKIT_STACK_NARROW_KN (the stack's fault check): nothing to allocate, nothing to fail. */
  mtlkit_sgemm_narrow(j->a, j->b, j->c, j->m, j->k, j->n, 0, 0, 0, i0, i1);
  if (!j->bias && !j->relu && !j->check) return;
  for (size_t i = i0; i < i1; i++) {
    float *c = j->c + i * j->n;
    for (size_t jj = 0; jj < j->n; jj++) {
      float v = c[jj];
      if (j->bias) v = v + j->bias[jj];
      if (j->relu) v = v > 0 ? v : 0.0f;
      c[jj] = v;
      if (j->check && v - v != 0.0f) *bad = 1;
    }
  }
}

static AVX2 void run_stack(stack_t *s, int t) {
  const job_t *j0 = &s->jobs[0];
  size_t u = claim(&s->jobs[0], t);
  if (u >= j0->chunks) return;
  float *bp = bpack_buf[t], *ap = apack_buf[t];
  for (int l = 0; l < s->layers; l++)
    if (!s->narrow[l]) pack_all_b(&s->jobs[l], bp + s->boff[l]);
  int bad[MTLKIT_STACK_MAX] = {0};
  for (; u < j0->chunks; u = claim(&s->jobs[0], t))
    for (int l = 0; l < s->layers; l++) {
      if (s->narrow[l]) run_narrow_rows(&s->jobs[l], j0->bounds[u], j0->bounds[u + 1], &bad[l]);
      else run_block(&s->jobs[l], u, bp + s->boff[l], NULL, ap, &bad[l]);
    }
  for (int l = 0; l < s->layers; l++)
    if (s->jobs[l].check && bad[l]) atomic_store(&s->jobs[l].nonfinite, 1);
}

/* Two stacks as chains: each thread starts on one (thread 0 the first), then helps the other. */
static void run_stacks(void *arg, int t) {
  stack_t *s = arg;
  for (int pass = 0; pass < 2; pass++)
    for (int q = 0; q < stack_count; q++)
      if (((q & 1) == (t & 1)) == (pass == 0)) run_stack(&s[q], t);
}

const char *mtlkit_sgemm_stack_fault(const mtlkit_sgemm_call *calls, int layers, int *layer) {
  *layer = 0;
  if (layers < 1 || layers > MTLKIT_STACK_MAX) return "is outside 1 .. MTLKIT_STACK_MAX layers";
  for (int l = 0; l < layers; l++) {
    const mtlkit_sgemm_call *x = &calls[l];
    *layer = l;
    if (x->m == 0 || x->k == 0 || x->n == 0) return "has an empty dimension";
    if (x->ta || x->tb) return "is transposed";
    if (x->acc) return "accumulates";
    if (x->opts.mask_b || x->opts.colsum_b) return "has maskB or colsumB";
    if (x->n <= MTLKIT_STACK_NARROW && x->opts.mask_a) return "is narrow (the narrow kernel) and has maskA";
    if (x->n <= MTLKIT_STACK_NARROW && x->k * x->n > MTLKIT_STACK_NARROW_KN) return "is narrow (the narrow kernel) with k*n over 4096";
    if (l > 0 && x->m != calls[0].m) return "has another m than layer 0";
    if (l > 0 && (x->a != calls[l - 1].c || x->k != calls[l - 1].n)) return "does not read the layer before's c as its a (k its n)";
  }
  return NULL;
}

int mtlkit_sgemm_stacks_begin(const mtlkit_sgemm_call *first, int first_layers, const mtlkit_sgemm_call *second, int second_layers,
                              int threads) {
  const int count = second == NULL ? 1 : 2;
  const mtlkit_sgemm_call *calls[2] = {first, second};
  const int layers[2] = {first_layers, second_layers};
  double flops = 0;
  for (int q = 0; q < count; q++) {
    int at;
    if (mtlkit_sgemm_stack_fault(calls[q], layers[q], &at)) return -2;
    for (int l = 0; l < layers[q]; l++) flops += 2.0 * calls[q][l].m * calls[q][l].k * calls[q][l].n;
  }
  if (flops < PAR_FLOPS || (count == 1 && first->m < 2 * MR)) threads = 1;
  mtlkit_pool_lock();
  size_t bfloats = 0;
  int parts = count == 2 && threads >= 2 ? 2 : 1;
  for (int q = 0; q < count; q++) {
    stack_t *s = &stacks[q];
    /* Each layer's job, then the first's again: its blocks of rows (in the stack's bounds
       buffer) are every layer's. */
    for (int l = layers[q] - 1; l >= 0; l--) {
      const mtlkit_sgemm_call *x = &calls[q][l];
      if (setup(&s->jobs[l], &bufs[q], x->a, x->b, x->c, x->m, x->k, x->n, 0, 0, 0, &x->opts, threads, 0) <= 0) {
        mtlkit_pool_unlock();
        return -1;
      }
    }
    for (int l = 0; l < layers[q]; l++) {
      s->jobs[l].chunks = s->jobs[0].chunks;
      s->narrow[l] = calls[q][l].n <= MTLKIT_STACK_NARROW;
      s->boff[l] = bfloats;
      if (!s->narrow[l]) bfloats += s->jobs[l].bfloats;
    }
    s->layers = layers[q];
    const int p = threads < (int)s->jobs[0].chunks ? threads : (int)s->jobs[0].chunks;
    if (p > parts) parts = p;
  }
  if (!buffers_for(parts, bfloats, 0)) {
    mtlkit_pool_unlock();
    return -1;
  }
  stack_count = count;
  split_trivial_nonfinite = 0;
  split_stack = 1;
  atomic_store(&split_parts, parts);
  return parts;
}

int mtlkit_sgemm_part(int t) {
  if (t < 0 || t >= atomic_load(&split_parts)) return -1;
  if (split_stack) run_stacks(stacks, t);
  else run_pair(&split, t);
  return 0;
}

int mtlkit_sgemm_end(void) {
  if (atomic_exchange(&split_parts, 0) == 0) return split_trivial_nonfinite;
  if (split_stack) {
    split_stack = 0;
    int nonfinite = 0;
    for (int q = 0, bit = 0; q < stack_count; q++)
      for (int l = 0; l < stacks[q].layers; l++, bit++)
        if (stacks[q].jobs[l].check && atomic_load(&stacks[q].jobs[l].nonfinite)) nonfinite |= 1 << bit;
    mtlkit_pool_unlock();
    return nonfinite;
  }
  return close_pair(&split, split_trivial_nonfinite);
}
