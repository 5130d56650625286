import type { DType, Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { InitSpec } from './init.ts';
import type { Group, Parameter, ParameterOptions } from './parameter.ts';
import type { ParameterStore } from './store.ts';

/**
 * A layer or model: explicit parameters (declared in the constructor into the store, under
 * `<name>.<suffix>`), explicit children, and a train / eval mode (dropout on / off).
 */
export abstract class Module {
  training = true;
  private readonly ownParams: Parameter[] = [];
  private readonly kids: Module[] = [];

  constructor(readonly store: ParameterStore, readonly name: string) {}

  protected param(suffix: string, shape: readonly number[], opts: ParameterOptions): Parameter {
    const p = this.store.declare(`${this.name}.${suffix}`, shape, opts);
    this.ownParams.push(p);
    return p;
  }

  protected child<M extends Module>(m: M): M {
    this.kids.push(m);
    return m;
  }

  children(): readonly Module[] {
    return this.kids;
  }

  /** This module's parameters and its children's, in declaration order. */
  parameters(): Parameter[] {
    return [...this.ownParams, ...this.kids.flatMap((k) => k.parameters())];
  }

  train(on = true): this {
    this.training = on;
    for (const k of this.kids) k.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  get dtype(): DType {
    return this.store.dtype;
  }
}

export interface LayerOptions {
  group: Group;
  init?: InitSpec;
}

/**
 * The autograd leaf of a parameter: a tensor over its value view whose `grad` is its gradient
 * view in the store (backward accumulates straight into the flat buffer unless a call's
 * resolver sends it elsewhere). Needs an allocated store.
 */
export function paramTensor(p: Parameter): Tensor {
  if (p.offset < 0) throw new Error(`paramTensor('${p.name}'): allocate the ParameterStore before the first forward`);
  return p.leaf;
}

/**
 * A reusable buffer: a layer's output or scratch storage, reallocated only when the size or
 * dtype changes. Tensors a forward returns live in these: they stay valid until the same
 * model's next forward (a training step reuses them instead of allocating).
 */
export class Scratch {
  private buf: Storage | null = null;

  get(n: number, dtype: DType): Storage {
    const b = this.buf;
    if (b !== null && b.length === n && (b instanceof Float64Array) === (dtype === 'float64')) return b;
    // From the active backend, so a wasm kernel reads it in place instead of copying it in.
    this.buf = getBackend().alloc(dtype, n);
    return this.buf;
  }

  /** Same as get, zero-filled. */
  zeros(n: number, dtype: DType): Storage {
    const b = this.get(n, dtype);
    b.fill(0);
    return b;
  }
}
