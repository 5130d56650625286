#include "affinity.h"

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

static cpu_set_t allowed;
static int allowed_count = -1;
static pthread_once_t allowed_once = PTHREAD_ONCE_INIT;

static void read_allowed(void) {
  CPU_ZERO(&allowed);
  allowed_count = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
}

/* The index-th CPU of the allowed set (mod its size), or -1. */
static int nth_allowed(int index) {
  pthread_once(&allowed_once, read_allowed);
  if (allowed_count <= 0 || index < 0) return -1;
  int want = index % allowed_count;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &allowed) && want-- == 0) return c;
  return -1;
}

static int pin_tid(pid_t tid, int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return sched_setaffinity(tid, sizeof one, &one);
}

int mtlkit_allowed_cpus(void) {
  pthread_once(&allowed_once, read_allowed);
  return allowed_count > 0 ? allowed_count : 0;
}

int mtlkit_pin_self(int index) {
  const int cpu = nth_allowed(index);
  return cpu >= 0 && pin_tid(0, cpu) == 0 ? cpu : -1;
}

/* The pinned posting thread (0: none); the thread whose own set poster_own holds, read once,
   the first time it pinned (a kernel thread giving the set back may still be on its way then). */
static atomic_int poster_tid;
static pid_t saved_tid;
static cpu_set_t poster_own;

/* A child process forked from a pinned posting thread (Node's spawn) gets that thread's own
   set back before it runs anything: it must not inherit the pin. */
static void child_unpinned(void) {
  if (atomic_load(&poster_tid) != 0) sched_setaffinity(0, sizeof poster_own, &poster_own);
}
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static void register_atfork(void) { pthread_atfork(NULL, NULL, child_unpinned); }

int mtlkit_pin_poster(int index) {
  const int cpu = nth_allowed(index);
  if (cpu < 0) return -1;
  pthread_once(&atfork_once, register_atfork);
  const pid_t tid = (pid_t)syscall(SYS_gettid);
  if (saved_tid != tid) {
    if (atomic_load(&poster_tid) != 0 || sched_getaffinity(0, sizeof poster_own, &poster_own) != 0) return -1;
    saved_tid = tid;
  }
  if (pin_tid(0, cpu) != 0) return -1;
  atomic_store(&poster_tid, tid);
  return cpu;
}

int mtlkit_unpin_poster(void) {
  const pid_t tid = (pid_t)atomic_exchange(&poster_tid, 0);
  if (tid == 0) return -1;
  return sched_setaffinity(tid, sizeof poster_own, &poster_own) == 0 ? 0 : -1;
}

#else

int mtlkit_allowed_cpus(void) { return 0; }
int mtlkit_pin_self(int index) { (void)index; return -1; }
int mtlkit_pin_poster(int index) { (void)index; return -1; }
int mtlkit_unpin_poster(void) { return -1; }

#endif
