import { getBackend } from '../tensor/backends/registry.ts';

/**
 * The set of rows of one sparse table that the current step touched, with O(1) insert and
 * O(count) clear. `slot[row]` holds (position in `list`) + 1, so 0 means "absent" and the
 * array starts zero-filled: for a table of a million rows the untouched part of it is never
 * written and never becomes resident.
 */
export class RowSet {
  readonly slot: Int32Array;
  private list: Int32Array;
  count = 0;
  /** Changes whenever `slot` does (a row added, or a clear): see RowDestination.version. */
  version = 0;

  constructor(readonly rows: number, capacity = 1024) {
    this.slot = new Int32Array(rows);
    this.list = new Int32Array(Math.max(1, Math.min(capacity, rows)));
  }

  /** Adds row r (no-op if present); returns its position in insertion order. */
  add(r: number): number {
    const s = this.slot[r]!;
    if (s !== 0) return s - 1;
    if (this.count === this.list.length) this.grow();
    this.list[this.count] = r;
    this.slot[r] = ++this.count;
    this.version++;
    return this.count - 1;
  }

  /**
   * add(rows[start]), add(rows[start + stride]), ... (n of them), in that order: the backend's
   * claimSlots (a table of a million rows has a slot map of megabytes, read at random places).
   */
  addEach(rows: Int32Array, start: number, stride: number, n: number): void {
    if (n <= 0) return;
    if (this.count + n > this.list.length) this.grow(this.count + n);
    const count = getBackend().claimSlots(this.slot, this.list, this.count, rows, start, stride, n, null);
    if (count !== this.count) {
      this.count = count;
      this.version++;
    }
  }

  /**
   * The list with room for `need` rows (claimSlots wants room for every row it is given, repeats
   * included), at least doubled up to every row; its entries kept. Returns the new list.
   */
  private grow(need = this.count + 1): Int32Array {
    const grown = new Int32Array(Math.max(need, Math.min(this.rows, this.list.length * 2)));
    grown.set(this.list);
    return (this.list = grown);
  }

  has(r: number): boolean {
    return this.slot[r] !== 0;
  }

  /** Position of row r in insertion order, or -1. */
  position(r: number): number {
    return this.slot[r]! - 1;
  }

  /** The touched rows in insertion order (a view; valid until the next add or clear). */
  view(): Int32Array {
    return this.list.subarray(0, this.count);
  }

  clear(): void {
    const list = this.list, slot = this.slot;
    for (let i = 0; i < this.count; i++) slot[list[i]!] = 0;
    this.count = 0;
    this.version++;
  }
}
