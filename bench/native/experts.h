/* What the benches over PLE-lite's expert stacks share: their arguments and their operands. */
#ifndef MTLKIT_BENCH_EXPERTS_H
#define MTLKIT_BENCH_EXPERTS_H

#include <stdio.h>
#include <stdlib.h>

#include "sgemm.h"

/* THREADS [SECONDS] from argv: the usage line and exit 2 without THREADS, exit 1 where the CPU
   lacks AVX2 or FMA. Seeds rand() for the operands. */
static inline void experts_args(int argc, char **argv, int *threads, double *seconds) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s THREADS [SECONDS]\n", argv[0]);
    exit(2);
  }
  *threads = atoi(argv[1]);
  *seconds = argc > 2 ? atof(argv[2]) : 6.0;
  if (!mtlkit_cpu_ok()) {
    fprintf(stderr, "this CPU lacks AVX2 or FMA\n");
    exit(1);
  }
  srand(1);
}

/* n floats, uniform in [-0.5, 0.5); exits 1 when they cannot be allocated. */
static inline float *filled(size_t n) {
  float *p = malloc(n * sizeof(float));
  if (!p) exit(1);
  for (size_t i = 0; i < n; i++) p[i] = (float)rand() / RAND_MAX - 0.5f;
  return p;
}

#endif
