/*
 * mtlkit's native float32 matmul: C = op(A) op(B) (+ C), row-major, for x86-64 with AVX2 + FMA
 * (and AVX-512F where the CPU has it). The kernel functions are compiled for those targets
 * only; the rest of the module is plain x86-64, so it loads anywhere and says "unavailable"
 * where the CPU lacks AVX2 or FMA.
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
 * Whether calls take the 6x32 AVX-512 tile over pairs of panels (the same bits as the 6x16
 * AVX2 tile, more multiply-adds per instruction). By default: when the CPU has AVX-512F and
 * MTLKIT_NATIVE_WIDE is not "0". want 1 / 0 turns it on (where the CPU has it) / off, -1 only
 * asks; returns whether it is on now. Changing it takes the call lock, so no call is running
 * meanwhile (asking does not, once the default is settled).
 */
int mtlkit_sgemm_wide(int want);

/*
 * What a call does beyond C = op(A) op(B) (+ C). All zero / NULL: nothing.
 *   bias, relu: the Linear epilogue, bias (n floats) added to every row of C, then ReLU (v > 0 ?
 *     v : 0), the same float32 operations as a separate pass.
 *   mask_a, mask_b: a ReLU layer's backward reads its gradient g through the mask of its output
 *     y: the operand is read as v * (y > 0 ? 1 : 0) (reluGradColumnSums' values), y in the
 *     operand's layout. Only for an operand that is not transposed.
 *   colsum_b: each column's sum of op(B) (as read, masked or not), over k in order from 0 in
 *     float32, added to colsum_b[j] (n floats): the bias gradient. B not transposed.
 *   check: tell whether some element of C is not finite after the call, seen on each register
 *     tile as it is stored (no second pass over C for a gradient's NaN / Inf check).
 */
typedef struct {
  const float *bias;
  int relu;
  const float *mask_a, *mask_b;
  float *colsum_b;
  int check;
} mtlkit_sgemm_opts;

/*
 * C[m x n] = op(A)[m x k] op(B)[k x n] (+ C[m x n] when acc), op = transpose when ta / tb
 * (A stored k x m, B stored n x k), with `opts` (NULL: none). Uses up to `threads` threads
 * including the caller. Every C element is summed in the same order whatever `threads` is.
 * Returns 0, 1 when opts->check found an element of C that is not finite, or -1 when a buffer
 * could not be allocated (C then is unchanged or partly written).
 */
int mtlkit_sgemm(const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                 int ta, int tb, int acc, const mtlkit_sgemm_opts *opts, int threads);

/* One call's arguments, for the calls that take two. */
typedef struct {
  const float *a, *b;
  float *c;
  size_t m, k, n;
  int ta, tb, acc;
  mtlkit_sgemm_opts opts;
} mtlkit_sgemm_call;

/*
 * Two independent calls at once (second may be NULL): each thread starts on one of them and
 * then helps with the other, so a pair too small to split still keeps two threads busy, and
 * one that is not reads less of what another thread wrote. A layer's backward is such a pair
 * (dW = x^T g and dx = g W^T). Each C gets the bits its own call gives. Returns 1 (bit 0) when
 * the first call's check found an element that is not finite, 2 (bit 1) for the second, -1
 * when a buffer could not be allocated. The calls must not write what the other reads.
 */
int mtlkit_sgemm_pair(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second, int threads);

/*
 * Two chains at once: first then first_next, and second then second_next (any may be NULL). Each
 * thread runs one chain's calls in order (thread 0 the first), then helps with the other chain,
 * so a thread's second call finds what it shares with its first (two ReLU layers' backward:
 * each layer's dW then its dx, both reading its masked output gradient) in that thread's caches,
 * and no thread waits between the two: where a call's masked A is another call's masked B (the
 * same array, mask and shape: a layer's dx and dW), a thread that has packed that B whole reads
 * the A from its packing. Any call may run while any other does, so none may write
 * what another reads. Returns bit i for the i-th call (first, second, first_next, second_next)
 * whose check found an element that is not finite, -1 when a buffer could not be allocated.
 * mtlkit_sgemm_pair is chains with no next calls.
 */
int mtlkit_sgemm_chains(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second,
                        const mtlkit_sgemm_call *first_next, const mtlkit_sgemm_call *second_next, int threads);

/*
 * The same call with the caller's own threads: begin prepares it (taking the pool lock) and
 * returns how many parts to run (0: nothing to run, C already final; -1: out of memory, no lock
 * held); part(t) for each t in 0 .. parts-1 runs concurrently on any threads (the wasm backend's
 * kernel workers: one set of threads for every kernel, so they can wait spinning without taking
 * a core from a second pool); end releases the lock once every part has returned. A part that
 * starts late finds the work done and returns. part returns -1 when no call is open or t is out
 * of range. end returns 1 when opts->check found an element of C that is not finite, else 0
 * (call it also after begin returned 0 to have that answer). The same bits as mtlkit_sgemm.
 */
int mtlkit_sgemm_begin(const float *a, const float *b, float *c, size_t m, size_t k, size_t n,
                       int ta, int tb, int acc, const mtlkit_sgemm_opts *opts, int threads);
int mtlkit_sgemm_part(int t);
int mtlkit_sgemm_end(void);

/* mtlkit_sgemm_pair's split form: begin_pair, then part and end as above (end's answer has
   mtlkit_sgemm_pair's bits). */
int mtlkit_sgemm_begin_pair(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second, int threads);
/* mtlkit_sgemm_chains' split form (end's answer has mtlkit_sgemm_chains' bits). */
int mtlkit_sgemm_begin_chains(const mtlkit_sgemm_call *first, const mtlkit_sgemm_call *second,
                              const mtlkit_sgemm_call *first_next, const mtlkit_sgemm_call *second_next, int threads);

/*
 * Stacks of Linear forwards in split form. In a stack, calls[l] reads calls[l - 1]'s C as its A
 * (a the same pointer, k its n), all m rows, none transposed or accumulating, no mask or column
 * sums on B (bias, relu, check and mask_a as any call). Each part takes blocks of rows and runs
 * each through every layer, so a layer's output rows feed the next while still in that core's
 * caches. A second stack (NULL: none) runs beside the first as chains do: each thread starts on
 * one (thread 0 the first), then helps with the other; no layer may write what a layer of the
 * other stack reads. Every C gets the bits of its own mtlkit_sgemm call (a narrow layer's: below). Returns the parts to
 * run (then part and end as above; end's answer: bit i set when the i-th layer, the first
 * stack's then the second's, had its check find an element that is not finite), -1 when a
 * buffer could not be allocated, -2 (no lock taken) when the calls are not such stacks or a
 * stack has not 1 .. MTLKIT_STACK_MAX layers. A layer of at most MTLKIT_STACK_NARROW columns (no
 * mask_a) runs the narrow kernel on each block's rows (narrow.h: sgemmSmall's bits, not the
 * mtlkit_sgemm call's), then its bias and relu with biasRelu's float32 operations: the bits of
 * the wasm backend's narrow linearForward, which takes such layers.
 */
#define MTLKIT_STACK_MAX 8
#define MTLKIT_STACK_NARROW 4
/* A narrow stack layer's k x n at most: the narrow kernel then transposes op(B) on the stack and
   allocates nothing while a part runs (a larger one is refused as a stack layer). */
#define MTLKIT_STACK_NARROW_KN 4096
/* Why calls[0 .. layers) are not such a stack (the layer at fault in *layer), or NULL. */
const char *mtlkit_sgemm_stack_fault(const mtlkit_sgemm_call *calls, int layers, int *layer);
int mtlkit_sgemm_stacks_begin(const mtlkit_sgemm_call *first, int first_layers, const mtlkit_sgemm_call *second, int second_layers,
                              int threads);

/* The blocks of rows a call of m rows is split into on `threads` threads, claimed from both
   ends (two_ended on two threads: a call alone) or from the front: their starts into out[0 ..
   units), then m into out[units]; returns units. out holds ceil(m / MTLKIT_MR) + 1. */
size_t mtlkit_sgemm_bounds(size_t m, int threads, int two_ended, size_t *out);

/* For info(): the blocking. */
int mtlkit_sgemm_kc(void);
int mtlkit_sgemm_mc(void);

#endif
