/*
 * The benches' thread team: `team` threads (the caller's is t = 0) run work(t) together, pass
 * after pass, all released at once for each pass and the pass timed until the last is done;
 * best_pass returns the fastest pass in seconds. The helpers are started once per call, so a
 * pass measures the work, not thread creation.
 */
#ifndef MTLKIT_BENCH_TEAM_H
#define MTLKIT_BENCH_TEAM_H

#include <pthread.h>

#include "clock.h"

#define TEAM_MOST 64

static pthread_barrier_t team_start, team_done;
static void (*team_work)(int t);
static int team_passes;

static void *team_helper(void *arg) {
  const int t = (int)(long)arg;
  for (int p = 0; p < team_passes; p++) {
    pthread_barrier_wait(&team_start);
    team_work(t);
    pthread_barrier_wait(&team_done);
  }
  return NULL;
}

/* The fastest of `passes` passes of work(0 .. team - 1) on `team` threads (1 .. TEAM_MOST). */
static double best_pass(int team, int passes, void (*work)(int t)) {
  pthread_t th[TEAM_MOST];
  team_work = work;
  team_passes = passes;
  pthread_barrier_init(&team_start, NULL, (unsigned)team);
  pthread_barrier_init(&team_done, NULL, (unsigned)team);
  for (int t = 1; t < team; t++) pthread_create(&th[t], NULL, team_helper, (void *)(long)t);
  double best = 1e30;
  for (int p = 0; p < passes; p++) {
    pthread_barrier_wait(&team_start);
    const double t0 = now();
    work(0);
    pthread_barrier_wait(&team_done);
    const double d = now() - t0;
    if (d < best) best = d;
  }
  for (int t = 1; t < team; t++) pthread_join(th[t], NULL);
  pthread_barrier_destroy(&team_start);
  pthread_barrier_destroy(&team_done);
  return best;
}

#endif
