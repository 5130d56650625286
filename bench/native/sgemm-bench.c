/*
 * The native matmul by itself, outside Node: GFLOP/s at one shape and thread count, the best
 * and the mean of the calls made in 1.5 s, a float64 check of every seventh row, and whether
 * the result equals the one-thread result and the 6x16 AVX2 tile's result bit for bit. The
 * best call is the kernel's speed when no other process held its core; the mean is what a
 * shared machine gave. WIDE (default 1) 0 runs the 6x16 AVX2 tile only; 1 the 6x32 AVX-512
 * tile where the CPU has it (the line says which ran).
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE -Inative native/sgemm.c native/narrow.c native/pool.c bench/native/sgemm-bench.c -lm -o /tmp/sgemm-bench
 *   /tmp/sgemm-bench M K N TRANSA TRANSB THREADS [WIDE]      e.g. /tmp/sgemm-bench 2048 320 256 0 0 1 0
 */
#include "sgemm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s M K N TRANSA TRANSB THREADS [WIDE]\n", argv[0]);
    return 2;
  }
  const size_t m = strtoul(argv[1], 0, 10), k = strtoul(argv[2], 0, 10), n = strtoul(argv[3], 0, 10);
  const int ta = atoi(argv[4]), tb = atoi(argv[5]), threads = atoi(argv[6]), want_wide = argc > 7 ? atoi(argv[7]) : 1;
  if (!mtlkit_cpu_ok()) {
    fprintf(stderr, "this CPU lacks AVX2 or FMA\n");
    return 1;
  }
  float *a = malloc(m * k * 4), *b = malloc(k * n * 4), *c = malloc(m * n * 4), *one = malloc(m * n * 4), *narrow = malloc(m * n * 4);
  srand(1);
  for (size_t i = 0; i < m * k; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
  for (size_t i = 0; i < k * n; i++) b[i] = (float)rand() / RAND_MAX - 0.5f;
  mtlkit_sgemm_wide(0);
  mtlkit_sgemm(a, b, narrow, m, k, n, ta, tb, 0, NULL, 1);
  const int wide = mtlkit_sgemm_wide(want_wide != 0);
  mtlkit_sgemm(a, b, c, m, k, n, ta, tb, 0, NULL, threads);
  mtlkit_sgemm(a, b, one, m, k, n, ta, tb, 0, NULL, 1);
  double err = 0, mag = 0;
  for (size_t i = 0; i < m; i += 7) {
    for (size_t j = 0; j < n; j++) {
      double s = 0, s_abs = 0;
      for (size_t p = 0; p < k; p++) {
        const double x = (double)(ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
        s += x;
        s_abs += fabs(x);
      }
      err = fmax(err, fabs(s - c[i * n + j]));
      mag = fmax(mag, s_abs);
    }
  }
  double best = 1e30, t0 = now();
  int calls = 0;
  while (now() - t0 < 1.5) {
    const double s = now();
    mtlkit_sgemm(a, b, c, m, k, n, ta, tb, 0, NULL, threads);
    best = fmin(best, now() - s);
    calls++;
  }
  const double mean = (now() - t0) / calls, flops = 2.0 * m * n * k;
  printf("%zux%zux%zu transA=%d transB=%d threads=%d tile=%s: best %.1f GFLOP/s, mean %.1f (%d calls); max error %.1e of max sum|a b| %.1e; bits equal to 1 thread: %s, to the 6x16 tile: %s\n",
         m, k, n, ta, tb, threads, wide ? "6x32 AVX-512" : "6x16 AVX2", flops / best / 1e9, flops / mean / 1e9, calls, err, mag,
         memcmp(c, one, m * n * 4) ? "no" : "yes", memcmp(c, narrow, m * n * 4) ? "no" : "yes");
  return 0;
}
