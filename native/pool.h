/*
 * A small persistent pthread pool for the native kernels. Idle workers sleep on a condition
 * variable (no spinning between calls: the wasm worker pool and the main thread run other
 * kernels between matmuls on the same cores).
 */
#ifndef MTLKIT_POOL_H
#define MTLKIT_POOL_H

typedef void (*mtlkit_part_fn)(void *job, int thread);

/* One call at a time per process (two JS threads may load the addon). */
void mtlkit_pool_lock(void);
void mtlkit_pool_unlock(void);

/*
 * Runs part(job, t) for t = 0 .. threads-1, t = 0 on the calling thread, and returns when all
 * have returned. Starts workers on first need; if one cannot start, fewer threads run (the parts
 * take their work from shared counters, so any count is correct). Returns the threads used.
 * Call with the pool lock held.
 */
int mtlkit_pool_run(mtlkit_part_fn part, void *job, int threads);

/* What runs the threads, for info(). */
const char *mtlkit_threads_impl(void);

/* One round of a wait loop inside a running call (`spins` counts the rounds, from 0). */
void mtlkit_pool_relax(unsigned *spins);

#endif
