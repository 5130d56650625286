import { concatAlong, inferShape, sliceAlong, stackAlong, transposeTo } from '../../tensor/layout.ts';
import { normAxis, splitAt } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

/** Differentiable layout ops over the plain ones in src/tensor/layout.ts. */

/** A view with a new shape (shares data; one dimension may be -1); the gradient is reshaped back. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = new Tensor(x.data, inferShape(shape, x.size));
  return record('reshape', [x], out, (g, grads) => grads.add(0, new Tensor(g.data, x.shape)));
}

/** Permute axes (default: reverse them); the gradient is permuted by the inverse. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normAxis(a, x.rank, 'transpose')) : Array.from({ length: x.rank }, (_, i) => x.rank - 1 - i);
  const out = transposeTo(x, p);
  return record('transpose', [x], out, (g, grads) => {
    const inv = new Array<number>(p.length);
    p.forEach((a, i) => (inv[a] = i));
    grads.add(0, transposeTo(g, inv));
  });
}

/** Elements start..end-1 along axis; the gradient lands in that range only. */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const out = sliceAlong(x, axis, start, end);
  const ax = normAxis(axis, x.rank, 'slice');
  return record('slice', [x], out, (g, grads) => {
    const dx = grads.buffer(0);
    const [outer, len, inner] = splitAt(x.shape, ax);
    const w = (end - start) * inner;
    for (let o = 0; o < outer; o++) {
      const to = (o * len + start) * inner, from = o * w;
      for (let j = 0; j < w; j++) dx[to + j] += g.data[from + j];
    }
  });
}

/** Join along an axis; each input gets its own slice of the gradient. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  const out = concatAlong(xs, axis);
  const ax = normAxis(axis, out.rank, 'concat');
  const [outer, total, inner] = splitAt(out.shape, ax);
  return record('concat', xs, out, (g, grads) => {
    // Each input's block of g added straight into its gradient (no sliced copy).
    let at = 0;
    xs.forEach((x, i) => {
      const w = x.shape[ax]! * inner;
      if (grads.needs(i)) {
        const dx = grads.buffer(i), gd = g.data;
        for (let o = 0; o < outer; o++) {
          const a = o * total * inner + at, b = o * w;
          for (let j = 0; j < w; j++) dx[b + j] += gd[a + j]!;
        }
      }
      at += w;
    });
  });
}

/** Join equal shapes along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  const out = stackAlong(xs, axis);
  const ax = normAxis(axis, out.rank, 'stack');
  return record('stack', xs, out, (g, grads) => {
    xs.forEach((x, i) => {
      if (grads.needs(i)) grads.add(i, new Tensor(sliceAlong(g, ax, i, i + 1).data, x.shape));
    });
  });
}
