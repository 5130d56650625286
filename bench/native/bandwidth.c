/*
 * How fast this machine's cores read memory, on one thread and on several: the ceiling of the
 * step's memory-bound kernels (the matmul's packing, Adam's table rows, gather / scatter), which
 * a second thread shortens only where the memory system gives it bandwidth of its own. Each
 * thread sums its share of one array (16 floats a step, AVX2), the threads started once and
 * released together for each pass; the best of 40 passes is printed, as GB/s of the array.
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE bench/native/bandwidth.c -o /tmp/bandwidth
 *   /tmp/bandwidth MB [THREADS]      e.g. /tmp/bandwidth 64 2   (1 .. THREADS threads, default 2)
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

#include "team.h"

#define PASSES 40

static float *data;
static size_t count;
static int team;
static volatile float sink;

__attribute__((target("avx2"))) static void sum_share(int t) {
  const size_t lo = count * t / team / 16 * 16, hi = t + 1 == team ? count : count * (t + 1) / team / 16 * 16;
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (size_t i = lo; i < hi; i += 16) {
    s0 = _mm256_add_ps(s0, _mm256_load_ps(data + i));
    s1 = _mm256_add_ps(s1, _mm256_load_ps(data + i + 8));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(s0, s1));
  sink = out[0];
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MB [THREADS]\n", argv[0]);
    return 2;
  }
  const size_t mb = strtoul(argv[1], 0, 10);
  const int most = argc > 2 ? atoi(argv[2]) : 2;
  count = mb * 1024 * 1024 / sizeof(float) / 16 * 16;
  if (count == 0 || most < 1 || most > TEAM_MOST) {
    fprintf(stderr, "MB must be >= 1 and THREADS in 1 .. %d\n", TEAM_MOST);
    return 2;
  }
  data = aligned_alloc(64, count * sizeof(float));
  if (!data) return 1;
  for (size_t i = 0; i < count; i++) data[i] = 1.0f;
  for (team = 1; team <= most; team++) {
    const double best = best_pass(team, PASSES, sum_share);
    printf("%zu MB, %d thread(s): %.1f GB/s (best of %d passes, %.1f us)\n", mb, team, count * sizeof(float) / best / 1e9, PASSES, best * 1e6);
  }
  return 0;
}
