/* rows.h: plain loops (the compiler vectorizes them) with the rows AHEAD ahead prefetched. */
#include "rows.h"

#include <string.h>

/* Rows prefetched ahead, and lines of each (a longer row's next lines the hardware follows). */
#define AHEAD 16
#define AHEAD_LINES 4

static inline void prefetch_row(const float *p, size_t width, int write) {
  for (size_t l = 0; l < AHEAD_LINES && l * 16 < width; l++) {
    if (write) __builtin_prefetch(p + l * 16, 1);
    else __builtin_prefetch(p + l * 16, 0);
  }
}

void mtlkit_gather_rows32(const float *src, const int32_t *at, float *out, size_t width, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    if (r + AHEAD < r1) prefetch_row(src + at[r + AHEAD], width, 0);
    memcpy(out + r * width, src + at[r], width * sizeof(float));
  }
}

void mtlkit_scatter_add_rows32(float *dst, const int32_t *at, const float *src, size_t count, size_t width, size_t lo, size_t hi) {
  for (size_t r = 0; r < count; r++) {
    if (r + AHEAD < count) {
      /* Only rows this range holds: a line another thread adds into stays in its cache. */
      const size_t ahead = (size_t)at[r + AHEAD];
      if (ahead >= lo && ahead < hi) prefetch_row(dst + ahead, width, 1);
    }
    const size_t a = (size_t)at[r];
    if (a >= hi || a + width <= lo) continue;
    const size_t c0 = a < lo ? lo - a : 0, c1 = a + width > hi ? hi - a : width;
    float *d = dst + a;
    const float *s = src + r * width;
    for (size_t c = c0; c < c1; c++) d[c] += s[c];
  }
}

size_t mtlkit_claim_slots(int32_t *slot, int32_t *order, size_t count, const int32_t *rows, size_t start, size_t stride, size_t n,
                          int32_t *out) {
  for (size_t i = 0, at = start; i < n; i++, at += stride) {
    if (i + AHEAD < n) __builtin_prefetch(slot + rows[at + AHEAD * stride], 1);
    const int32_t r = rows[at];
    int32_t s = slot[r];
    if (s == 0) {
      order[count] = r;
      s = slot[r] = (int32_t)++count;
    }
    if (out) out[i] = s - 1;
  }
  return count;
}

void mtlkit_scatter_rows32(float *dst, const int32_t *at, const float *src, size_t count, size_t width) {
  for (size_t r = 0; r < count; r++) {
    if (r + AHEAD < count) prefetch_row(dst + at[r + AHEAD], width, 1);
    memcpy(dst + at[r], src + r * width, width * sizeof(float));
  }
}
