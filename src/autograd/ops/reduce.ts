import { getBackend } from '../../tensor/backends/registry.ts';
import { expandInto, sumAxes } from '../../tensor/reduce.ts';
import { normAxes, normAxis, splitAt } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

/** Reductions. Backward broadcasts the output gradient back over the reduced axes. */

function keptShape(shape: readonly number[], axes: number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Sum over `axes` (all by default); d/dx = 1 broadcast back. */
export function sum(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'sum');
  const out = sumAxes(x, ax, keepdims);
  const kept = keptShape(x.shape, ax);
  return record('sum', [x], out, (g, grads) => expandInto(g.data, kept, grads.buffer(0), x.shape));
}

/** Mean over `axes` (all by default); d/dx = 1/count broadcast back. */
export function mean(x: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, x.rank, 'mean');
  const count = ax.reduce((p, a) => p * x.shape[a], 1);
  const out = sumAxes(x, ax, keepdims);
  const inv = 1 / count;
  for (let i = 0; i < out.size; i++) out.data[i] *= inv;
  const kept = keptShape(x.shape, ax);
  return record('mean', [x], out, (g, grads) => expandInto(g.data, kept, grads.buffer(0), x.shape, inv));
}

/** Maximum along one axis; the gradient goes to the first position attaining it. */
export function max(x: Tensor, axis = -1, keepdims = false): Tensor {
  const ax = normAxis(axis, x.rank, 'max');
  const [outer, len, inner] = splitAt(x.shape, ax);
  if (len === 0) throw new Error(`max: axis ${ax} of shape [${x.shape.join(', ')}] is empty; max needs at least one element`);
  const kept = keptShape(x.shape, [ax]);
  const out = Tensor.empty(keepdims ? kept : kept.filter((_, i) => i !== ax), x.dtype);
  const argmax = new Int32Array(outer * inner);
  getBackend().maxAxis(x.data, out.data, argmax, outer, len, inner);
  return record('max', [x], out, (g, grads) => {
    const dx = grads.buffer(0);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const r = o * inner + i;
        dx[(o * len + argmax[r]) * inner + i] += g.data[r];
      }
    }
  });
}
