import type { BinaryOp } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { broadcastShapes, broadcastStrides } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';
import { asTensor, expanded, promote, unaryKernel, type TensorLike } from './util.ts';

/**
 * Broadcasting arithmetic. Each backward writes its gradient in the output's shape and hands
 * it to `grads.add`, which sums it back over the broadcast axes of that input.
 */

function forward(op: BinaryOp, name: string, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = Tensor.empty(shape, promote(a, b));
  getBackend().binary(op, a.data, broadcastStrides(a.shape, shape), b.data, broadcastStrides(b.shape, shape), out.data, shape);
  return out;
}

/** Operands of a binary op: numbers become constants of the other side's dtype. */
function pair(x: TensorLike, y: TensorLike, name: string): [Tensor, Tensor] {
  if (x instanceof Tensor) return [x, asTensor(y, x)];
  if (y instanceof Tensor) return [asTensor(x, y), y];
  throw new Error(`${name}: at least one operand must be a Tensor`);
}

/** a + b; d/da = 1, d/db = 1. */
export function add(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = pair(x, y, 'add');
  const out = forward('add', 'add', a, b);
  return record('add', [a, b], out, (g, grads) => {
    grads.add(0, g);
    grads.add(1, g);
  });
}

/** a - b; d/da = 1, d/db = -1. */
export function sub(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = pair(x, y, 'sub');
  const out = forward('sub', 'sub', a, b);
  return record('sub', [a, b], out, (g, grads) => {
    grads.add(0, g);
    if (grads.needs(1)) grads.add(1, unaryKernel('neg', g));
  });
}

/** a * b; d/da = b, d/db = a. */
export function mul(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = pair(x, y, 'mul');
  const out = forward('mul', 'mul', a, b);
  return record('mul', [a, b], out, (g, grads) => {
    if (grads.needs(0)) grads.add(0, scaled(g, expanded(b, g.shape)));
    if (grads.needs(1)) grads.add(1, scaled(g, expanded(a, g.shape)));
  });
}

/** a / b; d/da = 1/b, d/db = -a/b^2 = -out/b. */
export function div(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = pair(x, y, 'div');
  const out = forward('div', 'div', a, b);
  return record('div', [a, b], out, (g, grads) => {
    const bv = expanded(b, g.shape);
    if (grads.needs(0)) {
      const t = Tensor.empty(g.shape, g.dtype);
      for (let i = 0; i < t.size; i++) t.data[i] = g.data[i] / bv[i];
      grads.add(0, t);
    }
    if (grads.needs(1)) {
      const t = Tensor.empty(g.shape, g.dtype);
      for (let i = 0; i < t.size; i++) t.data[i] = (-g.data[i] * out.data[i]) / bv[i];
      grads.add(1, t);
    }
  });
}

/** a ^ b; d/da = b a^(b-1), d/db = a^b ln a (needs a > 0 where b requires grad). */
export function pow(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = pair(x, y, 'pow');
  const out = forward('pow', 'pow', a, b);
  return record('pow', [a, b], out, (g, grads) => {
    const av = expanded(a, g.shape), bv = expanded(b, g.shape);
    if (grads.needs(0)) {
      const t = Tensor.empty(g.shape, g.dtype);
      for (let i = 0; i < t.size; i++) t.data[i] = g.data[i] * bv[i] * Math.pow(av[i], bv[i] - 1);
      grads.add(0, t);
    }
    if (grads.needs(1)) {
      const t = Tensor.empty(g.shape, g.dtype);
      for (let i = 0; i < t.size; i++) t.data[i] = g.data[i] * out.data[i] * Math.log(av[i]);
      grads.add(1, t);
    }
  });
}

/** -a; d/da = -1. */
export function neg(a: Tensor): Tensor {
  const out = unaryKernel('neg', a);
  return record('neg', [a], out, (g, grads) => grads.add(0, unaryKernel('neg', g)));
}

/** g * v elementwise, v already laid out in g's shape. */
function scaled(g: Tensor, v: ArrayLike<number>): Tensor {
  const t = Tensor.empty(g.shape, g.dtype);
  for (let i = 0; i < t.size; i++) t.data[i] = g.data[i] * v[i];
  return t;
}
