/**
 * Any CSV + a schema (schema.ts) -> a Dataset and its Encoders, in one streaming pass over the
 * records a reader hands over (csv-loader.ts reads a file in Node, csv-text.ts text in a
 * browser: the same rules and the same errors either way).
 *
 * Rules (also in docs/data.md):
 * - Fields are trimmed of surrounding spaces / tabs; comparisons use the trimmed text.
 * - Missing = a trimmed value in `schema.missing` (default "", "?", "NA", "N/A", "null", "NaN").
 *   Categorical / user -> id 0; bucketised numeric -> id 0; numeric value -> 0 after
 *   standardisation (the mean). A missing value in a column a label is read from is an error.
 * - Categorical ids are given in order of first appearance (1, 2, ...); with `minCount` > 1 the
 *   values seen fewer times map to 0 and the rest are renumbered in the same order.
 * - Bucket edges are quantiles of the loaded column (encoders.ts); values are standardised with
 *   the loaded column's mean and population std (std 0 -> 1).
 * - With `encoders` given, nothing is fitted: unseen values map to 0 and the given edges and
 *   constants are used, so a trained model sees new data encoded as it was trained.
 * - Errors (DataError) name the file, line and column; the loader returns nothing on error.
 */
import type { CsvHeader, CsvReadOptions } from './csv-records.ts';
import { makeDataset } from './dataset.ts';
import { bucketOf, quantileEdges, vocabMap, type CategoricalEncoder, type Encoders } from './encoders.ts';
import { DataError } from './errors.ts';
import { GrowFloat64, GrowInt32 } from './grow.ts';
import { DEFAULT_MISSING, type CsvSchema, type LabelRule } from './schema.ts';
import type { Dataset, FieldInfo } from './types.ts';

export interface LoadCsvOptions {
  /** Apply these encoders instead of fitting new ones. */
  encoders?: Encoders;
  /** Categorical values seen fewer times map to the unknown id 0 (fitting only). Default 1. */
  minCount?: number;
  /** Dataset name. Default: the schema's name or the file name. */
  name?: string;
}

export interface LoadedCsv {
  dataset: Dataset;
  encoders: Encoders;
  /**
   * rows; missing values per column; for each task given by a rule, up to 20 distinct raw
   * values of its column (to explain a rule that matches nothing).
   */
  stats: { rows: number; missing: Record<string, number>; labelValues: Record<string, string[]> };
}

/** Reads a CSV: the header once, then every data row with its 1-based line (csv-records.ts). */
export type CsvReader = (onHeader: (h: CsvHeader) => void, onRow: (fields: string[], line: number) => void, opts: CsvReadOptions) => Promise<number>;

/** Decodes the CSV `read` hands over (`file` names it in errors) with a validated schema. */
export async function decodeCsv(file: string, read: CsvReader, schema: CsvSchema, opts: LoadCsvOptions = {}): Promise<LoadedCsv> {
  const missingSet = new Set(schema.missing ?? DEFAULT_MISSING);
  const catCols = schema.categorical ?? [];
  const numSpecs = (schema.numeric ?? []).map((n) => {
    const o = typeof n === 'string' ? { column: n } : n;
    return { column: o.column, as: o.as ?? schema.numericAs ?? 'bucket', buckets: o.buckets ?? schema.buckets ?? 10 };
  });
  const bucketCols = numSpecs.filter((n) => n.as !== 'value');
  const valueCols = numSpecs.filter((n) => n.as !== 'bucket');
  const taskNames = Object.keys(schema.labels);
  const rules = taskNames.map((t) => schema.labels[t]);
  const frozen = opts.encoders ?? null;
  if (frozen) checkEncodersFit(frozen, schema, file);

  // Column indices, resolved from the header.
  let catIdx: number[] = [], numIdx: number[] = [], userIdx = -1, labelIdx: number[] = [], width = 0;
  // Per categorical column (and the user column last): raw value -> id.
  const maps: Map<string, number>[] = [...catCols, ...(schema.user ? [schema.user] : [])].map((c, k) =>
    frozen ? vocabMap(k < catCols.length ? frozen.categorical[k] : frozen.user!) : new Map(),
  );
  const catIds = new GrowInt32();
  const userIds = new GrowInt32();
  const numVals = numSpecs.map(() => new GrowFloat64());
  const labels = new GrowInt32();
  const missing: Record<string, number> = {};
  const countMissing = (c: string) => (missing[c] = (missing[c] ?? 0) + 1);
  const seenValues = rules.map(() => new Set<string>());

  const rows = await read(
    (h) => {
      width = h.names.length;
      catIdx = catCols.map((c) => h.index(c, 'the schema ("categorical")'));
      numIdx = numSpecs.map((n) => h.index(n.column, 'the schema ("numeric")'));
      userIdx = schema.user ? h.index(schema.user, 'the schema ("user")') : -1;
      labelIdx = rules.map((r, k) => h.index(typeof r === 'string' ? r : r.column, `the schema (label "${taskNames[k]}")`));
    },
    (f, line) => {
      if (f.length !== width) throw new DataError(file, line, null, `malformed row: expected ${width} fields, got ${f.length}`);
      for (let k = 0; k < catIdx.length; k++) catIds.push(encode(maps[k], f[catIdx[k]], catCols[k]));
      if (userIdx >= 0) userIds.push(encode(maps[catCols.length], f[userIdx], schema.user!));
      for (let k = 0; k < numIdx.length; k++) {
        const v = f[numIdx[k]];
        if (missingSet.has(v)) {
          countMissing(numSpecs[k].column);
          numVals[k].push(NaN);
          continue;
        }
        const x = Number(v);
        if (!Number.isFinite(x)) throw new DataError(file, line, numSpecs[k].column, `"${v}" is not a finite number (numeric column)`);
        numVals[k].push(x);
      }
      for (let k = 0; k < labelIdx.length; k++) labels.push(labelValue(k, f[labelIdx[k]], line));
    },
    { delimiter: schema.delimiter },
  );

  function encode(map: Map<string, number>, v: string, column: string): number {
    if (missingSet.has(v)) {
      countMissing(column);
      return 0;
    }
    const id = map.get(v);
    if (id !== undefined) return id;
    if (frozen) return 0;
    const next = map.size + 1;
    map.set(v, next);
    return next;
  }

  function labelValue(k: number, v: string, line: number): number {
    const rule: LabelRule = rules[k], task = taskNames[k];
    const column = typeof rule === 'string' ? rule : rule.column;
    if (missingSet.has(v)) {
      throw new DataError(file, line, column, `missing value for label "${task}" (labels must be present; drop such rows first)`);
    }
    if (typeof rule !== 'string' && seenValues[k].size < 20) seenValues[k].add(v);
    if (typeof rule === 'string') {
      const l = v.toLowerCase();
      if (l === 'true') return 1;
      if (l === 'false') return 0;
      const x = Number(v);
      if (x === 0 || x === 1) return x;
      throw new DataError(file, line, column, `non-binary label "${v}" for task "${task}" (expected 0 or 1; use {"column", "equals"} to derive one)`);
    }
    if ('equals' in rule) return v === rule.equals ? 1 : 0;
    if ('in' in rule) return rule.in.includes(v) ? 1 : 0;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new DataError(file, line, column, `"${v}" is not a number (label "${task}" compares it)`);
    if ('gt' in rule) return x > rule.gt ? 1 : 0;
    if ('gte' in rule) return x >= rule.gte ? 1 : 0;
    if ('lt' in rule) return x < rule.lt ? 1 : 0;
    return x <= rule.lte ? 1 : 0;
  }

  // Vocabularies (with min-count pruning when fitting).
  const C = catCols.length;
  let cat = catIds.toArray();
  let users = schema.user ? userIds.toArray() : null;
  const catEnc: CategoricalEncoder[] = [];
  const minCount = opts.minCount ?? 1;
  for (let k = 0; k < C + (schema.user ? 1 : 0); k++) {
    const column = k < C ? catCols[k] : schema.user!;
    if (frozen) {
      catEnc.push(k < C ? frozen.categorical[k] : frozen.user!);
      continue;
    }
    const values = [...maps[k].keys()];
    if (minCount > 1) {
      const target = k < C ? cat : users!;
      const stride = k < C ? C : 1, off = k < C ? k : 0;
      const counts = new Int32Array(values.length + 1);
      for (let i = off; i < target.length; i += stride) counts[target[i]]++;
      const remap = new Int32Array(values.length + 1);
      const kept: string[] = [];
      for (let id = 1; id <= values.length; id++) if (counts[id] >= minCount) remap[id] = kept.push(values[id - 1]);
      for (let i = off; i < target.length; i += stride) target[i] = remap[target[i]];
      catEnc.push({ column, values: kept });
    } else {
      catEnc.push({ column, values });
    }
  }

  // Numeric columns: bucket ids (extra categorical fields) and standardised values.
  const buckets = bucketCols.map((spec) => {
    const k = numSpecs.indexOf(spec);
    if (frozen) return frozen.buckets.find((b) => b.column === spec.column)!;
    const all = numVals[k].toArray();
    return { column: spec.column, edges: quantileEdges(all.filter((x) => !Number.isNaN(x)), spec.buckets) };
  });
  const values = valueCols.map((spec) => {
    const k = numSpecs.indexOf(spec);
    if (frozen) return frozen.values.find((b) => b.column === spec.column)!;
    let n = 0, m = 0, s = 0;
    const a = numVals[k].data;
    for (let i = 0; i < rows; i++) if (!Number.isNaN(a[i])) { n++; m += a[i]; }
    m = n ? m / n : 0;
    for (let i = 0; i < rows; i++) if (!Number.isNaN(a[i])) s += (a[i] - m) ** 2;
    const std = n ? Math.sqrt(s / n) : 0;
    return { column: spec.column, mean: m, std: std > 0 ? std : 1 };
  });

  const Fb = buckets.length, F = C + Fb, D = values.length, T = taskNames.length;
  const allCat = new Int32Array(rows * F);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < C; k++) allCat[r * F + k] = cat[r * C + k];
    for (let b = 0; b < Fb; b++) {
      const x = numVals[numSpecs.indexOf(bucketCols[b])].data[r];
      allCat[r * F + C + b] = Number.isNaN(x) ? 0 : bucketOf(buckets[b].edges, x);
    }
  }
  cat = allCat;
  const dense = new Float32Array(rows * D);
  for (let d = 0; d < D; d++) {
    const a = numVals[numSpecs.indexOf(valueCols[d])].data, { mean, std } = values[d];
    for (let r = 0; r < rows; r++) dense[r * D + d] = Number.isNaN(a[r]) ? 0 : (a[r] - mean) / std;
  }
  const lab = new Float32Array(rows * T);
  for (let i = 0; i < rows * T; i++) lab[i] = labels.data[i];

  const fields: FieldInfo[] = [
    ...catEnc.slice(0, C).map((e) => ({ name: e.column, vocabSize: e.values.length + 1 })),
    ...buckets.map((b) => ({ name: b.column, vocabSize: b.edges.length + 2 })),
  ];
  const encoders: Encoders = {
    format: 'mtlkit-encoders',
    version: 1,
    source: file,
    categorical: catEnc.slice(0, C),
    buckets,
    values,
    user: schema.user ? catEnc[C] : null,
  };
  const dataset = makeDataset({
    name: opts.name ?? schema.name ?? file,
    fields,
    cat,
    denseNames: values.map((v) => v.column),
    dense,
    taskNames,
    labels: lab,
    users,
  });
  const labelValues: Record<string, string[]> = {};
  taskNames.forEach((t, k) => { if (typeof rules[k] !== 'string') labelValues[t] = [...seenValues[k]]; });
  return { dataset, encoders, stats: { rows, missing, labelValues } };
}

function checkEncodersFit(enc: Encoders, schema: CsvSchema, file: string): void {
  const cats = schema.categorical ?? [];
  const same = enc.categorical.length === cats.length && enc.categorical.every((c, k) => c.column === cats[k]);
  if (!same) throw new DataError(file, null, null, `encoders were fitted for categorical columns [${enc.categorical.map((c) => c.column).join(', ')}], the schema has [${cats.join(', ')}]`);
  if (!!schema.user !== !!enc.user || (enc.user && enc.user.column !== schema.user)) {
    throw new DataError(file, null, schema.user ?? null, 'encoders and schema disagree on the user column');
  }
  for (const n of schema.numeric ?? []) {
    const o = typeof n === 'string' ? { column: n, as: undefined } : n;
    const as = o.as ?? schema.numericAs ?? 'bucket';
    if (as !== 'value' && !enc.buckets.some((b) => b.column === o.column)) throw new DataError(file, null, o.column, 'no bucket edges for this column in the encoders');
    if (as !== 'bucket' && !enc.values.some((b) => b.column === o.column)) throw new DataError(file, null, o.column, 'no mean / std for this column in the encoders');
  }
}
