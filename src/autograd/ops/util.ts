import type { DType, Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { expandInto } from '../../tensor/reduce.ts';
import { shapesEqual, type Shape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';

/** Shared helpers of the op files: operand coercion and broadcast materialisation. */

export type TensorLike = Tensor | number;

export function promote(a: Tensor, b: Tensor): DType {
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

/** Numbers become constant rank-0 tensors of the other operand's dtype. */
export function asTensor(x: TensorLike, like: Tensor): Tensor {
  if (x instanceof Tensor) return x;
  const t = Tensor.empty([], like.dtype);
  t.data[0] = x;
  return t;
}

/** `t`'s values laid out over `shape` (t.data itself when no broadcasting is needed). */
export function expanded(t: Tensor, shape: Shape): Storage {
  if (shapesEqual(t.shape, shape)) return t.data;
  const out = Tensor.empty(shape, t.dtype);
  expandInto(t.data, t.shape, out.data, shape);
  return out.data;
}

/** A fresh tensor of `shape` holding f applied by the backend's unary kernel. */
export function unaryKernel(op: Parameters<ReturnType<typeof getBackend>['unary']>[0], x: Tensor): Tensor {
  const y = Tensor.empty(x.shape, x.dtype);
  getBackend().unary(op, x.data, y.data, x.size);
  return y;
}
