/*
 * The cores' ceiling for float32 multiply-adds, on one thread and on several: what no matmul
 * here can beat, so `bench matmul`'s and chain-bench's GFLOP/s read as a share of it. Each
 * thread runs twelve independent chains of fused multiply-adds (as many as the matmul's
 * register tile keeps, so the FMA latency is hidden the same way), at each vector width the CPU
 * has: AVX2's 8 lanes always, AVX-512's 16 where present. The threads are started once and
 * released together for each pass; the best of the passes is printed.
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE bench/native/fma-peak.c -o /tmp/fma-peak
 *   /tmp/fma-peak [THREADS] [THOUSANDS]      e.g. /tmp/fma-peak 2   (1 .. THREADS threads, default 2;
 *                                            THOUSANDS of 12-FMA steps a pass, default 1000)
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

#include "team.h"

#define PASSES 20
#define CHAINS 12

static long steps;
static int wide;
static volatile float sink;

/* CHAINS accumulators, each a = a * m + c; m and c come from memory so nothing folds. */
#define CHAIN_LOOP(V, X, LANES)                                      \
  V a[CHAINS];                                                       \
  const V m = X(set1_ps)(mc[0]), c = X(set1_ps)(mc[1]);              \
  for (int j = 0; j < CHAINS; j++) a[j] = X(set1_ps)((float)j);      \
  for (long i = 0; i < steps; i++) {                                 \
    _Pragma("GCC unroll 12") for (int j = 0; j < CHAINS; j++) a[j] = X(fmadd_ps)(a[j], m, c); \
  }                                                                  \
  float out[LANES];                                                  \
  V s = a[0];                                                        \
  for (int j = 1; j < CHAINS; j++) s = X(add_ps)(s, a[j]);           \
  X(storeu_ps)(out, s);                                              \
  sink = out[0];

#define X256(op) _mm256_##op
#define X512(op) _mm512_##op

static volatile float mc[2] = {0.999999f, 1e-7f};

__attribute__((target("avx2,fma"))) static void run_ymm(void) { CHAIN_LOOP(__m256, X256, 8) }
__attribute__((target("avx512f,fma"))) static void run_zmm(void) { CHAIN_LOOP(__m512, X512, 16) }

static void run(int t) {
  (void)t;
  if (wide) run_zmm();
  else run_ymm();
}

int main(int argc, char **argv) {
  const int most = argc > 1 ? atoi(argv[1]) : 2;
  const long thousands = argc > 2 ? atol(argv[2]) : 1000;
  if (most < 1 || most > TEAM_MOST || thousands < 1) {
    fprintf(stderr, "usage: %s [THREADS in 1 .. %d] [THOUSANDS >= 1]\n", argv[0], TEAM_MOST);
    return 2;
  }
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    fprintf(stderr, "this CPU lacks AVX2 or FMA\n");
    return 1;
  }
  steps = thousands * 1000;
  const int widths = __builtin_cpu_supports("avx512f") ? 2 : 1;
  for (wide = 0; wide < widths; wide++) {
    const int lanes = wide ? 16 : 8;
    for (int team = 1; team <= most; team++) {
      const double best = best_pass(team, PASSES, run);
      const double flops = 2.0 * lanes * CHAINS * (double)steps * team;
      printf("%s, %d thread(s): %.1f GFLOP/s (best of %d passes, %.1f us)\n", wide ? "AVX-512 (16 lanes)" : "AVX2 (8 lanes)", team,
             flops / best / 1e9, PASSES, best * 1e6);
    }
  }
  return 0;
}
