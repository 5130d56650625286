import { formatShape, normAxis, shapesEqual, splitAt } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

/**
 * softmax and log-softmax along one axis, viewed as [outer, len, inner]. Both subtract the
 * maximum first so exp never overflows.
 */

function logSoftmaxInto(x: Tensor, ax: number, out: Tensor): void {
  const [outer, len, inner] = splitAt(x.shape, ax);
  const xd = x.data, od = out.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let l = 0; l < len; l++) m = Math.max(m, xd[base + l * inner]);
      let s = 0;
      for (let l = 0; l < len; l++) s += Math.exp(xd[base + l * inner] - m);
      const lse = m + Math.log(s);
      for (let l = 0; l < len; l++) od[base + l * inner] = xd[base + l * inner] - lse;
    }
  }
}

/**
 * softmax's values of x along axis, in a new tensor and with no graph: for work run ahead of
 * the op's record (a gate's softmax beside the experts' kernels; softmax(x, axis, y) records it).
 */
export function softmaxValues(x: Tensor, axis = -1): Tensor {
  const ax = normAxis(axis, x.rank, 'softmax');
  const y = Tensor.empty(x.shape, x.dtype);
  logSoftmaxInto(x, ax, y);
  for (let i = 0; i < y.size; i++) y.data[i] = Math.exp(y.data[i]);
  return y;
}

/**
 * y = e^x / sum e^x along axis; dx = y (g - sum(g y)). `computed`: softmaxValues(x, axis) ran
 * already and gave it (x unchanged since), so only the op is recorded.
 */
export function softmax(x: Tensor, axis = -1, computed?: Tensor): Tensor {
  const ax = normAxis(axis, x.rank, 'softmax');
  if (computed !== undefined && (computed.dtype !== x.dtype || !shapesEqual(computed.shape, x.shape))) {
    throw new Error(`softmax: the values computed ahead are ${formatShape(computed.shape)} ${computed.dtype}, x is ${formatShape(x.shape)} ${x.dtype}`);
  }
  const y = computed ?? softmaxValues(x, ax);
  return record('softmax', [x], y, (g, grads) => {
    const [outer, len, inner] = splitAt(x.shape, ax);
    // x's first gradient is written, not added to a zeroed buffer.
    const fresh = grads.freshBuffer(0), dx = fresh ?? grads.buffer(0), gd = g.data, yd = y.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let s = 0;
        for (let l = 0; l < len; l++) s += gd[base + l * inner] * yd[base + l * inner];
        for (let l = 0; l < len; l++) {
          const k = base + l * inner;
          const d = yd[k] * (gd[k] - s);
          dx[k] = fresh !== null ? d : dx[k] + d;
        }
      }
    }
  });
}

/** y = x - log sum e^x along axis; dx = g - softmax(x) sum(g). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const ax = normAxis(axis, x.rank, 'logSoftmax');
  const y = Tensor.empty(x.shape, x.dtype);
  logSoftmaxInto(x, ax, y);
  return record('logSoftmax', [x], y, (g, grads) => {
    const [outer, len, inner] = splitAt(x.shape, ax);
    const dx = grads.buffer(0), gd = g.data, yd = y.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let s = 0;
        for (let l = 0; l < len; l++) s += gd[base + l * inner];
        for (let l = 0; l < len; l++) {
          const k = base + l * inner;
          dx[k] += gd[k] - Math.exp(yd[k]) * s;
        }
      }
    }
  });
}
