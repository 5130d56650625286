import type { Storage } from '../../tensor/backend.ts';
import { allocStorage } from '../alloc.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import type { ParameterStore } from '../store.ts';

export interface StepOptions {
  /**
   * Also leave every gradient at zero and the step's touched rows forgotten: the store as
   * `store.zeroGrad()` right after the step leaves it, so the next step need not zero (a caller
   * that always zeroes first, BalancedStep.run, takes `gradsZeroed`). An optimizer whose kernels
   * read each gradient once (Adam) stores the zero there, while the gradient's lines are in that
   * thread's cache; the others run zeroGrad after the update. Default false: the gradients stay.
   */
  zeroGrad?: boolean;
}

/** What save/load needs of an optimizer: its options, its step count and its flat buffers. */
export interface OptimizerState {
  name: string;
  options: Record<string, number | boolean>;
  step: number;
  /** Flat buffers of the store's layout (moments, accumulators), by name. */
  buffers: Record<string, Storage>;
}

/**
 * An optimizer updates `store.values` from `store.grads` in place. Every state buffer has the
 * store's layout. With `lazy` (the default) a sparse table updates, and advances the state of,
 * only the rows touched this step, as TensorFlow's LazyAdam does; `lazy: false` updates every
 * row of every table (the textbook dense rule, O(table size) per step).
 *
 * Lazy table rows keep their state in a compact per-table arena (a row gets a slot the first
 * time it is touched, filled from the flat buffer, or from the buffer's fill while no state has
 * been loaded), not at the row's place in the flat buffer:
 * rows of a 1M-row table are spread over the whole buffer, one 4 KiB page per 64 rows, and
 * the first write to each page faulted in a zeroed page (about 2/3 of a cold step's optimizer
 * time at 1M rows per field). The arena grows contiguously, so untouched pages of the flat
 * state stay unmapped. `state()` writes the arena rows back into the flat buffers (checkpoints
 * see the store layout) and `loadState` re-reads them; the arithmetic is the same either way.
 */
export abstract class Optimizer {
  abstract readonly name: string;
  lr: number;
  readonly lazy: boolean;
  /** Number of steps taken (Adam's t). */
  t = 0;

  /** Lazy table rows' state in compact arenas (see the class comment); false: in place. */
  readonly compactRows: boolean;
  private rowState: RowState[] | null = null;
  private flatState: Storage[] | null = null;
  /** Each state buffer's fill as `buffer` made it (buffers made otherwise have none). */
  private readonly fills = new Map<Storage, number>();
  /**
   * Whether the tables' rows that have no slot still hold their buffers' fills in the flat state
   * (nothing loaded since construction; write-backs write slotted rows only): a new slot then
   * takes the fills and never reads the flat row, whose page a big table has not yet mapped.
   */
  private flatFilled = true;

  constructor(readonly store: ParameterStore, opts: { lr: number; lazy?: boolean; compactRows?: boolean }) {
    if (!store.isAllocated) throw new Error('Optimizer: allocate the ParameterStore before creating its optimizer');
    if (!(opts.lr >= 0) || !Number.isFinite(opts.lr)) throw new Error(`Optimizer: lr must be a finite number >= 0, got ${opts.lr}`);
    this.lr = opts.lr;
    this.lazy = opts.lazy ?? true;
    this.compactRows = this.lazy && (opts.compactRows ?? true);
  }

  /** A state buffer of the store's layout, every element `fill`. */
  protected buffer(fill = 0): Storage {
    const b = allocStorage(this.store.dtype, this.store.size);
    if (fill !== 0) b.fill(fill);
    this.fills.set(b, fill);
    return b;
  }

  /**
   * One update over [start, end) of the flat value and gradient buffers. `state` holds the
   * state buffers in `buffers()` order, and element i's state is at `state[k][i - start + s]`
   * (s = start for the flat buffers; a slot's offset for a compact table row).
   */
  protected abstract update(start: number, end: number, state: readonly Storage[], s: number): void;
  protected abstract options(): Record<string, number | boolean>;
  protected abstract buffers(): Record<string, Storage>;
  /**
   * Per-step scalars (bias corrections) computed once before the runs. `zeroGrad`: the step's
   * StepOptions.zeroGrad; returns whether this step's updates zero each gradient they read
   * (else step zeroes after them).
   */
  protected prepare(zeroGrad: boolean): boolean {
    void zeroGrad;
    return false;
  }

  /**
   * `update` over `count` runs of `width` elements: run r starts at wAt[r] in the flat buffers
   * and at sAt[r] in `state`. The lazy table rows of one table come here in one call, so an
   * optimizer with a backend kernel (Adam) can do them all in one kernel call.
   */
  protected updateRuns(wAt: Int32Array, sAt: Int32Array, count: number, width: number, state: readonly Storage[]): void {
    for (let r = 0; r < count; r++) this.update(wAt[r]!, wAt[r]! + width, state, sAt[r]!);
  }

  /**
   * `updateRuns` for each of the sparse tables' runs of this step (tables with touched rows
   * only). An optimizer with a backend kernel over several tables (Adam: adamRunSets) takes
   * them in one call, which may share the tables out among threads.
   */
  protected updateTables(tables: readonly TableRuns[]): void {
    for (const t of tables) this.updateRuns(t.wAt, t.sAt, t.count, t.width, t.state);
  }

  /**
   * `update` over [start, end) (as above) while `meanwhile` runs, for an optimizer whose backend
   * can run the update on another thread (Adam: adamRunAlongside). `meanwhile` touches other
   * elements and calls no kernel. Here: one after the other.
   */
  protected updateAlongside(start: number, end: number, state: readonly Storage[], s: number, meanwhile: () => void): void {
    this.update(start, end, state, s);
    meanwhile();
  }

  /** Per sparse table, its touched rows' run offsets (grown on demand, reused every step). */
  private wAt: Int32Array[] = [];
  private sAt: Int32Array[] = [];
  private denseRuns: number[] = [];
  /** This step's tables with touched rows, for updateTables (the objects are reused). */
  private tableRuns: TableRuns[] = [];
  private readonly tablesNow: TableRuns[] = [];

  private readonly run = (a: number, b: number): void => this.update(a, b, this.flatState!, a);
  private readonly collectRun = (a: number, b: number): void => { this.denseRuns.push(a, b); };
  private readonly placeRows = (): void => {
    const rs = this.rows(), sp = this.store.sparseParams, flat = this.flatState!;
    for (let s = 0; s < sp.length; s++) {
      const p = sp[s]!, rows = this.store.touched(p), n = rows.length;
      if (this.wAt[s] === undefined || this.wAt[s]!.length < n) {
        this.wAt[s] = new Int32Array(n * 2);
        this.sAt[s] = new Int32Array(n * 2);
      }
      rs[s]!.places(rows, n, p.offset, flat, this.flatFilled, this.wAt[s]!, this.sAt[s]!);
    }
  };

  step(opts: StepOptions = {}): void {
    this.t++;
    const zeroGrad = opts.zeroGrad === true;
    const zeroed = this.prepare(zeroGrad);
    this.updateAll();
    // The updates ran over every dense run and every touched row: what zeroGrad zeroes.
    if (zeroed) this.store.gradsZeroed();
    else if (zeroGrad) this.store.zeroGrad();
  }

  private updateAll(): void {
    this.flatState ??= Object.values(this.buffers());
    const flat = this.flatState;
    if (!this.compactRows || flat.length === 0) {
      this.store.forEachRun(this.run, { allRows: !this.lazy });
      return;
    }
    // The longest dense run updates beside the placing of the tables' touched rows in their
    // arenas (JavaScript on this thread; the two touch different elements), the rest after.
    const dense = this.denseRuns;
    dense.length = 0;
    this.store.forEachRun(this.collectRun, { sparse: false });
    let longest = -1;
    for (let i = 0; i < dense.length; i += 2) if (longest < 0 || dense[i + 1]! - dense[i]! > dense[longest + 1]! - dense[longest]!) longest = i;
    if (longest < 0) this.placeRows();
    else this.updateAlongside(dense[longest]!, dense[longest + 1]!, flat, dense[longest]!, this.placeRows);
    for (let i = 0; i < dense.length; i += 2) if (i !== longest) this.update(dense[i]!, dense[i + 1]!, flat, dense[i]!);
    const rs = this.rowState!, sp = this.store.sparseParams, now = this.tablesNow;
    now.length = 0;
    for (let s = 0; s < sp.length; s++) {
      const count = this.store.touched(sp[s]!).length;
      if (count === 0) continue;
      const t = this.tableRuns[s] ??= { wAt: this.wAt[s]!, sAt: this.sAt[s]!, count, width: sp[s]!.width, state: rs[s]!.arenas };
      t.wAt = this.wAt[s]!;
      t.sAt = this.sAt[s]!;
      t.count = count;
      // The arenas after the places: taking a slot may have grown (replaced) them.
      t.state = rs[s]!.arenas;
      now.push(t);
    }
    this.updateTables(now);
  }

  state(): OptimizerState {
    this.flushRows();
    return { name: this.name, options: { lr: this.lr, lazy: this.lazy, ...this.options() }, step: this.t, buffers: this.buffers() };
  }

  private rows(): RowState[] {
    if (this.rowState === null) {
      const flat = this.flatState!, dtype = this.store.dtype;
      const fills = flat.every((b) => this.fills.has(b)) ? flat.map((b) => this.fills.get(b)!) : null;
      this.rowState = this.store.sparseParams.map((p) => new RowState(p.rows, p.width, flat.length, dtype, fills));
    }
    return this.rowState;
  }

  /** Write the compact rows back to their places in the flat state buffers. */
  private flushRows(): void {
    if (this.rowState === null) return;
    const flat = this.flatState!;
    this.store.sparseParams.forEach((p, s) => this.rowState![s]!.writeBack(flat, p.offset));
  }

  /** Restores step count, lr and buffers (copied into this optimizer's own buffers). */
  loadState(s: OptimizerState): void {
    if (s.name !== this.name) throw new Error(`${this.name}.loadState: the saved state is for '${s.name}'`);
    const mine = this.buffers();
    for (const [k, buf] of Object.entries(mine)) {
      const src = s.buffers[k];
      if (!src) throw new Error(`${this.name}.loadState: the saved state has no buffer '${k}'`);
      if (src.length !== buf.length) throw new Error(`${this.name}.loadState: buffer '${k}' has ${src.length} entries, expected ${buf.length}`);
      if (src !== buf) buf.set(src);
    }
    // Compact rows re-read their state from the flat buffers when next touched.
    for (const st of this.rowState ?? []) st.reset();
    this.flatFilled = false;
    this.t = s.step;
    if (typeof s.options.lr === 'number') this.lr = s.options.lr;
  }
}

/** One sparse table's runs in a step: run r at wAt[r] of the flat buffers and sAt[r] of `state`. */
export interface TableRuns {
  wAt: Int32Array;
  sAt: Int32Array;
  count: number;
  width: number;
  /** The table's state arenas, in `buffers()` order. */
  state: readonly Storage[];
}

/** The compact state of one sparse table's touched rows: slot per row, arenas per state buffer. */
class RowState {
  /** slotOf[row] = slot + 1, 0 = none yet (a zero-filled array: untouched pages stay unmapped). */
  private slotOf: Int32Array;
  private rowsOf = new Int32Array(64);
  private count = 0;
  arenas: Storage[];

  /** `fills`: each state buffer's initial value, where the optimizer made them all (else null). */
  constructor(readonly rowCount: number, readonly width: number, readonly k: number, readonly dtype: 'float32' | 'float64',
    private readonly fills: readonly number[] | null) {
    this.slotOf = new Int32Array(rowCount);
    this.arenas = Array.from({ length: k }, () => this.make(64));
  }

  /**
   * For rows[0 .. n): each row's place in the flat buffers (wAt: offset + row * width) and in the
   * arenas (sAt: slot * width). A row not seen before takes the next slot (the backend's
   * claimSlots over the slot map, which a million-row table reads at random places), and its
   * state starts from the row's values in the flat buffers, or from the fills where `filled`
   * says the flat rows without a slot still hold them.
   */
  places(rows: Int32Array, n: number, offset: number, flat: readonly Storage[], filled: boolean, wAt: Int32Array, sAt: Int32Array): void {
    const w = this.width, before = this.count;
    if (before + n > this.rowsOf.length) {
      const r = new Int32Array(Math.max(before + n, this.rowsOf.length * 2));
      r.set(this.rowsOf);
      this.rowsOf = r;
    }
    const count = (this.count = getBackend().claimSlots(this.slotOf, this.rowsOf, before, rows, 0, 1, n, sAt));
    if (count * w > this.arenas[0]!.length) this.grow(count);
    // The new slots, in order: one stretch of each arena.
    const fills = filled ? this.fills : null;
    for (let j = 0; j < this.k; j++) {
      const dst = this.arenas[j]!;
      if (fills !== null) {
        dst.fill(fills[j]!, before * w, count * w);
        continue;
      }
      // An element loop, not set(subarray): a subarray of backend storage is an object each.
      const src = flat[j]!;
      for (let s = before; s < count; s++) {
        const at = offset + this.rowsOf[s]! * w, to = s * w;
        for (let e = 0; e < w; e++) dst[to + e] = src[at + e]!;
      }
    }
    for (let i = 0; i < n; i++) {
      wAt[i] = offset + rows[i]! * w;
      sAt[i] *= w;
    }
  }

  writeBack(flat: readonly Storage[], offset: number): void {
    const w = this.width;
    for (let s = 0; s < this.count; s++) {
      const at = offset + this.rowsOf[s]! * w;
      for (let j = 0; j < this.k; j++) flat[j]!.set(this.arenas[j]!.subarray(s * w, s * w + w), at);
    }
  }

  reset(): void {
    if (this.count === 0) return;
    this.slotOf = new Int32Array(this.rowCount);
    this.count = 0;
  }

  /** Arenas for at least `slots` rows, at least twice the rows they had; their rows kept. */
  private grow(slots: number): void {
    this.arenas = this.arenas.map((a) => {
      // make takes rows, not elements.
      const b = this.make(Math.max(slots, (a.length / this.width) * 2));
      b.set(a);
      return b;
    });
  }

  private make(rows: number): Storage {
    // Backend storage, so that a kernel (Adam's on wasm) updates the rows in place.
    return allocStorage(this.dtype, rows * this.width);
  }
}
