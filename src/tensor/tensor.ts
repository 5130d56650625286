import type { DType, Storage } from './backend.ts';
import { getBackend } from './backends/registry.ts';
import { checkShape, formatShape, shapesEqual, sizeOf, stridesOf, type Shape } from './shape.ts';

/**
 * What autograd hangs on a tensor it produced. src/tensor knows only this much of the graph;
 * the engine in src/autograd owns the rest (the backward closure).
 */
export interface OpNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
}

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/**
 * An n-dimensional array: `shape`, `dtype`, and `data`, a contiguous row-major typed array of
 * exactly `size` elements. `data` may be a view (subarray) into a larger buffer, e.g. the flat
 * parameter store, or into a backend's memory; tensors never copy it behind your back.
 *
 * Gradients: a leaf with `requiresGrad` receives gradients in `grad`. You may set `grad` to a
 * tensor of your own (a view into a flat gradient buffer): backward adds into it in place and
 * never replaces it.
 */
export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  data: Storage;
  requiresGrad: boolean;
  /** The op that produced this tensor when recorded by autograd; null for leaves. */
  node: OpNode | null = null;
  /** A non-leaf that should keep its gradient in `grad` (see `retainGrad`). */
  retainsGrad = false;
  private gradTensor: Tensor | null = null;

  /** Wraps `data` as is (no copy). Prefer `Tensor.fromStorage` or the creation functions. */
  constructor(data: Storage, shape: Shape, requiresGrad = false) {
    checkShape(shape, 'Tensor');
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(
        `Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}; ` +
          `pass a subarray of exactly that length`,
      );
    }
    this.shape = Object.freeze([...shape]);
    this.size = size;
    this.data = data;
    this.dtype = data instanceof Float64Array ? 'float64' : 'float32';
    this.requiresGrad = requiresGrad;
  }

  /** A tensor over an existing typed array (or view) without copying it. */
  static fromStorage(data: Storage, shape: Shape, opts: { requiresGrad?: boolean } = {}): Tensor {
    return new Tensor(data, shape, opts.requiresGrad ?? false);
  }

  /** Zero-filled, with storage from the active backend. */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape(shape, 'Tensor.empty');
    return new Tensor(getBackend().alloc(dtype, sizeOf(shape)), shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get strides(): number[] {
    return stridesOf(this.shape);
  }

  get isLeaf(): boolean {
    return this.node === null;
  }

  /** Accumulated gradient (leaves, and non-leaves after `retainGrad()`). */
  get grad(): Tensor | null {
    return this.gradTensor;
  }

  set grad(g: Tensor | null) {
    if (g !== null && !shapesEqual(g.shape, this.shape)) {
      throw new Error(
        `Tensor.grad: gradient shape ${formatShape(g.shape)} does not match tensor shape ${formatShape(this.shape)}; ` +
          `give a gradient buffer of the same shape`,
      );
    }
    this.gradTensor = g;
  }

  /** Keep this non-leaf's gradient in `grad` on the next backward passes. Returns this. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** Zero `grad` in place (keeps the buffer, so external views stay valid). */
  zeroGrad(): void {
    this.gradTensor?.data.fill(0);
  }

  /** Same data, no graph, no requiresGrad: a constant as far as autograd is concerned. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy of the data (same dtype), with no graph. */
  clone(): Tensor {
    const t = Tensor.empty(this.shape, this.dtype);
    t.data.set(this.data);
    return t;
  }

  /** The same data in `dtype` (a copy, or this when already that dtype). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const t = Tensor.empty(this.shape, dtype);
    t.data.set(this.data);
    return t;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`Tensor.item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }

  /** Element at a full index. */
  get(...index: number[]): number {
    if (index.length !== this.rank) throw new Error(`Tensor.get: need ${this.rank} indices, got ${index.length}`);
    let off = 0;
    const st = this.strides;
    for (let i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= this.shape[i]) {
        throw new Error(`Tensor.get: index ${index[i]} out of range for axis ${i} of size ${this.shape[i]}`);
      }
      off += index[i] * st[i];
    }
    return this.data[off];
  }

  /** Nested plain arrays (a number for rank 0). */
  toArray(): NestedArray {
    const rec = (axis: number, off: number, st: number[]): NestedArray => {
      if (axis === this.rank) return this.data[off];
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[axis]; i++) out.push(rec(axis + 1, off + i * st[axis], st));
      return out;
    };
    return rec(0, 0, this.strides);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

export type NestedArray = number | NestedArray[];
