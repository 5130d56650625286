/*
 * The seven expert stacks' first layers of PLE-lite (batch 2048, 320 inputs, 256 outputs, ReLU)
 * on the native matmul, as the step runs them: forward (bias-free here, ReLU in the epilogue),
 * the weight gradient dW = x^T (g masked by y > 0) with the bias gradient's column sums, and the
 * input gradient dx += (g masked) W^T, every operand cold (64 MB read between rounds). Two ways,
 * interleaved round by round: seven calls per part, as the step makes them, or one call over the
 * seven side by side (x [W_1 .. W_7]: 1792 columns, the same flops), the "one wide matmul for the
 * readers of the embeddings" of issue 15. Prints each part's mean ms.
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE -Inative native/sgemm.c native/narrow.c native/pool.c bench/native/experts-bench.c -lm -o /tmp/experts-bench
 *   /tmp/experts-bench THREADS [SECONDS]      e.g. /tmp/experts-bench 2 6
 */
#include "sgemm.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "experts.h"

#define B 2048
#define K 320
#define N 256
#define E 7
#define FLUSH (64u << 20)

int main(int argc, char **argv) {
  int threads;
  double seconds;
  experts_args(argc, argv, &threads, &seconds);
  float *x = filled((size_t)B * K), *dx = filled((size_t)B * K), *flush = filled(FLUSH / sizeof(float));
  float *w[E], *y[E], *g[E], *dw[E], *db[E];
  for (int e = 0; e < E; e++) {
    w[e] = filled((size_t)K * N); y[e] = filled((size_t)B * N); g[e] = filled((size_t)B * N);
    dw[e] = filled((size_t)K * N); db[e] = calloc(N, sizeof(float));
  }
  float *wall = filled((size_t)K * N * E), *yall = filled((size_t)B * N * E), *gall = filled((size_t)B * N * E);
  float *dwall = filled((size_t)K * N * E), *dball = calloc((size_t)N * E, sizeof(float));
  double t[2][3] = {{0}};
  int rounds = 0;
  volatile float sink = 0;
  for (const double t0 = now(); now() - t0 < seconds; rounds++) {
    for (int wide = 0; wide < 2; wide++) {
      for (size_t i = 0; i < FLUSH / sizeof(float); i += 16) sink += flush[i];
      const double a = now();
      if (!wide) {
        for (int e = 0; e < E; e++) {
          mtlkit_sgemm_opts o = {0};
          o.relu = 1;
          mtlkit_sgemm(x, w[e], y[e], B, K, N, 0, 0, 0, &o, threads);
        }
      } else {
        mtlkit_sgemm_opts o = {0};
        o.relu = 1;
        mtlkit_sgemm(x, wall, yall, B, K, N * E, 0, 0, 0, &o, threads);
      }
      const double b = now();
      if (!wide) {
        for (int e = 0; e < E; e++) {
          mtlkit_sgemm_opts o = {0};
          o.mask_b = y[e]; o.colsum_b = db[e]; o.check = 1;
          mtlkit_sgemm(x, g[e], dw[e], K, B, N, 1, 0, 0, &o, threads);
        }
      } else {
        mtlkit_sgemm_opts o = {0};
        o.mask_b = yall; o.colsum_b = dball; o.check = 1;
        mtlkit_sgemm(x, gall, dwall, K, B, N * E, 1, 0, 0, &o, threads);
      }
      const double c = now();
      if (!wide) {
        for (int e = 0; e < E; e++) {
          mtlkit_sgemm_opts o = {0};
          o.mask_a = y[e]; o.check = 1;
          mtlkit_sgemm(g[e], w[e], dx, B, N, K, 0, 1, e > 0, &o, threads);
        }
      } else {
        mtlkit_sgemm_opts o = {0};
        o.mask_a = yall; o.check = 1;
        mtlkit_sgemm(gall, wall, dx, B, N * E, K, 0, 1, 0, &o, threads);
      }
      const double d = now();
      t[wide][0] += b - a; t[wide][1] += c - b; t[wide][2] += d - c;
    }
  }
  for (int wide = 0; wide < 2; wide++)
    printf("%d thread(s), %s: forward %.2f ms, dW %.2f ms, dx %.2f ms, all %.2f ms (mean of %d rounds)\n", threads,
           wide ? "one wide call" : "seven calls  ", t[wide][0] / rounds * 1e3, t[wide][1] / rounds * 1e3, t[wide][2] / rounds * 1e3,
           (t[wide][0] + t[wide][1] + t[wide][2]) / rounds * 1e3, rounds);
  return sink == 12345.0f;
}
