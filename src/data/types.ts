/**
 * The dataset representation every mtlkit model consumes.
 *
 * Columnar and typed: one row-major typed array per kind of column, never an array of row
 * objects. With R rows, F categorical fields, D dense features and T tasks:
 *
 *   cat     Int32Array   R x F   field f's id of row r at cat[r * F + f]
 *   dense   Float32Array R x D   numeric values (D may be 0)
 *   labels  Float32Array R x T   exactly 0 or 1
 *   users   Int32Array   R      the user id of each row (for GAUC), or null when the data has none
 *
 * Categorical ids are contiguous per field: 1 .. vocabSize - 1 are known values and id 0 is
 * RESERVED for unknown / missing (an embedding table for field f has `fields[f].vocabSize`
 * rows, row 0 being the unknown row). User ids in `users` follow the same rule.
 */

export interface FieldInfo {
  /** Column / feature name. */
  readonly name: string;
  /** Number of ids including the reserved unknown id 0, so ids lie in [0, vocabSize). */
  readonly vocabSize: number;
}

export interface Dataset {
  readonly name: string;
  readonly rows: number;
  readonly fields: readonly FieldInfo[];
  /** rows x F categorical ids, row-major. */
  readonly cat: Int32Array;
  readonly denseNames: readonly string[];
  /** rows x D dense values, row-major (length 0 when D = 0). */
  readonly dense: Float32Array;
  readonly taskNames: readonly string[];
  /** rows x T binary labels (0 / 1), row-major. */
  readonly labels: Float32Array;
  /** Per-row user id for GAUC, or null when the data has no user column. */
  readonly users: Int32Array | null;
}

/**
 * One mini-batch, laid out like a Dataset with `size` rows. A Batcher reuses the same Batch
 * object and buffers for every batch it yields: a Batch is valid until the next one is
 * requested (copy what must outlive it).
 */
export interface Batch {
  /** Rows in this batch (the last batch of an epoch may be smaller, see Batcher). */
  size: number;
  /** size x F. */
  cat: Int32Array;
  /** size x D. */
  dense: Float32Array;
  /** size x T. */
  labels: Float32Array;
  /** size, or null when the dataset has no users. */
  users: Int32Array | null;
  /** The dataset row index of each batch row (size). */
  index: Int32Array;
}

/** Shape helpers. */
export function numFields(ds: Dataset): number {
  return ds.fields.length;
}
export function numDense(ds: Dataset): number {
  return ds.denseNames.length;
}
export function numTasks(ds: Dataset): number {
  return ds.taskNames.length;
}
