/*
 * mtlkit_sgemm_narrow (narrow.h). The wasm kernel's four f32x4 chains of a dot product are two
 * ymm here (lanes 0-7 and 8-15 of each sixteen), and its column sums of the transposed form
 * run eight columns to a ymm: each element's operations and their order are unchanged.
 */
#include "narrow.h"

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2")))

/* Columns of C per pass of the transposed form: n x BLOCK_I partial sums stay in L1. */
#define BLOCK_I 1024

/* sgemmSmall's dotK32, sum_p a[p] b_j[p] over k, for the nj rows b_j = b + j * k at once (A's
   row read once; each dot keeps its own two chains, so its arithmetic is dotK32's). */
static AVX2 __attribute__((always_inline)) inline void dots_k(const float *a, const float *b, size_t k, size_t nj, float *out) {
  __m256 s01[4], s23[4];
  for (size_t j = 0; j < nj; j++) s01[j] = s23[j] = _mm256_setzero_ps();
  size_t p = 0;
  for (; p + 16 <= k; p += 16) {
    const __m256 a01 = _mm256_loadu_ps(a + p), a23 = _mm256_loadu_ps(a + p + 8);
    for (size_t j = 0; j < nj; j++) {
      s01[j] = _mm256_add_ps(s01[j], _mm256_mul_ps(a01, _mm256_loadu_ps(b + j * k + p)));
      s23[j] = _mm256_add_ps(s23[j], _mm256_mul_ps(a23, _mm256_loadu_ps(b + j * k + p + 8)));
    }
  }
  for (size_t j = 0; j < nj; j++) {
    const float *bj = b + j * k;
    __m128 s0 = _mm256_castps256_ps128(s01[j]);
    const __m128 s1 = _mm256_extractf128_ps(s01[j], 1);
    const __m128 s2 = _mm256_castps256_ps128(s23[j]), s3 = _mm256_extractf128_ps(s23[j], 1);
    size_t q = p;
    for (; q + 4 <= k; q += 4) s0 = _mm_add_ps(s0, _mm_mul_ps(_mm_loadu_ps(a + q), _mm_loadu_ps(bj + q)));
    s0 = _mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3));
    float l[4];
    _mm_storeu_ps(l, s0);
    float v = l[0] + l[1] + l[2] + l[3];
    for (; q < k; q++) v += a[q] * bj[q];
    out[j] = v;
  }
}

static void store(float *c, float v, int acc) { *c = acc ? *c + v : v; }

/* A not transposed: each element one dot product, op(B)'s columns as contiguous rows. */
static AVX2 int rows_form(const float *a, const float *b, float *c, size_t k, size_t n, int tb, int acc, size_t r0, size_t r1) {
  float small[4 * 1024];
  const float *bt = b;
  float *heap = NULL;
  if (!tb) {
    float *t = k * n <= sizeof small / sizeof *small ? small : (heap = malloc(k * n * sizeof(float)));
    if (t == NULL) return -1;
    for (size_t p = 0; p < k; p++)
      for (size_t j = 0; j < n; j++) t[j * k + p] = b[p * n + j];
    bt = t;
  }
  float v[4];
  for (size_t i = r0; i < r1; i++) {
    /* A constant count for each n, so the compiler keeps the chains in registers. */
    switch (n) {
      case 1: dots_k(a + i * k, bt, k, 1, v); break;
      case 2: dots_k(a + i * k, bt, k, 2, v); break;
      case 3: dots_k(a + i * k, bt, k, 3, v); break;
      default: dots_k(a + i * k, bt, k, 4, v); break;
    }
    for (size_t j = 0; j < n; j++) store(c + i * n + j, v[j], acc);
  }
  free(heap);
  return 0;
}

/* A transposed (stored k x m): C's rows are A's columns, summed over A's rows in order. */
static AVX2 void columns_form(const float *a, const float *b, float *c, size_t m, size_t k, size_t n, int tb, int acc,
                              size_t r0, size_t r1) {
  float ct[4 * BLOCK_I] __attribute__((aligned(32)));
  for (size_t i0 = r0; i0 < r1; i0 += BLOCK_I) {
    const size_t ib = r1 - i0 < BLOCK_I ? r1 - i0 : BLOCK_I, ib8 = ib & ~(size_t)7;
    memset(ct, 0, n * ib * sizeof(float));
    for (size_t p = 0; p < k; p++) {
      const float *ar = a + p * m + i0;
      for (size_t j = 0; j < n; j++) {
        const float bs = tb ? b[j * k + p] : b[p * n + j];
        const __m256 bv = _mm256_set1_ps(bs);
        float *cj = ct + j * ib;
        size_t i = 0;
        for (; i < ib8; i += 8) _mm256_storeu_ps(cj + i, _mm256_add_ps(_mm256_loadu_ps(cj + i), _mm256_mul_ps(_mm256_loadu_ps(ar + i), bv)));
        for (; i < ib; i++) cj[i] = cj[i] + ar[i] * bs;
      }
    }
    for (size_t i = 0; i < ib; i++)
      for (size_t j = 0; j < n; j++) store(c + (i0 + i) * n + j, ct[j * ib + i], acc);
  }
}

int mtlkit_sgemm_narrow(const float *a, const float *b, float *c, size_t m, size_t k, size_t n, int ta, int tb, int acc,
                        size_t r0, size_t r1) {
  if (r1 <= r0 || n == 0) return 0;
  if (k == 0) {
    if (!acc) memset(c + r0 * n, 0, (r1 - r0) * n * sizeof(float));
    return 0;
  }
  if (ta) {
    columns_form(a, b, c, m, k, n, tb, acc, r0, r1);
    return 0;
  }
  return rows_form(a, b, c, k, n, tb, acc, r0, r1);
}
