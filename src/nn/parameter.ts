import type { Storage } from '../tensor/backend.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { InitSpec } from './init.ts';

/** Which declared group a parameter belongs to: every task's (`'shared'`) or task t's (t). */
export type Group = 'shared' | number;

export interface ParameterOptions {
  group: Group;
  init: InitSpec;
  /**
   * Row-sparse (an embedding table, shape [rows, width]): only rows marked touched
   * (`ParameterStore.touchRow`, done by the layer's forward) ever receive a gradient, so
   * zeroing, norms and lazy optimizer updates visit only the rows a step touched.
   */
  sparse?: boolean;
  /** Whether L2 regularisation applies (weight matrices and tables: yes; biases: no). */
  decay?: boolean;
}

export function groupName(g: Group): string {
  return g === 'shared' ? 'shared' : `task${g}`;
}

/**
 * One named parameter: a view `value` into the store's flat value buffer and a view `grad`
 * into its flat gradient buffer at the same offset. Created by `ParameterStore.declare`,
 * usable after `ParameterStore.allocate`.
 */
export class Parameter {
  readonly size: number;
  readonly sparse: boolean;
  readonly decay: boolean;
  /** Element offset in the store's flat buffers (set by allocate). */
  offset = -1;
  /** Value view (length `size`). */
  value!: Storage;
  /** Gradient view: the store's flat gradient buffer at `offset` (one backward call may send
   *  the gradient elsewhere through a `GradResolver`; this view never moves). */
  grad!: Storage;
  /** The autograd leaf over `value` whose `grad` is `grad` (made by allocate). */
  leaf!: Tensor;
  /** Index among the store's sparse parameters (-1 for dense ones). */
  sparseIndex = -1;

  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly group: Group,
    readonly init: InitSpec,
    opts: { sparse: boolean; decay: boolean },
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
    this.sparse = opts.sparse;
    this.decay = opts.decay;
  }

  /** Rows of a sparse table (shape[0]). */
  get rows(): number {
    return this.shape[0] ?? 1;
  }

  /** Elements per row (size / rows). */
  get width(): number {
    return this.shape.length <= 1 ? 1 : this.size / this.rows;
  }
}
