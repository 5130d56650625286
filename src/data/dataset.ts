/** Building, checking, subsetting and describing Datasets. */
import type { Dataset, FieldInfo } from './types.ts';

export interface DatasetParts {
  name: string;
  fields: readonly FieldInfo[];
  cat: Int32Array;
  denseNames?: readonly string[];
  dense?: Float32Array;
  taskNames: readonly string[];
  labels: Float32Array;
  users?: Int32Array | null;
}

/** Assembles a Dataset and checks every invariant (sizes, id ranges, binary labels). */
export function makeDataset(p: DatasetParts): Dataset {
  const F = p.fields.length, T = p.taskNames.length;
  const denseNames = p.denseNames ?? [];
  const D = denseNames.length;
  const dense = p.dense ?? new Float32Array(0);
  if (T === 0) throw new Error(`dataset ${p.name}: no tasks`);
  const rows = p.labels.length / T;
  if (!Number.isInteger(rows)) throw new Error(`dataset ${p.name}: labels length ${p.labels.length} is not a multiple of ${T} tasks`);
  if (p.cat.length !== rows * F) throw new Error(`dataset ${p.name}: cat has ${p.cat.length} ids, expected ${rows} x ${F}`);
  if (dense.length !== rows * D) throw new Error(`dataset ${p.name}: dense has ${dense.length} values, expected ${rows} x ${D}`);
  const users = p.users ?? null;
  if (users && users.length !== rows) throw new Error(`dataset ${p.name}: ${users.length} user ids for ${rows} rows`);
  for (let f = 0; f < F; f++) {
    const V = p.fields[f].vocabSize;
    if (!(Number.isInteger(V) && V >= 1)) throw new Error(`dataset ${p.name}: field ${p.fields[f].name} has vocabSize ${V}`);
  }
  for (let i = 0; i < p.cat.length; i++) {
    const id = p.cat[i], f = i % F;
    if (id < 0 || id >= p.fields[f].vocabSize) {
      throw new Error(`dataset ${p.name}: row ${(i / F) | 0} field ${p.fields[f].name} has id ${id} outside [0, ${p.fields[f].vocabSize})`);
    }
  }
  for (let i = 0; i < p.labels.length; i++) {
    const y = p.labels[i];
    if (y !== 0 && y !== 1) throw new Error(`dataset ${p.name}: row ${(i / T) | 0} task ${p.taskNames[i % T]} has label ${y}`);
  }
  return {
    name: p.name,
    rows,
    fields: p.fields.map((f) => ({ ...f })),
    cat: p.cat,
    denseNames: [...denseNames],
    dense,
    taskNames: [...p.taskNames],
    labels: p.labels,
    users,
  };
}

/** A new Dataset holding copies of the given rows, in the given order. */
export function subsetDataset(ds: Dataset, index: ArrayLike<number>, name = ds.name): Dataset {
  const n = index.length;
  const F = ds.fields.length, D = ds.denseNames.length, T = ds.taskNames.length;
  const cat = new Int32Array(n * F);
  const dense = new Float32Array(n * D);
  const labels = new Float32Array(n * T);
  const users = ds.users ? new Int32Array(n) : null;
  for (let i = 0; i < n; i++) {
    const r = index[i];
    if (!(r >= 0 && r < ds.rows)) throw new Error(`subsetDataset: row ${r} outside [0, ${ds.rows})`);
    cat.set(ds.cat.subarray(r * F, r * F + F), i * F);
    if (D) dense.set(ds.dense.subarray(r * D, r * D + D), i * D);
    labels.set(ds.labels.subarray(r * T, r * T + T), i * T);
    if (users) users[i] = ds.users![r];
  }
  return { ...ds, name, rows: n, cat, dense, labels, users };
}

/** Keeps only the named tasks (in the given order). */
export function selectTasks(ds: Dataset, names: readonly string[]): Dataset {
  const T = ds.taskNames.length;
  const cols = names.map((n) => {
    const k = ds.taskNames.indexOf(n);
    if (k < 0) throw new Error(`selectTasks: dataset ${ds.name} has no task "${n}" (tasks: ${ds.taskNames.join(', ')})`);
    return k;
  });
  const labels = new Float32Array(ds.rows * cols.length);
  for (let r = 0; r < ds.rows; r++) for (let j = 0; j < cols.length; j++) labels[r * cols.length + j] = ds.labels[r * T + cols[j]];
  return { ...ds, taskNames: [...names], labels };
}

export interface DatasetSummary {
  name: string;
  rows: number;
  users: number | null;
  fields: { name: string; vocabSize: number }[];
  dense: readonly string[];
  /** Positive rate per task. */
  positiveRates: Record<string, number>;
}

export function describeDataset(ds: Dataset): DatasetSummary {
  const T = ds.taskNames.length;
  const pos = new Float64Array(T);
  for (let i = 0; i < ds.labels.length; i++) pos[i % T] += ds.labels[i];
  const positiveRates: Record<string, number> = {};
  ds.taskNames.forEach((t, k) => (positiveRates[t] = ds.rows ? pos[k] / ds.rows : 0));
  return {
    name: ds.name,
    rows: ds.rows,
    users: ds.users ? new Set(ds.users).size : null,
    fields: ds.fields.map((f) => ({ name: f.name, vocabSize: f.vocabSize })),
    dense: ds.denseNames,
    positiveRates,
  };
}
