/*
 * Workers wait on a condition variable for a new generation number; the caller broadcasts,
 * does part 0 itself, then waits for the count of running parts to reach zero. A worker goes
 * back to sleep as soon as its part is done, so between calls the pool uses no CPU.
 */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#define MAX_WORKERS 63

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;

static int started;             /* workers running */
static unsigned long generation;
static int wanted;              /* workers taking part in this generation */
static mtlkit_part_fn cur_part;
static void *cur_job;
static atomic_int running;      /* parts of this generation not yet finished (workers only) */

const char *mtlkit_threads_impl(void) { return "the caller's threads in the split form, else pthreads (sleeping workers)"; }

void mtlkit_pool_lock(void) { pthread_mutex_lock(&call_lock); }
void mtlkit_pool_unlock(void) { pthread_mutex_unlock(&call_lock); }

void mtlkit_pool_relax(unsigned *spins) {
  /* On a shared machine the thread being waited for may be off its core: after a short spin,
     give the core away on each round instead of burning it. */
  if (++*spins > 2000) {
    sched_yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static void *worker(void *arg) {
  const int index = (int)(long)arg; /* 1-based: part 0 is the caller's */
  unsigned long seen = 0;
  pthread_mutex_lock(&mu);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&wake, &mu);
    seen = generation;
    if (index > wanted) continue;
    mtlkit_part_fn part = cur_part;
    void *job = cur_job;
    pthread_mutex_unlock(&mu);
    part(job, index);
    if (atomic_fetch_sub(&running, 1) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_signal(&done);
    } else {
      pthread_mutex_lock(&mu);
    }
  }
  return NULL;
}

static int ensure_workers(int n) {
  if (n > MAX_WORKERS) n = MAX_WORKERS;
  while (started < n) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, (void *)(long)(started + 1));
    pthread_attr_destroy(&attr);
    if (rc != 0) break;
    started++;
  }
  return started;
}

int mtlkit_pool_run(mtlkit_part_fn part, void *job, int threads) {
  int workers = threads - 1;
  if (workers > 0) {
    pthread_mutex_lock(&mu);
    workers = ensure_workers(workers) < workers ? started : workers;
    if (workers > 0) {
      cur_part = part;
      cur_job = job;
      wanted = workers;
      atomic_store(&running, workers);
      generation++;
      pthread_cond_broadcast(&wake);
    }
    pthread_mutex_unlock(&mu);
  }
  if (workers < 0) workers = 0;
  part(job, 0);
  if (workers > 0) {
    /* The caller has just finished its own share: the others are close behind. */
    unsigned spins = 0;
    while (spins < 4000 && atomic_load(&running) > 0) mtlkit_pool_relax(&spins);
    if (atomic_load(&running) > 0) {
      pthread_mutex_lock(&mu);
      while (atomic_load(&running) > 0) pthread_cond_wait(&done, &mu);
      pthread_mutex_unlock(&mu);
    }
  }
  return workers + 1;
}
