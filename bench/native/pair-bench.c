/*
 * A ReLU layer's backward at the step's shapes, the two ways the wasm backend can run it on the
 * native matmul: dW = x^T (g * mask) with db, then dx = (g * mask) W^T, each split over every
 * thread (two calls), or both as one mtlkit_sgemm_pair (each thread starts on one and helps
 * with the other). The two ways alternate call by call; a 64 MB write between calls leaves the
 * operands out of cache as the step does (each layer reads activations written long before).
 * Prints the mean of each way and their ratio, and whether the pair gave the two calls' bits.
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE -Inative native/sgemm.c native/narrow.c native/pool.c bench/native/pair-bench.c -o /tmp/pair-bench
 *   /tmp/pair-bench THREADS ROWS IN OUT [SECONDS]      e.g. /tmp/pair-bench 2 2048 320 256
 */
#include "sgemm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

static float *randoms(size_t n, float shift) {
  float *p = malloc(n * sizeof(float));
  if (!p) exit(1);
  for (size_t i = 0; i < n; i++) p[i] = (float)rand() / RAND_MAX - shift;
  return p;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s THREADS ROWS IN OUT [SECONDS]\n", argv[0]);
    return 2;
  }
  const int threads = atoi(argv[1]);
  const size_t rows = strtoul(argv[2], 0, 10), in = strtoul(argv[3], 0, 10), out = strtoul(argv[4], 0, 10);
  const double seconds = argc > 5 ? atof(argv[5]) : 3.0;
  if (!mtlkit_cpu_ok()) {
    fprintf(stderr, "this CPU lacks AVX2 or FMA\n");
    return 1;
  }
  srand(1);
  float *x = randoms(rows * in, 0.5f), *w = randoms(in * out, 0.5f), *g = randoms(rows * out, 0.5f), *y = randoms(rows * out, 0.3f);
  float *dw[2], *dx[2], *db[2];
  for (int i = 0; i < 2; i++) {
    dw[i] = calloc(in * out, sizeof(float));
    dx[i] = calloc(rows * in, sizeof(float));
    db[i] = calloc(out, sizeof(float));
  }
  mtlkit_sgemm_call calls[2][2];
  for (int i = 0; i < 2; i++) {
    const mtlkit_sgemm_call dW = {x, g, dw[i], in, rows, out, 1, 0, 1, {.mask_b = y, .colsum_b = db[i], .check = 1}};
    const mtlkit_sgemm_call dX = {g, w, dx[i], rows, out, in, 0, 1, 0, {.mask_a = y, .check = 1}};
    calls[i][0] = dW;
    calls[i][1] = dX;
  }
  const size_t junk_bytes = (size_t)64 << 20;
  char *junk = malloc(junk_bytes);
  /* A first pair starts the pool's threads, outside the timing. */
  mtlkit_sgemm_pair(&calls[0][0], &calls[0][1], threads);
  mtlkit_sgemm_pair(&calls[1][0], &calls[1][1], threads);
  double spent[2] = {0, 0};
  int rounds = 0;
  for (const double start = now(); now() - start < seconds || rounds < 3; rounds++) {
    for (int way = 0; way < 2; way++) {
      memset(junk, rounds + way, junk_bytes);
      const double t0 = now();
      if (way == 0) {
        mtlkit_sgemm_pair(&calls[0][0], NULL, threads);
        mtlkit_sgemm_pair(&calls[0][1], NULL, threads);
      } else {
        mtlkit_sgemm_pair(&calls[1][0], &calls[1][1], threads);
      }
      spent[way] += now() - t0;
    }
  }
  /* dW and db accumulate over the rounds in the same order either way; dx is written whole. */
  const int same = !memcmp(dw[0], dw[1], in * out * sizeof(float)) && !memcmp(db[0], db[1], out * sizeof(float))
                   && !memcmp(dx[0], dx[1], rows * in * sizeof(float));
  const double two = spent[0] / rounds * 1e3, pair = spent[1] / rounds * 1e3;
  printf("%d thread(s), layer %zux%zux%zu backward: two calls %.3f ms, one pair %.3f ms, two calls / pair %.2fx (mean of %d rounds); bits equal: %s\n",
         threads, rows, in, out, two, pair, two / pair, rounds, same ? "yes" : "no");
  return same ? 0 : 1;
}
