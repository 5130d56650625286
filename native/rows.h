/*
 * Row copies and sums at offsets (an embedding's gather and its gradient's scatter, the
 * optimizer's compact rows) with the wasm kernels' results (asm/kernels.ts gatherAt32,
 * scatterAddAt32, scatterAt32): copies are exact, and each sum is the same float32 add in the
 * same row order. The rows lie at random places of a table: here the rows a few ahead are
 * prefetched, so their cache misses overlap instead of coming one after another.
 */
#ifndef MTLKIT_ROWS_H
#define MTLKIT_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* out[r, :] = src[at[r] .. + width] for rows r0 <= r < r1 (out row-major, width columns). */
void mtlkit_gather_rows32(const float *src, const int32_t *at, float *out, size_t width, size_t r0, size_t r1);

/* dst[at[r] + c] += src[r, c] for r < count in order, the elements lo <= at[r] + c < hi only: threads
   that take disjoint ranges of dst add each element's rows in order, and share no line where the
   ranges meet on a line boundary. */
void mtlkit_scatter_add_rows32(float *dst, const int32_t *at, const float *src, size_t count, size_t width, size_t lo, size_t hi);

/* dst[at[r] .. + width] = src[r, :] for r < count in order (a repeated offset keeps its last row). */
void mtlkit_scatter_rows32(float *dst, const int32_t *at, const float *src, size_t count, size_t width);

/* For i < n, row r = rows[start + i * stride]: a row whose slot[r] is 0 is appended to order
   (order[count] = r) and gets slot[r] = ++count; with out, out[i] = slot[r] - 1. Returns the new
   count (the js twin's claimSlots; integers only, so the same result). The slot map is read at
   random places: the rows AHEAD ahead are prefetched. */
size_t mtlkit_claim_slots(int32_t *slot, int32_t *order, size_t count, const int32_t *rows, size_t start, size_t stride, size_t n,
                          int32_t *out);

#endif
