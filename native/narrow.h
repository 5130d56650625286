/*
 * The wasm kernel's narrow matmul (asm/kernels.ts sgemmSmall: C with n <= 4 columns, a gate's
 * Linear, G^T w) with its arithmetic, so its bits, on AVX2: it streams the operands once, as
 * the wasm kernel does, with twice the lanes per instruction.
 */
#ifndef MTLKIT_NARROW_H
#define MTLKIT_NARROW_H

#include <stddef.h>

/*
 * Rows [r0, r1) of C[m x n] = op(A)[m x k] op(B)[k x n] (+ C when acc), row-major float32 (A
 * stored k x m when ta, B stored n x k when tb). Each element as sgemmSmall forms it:
 *   A not transposed: the dot product of A's row and op(B)'s column over k, in sixteen float32
 *     lanes (element p in lane p mod 16; a multiply, then an add), for k mod 16 >= 4 the next
 *     fours into lanes 0-3, the lanes added as (0-3 + 4-7) + (8-11 + 12-15), those four left to
 *     right, then the last k mod 4 products one by one, all in float32;
 *   A transposed: the products added one by one over p in order from 0, in float32.
 * Then C = v, or C + v with acc. k = 0: C is zeroed (left as it is with acc). n must be at
 * most 4. Returns 0, or -1 when the transposed copy of a long B could not be allocated.
 */
int mtlkit_sgemm_narrow(const float *a, const float *b, float *c, size_t m, size_t k, size_t n, int ta, int tb, int acc,
                        size_t r0, size_t r1);

#endif
