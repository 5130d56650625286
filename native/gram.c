/*
 * mtlkit_gram32_range (gram.h): the wasm kernel's row-pair sums on AVX2. The wasm kernel keeps
 * a pair's eight lanes in two f32x4 registers (elements 0-3 and 4-7 of each eight); here they
 * are one ymm, so each lane does the same float32 multiply and add in the same order. Row i is
 * read once for up to four rows j, as the wasm kernel does; that grouping does not change any
 * pair's arithmetic, only how often row i is loaded.
 */
#include "gram.h"

#include <immintrin.h>

#define BLOCK 1024
#define GRAM_CHUNK 16384

#define AVX2 __attribute__((target("avx2")))

/* The block sum of one pair: lanes 0-3 + lanes 4-7 in float32, then in float64 lane by lane. */
static AVX2 inline double lane_sum(__m256 acc) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  float l[4];
  _mm_storeu_ps(l, s);
  return (double)l[0] + (double)l[1] + (double)l[2] + (double)l[3];
}

/* out[q] += the sum of a[x] b[q][x] over x < n, for q < nb (1 or 4). */
static AVX2 void dots(const float *a, const float *const *b, size_t nb, size_t n, double *const *out) {
  double t[4] = {0, 0, 0, 0};
  for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
    const size_t len = n - i0 < BLOCK ? n - i0 : BLOCK;
    const float *pa = a + i0;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    size_t i = 0;
    if (nb == 4) {
      const float *p0 = b[0] + i0, *p1 = b[1] + i0, *p2 = b[2] + i0, *p3 = b[3] + i0;
      __m256 x0 = acc[0], x1 = acc[1], x2 = acc[2], x3 = acc[3];
      for (; i + 8 <= len; i += 8) {
        const __m256 u = _mm256_loadu_ps(pa + i);
        x0 = _mm256_add_ps(x0, _mm256_mul_ps(u, _mm256_loadu_ps(p0 + i)));
        x1 = _mm256_add_ps(x1, _mm256_mul_ps(u, _mm256_loadu_ps(p1 + i)));
        x2 = _mm256_add_ps(x2, _mm256_mul_ps(u, _mm256_loadu_ps(p2 + i)));
        x3 = _mm256_add_ps(x3, _mm256_mul_ps(u, _mm256_loadu_ps(p3 + i)));
      }
      acc[0] = x0; acc[1] = x1; acc[2] = x2; acc[3] = x3;
    } else {
      const float *p0 = b[0] + i0;
      __m256 x0 = acc[0];
      for (; i + 8 <= len; i += 8) x0 = _mm256_add_ps(x0, _mm256_mul_ps(_mm256_loadu_ps(pa + i), _mm256_loadu_ps(p0 + i)));
      acc[0] = x0;
    }
    for (size_t q = 0; q < nb; q++) {
      double s = lane_sum(acc[q]);
      for (size_t r = i; r < len; r++) s += (double)(pa[r] * b[q][i0 + r]);
      t[q] += s;
    }
  }
  for (size_t q = 0; q < nb; q++) *out[q] += t[q];
}

void mtlkit_gram32_range(const float *g, double *out, size_t t, size_t d, size_t c0, size_t c1) {
  for (size_t x = 0; x < t * t; x++) out[x] = 0;
  for (size_t c = c0; c < c1; c += GRAM_CHUNK) {
    const size_t len = c1 - c < GRAM_CHUNK ? c1 - c : GRAM_CHUNK;
    for (size_t i = 0; i < t; i++) {
      const float *ri = g + i * d + c;
      for (size_t j = i; j < t;) {
        const size_t nb = t - j >= 4 ? 4 : 1;
        const float *b[4];
        double *o[4];
        for (size_t q = 0; q < nb; q++) {
          b[q] = g + (j + q) * d + c;
          o[q] = out + i * t + j + q;
        }
        dots(ri, b, nb, len, o);
        j += nb;
      }
    }
  }
  for (size_t i = 0; i < t; i++)
    for (size_t j = 0; j < i; j++) out[i * t + j] = out[j * t + i];
}
