import type { Storage } from '../tensor/backend.ts';
import type { OpNode, Tensor } from '../tensor/tensor.ts';
import { isGradEnabled, noGrad } from './mode.ts';

/**
 * Where an op's backward puts gradients for its inputs. Everything accumulates (`+=`): into a
 * leaf's `grad` (possibly a caller's view into a flat buffer), or wherever the call's
 * `GradResolver` sends that leaf, or into a per-pass buffer of a non-leaf. Inputs are numbered
 * as in the op's `inputs` list. Ops write through the sink only, never to a leaf's storage
 * directly, so the destination stays the caller's choice.
 */
export interface GradSink {
  /** Whether input i wants a gradient (skip the work when it does not). */
  needs(i: number): boolean;
  /** Add g to input i's gradient; g may have the op's broadcast output shape (summed back). */
  add(i: number, g: Tensor): void;
  /** The storage to accumulate into directly (input i's shape, row-major), e.g. for matmul. */
  buffer(i: number): Storage;
  /**
   * For an op that writes ALL of input i's gradient in one go (a matmul with accumulate off):
   * an uninitialised buffer when input i is a non-leaf that has received nothing yet this pass
   * (or a leaf whose destination the call's resolver gave unzeroed, `GradResolver.written`, not
   * yet written), else null (then accumulate into `buffer(i)`). Saves zero-filling a buffer that is about to
   * be overwritten; a caller that takes it must write every element.
   */
  freshBuffer(i: number): Storage | null;
  /**
   * The op's last write to input i's buffer (`buffer(i)` / `freshBuffer(i)`) was checked finite
   * over all `count` elements by the kernel that wrote it (`Kernels.matmulChecked`), so the
   * sweep skips its own pass over that buffer. Call it only when that check said finite; a
   * later `buffer(i)` / `freshBuffer(i)` in this backward takes it back, and a count other than
   * the buffer's length changes nothing (the sweep checks as usual).
   */
  finiteChecked(i: number, count: number): void;
  /**
   * Scatter-add rows: grad_i[idx[r], :] += src[r, :]. Touches only those rows. With `tables` > 1
   * the rows take inputs i .. i + tables - 1 in turn (row r goes to input i + r % tables): a
   * lookup of several fields per example, each field its own table (Embedding).
   */
  addRows(i: number, idx: Int32Array, src: Storage, rows: number, width: number, tables?: number): void;
}

/**
 * d(root)/d(inputs) given d(root)/d(output) = g. `g` (and any buffer from `grads`) is valid
 * only during the call: backward recycles gradient buffers, so copy what you need to keep.
 */
export type BackwardFn = (g: Tensor, grads: GradSink) => void;

/**
 * A backward that can run as one call with another node's of the same `key` (two experts'
 * layers of one shape): `prepare` takes this node's gradient buffers from its sink and returns
 * what its kernel would be given; `run` runs two prepared parts at once and settles each. The
 * pair has the bits of the two backwards one after the other (the sweep pairs only nodes whose
 * writes go to different buffers, and keeps every buffer's order of additions).
 */
export interface BackwardPair<P = unknown> {
  readonly key: string;
  readonly prepare: (g: Tensor, grads: GradSink) => P;
  readonly run: (first: P, second: P) => void;
}

export interface GradNode extends OpNode {
  readonly backward: BackwardFn;
  /** Set by ops that can run their backward paired (see BackwardPair). */
  readonly pair?: BackwardPair;
  /**
   * The sweep's scratch (backward.ts): the pass that last reached this node and its place in
   * that pass's order. Fields of the node, not a Set or Map of fresh tensors: every step's
   * graph is new, and hashing new objects is most of what walking it would cost.
   */
  mark: number;
  at: number;
}

/**
 * Attach `backward` to `out` when recording is on and some input requires a gradient; return
 * `out`. This is the one place where the graph grows; every op (and `customOp`) goes through it.
 */
export function record<P>(op: string, inputs: readonly Tensor[], out: Tensor, backward: BackwardFn, pair?: BackwardPair<P>): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  const node: GradNode = pair === undefined ? { op, inputs, backward, mark: 0, at: 0 } : { op, inputs, backward, pair: pair as BackwardPair, mark: 0, at: 0 };
  out.node = node;
  return out;
}

export interface CustomOpSpec<I extends readonly Tensor[]> {
  /** Names the op in error messages. */
  name: string;
  inputs: I;
  /** Compute the output (plain tensor code; nothing is recorded inside). */
  forward: (...inputs: I) => Tensor;
  /** Accumulate input gradients given the output gradient g. */
  backward: BackwardFn;
}

/**
 * Define a differentiable op in one place: forward and backward side by side.
 *
 *     const cube = (x: Tensor) => customOp({
 *       name: 'cube', inputs: [x] as const,
 *       forward: (x) => { const y = zerosLike(x); x.data.forEach((v, i) => (y.data[i] = v ** 3)); return y; },
 *       backward: (g, grads) => { const dx = grads.buffer(0); for (let i = 0; i < x.size; i++) dx[i] += 3 * x.data[i] ** 2 * g.data[i]; },
 *     });
 */
export function customOp<I extends readonly Tensor[]>(spec: CustomOpSpec<I>): Tensor {
  const out = noGrad(() => spec.forward(...spec.inputs));
  return record(spec.name, spec.inputs, out, spec.backward);
}
