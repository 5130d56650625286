/**
 * Encoders: everything needed to turn raw column values into a Dataset's ids and values the
 * same way again later (vocabularies, bucket edges, standardisation constants). Saved as JSON
 * next to a trained model and loaded to apply it to new files.
 *
 * Categorical: `values[k]` is the raw string of id k + 1; id 0 is unknown / missing.
 * Buckets: ids 1..edges.length+1 for bucket (edges[j-1], edges[j]] (lower-open), 0 missing.
 * Values: (x - mean) / std, missing -> 0 (the mean).
 */
import { need } from '../platform/host.ts';
import { DataError } from './errors.ts';

export interface CategoricalEncoder {
  column: string;
  values: string[];
}
export interface BucketEncoder {
  column: string;
  edges: number[];
}
export interface ValueEncoder {
  column: string;
  mean: number;
  std: number;
}

export interface Encoders {
  format: 'mtlkit-encoders';
  version: 1;
  /** Where they were fitted (for the record). */
  source: string;
  categorical: CategoricalEncoder[];
  buckets: BucketEncoder[];
  values: ValueEncoder[];
  user: CategoricalEncoder | null;
}

/** A lookup from raw string to id for a categorical encoder (unknown -> 0). */
export function vocabMap(enc: CategoricalEncoder): Map<string, number> {
  const m = new Map<string, number>();
  enc.values.forEach((v, k) => m.set(v, k + 1));
  return m;
}

/** Bucket id of x: 1 + number of edges strictly below x. */
export function bucketOf(edges: ArrayLike<number>, x: number): number {
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

/**
 * Quantile bucket edges of the (non-missing) values: the distinct values at the lower
 * quantiles j / buckets, j = 1 .. buckets - 1. Heavy ties give fewer buckets.
 */
export function quantileEdges(values: Float64Array, buckets: number): number[] {
  if (values.length === 0) return [];
  const s = Float64Array.from(values).sort();
  const edges: number[] = [];
  for (let j = 1; j < buckets; j++) {
    const v = s[Math.floor((j * (s.length - 1)) / buckets)];
    if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
  }
  return edges;
}

/** Writes atomically (temporary file, then rename): never a half-written file. */
export function saveEncoders(path: string, enc: Encoders): void {
  const files = need('files', 'keep encoders in memory (they are plain JSON: parseEncoders reads them back)');
  const tmp = files.tempBeside(path);
  files.writeText(tmp, JSON.stringify(enc, null, 1) + '\n');
  files.rename(tmp, path);
}

export function loadEncoders(path: string): Encoders {
  let text: string;
  try {
    text = need('files', 'read the text yourself and call parseEncoders').readText(path);
  } catch (e) {
    throw new DataError(path, null, null, `cannot read encoders: ${(e as Error).message}`);
  }
  return parseEncoders(text, path);
}

/** Encoders from their JSON text; `path` names the source in errors. */
export function parseEncoders(text: string, path = 'encoders'): Encoders {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError(path, null, null, `cannot read encoders: ${(e as Error).message}`);
  }
  const enc = raw as Encoders;
  if (!enc || enc.format !== 'mtlkit-encoders' || enc.version !== 1) {
    throw new DataError(path, null, null, 'not an mtlkit encoders file (expected format "mtlkit-encoders", version 1)');
  }
  for (const c of [...enc.categorical, ...(enc.user ? [enc.user] : [])]) {
    if (typeof c.column !== 'string' || !Array.isArray(c.values)) throw new DataError(path, null, c.column ?? null, 'bad categorical encoder');
  }
  return enc;
}
