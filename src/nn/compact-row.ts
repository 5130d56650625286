import type { Storage } from '../tensor/backend.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { GradResolver, RowDestination } from '../autograd/destination.ts';
import type { Parameter } from './parameter.ts';

/** A shared table's place in a compact row: its first slot's offset and its row -> slot map. */
export interface CompactTable {
  param: Parameter;
  offset: number;
  /** RowSet.slot: position + 1 of each touched row, 0 for the others. */
  slots: Int32Array;
  /** RowSet.version when the resolver is made. */
  version: number;
}

/**
 * The resolver behind `ParameterStore.sharedInto`: each dense shared parameter's gradient is
 * its slice of `row` (the compact layout keeps the flat buffer's dense order, from `base`), each
 * shared table's rows go to their slots. Looked up per leaf, not per element.
 */
export function compactRowResolver(row: Storage, dense: readonly Parameter[], base: number, tables: readonly CompactTable[]): GradResolver {
  const denseOf = new Map<Tensor, Storage>();
  for (const p of dense) denseOf.set(p.leaf, row.subarray(p.offset - base, p.offset - base + p.size));
  const rowsOf = new Map<Tensor, RowDestination>();
  for (const t of tables) rowsOf.set(t.param.leaf, { buf: row, base: t.offset, slots: t.slots, version: t.version });
  return {
    dense: (leaf) => denseOf.get(leaf) ?? null,
    rows: (leaf) => rowsOf.get(leaf) ?? null,
  };
}
