import type { DType } from './backend.ts';
import type { Rng } from './rng.ts';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.ts';
import { Tensor, type NestedArray, type TensorOptions } from './tensor.ts';

/** Creation functions. Storage always comes from the active backend (`Tensor.empty`). */

function make(shape: Shape, opts: TensorOptions): Tensor {
  const t = Tensor.empty(shape, opts.dtype ?? 'float32');
  t.requiresGrad = opts.requiresGrad ?? false;
  return t;
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return make(shape, opts);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const t = make(shape, opts);
  t.data.fill(value);
  return t;
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts });
}

export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts });
}

/** A rank-0 tensor. */
export function scalar(value: number, opts: TensorOptions = {}): Tensor {
  return full([], value, opts);
}

/** From a flat array and a shape (copied into backend storage). */
export function fromArray(values: ArrayLike<number>, shape: Shape, opts: TensorOptions = {}): Tensor {
  checkShape(shape, 'fromArray');
  if (values.length !== sizeOf(shape)) {
    throw new Error(`fromArray: ${values.length} values cannot fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
  }
  const t = make(shape, opts);
  t.data.set(values);
  return t;
}

/** From nested arrays, e.g. `tensor([[1, 2], [3, 4]])`; rows must be rectangular. */
export function tensor(values: NestedArray, opts: TensorOptions = {}): Tensor {
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]) {
    shape.push(v.length);
    if (v.length === 0) break;
  }
  const flat: number[] = [];
  const walk = (v: NestedArray, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') throw new Error(`tensor: expected a number at ${path}, found an array; rows must be rectangular`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new Error(
        `tensor: ragged nested array at ${path || 'top level'}: expected ${shape[axis]} entries` +
          ` (shape ${formatShape(shape)}); every row must have the same length`,
      );
    }
    v.forEach((x, i) => walk(x, axis + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
  return fromArray(flat, shape, opts);
}

/** 0, 1, ..., n-1. */
export function arange(n: number, opts: TensorOptions = {}): Tensor {
  const t = make([n], opts);
  for (let i = 0; i < n; i++) t.data[i] = i;
  return t;
}

export interface RandomOptions extends TensorOptions {
  mean?: number;
  std?: number;
}

/** Normal(mean, std) samples from `rng` (the same seed gives bit-identical tensors). */
export function randn(shape: Shape, rng: Rng, opts: RandomOptions = {}): Tensor {
  const t = make(shape, opts);
  const mean = opts.mean ?? 0, std = opts.std ?? 1;
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal(mean, std);
  return t;
}

/** Uniform in [low, high). */
export function rand(shape: Shape, rng: Rng, opts: TensorOptions & { low?: number; high?: number } = {}): Tensor {
  const t = make(shape, opts);
  const lo = opts.low ?? 0, hi = opts.high ?? 1;
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(lo, hi);
  return t;
}

/** Uniform integers in [low, high), stored as floats (use `.data` or Int32Array.from for ids). */
export function randint(shape: Shape, low: number, high: number, rng: Rng, opts: { dtype?: DType } = {}): Tensor {
  const t = make(shape, opts);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.int(low, high);
  return t;
}
