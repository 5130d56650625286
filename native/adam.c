/*
 * mtlkit_adam_runs32 / mtlkit_adam_span32 (adam.h): the wasm kernel's float64 lanes, four at a
 * time in a ymm instead of two in an f64x2. Every operation is an IEEE add, multiply, divide or
 * square root of float64 values, or a conversion between float32 and float64 (round to
 * nearest), each exact on any hardware; the functions are compiled without FMA, so no
 * multiply-add is fused, and the lane count does not change any element's arithmetic.
 */
#include "adam.h"

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/* How many runs ahead the rows are prefetched: enough misses in flight to hide a row's latency
   behind the arithmetic of the runs in between. */
#define AHEAD 16
/* Lines of a run prefetched (the hardware prefetcher follows a longer run by itself). */
#define AHEAD_LINES 4

static AVX2 void adam_run(float *restrict wp, float *restrict gp, float *restrict mp, float *restrict vp, size_t width,
                          const mtlkit_adam_h *h) {
  const __m256d B1 = _mm256_set1_pd(h->b1), B2 = _mm256_set1_pd(h->b2), C1 = _mm256_set1_pd(h->c1), C2 = _mm256_set1_pd(h->c2);
  const __m256d S = _mm256_set1_pd(h->step), R = _mm256_set1_pd(h->r), E = _mm256_set1_pd(h->eps);
  const int zero = h->zero;
  size_t i = 0;
  for (; i + 4 <= width; i += 4) {
    const __m256d gi = _mm256_cvtps_pd(_mm_loadu_ps(gp + i));
    const __m256d mi = _mm256_add_pd(_mm256_mul_pd(B1, _mm256_cvtps_pd(_mm_loadu_ps(mp + i))), _mm256_mul_pd(C1, gi));
    const __m256d vi = _mm256_add_pd(_mm256_mul_pd(B2, _mm256_cvtps_pd(_mm_loadu_ps(vp + i))), _mm256_mul_pd(_mm256_mul_pd(C2, gi), gi));
    _mm_storeu_ps(mp + i, _mm256_cvtpd_ps(mi));
    _mm_storeu_ps(vp + i, _mm256_cvtpd_ps(vi));
    const __m256d u = _mm256_div_pd(_mm256_mul_pd(S, mi), _mm256_add_pd(_mm256_mul_pd(_mm256_sqrt_pd(vi), R), E));
    _mm_storeu_ps(wp + i, _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(wp + i)), u)));
    if (zero) _mm_storeu_ps(gp + i, _mm_setzero_ps());
  }
  /* The tail in the same operations, one lane. */
  for (; i < width; i++) {
    const __m128d gi = _mm_set_sd((double)gp[i]);
    const __m128d mi = _mm_add_sd(_mm_mul_sd(_mm_set_sd(h->b1), _mm_set_sd((double)mp[i])), _mm_mul_sd(_mm_set_sd(h->c1), gi));
    const __m128d vi = _mm_add_sd(_mm_mul_sd(_mm_set_sd(h->b2), _mm_set_sd((double)vp[i])),
                                  _mm_mul_sd(_mm_mul_sd(_mm_set_sd(h->c2), gi), gi));
    mp[i] = (float)_mm_cvtsd_f64(mi);
    vp[i] = (float)_mm_cvtsd_f64(vi);
    const __m128d den = _mm_add_sd(_mm_mul_sd(_mm_sqrt_sd(vi, vi), _mm_set_sd(h->r)), _mm_set_sd(h->eps));
    const __m128d u = _mm_div_sd(_mm_mul_sd(_mm_set_sd(h->step), mi), den);
    wp[i] = (float)_mm_cvtsd_f64(_mm_sub_sd(_mm_set_sd((double)wp[i]), u));
    if (zero) gp[i] = 0.0f;
  }
}

static inline void prefetch_run(const float *p, size_t width, int write) {
  for (size_t l = 0; l < AHEAD_LINES && l * 16 < width; l++) {
    if (write) __builtin_prefetch(p + l * 16, 1);
    else __builtin_prefetch(p + l * 16, 0);
  }
}

AVX2 void mtlkit_adam_runs32(float *w, float *g, float *m, float *v, const int32_t *wAt, const int32_t *sAt,
                             size_t width, const mtlkit_adam_h *h, size_t q0, size_t q1) {
  for (size_t q = q0; q < q1; q++) {
    if (q + AHEAD < q1) {
      const size_t wa = (size_t)wAt[q + AHEAD], sa = (size_t)sAt[q + AHEAD];
      prefetch_run(w + wa, width, 1);
      prefetch_run(g + wa, width, h->zero);
      prefetch_run(m + sa, width, 1);
      prefetch_run(v + sa, width, 1);
    }
    const size_t wo = (size_t)wAt[q], so = (size_t)sAt[q];
    adam_run(w + wo, g + wo, m + so, v + so, width, h);
  }
}

AVX2 void mtlkit_adam_span32(float *w, float *g, float *m, float *v, const mtlkit_adam_h *h, size_t i0, size_t i1) {
  if (i1 > i0) adam_run(w + i0, g + i0, m + i0, v + i0, i1 - i0, h);
}
