import { getBackend } from '../../tensor/backends/registry.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { isGradEnabled } from '../../autograd/mode.ts';
import { record } from '../../autograd/node.ts';
import { Module, Scratch, paramTensor } from '../module.ts';
import type { InitSpec } from '../init.ts';
import type { Group, Parameter } from '../parameter.ts';
import type { DeferredTouches, ParameterStore } from '../store.ts';

export interface EmbeddingOptions {
  /** Rows per field, including the reserved unknown row 0 (ids lie in [0, vocab)). */
  vocabSizes: readonly number[];
  dim: number;
  /** 'per-field': one table per field (default). 'shared': one table, field f at rows offset_f.. */
  layout?: 'per-field' | 'shared';
  group?: Group;
  init?: InitSpec;
}

/**
 * Several categorical fields -> their concatenated embeddings, [batch, fields * dim].
 * Ids outside [1, vocab_f) (0, negative, or too large) map to the field's reserved row 0.
 * Backward scatter-adds each (row, field) gradient through the sink (`addRows`, one table per
 * field in turn), so it lands wherever the backward call sends the tables' gradients: the flat
 * buffer's rows by default, or a caller's compact row. Forward marks the rows it reads when a
 * graph is being recorded (deferred: the store marks them at its next flushTouches, which any
 * use of the touched rows makes first), so the touched set is final before backward.
 */
export class Embedding extends Module implements DeferredTouches {
  readonly tables: Parameter[];
  readonly fields: number;
  readonly dim: number;
  readonly layout: 'per-field' | 'shared';
  private readonly offsets: Int32Array;
  private readonly vocab: Int32Array;
  /** Per (row, field): the table row used, and which table. */
  private rowIdx = new Int32Array(0);
  /** Per (row, field): element offset of the row in the flat values (forward's gather). */
  private srcAt = new Int32Array(0);
  private readonly out = new Scratch();
  /** The batch whose rows rowIdx holds and the store has yet to mark (0: none owed). */
  private owedBatch = 0;

  constructor(store: ParameterStore, name: string, opts: EmbeddingOptions) {
    super(store, name);
    this.fields = opts.vocabSizes.length;
    this.dim = opts.dim;
    this.layout = opts.layout ?? 'per-field';
    if (this.fields === 0) throw new Error(`${name}: need at least one field`);
    for (const v of opts.vocabSizes) if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${name}: vocab sizes must be integers >= 1 (row 0 is the unknown row), got ${v}`);
    const group = opts.group ?? 'shared', init = opts.init ?? 'normal';
    this.vocab = Int32Array.from(opts.vocabSizes);
    this.offsets = new Int32Array(this.fields);
    if (this.layout === 'shared') {
      let off = 0;
      opts.vocabSizes.forEach((v, f) => {
        this.offsets[f] = off;
        off += v;
      });
      this.tables = [this.param('table', [off, this.dim], { group, init, sparse: true })];
    } else {
      this.tables = opts.vocabSizes.map((v, f) => this.param(`field${f}`, [v, this.dim], { group, init, sparse: true }));
    }
  }

  get outFeatures(): number {
    return this.fields * this.dim;
  }

  /** ids: Int32Array [batch x fields], row-major (a data Batch's `cat`). */
  forward(ids: Int32Array, batch: number): Tensor {
    const F = this.fields, k = this.dim, n = batch * F;
    if (ids.length < n) throw new Error(`${this.name}: ids has ${ids.length} entries, need batch * fields = ${batch} * ${F}`);
    // rowIdx is about to change: the rows of a forward not yet marked are marked first.
    if (this.owedBatch !== 0) this.store.flushTouches();
    if (this.rowIdx.length < n) {
      this.rowIdx = new Int32Array(n);
      this.srcAt = new Int32Array(n);
    }
    const rowIdx = this.rowIdx, srcAt = this.srcAt, vocab = this.vocab, offsets = this.offsets;
    const shared = this.layout === 'shared';
    const y = this.out.get(n * k, this.dtype);
    const track = isGradEnabled();
    if (shared) {
      // One table for every field: its touched rows take the batch's row-major order.
      const p = this.tables[0]!;
      for (let i = 0, f = 0; i < n; i++) {
        const id = ids[i]!;
        const row = offsets[f]! + (id > 0 && id < vocab[f]! ? id : 0);
        rowIdx[i] = row;
        srcAt[i] = p.offset + row * k;
        if (++f === F) f = 0;
      }
    } else {
      // Field by field, so one table's touched-row map stays in cache; each table still sees
      // its rows in batch order (the order its touched rows, and so the compact layouts, take).
      for (let f = 0; f < F; f++) {
        const p = this.tables[f]!, v = vocab[f]!, base = p.offset;
        for (let i = f; i < n; i += F) {
          const id = ids[i]!;
          const row = id > 0 && id < v ? id : 0;
          rowIdx[i] = row;
          srcAt[i] = base + row * k;
        }
      }
    }
    if (track && n > 0) {
      this.owedBatch = batch;
      this.store.deferTouches(this);
    }
    // The row copies as one kernel call (the index math above stays per row).
    const be = getBackend();
    be.gatherAt(this.store.values, srcAt, y, n, k);
    const leaves = this.tables.map(paramTensor);
    const tables = shared ? 1 : F;
    return record('embedding', leaves, new Tensor(y, [batch, F * k]), (g, grads) => grads.addRows(0, rowIdx, g.data, n, k, tables));
  }

  /**
   * The store's deferred touch of the last forward's rows: one table at a time (its touched-row
   * map stays in cache), each table's rows in batch order (the order of its compact layout).
   */
  touchNow(): void {
    const batch = this.owedBatch;
    this.owedBatch = 0;
    const rowIdx = this.rowIdx, F = this.fields;
    if (this.layout === 'shared') this.store.touchRows(this.tables[0]!, rowIdx, 0, 1, batch * F);
    else for (let f = 0; f < F; f++) this.store.touchRows(this.tables[f]!, rowIdx, f, F, batch);
  }
}
