import { formatShape, shapesEqual } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (!shapesEqual(a.shape, b.shape)) {
    throw new Error(
      `${op}: predictions have shape ${formatShape(a.shape)} but targets have shape ${formatShape(b.shape)}; ` +
        `they must match (reshape the targets, e.g. [batch] vs [batch, 1])`,
    );
  }
}

/**
 * Binary cross-entropy on logits x with targets y in [0, 1], averaged over all elements:
 * mean(max(x, 0) - x y + log(1 + e^-|x|)), the form that never overflows.
 * d/dx = (sigmoid(x) - y) / N;  d/dy = -x / N.
 */
export function bceWithLogits(x: Tensor, y: Tensor): Tensor {
  sameShape('bceWithLogits', x, y);
  const n = x.size;
  // e^-|x|, which the sigmoid of the backward reads too: e^-x where x >= 0, e^x below.
  const e = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x.data[i];
    const ev = Math.exp(-Math.abs(v));
    e[i] = ev;
    s += Math.max(v, 0) - v * y.data[i] + Math.log1p(ev);
  }
  const out = Tensor.empty([], x.dtype);
  out.data[0] = n === 0 ? 0 : s / n;
  return record('bceWithLogits', [x, y], out, (g, grads) => {
    const gs = g.data[0] / n;
    if (grads.needs(0)) {
      // The logits' first gradient is written, not added to a zeroed buffer.
      const fresh = grads.freshBuffer(0), dx = fresh ?? grads.buffer(0);
      for (let i = 0; i < n; i++) {
        const v = x.data[i], ev = e[i]!;
        const sig = v >= 0 ? 1 / (1 + ev) : ev / (1 + ev);
        const d = gs * (sig - y.data[i]);
        dx[i] = fresh !== null ? d : dx[i] + d;
      }
    }
    if (grads.needs(1)) {
      const dy = grads.buffer(1);
      for (let i = 0; i < n; i++) dy[i] -= gs * x.data[i];
    }
  });
}

/** Mean squared error mean((p - t)^2); d/dp = 2 (p - t) / N = -d/dt. */
export function mse(p: Tensor, t: Tensor): Tensor {
  sameShape('mse', p, t);
  const n = p.size;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = p.data[i] - t.data[i];
    s += d * d;
  }
  const out = Tensor.empty([], p.dtype);
  out.data[0] = n === 0 ? 0 : s / n;
  return record('mse', [p, t], out, (g, grads) => {
    const c = (2 * g.data[0]) / n;
    if (grads.needs(0)) {
      const dp = grads.buffer(0);
      for (let i = 0; i < n; i++) dp[i] += c * (p.data[i] - t.data[i]);
    }
    if (grads.needs(1)) {
      const dt = grads.buffer(1);
      for (let i = 0; i < n; i++) dt[i] -= c * (p.data[i] - t.data[i]);
    }
  });
}
