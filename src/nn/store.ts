import type { DType, Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { setGradWindow, type GradResolver } from '../autograd/destination.ts';
import { allocStorage } from './alloc.ts';
import { initialise, type InitSpec } from './init.ts';
import { Parameter, groupName, type Group, type ParameterOptions } from './parameter.ts';
import { RowSet } from './rowset.ts';
import { compactRowResolver } from './compact-row.ts';

/** A contiguous slice [offset, offset + length) of the flat buffers. */
export interface Range {
  offset: number;
  length: number;
}

/** One sparse shared table's touched rows inside the compact shared vector. */
export interface SharedSegment {
  param: Parameter;
  /** Touched rows in insertion order (a view, valid until the rows change). */
  rows: Int32Array;
  /** Where this table's first touched row starts in the compact vector. */
  offset: number;
  width: number;
}

/**
 * The compact "touched rows" view of the shared group that the balancers see:
 *
 *   [ dense shared parameters (denseLength) | table 1's touched rows | table 2's ... ]
 *
 * Its first `denseLength` entries are exactly the flat gradient buffer's slice
 * [shared.offset, shared.offset + denseLength): the dense shared parameters are laid out
 * first in the shared group. Untouched rows of a sparse table have a zero gradient for every
 * task, so dropping them changes no norm, inner product or projection a balancer computes.
 */
export interface SharedView {
  length: number;
  denseLength: number;
  segments: SharedSegment[];
}

/**
 * A source of touched rows that marks them when the store asks (`flushTouches`) rather than
 * when it reads them: Embedding's forward defers its rows (`deferTouches`) so that a model can
 * mark them beside kernels that run on other threads.
 */
export interface DeferredTouches {
  /** Marks the rows now (with touchRows); called once per deferTouches. */
  touchNow(): void;
}

export interface StoreOptions {
  /** Number of tasks T: groups are 'shared' and 0..T-1. */
  tasks: number;
  /** float32 for training, float64 for gradcheck. */
  dtype?: DType;
}

/**
 * Every parameter of a model is a view into one flat value buffer; its gradient a view into a
 * second buffer of the same layout. Layout, fixed at `allocate`:
 *
 *   [ shared: dense params, sparse tables | task 0: dense, sparse | task 1 ... ]
 *
 * so each group is one contiguous slice, and the shared group's dense part comes first.
 * Sparse tables record the rows each step touches (`touchRow`), and zeroing, norms, L2 and
 * lazy optimizer updates visit only those rows.
 */
export class ParameterStore {
  readonly tasks: number;
  readonly dtype: DType;
  readonly params: Parameter[] = [];
  private readonly byName = new Map<string, Parameter>();
  values!: Storage;
  grads!: Storage;
  size = 0;
  private allocated = false;
  private groupRanges = new Map<Group, Range>();
  /** Maximal runs of adjacent dense parameters, as [start, end) pairs. */
  private denseRuns: number[] = [];
  /** The sparse parameters, by sparseIndex, and their touched-row sets. */
  readonly sparseParams: Parameter[] = [];
  private rowSets: RowSet[] = [];
  /** Touches deferred to the next flushTouches, in order; and whether zeroGrad's forgetting is. */
  private readonly owed: DeferredTouches[] = [];
  private clearOwed = false;
  private flushing = false;
  private sharedDense = 0;
  private sharedSparse: Parameter[] = [];
  private readonly view: SharedView = { length: 0, denseLength: 0, segments: [] };
  /** Scratch of the row kernels: element offsets of touched rows, and zeros to copy from. */
  private rowAt = new Int32Array(0);
  private zeroRows: Storage | null = null;

  constructor(opts: StoreOptions) {
    if (!Number.isInteger(opts.tasks) || opts.tasks < 1) {
      throw new Error(`ParameterStore: tasks must be a positive integer, got ${opts.tasks}`);
    }
    this.tasks = opts.tasks;
    this.dtype = opts.dtype ?? 'float32';
  }

  /** Declares a parameter; its views exist after `allocate`. Names must be unique. */
  declare(name: string, shape: readonly number[], opts: ParameterOptions): Parameter {
    if (this.allocated) throw new Error(`ParameterStore.declare('${name}'): the store is already allocated; declare every parameter first`);
    if (this.byName.has(name)) throw new Error(`ParameterStore.declare: duplicate parameter name '${name}'`);
    if (shape.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new Error(`ParameterStore.declare('${name}'): shape must be positive integers, got [${shape.join(', ')}]`);
    }
    const g = opts.group;
    if (g !== 'shared' && !(Number.isInteger(g) && g >= 0 && g < this.tasks)) {
      throw new Error(`ParameterStore.declare('${name}'): group must be 'shared' or a task index in [0, ${this.tasks}), got ${String(g)}`);
    }
    const sparse = opts.sparse ?? false;
    if (sparse && shape.length !== 2) {
      throw new Error(`ParameterStore.declare('${name}'): a sparse parameter is a table [rows, width], got shape [${shape.join(', ')}]`);
    }
    const p = new Parameter(name, shape, g, opts.init, { sparse, decay: opts.decay ?? true });
    this.params.push(p);
    this.byName.set(name, p);
    return p;
  }

  get(name: string): Parameter {
    const p = this.byName.get(name);
    if (!p) throw new Error(`ParameterStore: no parameter named '${name}'`);
    return p;
  }

  get isAllocated(): boolean {
    return this.allocated;
  }

  /**
   * Lays out every declared parameter, allocates the two flat buffers and initialises values.
   * Each parameter draws from `rng.fork(name)`, so adding a parameter never changes another's
   * initial values.
   */
  allocate(seedOrRng: number | Rng = 0): this {
    if (this.allocated) throw new Error('ParameterStore.allocate: already allocated');
    const rng = typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
    const groups: Group[] = ['shared', ...Array.from({ length: this.tasks }, (_, t) => t)];
    const ordered: Parameter[] = [];
    for (const g of groups) {
      const inGroup = this.params.filter((p) => p.group === g);
      const start = ordered.reduce((a, p) => a + p.size, 0);
      ordered.push(...inGroup.filter((p) => !p.sparse), ...inGroup.filter((p) => p.sparse));
      const length = inGroup.reduce((a, p) => a + p.size, 0);
      this.groupRanges.set(g, { offset: start, length });
      if (g === 'shared') {
        this.sharedDense = inGroup.filter((p) => !p.sparse).reduce((a, p) => a + p.size, 0);
        this.sharedSparse = inGroup.filter((p) => p.sparse);
      }
    }
    let off = 0;
    for (const p of ordered) {
      p.offset = off;
      off += p.size;
    }
    this.size = off;
    this.values = allocStorage(this.dtype, off);
    this.grads = allocStorage(this.dtype, off);
    for (const p of ordered) {
      p.value = this.values.subarray(p.offset, p.offset + p.size);
      p.grad = this.grads.subarray(p.offset, p.offset + p.size);
      p.leaf = Tensor.fromStorage(p.value, p.shape, { requiresGrad: true });
      p.leaf.grad = Tensor.fromStorage(p.grad, p.shape);
      // Row scatters into several tables then run as one kernel call over the flat buffer.
      if (p.sparse) setGradWindow(p.leaf, this.grads, p.offset);
      if (p.sparse) {
        p.sparseIndex = this.sparseParams.length;
        this.sparseParams.push(p);
        this.rowSets.push(new RowSet(p.rows));
      } else {
        const n = this.denseRuns.length;
        if (n > 0 && this.denseRuns[n - 1] === p.offset) this.denseRuns[n - 1] = p.offset + p.size;
        else this.denseRuns.push(p.offset, p.offset + p.size);
      }
      initialise(p.init, p.value, p.shape, rng.fork(p.name));
    }
    // Keep `params` in layout order.
    this.params.length = 0;
    this.params.push(...ordered);
    this.view.denseLength = this.sharedDense;
    this.view.segments = this.sharedSparse.map((param) => ({ param, rows: new Int32Array(0), offset: 0, width: param.width }));
    this.allocated = true;
    return this;
  }

  private need(): void {
    if (!this.allocated) throw new Error('ParameterStore: call allocate() first');
  }

  /** The contiguous range of a group in the flat buffers. */
  range(g: Group): Range {
    this.need();
    const r = this.groupRanges.get(g);
    if (!r) throw new Error(`ParameterStore.range: unknown group ${String(g)} (have 'shared' and 0..${this.tasks - 1})`);
    return r;
  }

  /** Parameters of one group, in layout order. */
  groupParams(g: Group): Parameter[] {
    return this.params.filter((p) => p.group === g);
  }

  /** The shared group's gradient, as a view of the flat buffer (no copy). */
  sharedGrad(): Storage {
    const r = this.range('shared');
    return this.grads.subarray(r.offset, r.offset + r.length);
  }

  /** The shared group's dense gradient (the first `denseLength` entries of the compact view). */
  sharedDenseGrad(): Storage {
    const r = this.range('shared');
    return this.grads.subarray(r.offset, r.offset + this.sharedDense);
  }

  /** Task t's group gradient, a view of the flat buffer. */
  taskGrad(t: number): Storage {
    const r = this.range(t);
    return this.grads.subarray(r.offset, r.offset + r.length);
  }

  // ---- sparse rows -------------------------------------------------------------------------

  /** Marks row r of sparse table p as touched this step (idempotent). */
  touchRow(p: Parameter, r: number): void {
    this.sets()[p.sparseIndex]!.add(r);
  }

  /** touchRow for rows[start], rows[start + stride], ... (n of them), in that order. */
  touchRows(p: Parameter, rows: Int32Array, start: number, stride: number, n: number): void {
    this.sets()[p.sparseIndex]!.addEach(rows, start, stride, n);
  }

  /**
   * `by.touchNow()` runs at the next flushTouches, which every read or write of the touched
   * rows makes first: the sets end up as if it had touched its rows now. A model flushes where
   * its main thread would otherwise wait for kernels (the touches are mostly cache misses on
   * the tables' slot maps).
   */
  deferTouches(by: DeferredTouches): void {
    if (!this.owed.includes(by)) this.owed.push(by);
  }

  /** Makes the deferred changes, in order: zeroGrad's forgetting of the rows, then deferTouches'. */
  flushTouches(): void {
    if (this.flushing || (!this.clearOwed && this.owed.length === 0)) return;
    this.flushing = true;
    try {
      if (this.clearOwed) {
        this.clearOwed = false;
        for (const s of this.rowSets) s.clear();
      }
      // One at a time off the front: a touch that throws stays owed, with those after it.
      while (this.owed.length > 0) {
        this.owed[0]!.touchNow();
        this.owed.shift();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The row sets, every deferred change made. */
  private sets(): RowSet[] {
    this.flushTouches();
    return this.rowSets;
  }

  /** Row r of table p's gradient in the flat buffer, a view (touch the row before writing it). */
  rowGrad(p: Parameter, r: number): Storage {
    const o = p.offset + r * p.width;
    return this.grads.subarray(o, o + p.width);
  }

  /** The rows of table p touched this step, in insertion order (a view). */
  touched(p: Parameter): Int32Array {
    if (!p.sparse) throw new Error(`ParameterStore.touched: '${p.name}' is not a sparse table`);
    return this.sets()[p.sparseIndex]!.view();
  }

  /** Number of touched rows over all sparse tables. */
  touchedCount(): number {
    let n = 0;
    for (const s of this.sets()) n += s.count;
    return n;
  }

  /**
   * The compact touched-rows view of the shared group (layout in `SharedView`). The object is
   * reused; call again after the touched rows change.
   */
  sharedView(): SharedView {
    this.need();
    let off = this.sharedDense;
    const sets = this.sets();
    for (const seg of this.view.segments) {
      seg.rows = sets[seg.param.sparseIndex]!.view();
      seg.offset = off;
      off += seg.rows.length * seg.width;
    }
    this.view.length = off;
    return this.view;
  }

  /** Copies the shared gradient (from `src`, default the flat grads) into compact `out`. */
  gatherShared(out: Storage, src: Storage = this.grads): SharedView {
    const v = this.sharedView();
    if (out.length < v.length) throw new Error(`ParameterStore.gatherShared: out has ${out.length} entries, the view needs ${v.length}`);
    const base = this.range('shared').offset;
    out.set(src.subarray(base, base + v.denseLength), 0);
    // One row kernel per table: tens of thousands of rows of 16 floats each, where a subarray
    // header per row, or an index loop, cost more than the copy.
    const be = getBackend();
    for (const seg of v.segments) {
      const n = seg.rows.length;
      be.gatherAt(src, this.offsetsOf(seg.param, seg.rows), out.subarray(seg.offset, seg.offset + n * seg.width), n, seg.width);
    }
    return v;
  }

  /** Writes compact `src` back into the flat gradient buffer's shared group (overwrites). */
  scatterShared(src: Storage, dst: Storage = this.grads): void {
    const v = this.sharedView();
    if (src.length < v.length) throw new Error(`ParameterStore.scatterShared: src has ${src.length} entries, the view needs ${v.length}`);
    const base = this.range('shared').offset;
    dst.set(src.subarray(0, v.denseLength), base);
    const be = getBackend();
    for (const seg of v.segments) {
      const n = seg.rows.length;
      be.scatterAt(dst, this.offsetsOf(seg.param, seg.rows), src.subarray(seg.offset, seg.offset + n * seg.width), n, seg.width);
    }
  }

  /** Element offsets in the flat buffers of table p's rows (scratch: valid until the next call). */
  private offsetsOf(p: Parameter, rows: Int32Array): Int32Array {
    if (this.rowAt.length < rows.length) this.rowAt = new Int32Array(Math.max(rows.length, 2 * this.rowAt.length));
    const at = this.rowAt, o = p.offset, w = p.width;
    for (let i = 0; i < rows.length; i++) at[i] = o + rows[i]! * w;
    return at;
  }

  /** n zeros in the store's dtype (grown, never written). */
  private zerosFor(n: number): Storage {
    if (this.zeroRows === null || this.zeroRows.length < n) this.zeroRows = allocStorage(this.dtype, Math.max(n, 2 * (this.zeroRows?.length ?? 0)));
    return this.zeroRows;
  }

  /**
   * Where one backward call sends the shared group's gradients: into `row` (the compact layout
   * of `sharedView()`, length >= its length), with no copy. Dense shared parameters land in its
   * first `denseLength` entries, each shared table's touched rows in their slots; every other
   * parameter's gradient stays in the flat buffer. Forward must have run: the rows it touched
   * fix the layout. `backward(loss, undefined, { into: store.sharedInto(row) })`.
   */
  sharedInto(row: Storage): GradResolver {
    const v = this.sharedView();
    if (row.length < v.length) {
      throw new Error(`ParameterStore.sharedInto: row has ${row.length} entries, the compact shared view needs ${v.length}`);
    }
    if ((row instanceof Float64Array) !== (this.grads instanceof Float64Array)) {
      throw new Error(`ParameterStore.sharedInto: row dtype differs from the store's ${this.dtype}`);
    }
    const base = this.range('shared').offset;
    const dense = this.params.filter((p) => p.group === 'shared' && !p.sparse);
    const sets = this.sets();
    return compactRowResolver(row, dense, base, v.segments.map((s) => {
      const set = sets[s.param.sparseIndex]!;
      return { param: s.param, offset: s.offset, slots: set.slot, version: set.version };
    }));
  }

  // ---- whole-store operations, O(dense + touched rows) ---------------------------------------

  /**
   * Zeroes every dense gradient and the touched rows of every table, then forgets the rows, at
   * the next flushTouches: forgetting writes the slot maps that the next forward's touches
   * read, so a model that flushes beside its first kernels does both there.
   */
  zeroGrad(): void {
    this.need();
    const g = this.grads, runs = this.denseRuns;
    const be = getBackend();
    for (let i = 0; i < runs.length; i += 2) be.zero(g, runs[i]!, runs[i + 1]!);
    const sets = this.sets();
    for (let s = 0; s < this.sparseParams.length; s++) {
      const p = this.sparseParams[s]!, rows = sets[s]!.view(), w = p.width;
      be.scatterAt(g, this.offsetsOf(p, rows), this.zerosFor(rows.length * w), rows.length, w);
    }
    this.clearOwed = true;
  }

  /**
   * zeroGrad where every gradient it would zero is zero already (the optimizer zeroed each as it
   * read it: Optimizer.step's zeroGrad): the touched rows are forgotten, at the next flushTouches.
   */
  gradsZeroed(): void {
    this.need();
    this.sets();
    this.clearOwed = true;
  }

  /** Forgets touched rows without zeroing (after an external zeroing). */
  clearTouched(): void {
    for (const s of this.sets()) s.clear();
  }

  /**
   * Calls fn(start, end) over the "support" of a group (all groups when omitted): each dense
   * run, and each touched row of each sparse table (or every row when `allRows`).
   */
  forEachRun(fn: (start: number, end: number) => void, opts: { group?: Group; allRows?: boolean; sparse?: boolean; dense?: boolean } = {}): void {
    this.need();
    const { group, allRows = false, sparse = true, dense = true } = opts;
    if (dense) {
      if (group === undefined) {
        const runs = this.denseRuns;
        for (let i = 0; i < runs.length; i += 2) fn(runs[i]!, runs[i + 1]!);
      } else {
        for (const p of this.params) if (p.group === group && !p.sparse) fn(p.offset, p.offset + p.size);
      }
    }
    if (!sparse) return;
    for (let s = 0; s < this.sparseParams.length; s++) {
      const p = this.sparseParams[s]!;
      if (group !== undefined && p.group !== group) continue;
      if (allRows) {
        fn(p.offset, p.offset + p.size);
        continue;
      }
      const rows = this.sets()[s]!.view(), w = p.width;
      for (let i = 0; i < rows.length; i++) fn(p.offset + rows[i]! * w, p.offset + rows[i]! * w + w);
    }
  }

  /** |grad|^2 over a group's support (float64 accumulation), O(dense + touched rows). */
  gradSqNorm(group?: Group): number {
    const g = this.grads;
    let s = 0;
    this.forEachRun((a, b) => {
      for (let i = a; i < b; i++) s += g[i]! * g[i]!;
    }, { group });
    return s;
  }

  /** <a, b> of two flat-layout buffers over a group's support, O(dense + touched rows). */
  dotOnSupport(a: Storage, b: Storage, group?: Group): number {
    let s = 0;
    this.forEachRun((x, y) => {
      for (let i = x; i < y; i++) s += a[i]! * b[i]!;
    }, { group });
    return s;
  }

  /** A fingerprint of the layout (names, shapes, groups, offsets): save/load checks it. */
  layout(): { name: string; shape: number[]; group: string; offset: number; sparse: boolean }[] {
    this.need();
    return this.params.map((p) => ({ name: p.name, shape: [...p.shape], group: groupName(p.group), offset: p.offset, sparse: p.sparse }));
  }

  /** Parameter counts per group, for reports. */
  summary(): { total: number; shared: number; sharedDense: number; perTask: number[] } {
    this.need();
    return {
      total: this.size,
      shared: this.range('shared').length,
      sharedDense: this.sharedDense,
      perTask: Array.from({ length: this.tasks }, (_, t) => this.range(t).length),
    };
  }
}

export type { Group, InitSpec };
