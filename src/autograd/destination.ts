import type { Storage } from '../tensor/backend.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Where a row table's gradient rows go: row r of the table accumulates at
 * buf[base + s * width ..], where s = slots[r] - 1 (a slot map: 0 means the row has no slot,
 * which is an error) or s = r when `slots` is null.
 */
export interface RowDestination {
  readonly buf: Storage;
  readonly base: number;
  readonly slots: Int32Array | null;
  /**
   * The slot map's version, changed by every change to `slots` (RowSet.version). Given, the
   * sweep keeps the row offsets it computed for an op's input and reuses them while the
   * versions hold: param mode's T backwards of one forward scatter the same rows T times.
   */
  readonly version?: number;
}

/**
 * Where the gradients of leaves land in ONE backward call (`backward(root, upstream, { into })`).
 * The sink asks it for each leaf an op writes to; null means the leaf's default: its own `grad`
 * (for row scatters, the window `setGradWindow` declared). Nothing is switched globally: another
 * call without a resolver writes to the defaults.
 */
export interface GradResolver {
  /**
   * Storage of the leaf's size (row-major) that receives its gradient, or null. Two leaves'
   * destinations must not overlap: the sweep tells gradient buffers apart by their tensor (it
   * keeps each one's order of additions, and may write two at once: BackwardOptions.pairs).
   */
  dense(leaf: Tensor): Storage | null;
  /** Where a row table leaf's rows go (`GradSink.addRows`), or null; not overlapping another leaf's either. */
  rows(leaf: Tensor): RowDestination | null;
  /**
   * Given when the `dense` destinations are NOT zeroed beforehand: the sweep then writes each
   * such leaf's first gradient whole (an op's `freshBuffer`) or zeroes the destination before
   * the first addition, and adds the leaf here. A destination whose leaf is not in the set
   * afterwards received nothing and still holds whatever it held: the caller zeroes it.
   */
  written?: Set<Tensor>;
}

const windows = new WeakMap<Tensor, RowDestination>();

/**
 * Declares that `leaf.grad` is the window buf[base, base + leaf.size): row scatters into several
 * such leaves over one buffer (an embedding's per-field tables in a parameter store) then run as
 * one kernel call. Set once, when the leaf is made; `leaf.grad` must stay that view.
 */
export function setGradWindow(leaf: Tensor, buf: Storage, base: number): void {
  windows.set(leaf, { buf, base, slots: null });
}

export function gradWindow(leaf: Tensor): RowDestination | undefined {
  return windows.get(leaf);
}
