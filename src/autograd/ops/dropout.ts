import type { DType, Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import type { Rng } from '../../tensor/rng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

/**
 * Where a dropout call keeps its mask, output and random bits. The nn `Dropout` layer passes
 * buffers it reuses every step; a plain call allocates fresh ones.
 */
export interface DropoutBuffers {
  mask(n: number, dtype: DType): Storage;
  out(n: number, dtype: DType): Storage;
  /** `words` 32-bit words (in backend memory, so the mask kernel reads them in place). */
  bits(words: number): Uint32Array;
}

const fresh: DropoutBuffers = {
  mask: (n, dtype) => getBackend().alloc(dtype, n),
  out: (n, dtype) => getBackend().alloc(dtype, n),
  bits: (words) => new Uint32Array(words),
};

/**
 * Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p), so
 * evaluation (training = false) is the identity. The one random stream of every dropout in
 * mtlkit: 16 bits per element from `rng.fillU32`, two elements per draw, element kept when its
 * bits are below round((1 - p) * 65536) (keep-probability resolution 2^-16: 1 - p = 0.8 is kept
 * with probability 52429 / 65536). One bulk draw, then one kernel for the mask and the output.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true, buffers: DropoutBuffers = fresh): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const n = x.size, keep = 1 - p, scale = 1 / keep;
  const m = buffers.mask(n, x.dtype), y = buffers.out(n, x.dtype);
  const draws = (n + 1) >> 1;
  const bits = rng.fillU32(buffers.bits(draws), draws);
  const be = getBackend();
  be.dropoutMask(bits, x.data, y, m, n, Math.round(keep * 65536), scale);
  return record('dropout', [x], new Tensor(y, x.shape), (g, grads) => {
    be.mulAdd(grads.buffer(0), g.data, m, n);
  });
}
