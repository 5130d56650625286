/**
 * The schema that lets any CSV become a multi-task Dataset:
 *
 *   {
 *     "categorical": ["user_id", "item_id", "gender"],
 *     "numeric": ["age", {"column": "income_k", "as": "value"}, {"column": "n", "buckets": 5}],
 *     "user": "user_id",
 *     "labels": {"like": "like", "rich": {"column": "income", "equals": ">50K"},
 *                "long": {"column": "watch", "gt": 30}, "adult": {"column": "age", "gte": 18},
 *                "married": {"column": "marital", "in": ["Married-civ-spouse", "Married-AF-spouse"]}},
 *     "missing": ["", "?", "NA"],   (optional; this is the default list plus "N/A", "null", "NaN")
 *     "buckets": 10,                (optional: default number of quantile buckets)
 *     "numericAs": "bucket",        (optional: default treatment of a numeric column)
 *     "delimiter": ","              (optional)
 *   }
 *
 * A label given as a string names a column holding 0/1 (also accepted: 0.0 / 1.0, true / false).
 * A numeric column is either bucketised into quantile buckets (a categorical field, the
 * default), used as a standardised value (a dense feature), or both (`"as": "both"`).
 */
import { readFileSync } from 'node:fs';
import { DataError } from './errors.ts';

export type LabelRule =
  | string
  | { column: string; equals: string }
  | { column: string; in: string[] }
  | { column: string; gt: number }
  | { column: string; gte: number }
  | { column: string; lt: number }
  | { column: string; lte: number };

export type NumericSpec = string | { column: string; as?: 'bucket' | 'value' | 'both'; buckets?: number };

export interface CsvSchema {
  name?: string;
  categorical?: string[];
  numeric?: NumericSpec[];
  user?: string;
  labels: Record<string, LabelRule>;
  missing?: string[];
  buckets?: number;
  numericAs?: 'bucket' | 'value' | 'both';
  delimiter?: string;
}

export const DEFAULT_MISSING = ['', '?', 'NA', 'N/A', 'null', 'NaN'];

/** Checks a parsed schema and returns it typed; `where` names the source in errors. */
export function validateSchema(raw: unknown, where = 'schema'): CsvSchema {
  const bad = (msg: string, col: string | null = null): never => {
    throw new DataError(where, null, col, msg);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('a schema must be a JSON object');
  const s = raw as Record<string, unknown>;
  const known = ['name', 'categorical', 'numeric', 'user', 'labels', 'missing', 'buckets', 'numericAs', 'delimiter'];
  for (const k of Object.keys(s)) if (!known.includes(k)) bad(`unknown schema key "${k}" (known: ${known.join(', ')})`);
  const strings = (v: unknown, key: string) => {
    if (v === undefined) return;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(`"${key}" must be an array of column names`);
  };
  strings(s.categorical, 'categorical');
  strings(s.missing, 'missing');
  if (s.user !== undefined && typeof s.user !== 'string') bad('"user" must be a column name');
  if (s.buckets !== undefined && !(Number.isInteger(s.buckets) && (s.buckets as number) >= 2)) bad('"buckets" must be an integer >= 2');
  const modes = ['bucket', 'value', 'both'];
  if (s.numericAs !== undefined && !modes.includes(s.numericAs as string)) bad(`"numericAs" must be one of ${modes.join(', ')}`);
  if (s.delimiter !== undefined && (typeof s.delimiter !== 'string' || s.delimiter.length !== 1)) bad('"delimiter" must be one character');
  if (s.numeric !== undefined) {
    if (!Array.isArray(s.numeric)) bad('"numeric" must be an array');
    for (const n of s.numeric as unknown[]) {
      if (typeof n === 'string') continue;
      const o = n as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || typeof o.column !== 'string') bad('a "numeric" entry must be a column name or {"column", "as"?, "buckets"?}');
      if (o.as !== undefined && !modes.includes(o.as as string)) bad(`"as" must be one of ${modes.join(', ')}`, o.column as string);
      if (o.buckets !== undefined && !(Number.isInteger(o.buckets) && (o.buckets as number) >= 2)) bad('"buckets" must be an integer >= 2', o.column as string);
    }
  }
  if (typeof s.labels !== 'object' || s.labels === null || Array.isArray(s.labels) || Object.keys(s.labels).length === 0) {
    bad('"labels" must be an object with at least one task, e.g. {"click": "click"}');
  }
  for (const [task, rule] of Object.entries(s.labels as Record<string, unknown>)) {
    if (typeof rule === 'string') continue;
    const r = rule as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || typeof r.column !== 'string') bad(`label "${task}": a rule must be a column name or {"column", ...}`);
    const ops = Object.keys(r).filter((k) => k !== 'column');
    if (ops.length !== 1) bad(`label "${task}": give exactly one of equals, in, gt, gte, lt, lte`, r.column as string);
    const op = ops[0];
    if (op === 'equals' && typeof r.equals !== 'string') bad(`label "${task}": "equals" takes a string`, r.column as string);
    else if (op === 'in' && (!Array.isArray(r.in) || r.in.some((x) => typeof x !== 'string'))) bad(`label "${task}": "in" takes an array of strings`, r.column as string);
    else if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof r[op] !== 'number') bad(`label "${task}": "${op}" takes a number`, r.column as string);
    else if (!['equals', 'in', 'gt', 'gte', 'lt', 'lte'].includes(op)) bad(`label "${task}": unknown rule "${op}"`, r.column as string);
  }
  return s as unknown as CsvSchema;
}

export function loadSchema(path: string): CsvSchema {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataError(path, null, null, `cannot read the schema: ${(e as Error).message}`);
  }
  return validateSchema(raw, path);
}
