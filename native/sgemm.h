/*
 * mtlkit's native float32 matmul: C = op(A) op(B) (+ C), row-major, for x86-64 with AVX2 + FMA.
 * The kernel functions are compiled for avx2,fma only; the rest of the module is plain x86-64,
 * so it loads anywhere and says "unavailable" where the CPU lacks the instructions.
 */
#ifndef MTLKIT_SGEMM_H
#define MTLKIT_SGEMM_H

#include <stddef.h>

/* The register tile: MR rows of C by NR columns (NR / 8 ymm registers per row). */
#define MTLKIT_MR 6
#define MTLKIT_NR 16

/* 1 when this CPU runs AVX2 and FMA (checked once). */
int mtlkit_cpu_ok(void);

/*
 * C[m x n] = op(A)[m x k] op(B)[k x n] (+ C[m x n] when acc), op = transpose when ta / tb
 * (A stored k x m, B stored n x k); then the Linear epilogue: bias (n floats, or NULL) added to
 * every row, and ReLU (v > 0 ? v : 0) when relu, the same float32 operations as a separate
 * pass. Uses up to `threads` threads including the caller. Every C element is summed in the
 * same order whatever `threads` is. With `nonfinite` (else NULL), *nonfinite is set to 1 when
 * some element of C is not finite after the call, else 0: checked on each register tile as it
 * is stored, so a gradient needs no second pass over C for the check. Returns 0, or -1 when a
 * buffer could not be allocated (C then is unchanged or partly written).
 */
int mtlkit_sgemm(const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                 int ta, int tb, int acc, const float *bias, int relu, int threads, int *nonfinite);

/*
 * The same call with the caller's own threads: begin prepares it (taking the pool lock) and
 * returns how many parts to run (0: nothing to run, C already final; -1: out of memory, no lock
 * held); part(t) for each t in 0 .. parts-1 runs concurrently on any threads (the wasm backend's
 * kernel workers: one set of threads for every kernel, so they can wait spinning without taking
 * a core from a second pool); end releases the lock once every part has returned. A part that
 * starts late finds the work done and returns. part returns -1 when no call is open or t is out
 * of range. The same bits as mtlkit_sgemm. With `check`, end returns 1 when some element of C
 * is not finite after the call, else 0 (call end also after begin returned 0 to have it).
 */
int mtlkit_sgemm_begin(const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                       int ta, int tb, int acc, const float *bias, int relu, int check, int threads);
int mtlkit_sgemm_part(int t);
int mtlkit_sgemm_end(void);

/* For info(): the blocking. */
int mtlkit_sgemm_kc(void);
int mtlkit_sgemm_mc(void);

#endif
