/*
 * What a second core pays for data the first one wrote: a buffer is written by a thread on CPU
 * A, then summed (AVX2) by a thread on CPU A again, by one on CPU B, and, for reference, by the
 * one on CPU B after both have read 256 MB of other memory (the buffer then comes from DRAM). A
 * and B are the first two CPUs this process may run on.
 * Where the two CPUs share a last-level cache the second figure is near the first; where they
 * do not (separate L3s, as on a VM whose vCPUs sit on different core complexes) it is near the
 * third. A step's kernels on two threads read what the other thread wrote at the second rate.
 * Prints GB/s of the buffer, the mean over 30 rounds.
 *
 *   cc -O3 -pthread -std=c11 -D_GNU_SOURCE bench/native/cross-core.c -o /tmp/cross-core
 *   /tmp/cross-core KB      e.g. /tmp/cross-core 1024
 */
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define ROUNDS 30
#define FLUSH_FLOATS ((size_t)64 << 20)

static float *buf, *flush;
static int cpu_a, cpu_b;
static size_t count;
static volatile float sink;

static __attribute__((target("avx2"))) float sum(const float *p, size_t n) {
  __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
  for (size_t i = 0; i + 16 <= n; i += 16) {
    a = _mm256_add_ps(a, _mm256_load_ps(p + i));
    b = _mm256_add_ps(b, _mm256_load_ps(p + i + 8));
  }
  float t[8];
  _mm256_storeu_ps(t, _mm256_add_ps(a, b));
  return t[0] + t[7];
}

enum { WRITE, READ, FLUSH };
typedef struct {
  int cpu, what;
  double seconds;
} task_t;

static void *run(void *arg) {
  task_t *t = arg;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(t->cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    fprintf(stderr, "cannot run a thread on CPU %d\n", t->cpu);
    exit(1);
  }
  if (t->what == WRITE) {
    for (size_t i = 0; i < count; i++) buf[i] = (float)(i & 7);
  } else if (t->what == FLUSH) {
    sink += sum(flush, FLUSH_FLOATS);
  } else {
    const double s = now();
    sink += sum(buf, count);
    t->seconds = now() - s;
  }
  return NULL;
}

/* One task on a fresh thread on `cpu`; returns its read time. */
static double on(int cpu, int what) {
  pthread_t th;
  task_t t = {cpu, what, 0};
  if (pthread_create(&th, NULL, run, &t) != 0) exit(1);
  pthread_join(th, NULL);
  return t.seconds;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s KB\n", argv[0]);
    return 2;
  }
  const size_t kb = strtoul(argv[1], NULL, 10);
  count = kb * 256;
  buf = aligned_alloc(64, (count * sizeof(float) + 63) & ~(size_t)63);
  flush = aligned_alloc(64, FLUSH_FLOATS * sizeof(float));
  if (!buf || !flush || count < 16) return 1;
  memset(flush, 0, FLUSH_FLOATS * sizeof(float));
  cpu_set_t allowed;
  int found = 0;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 1;
  for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
    if (CPU_ISSET(c, &allowed)) *(found++ == 0 ? &cpu_a : &cpu_b) = c;
  if (found < 2) {
    fprintf(stderr, "this process may run on one CPU only\n");
    return 2;
  }
  double same = 0, other = 0, dram = 0;
  for (int r = 0; r < ROUNDS; r++) {
    on(cpu_a, WRITE);
    same += on(cpu_a, READ);
    on(cpu_a, WRITE);
    other += on(cpu_b, READ);
    on(cpu_a, WRITE);
    on(cpu_a, FLUSH);
    on(cpu_b, FLUSH);
    dram += on(cpu_b, READ);
  }
  const double bytes = (double)count * sizeof(float) * ROUNDS;
  printf("%zu KB written on CPU %d: read on CPU %d %.1f GB/s, on CPU %d %.1f GB/s, on CPU %d after a 256 MB flush %.1f GB/s\n", kb,
         cpu_a, cpu_a, bytes / same / 1e9, cpu_b, bytes / other / 1e9, cpu_b, bytes / dram / 1e9);
  return 0;
}
