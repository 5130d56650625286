/**
 * The tables of a dropped folder: a run's final metrics (test and validation per task, and
 * their mean), and an experiment's tables made by the report library itself (experimentTables,
 * toHtml: the very tables of its report.html).
 */
import { experimentTables, toHtml, type ExperimentJson } from '../../../src/core.ts';
import type { RunView } from './folder.ts';

type Score = { auc?: number | null; gauc?: number | null; ne?: number | null } | null | undefined;

const cell = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : 'n/a');
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' } as Record<string, string>)[c]};`);

/** final.json's metrics as an HTML table, or null when the run has no final.json. */
export function runMetricsHtml(run: RunView): string | null {
  const f = run.final;
  if (!f) return null;
  const metrics = ['auc', 'gauc', 'ne'] as const;
  const splits = ['test', 'valid'] as const;
  const row = (label: string, pick: (split: (typeof splits)[number], m: (typeof metrics)[number]) => unknown): string =>
    `<tr><td>${esc(label)}</td>${splits.flatMap((s) => metrics.map((m) => `<td>${cell(pick(s, m))}</td>`)).join('')}</tr>`;
  const score = (s: (typeof splits)[number], t: string): Score => (f[s] as Record<string, Score> | undefined)?.[t];
  const mean = (s: (typeof splits)[number], m: (typeof metrics)[number]): number | null => {
    const v = run.tasks.map((t) => score(s, t)?.[m]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return v.length === run.tasks.length && v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const head = `<tr><th rowspan="2">Task</th>${splits.map((s) => `<th colspan="3">${s}</th>`).join('')}</tr><tr>${splits.map(() => '<th>AUC</th><th>GAUC</th><th>NE</th>').join('')}</tr>`;
  const body = run.tasks.map((t) => row(t, (s, m) => score(s, t)?.[m])).join('') + row('mean over tasks (AV)', mean);
  return `<table class="mtl-table" data-table="run-metrics"><caption>Final metrics (best epoch ${esc(String(f.best_epoch))})</caption><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** The experiment's tables, as `mtlkit report` writes them into report.html. */
export function experimentTablesHtml(exp: ExperimentJson): { count: number; html: string } {
  const tables = experimentTables(exp);
  return { count: tables.length, html: tables.map(toHtml).join('\n') };
}
