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
 *     "delimiter": ",",             (optional)
 *     "constantLabels": "error"     (optional; "warn" trains on a label with one class)
 *   }
 *
 * A label given as a string names a column holding 0/1 (also accepted: 0.0 / 1.0, true / false).
 * A numeric column is either bucketised into quantile buckets (a categorical field, the
 * default), used as a standardised value (a dense feature), or both (`"as": "both"`).
 */
import { need } from '../platform/host.ts';
import { DataError } from './errors.ts';
import { didYouMean } from './suggest.ts';

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
  /** A label with one class in the training split: 'error' (default) or 'warn'. */
  constantLabels?: 'error' | 'warn';
}

export const DEFAULT_MISSING = ['', '?', 'NA', 'N/A', 'null', 'NaN'];

const TOP_KEYS = ['name', 'categorical', 'numeric', 'user', 'labels', 'missing', 'buckets', 'numericAs', 'delimiter', 'constantLabels'];
const NUMERIC_KEYS = ['column', 'as', 'buckets'];
const RULE_OPS = ['equals', 'in', 'gt', 'gte', 'lt', 'lte'];
const MODES = ['bucket', 'value', 'both'];

/**
 * Checks a parsed schema and returns it typed; `where` names the source in errors. Every level
 * is strict: an unknown key at the top, in a "numeric" entry or in a label rule is an error that
 * names the entry and the valid keys, so a typo never silently falls back to a default.
 */
export function validateSchema(raw: unknown, where = 'schema'): CsvSchema {
  const bad = (msg: string, col: string | null = null): never => {
    throw new DataError(where, null, col, msg);
  };
  const unknownKeys = (o: object, known: string[], what: string, col: string | null = null) => {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) bad(`${what}unknown key "${k}" (valid keys: ${known.join(', ')})${didYouMean(k, known)}`, col);
    }
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('a schema must be a JSON object');
  const s = raw as Record<string, unknown>;
  unknownKeys(s, TOP_KEYS, 'schema: ');
  const strings = (v: unknown, key: string) => {
    if (v === undefined) return;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) bad(`"${key}" must be an array of column names`);
  };
  if (s.name !== undefined && typeof s.name !== 'string') bad('"name" must be a string');
  strings(s.categorical, 'categorical');
  strings(s.missing, 'missing');
  if (s.user !== undefined && typeof s.user !== 'string') bad('"user" must be a column name');
  if (s.buckets !== undefined && !(Number.isInteger(s.buckets) && (s.buckets as number) >= 2)) bad('"buckets" must be an integer >= 2');
  if (s.numericAs !== undefined && !MODES.includes(s.numericAs as string)) bad(`"numericAs" must be one of ${MODES.join(', ')}`);
  if (s.delimiter !== undefined && (typeof s.delimiter !== 'string' || s.delimiter.length !== 1 || /["\r\n]/.test(s.delimiter))) {
    bad('"delimiter" must be one character other than a quote or a line break');
  }
  if (s.constantLabels !== undefined && s.constantLabels !== 'error' && s.constantLabels !== 'warn') {
    bad('"constantLabels" must be "error" (the default: a label with one class in the training split stops the load) or "warn"');
  }
  const featureOf = new Map<string, string>();
  const feature = (col: string, kind: string) => {
    const prev = featureOf.get(col);
    if (prev === kind) bad(`listed twice in "${kind}"; list each column once`, col);
    if (prev !== undefined) bad(`listed in both "${prev}" and "${kind}"; keep one (a numeric column can be bucketised and used as a value with "as": "both")`, col);
    featureOf.set(col, kind);
  };
  for (const c of (s.categorical as string[] | undefined) ?? []) feature(c, 'categorical');
  if (s.numeric !== undefined) {
    if (!Array.isArray(s.numeric)) bad('"numeric" must be an array');
    (s.numeric as unknown[]).forEach((n, i) => {
      if (typeof n === 'string') return feature(n, 'numeric');
      const o = n as Record<string, unknown>;
      if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.column !== 'string') {
        bad(`"numeric"[${i}]: an entry must be a column name or {"column", "as"?, "buckets"?}`);
      }
      const col = o.column as string;
      unknownKeys(o, NUMERIC_KEYS, `"numeric"[${i}]: `, col);
      if (o.as !== undefined && !MODES.includes(o.as as string)) bad(`"numeric"[${i}]: "as" must be one of ${MODES.join(', ')}`, col);
      if (o.buckets !== undefined && !(Number.isInteger(o.buckets) && (o.buckets as number) >= 2)) bad(`"numeric"[${i}]: "buckets" must be an integer >= 2`, col);
      feature(col, 'numeric');
    });
  }
  if (typeof s.labels !== 'object' || s.labels === null || Array.isArray(s.labels) || Object.keys(s.labels).length === 0) {
    bad('"labels" must be an object with at least one task, e.g. {"click": "click"}');
  }
  for (const [task, rule] of Object.entries(s.labels as Record<string, unknown>)) {
    if (typeof rule === 'string') continue;
    const r = rule as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || Array.isArray(r) || typeof r.column !== 'string') bad(`label "${task}": a rule must be a column name or {"column", ...}`);
    const col = r.column as string;
    unknownKeys(r, ['column', ...RULE_OPS], `label "${task}": `, col);
    const ops = Object.keys(r).filter((k) => k !== 'column');
    if (ops.length !== 1) bad(`label "${task}": give exactly one of ${RULE_OPS.join(', ')}`, col);
    const op = ops[0];
    if (op === 'equals' && typeof r.equals !== 'string') bad(`label "${task}": "equals" takes a string`, col);
    else if (op === 'in' && (!Array.isArray(r.in) || r.in.length === 0 || r.in.some((x) => typeof x !== 'string'))) bad(`label "${task}": "in" takes a non-empty array of strings`, col);
    else if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof r[op] !== 'number') bad(`label "${task}": "${op}" takes a number`, col);
  }
  return s as unknown as CsvSchema;
}

/** The rule as the user wrote it, for messages. */
export function describeRule(rule: LabelRule): string {
  return typeof rule === 'string' ? `column "${rule}" (0 / 1)` : JSON.stringify(rule);
}

export function loadSchema(path: string): CsvSchema {
  let text: string;
  try {
    text = need('files', 'read the text yourself and call parseSchema').readText(path);
  } catch (e) {
    throw new DataError(path, null, null, `cannot read the schema: ${(e as Error).message}`);
  }
  return parseSchema(text, path);
}

/** A schema from its JSON text; `where` names the source in errors. */
export function parseSchema(text: string, where = 'schema'): CsvSchema {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DataError(where, null, null, `cannot read the schema: ${(e as Error).message}`);
  }
  return validateSchema(raw, where);
}
