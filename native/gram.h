/*
 * The Gram matrix of T float32 rows over a range of columns, with the wasm kernel's
 * arithmetic (asm/kernels.ts gramRange, float32 rows): the same bits, faster. The balancers'
 * numbers in rep and param mode come from these sums, so a run gives the same results with or
 * without the addon.
 */
#ifndef MTLKIT_GRAM_H
#define MTLKIT_GRAM_H

#include <stddef.h>

/*
 * out[i * t + j] (t x t float64) = sum over columns c0 <= c < c1 of g[i, c] g[j, c], g t x d
 * row-major float32: columns in chunks of 16384 from c0; within a chunk each row pair in blocks
 * of 1024, a block's products (float32 multiply, then float32 add) kept in eight lanes (the
 * elements' index mod 8), lanes 0-3 and 4-7 added in float32, those four sums added in float64
 * in lane order, a block's last len mod 8 products added to that in float64; blocks, then
 * chunks added in float64 from 0. The lower triangle is copied from the upper. Needs AVX2.
 */
void mtlkit_gram32_range(const float *g, double *out, size_t t, size_t d, size_t c0, size_t c1);

#endif
