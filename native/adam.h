/*
 * Adam's update with the wasm kernels' arithmetic (asm/kernels.ts adam32, adamRunsChunk32,
 * adamSpan32): the same bits, faster where the rows are scattered. An embedding table's touched
 * rows sit at random places of the table and of the moments' arena: each row is a few cache
 * misses, which the wasm loop takes one after another (wasm has no prefetch). Here the rows a
 * few runs ahead are prefetched, so their misses overlap.
 */
#ifndef MTLKIT_ADAM_H
#define MTLKIT_ADAM_H

#include <stddef.h>
#include <stdint.h>

/* The step's scalars: b1, b2, c1 = 1 - b1, c2 = 1 - b2, step = lr / (1 - b1^t), r = 1 / sqrt(1 -
   b2^t), eps (nn/optim/adam.ts); zero: each g element is set to 0 once read (the optimizer's
   step({ zeroGrad: true }): the gradient's lines are in this core's cache just then, where a
   later zeroing pass fetches them again, from the other core's cache where that one ran Adam). */
typedef struct {
  double b1, b2, c1, c2, step, r, eps;
  int zero;
} mtlkit_adam_h;

/*
 * Runs q0 <= q < q1: w[wAt[q] .. + width] and g at the same offsets, m and v at sAt[q] .. +
 * width. Per element, in float64 (float32 values widened): mi = b1 m + c1 g, vi = b2 v + (c2 g) g,
 * m = (float) mi, v = (float) vi, w = (float) (w - (step mi) / (sqrt(vi) r + eps)): the js twin's
 * operations in its order, no fused multiply-add, so its bits; then g = 0 where h->zero. The
 * caller checks the offsets.
 */
void mtlkit_adam_runs32(float *w, float *g, float *m, float *v, const int32_t *wAt, const int32_t *sAt,
                        size_t width, const mtlkit_adam_h *h, size_t q0, size_t q1);

/* Elements [i0, i1) of one run whose first elements are w, g, m, v (a chunk of a dense run). */
void mtlkit_adam_span32(float *w, float *g, float *m, float *v, const mtlkit_adam_h *h, size_t i0, size_t i1);

#endif
