/**
 * A label with one class in a split: every row 0 (a rule that matches nothing, e.g. ">50k" for
 * ">50K") or every row 1. Trained on, such a task learns nothing and has no AUC, so the mean
 * validation AUC that early stopping and sweeps select on would silently cover fewer tasks.
 */
import { DataError } from './errors.ts';
import { describeRule, type LabelRule } from './schema.ts';
import { didYouMean } from './suggest.ts';
import type { Dataset } from './types.ts';

/** What the loader saw, to explain a constant label: its rule and a few raw values. */
export interface LabelSource {
  /** The data file (or a name such as "synthetic"). */
  file: string;
  rules?: Record<string, LabelRule>;
  /** Some distinct raw values of each rule's column (loadCsv's `stats.labelValues`). */
  values?: Record<string, string[]>;
}

/** A label with one class in the named split; `task`, `positives`, `rows` say which and how. */
export class ConstantLabelError extends DataError {
  constructor(
    file: string,
    column: string | null,
    reason: string,
    readonly task: string,
    readonly split: string,
    readonly positives: number,
    readonly rows: number,
  ) {
    super(file, null, column, reason);
    this.name = 'ConstantLabelError';
  }
}

/** Positives per task of `ds`. */
export function positivesPerTask(ds: Dataset): number[] {
  const T = ds.taskNames.length;
  const pos = new Array<number>(T).fill(0);
  for (let i = 0; i < ds.labels.length; i++) pos[i % T] += ds.labels[i];
  return pos;
}

/**
 * One ConstantLabelError per task of `ds` whose labels are all 0 or all 1 (none when every task
 * has both classes). `fix` ends each message: how to proceed anyway.
 */
export function constantLabels(ds: Dataset, split: string, src: LabelSource, fix: string): ConstantLabelError[] {
  const pos = positivesPerTask(ds);
  const out: ConstantLabelError[] = [];
  ds.taskNames.forEach((task, t) => {
    if (ds.rows === 0 || (pos[t] > 0 && pos[t] < ds.rows)) return;
    const rule = src.rules?.[task];
    const column = rule === undefined ? null : typeof rule === 'string' ? rule : rule.column;
    const cls = pos[t] === 0 ? 'every row 0' : 'every row 1';
    let hint = '';
    const seen = src.values?.[task];
    if (rule !== undefined && typeof rule !== 'string' && seen?.length) {
      const wanted = 'equals' in rule ? [rule.equals] : 'in' in rule ? rule.in : [];
      const near = wanted.map((w) => didYouMean(w, seen)).find((s) => s !== '') ?? '';
      hint = `; the column's values include ${seen.slice(0, 8).map((v) => JSON.stringify(v)).join(', ')}${near}`;
    }
    const what = rule === undefined ? `label "${task}"` : `label "${task}" (rule ${describeRule(rule)})`;
    out.push(new ConstantLabelError(
      src.file, column,
      `${what} has one class in the ${split} split: ${pos[t]} positives / ${ds.rows} rows (${cls})${hint}; check the rule, or ${fix}`,
      task, split, pos[t], ds.rows,
    ));
  });
  return out;
}
