/* The benches' clock: seconds on the monotonic clock, as a double. */
#ifndef MTLKIT_BENCH_CLOCK_H
#define MTLKIT_BENCH_CLOCK_H

#include <time.h>

static inline double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#endif
