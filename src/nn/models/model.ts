import type { Tensor } from '../../tensor/tensor.ts';
import type { ParameterStore } from '../store.ts';

/**
 * What a model reads from a batch: `cat` [size x fields] categorical ids (0 = unknown), and
 * optional `dense` [size x denseWidth]. A data `Batch` fits as is.
 */
export interface ModelBatch {
  size: number;
  cat: Int32Array;
  dense?: Float32Array;
}

export interface RunOptions {
  /** Training mode: dropout on (default false: evaluation). */
  train?: boolean;
  /**
   * bottomSegments, then headSegments for every task on those segments, with no update between
   * (rep mode's step): a model may run the heads' experts that read the bottom's input with the
   * bottom's own, two stacks at a time. Pass it to both calls.
   */
  expertsAhead?: boolean;
}

/** A named column range of the shared representation. */
export interface RepSegment {
  name: string;
  offset: number;
  width: number;
}

/**
 * A multi-task model over a ParameterStore whose groups it declared ('shared' and one per
 * task). Two equivalent ways to run it:
 *
 *   forward(batch)            -> T logit tensors [batch]
 *   head(t, bottom(batch))    -> the same logits, through the shared representation
 *
 * `bottom` computes everything that depends on shared parameters only, and returns it as ONE
 * tensor `rep` [batch, repWidth] (columns described by `repLayout`); `head(t, rep)` computes
 * task t's logits from rep using task t's parameters only. So a backward from head t's loss
 * into a detached copy of rep gives task t's representation gradient (rep mode), and one
 * backward(rep, combined) sends the balanced gradient through the shared bottom.
 * (`bottomSegments` / `headSegments` are the same cut, unconcatenated.)
 */
export interface MultiTaskModel {
  readonly store: ParameterStore;
  readonly tasks: number;
  readonly repWidth: number;
  readonly repLayout: readonly RepSegment[];
  forward(batch: ModelBatch, opts?: RunOptions): Tensor[];
  bottom(batch: ModelBatch, opts?: RunOptions): Tensor;
  head(t: number, rep: Tensor, opts?: RunOptions): Tensor;
  /**
   * Optional, for rep mode without copies: the representation as its `repLayout` segments,
   * each its own [batch, width] tensor (what `bottom` would concatenate), and the head over
   * them. `headSegments(t, bottomSegments(b))` equals `head(t, bottom(b))`. A head then reads
   * its segments in place, and each segment's gradient lands in a contiguous block.
   */
  bottomSegments?(batch: ModelBatch, opts?: RunOptions): Tensor[];
  headSegments?(t: number, segments: readonly Tensor[], opts?: RunOptions): Tensor;
  /** Dropout on / off for subsequent calls (forward's `train` option sets it per call). */
  train(on?: boolean): unknown;
}
