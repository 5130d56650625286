import type { Rng } from '../../tensor/rng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

/**
 * Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p), so
 * evaluation (training = false) is the identity. The mask comes from `rng`, so a seed fixes it.
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const scale = 1 / (1 - p);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : scale;
  const y = Tensor.empty(x.shape, x.dtype);
  for (let i = 0; i < y.size; i++) y.data[i] = x.data[i] * mask[i];
  return record('dropout', [x], y, (g, grads) => {
    const dx = grads.buffer(0);
    for (let i = 0; i < dx.length; i++) dx[i] += g.data[i] * mask[i];
  });
}
