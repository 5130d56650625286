/**
 * Mini-batches over a Dataset: seeded shuffling each epoch into preallocated buffers.
 *
 * - Buffers: one Batch object (and its typed arrays) of `batchSize` rows is allocated up front
 *   and refilled for every batch; when the epoch ends with a partial batch, a second Batch of
 *   subarray views onto the same buffers (allocated once, at construction) is used for it.
 *   No allocation per batch. A yielded Batch is valid until the next one is requested.
 * - Shuffling: epoch e's order is a Fisher-Yates shuffle of 0..R-1 drawn from the batcher's
 *   Rng, `new Rng(seed).fork('batcher')`, starting from the identity each epoch, so the order
 *   of an epoch depends only on the Rng state at the epoch's start.
 * - Last partial batch (R not a multiple of batchSize): `lastBatch: 'keep'` (default, as in
 *   the GradCraft code's data loader) yields it as a smaller batch, so every row is seen each
 *   epoch; `'drop'` skips it (different rows each epoch, since the order is reshuffled).
 * - Evaluation: `shuffle: false` iterates rows in order; `sequentialBatches` is the shorthand.
 * - Resume: `state()` returns {epoch, position, rng at the epoch's start}; a new Batcher over
 *   the same dataset and options given `setState(s)` yields exactly the batches the old one
 *   would have yielded next.
 */
import { Rng } from '../tensor/rng.ts';
import type { Batch, Dataset } from './types.ts';

export type LastBatchRule = 'keep' | 'drop';

export interface BatcherOptions {
  batchSize: number;
  seed?: number;
  /** Default true. */
  shuffle?: boolean;
  /** Default 'keep'. */
  lastBatch?: LastBatchRule;
}

export interface BatcherState {
  /** The current epoch, 0-based. */
  epoch: number;
  /** Offset in the epoch's order of the next row to yield. */
  position: number;
  /** The Rng state at the start of the current epoch (before its shuffle). */
  rng: number[];
  /** Recorded to refuse a state from a different setup. */
  rows: number;
  batchSize: number;
  shuffle: boolean;
  lastBatch: LastBatchRule;
}

export class Batcher {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly lastBatch: LastBatchRule;
  private readonly rng: Rng;
  private readonly order: Int32Array;
  private epochStart: number[];
  private epochNo = 0;
  private position = 0;
  private readonly full: Batch;
  private readonly partial: Batch | null;

  constructor(readonly dataset: Dataset, opts: BatcherOptions) {
    const B = opts.batchSize;
    if (!(Number.isInteger(B) && B >= 1)) throw new Error(`Batcher: batchSize must be a positive integer, got ${B}`);
    this.batchSize = B;
    this.shuffle = opts.shuffle ?? true;
    this.lastBatch = opts.lastBatch ?? 'keep';
    this.rng = new Rng(opts.seed ?? 5277).fork('batcher');
    this.order = new Int32Array(dataset.rows);
    const F = dataset.fields.length, D = dataset.denseNames.length, T = dataset.taskNames.length;
    this.full = {
      size: B,
      cat: new Int32Array(B * F),
      dense: new Float32Array(B * D),
      labels: new Float32Array(B * T),
      users: dataset.users ? new Int32Array(B) : null,
      index: new Int32Array(B),
    };
    const rest = dataset.rows % B;
    const f = this.full;
    this.partial =
      rest > 0 && this.lastBatch === 'keep'
        ? {
            size: rest,
            cat: f.cat.subarray(0, rest * F),
            dense: f.dense.subarray(0, rest * D),
            labels: f.labels.subarray(0, rest * T),
            users: f.users ? f.users.subarray(0, rest) : null,
            index: f.index.subarray(0, rest),
          }
        : null;
    this.epochStart = this.rng.getState();
    this.prepareEpoch();
  }

  /** Batches per epoch under the last-batch rule. */
  get batchesPerEpoch(): number {
    const R = this.dataset.rows, B = this.batchSize;
    return this.lastBatch === 'keep' ? Math.ceil(R / B) : Math.floor(R / B);
  }

  get epoch(): number {
    return this.epochNo;
  }

  /** Rows yielded per epoch. */
  private get epochEnd(): number {
    const R = this.dataset.rows;
    return this.lastBatch === 'keep' ? R : R - (R % this.batchSize);
  }

  /**
   * The next batch of the current epoch, or null when the epoch is over; after null the
   * batcher has moved on to the next epoch (reshuffled), so the next call starts it.
   */
  next(): Batch | null {
    if (this.position >= this.epochEnd) {
      this.epochNo++;
      this.position = 0;
      this.epochStart = this.rng.getState();
      this.prepareEpoch();
      return null;
    }
    const n = Math.min(this.batchSize, this.epochEnd - this.position);
    const b = n === this.batchSize ? this.full : this.partial!;
    this.fill(b, this.position, n);
    this.position += n;
    return b;
  }

  /** Iterates the rest of the current epoch (all of it if at its start). */
  *epochBatches(): Generator<Batch, void, void> {
    for (let b = this.next(); b !== null; b = this.next()) yield b;
  }

  state(): BatcherState {
    return {
      epoch: this.epochNo,
      position: this.position,
      rng: [...this.epochStart],
      rows: this.dataset.rows,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      lastBatch: this.lastBatch,
    };
  }

  setState(s: BatcherState): void {
    if (s.rows !== this.dataset.rows || s.batchSize !== this.batchSize || s.shuffle !== this.shuffle || s.lastBatch !== this.lastBatch) {
      throw new Error(
        `Batcher.setState: state is for rows=${s.rows} batchSize=${s.batchSize} shuffle=${s.shuffle} lastBatch=${s.lastBatch}, ` +
          `this batcher has rows=${this.dataset.rows} batchSize=${this.batchSize} shuffle=${this.shuffle} lastBatch=${this.lastBatch}`,
      );
    }
    if (!(Number.isInteger(s.position) && s.position >= 0 && s.position <= this.epochEnd)) {
      throw new Error(`Batcher.setState: position ${s.position} outside [0, ${this.epochEnd}]`);
    }
    this.rng.setState(s.rng);
    this.epochStart = [...s.rng];
    this.epochNo = s.epoch;
    this.prepareEpoch();
    this.position = s.position;
  }

  private prepareEpoch(): void {
    const o = this.order;
    for (let i = 0; i < o.length; i++) o[i] = i;
    if (this.shuffle) this.rng.shuffle(o);
  }

  private fill(b: Batch, start: number, n: number): void {
    const ds = this.dataset;
    const F = ds.fields.length, D = ds.denseNames.length, T = ds.taskNames.length;
    const { cat, dense, labels, users } = ds;
    for (let i = 0; i < n; i++) {
      const r = this.order[start + i];
      b.index[i] = r;
      for (let f = 0; f < F; f++) b.cat[i * F + f] = cat[r * F + f];
      for (let d = 0; d < D; d++) b.dense[i * D + d] = dense[r * D + d];
      for (let t = 0; t < T; t++) b.labels[i * T + t] = labels[r * T + t];
      if (users) b.users![i] = users[r];
    }
  }
}

/** Evaluation order: every row once, in dataset order, the last batch possibly smaller. */
export function* sequentialBatches(ds: Dataset, batchSize: number): Generator<Batch, void, void> {
  yield* new Batcher(ds, { batchSize, shuffle: false, lastBatch: 'keep' }).epochBatches();
}
