/**
 * The experiment tables: GradCraft Table 2 (methods x per-task AUC / GAUC with AV and RI),
 * Table 3 (ablations), the tau / epsilon / task-number sweeps, and the MultiBalance tables
 * (throughput drop and NE gain over EW, baselines, learning rates). Rows of experiment.json
 * that share method, label, parameters and task set are one table row: their seeds are
 * summarised as mean ± std.
 */
import { REFERENCE_METHOD } from '../experiments/methods.ts';
import { isPlainObject } from '../train/json-checks.ts';
import { average, meanStd, metricOf, neGain, splitRelativeImprovement, throughputDrop, type MetricName } from './metrics.ts';
import { markBest, numberCell, textCell, type Cell, type Column, type Table } from './table.ts';
import type { ExperimentJson, ExperimentRow } from './types.ts';
import { evaluateFindings } from './findings/evaluate.ts';
import { findingsTable } from './findings/table.ts';
import { findingsViews } from './findings/views.ts';
import { conflictTable } from './conflict.ts';
import { resolutionTable } from './resolution.ts';

/** Rows of one method / setting, over seeds. */
export interface RowGroup {
  key: string;
  method: string;
  label: string;
  param: Record<string, unknown> | null;
  tasks: string[];
  runs: ExperimentRow[];
}

export function isMethod(row: { method: string }, id: string): boolean {
  return row.method.toLowerCase() === id;
}

/** Groups rows by method, label, parameters and task set, keeping first-seen order. */
export function groupRows(exp: ExperimentJson): RowGroup[] {
  const groups = new Map<string, RowGroup>();
  for (const r of exp.rows) {
    const tasks = r.tasks ?? exp.tasks;
    const label = r.label ?? r.method;
    const param = r.param ?? null;
    const key = JSON.stringify([r.method, label, param, tasks]);
    let g = groups.get(key);
    if (!g) {
      g = { key, method: r.method, label, param, tasks, runs: [] };
      groups.set(key, g);
    }
    g.runs.push(r);
  }
  return [...groups.values()];
}

/** Per-task mean of a metric over a set of rows (the RI / NE-gain reference). */
export function referenceMeans(rows: ExperimentRow[], tasks: string[], m: MetricName): Record<string, number | null> {
  const ref: Record<string, number | null> = {};
  for (const t of tasks) ref[t] = meanStd(rows.map((r) => metricOf(r.test, t, m)))?.mean ?? null;
  return ref;
}

function allTasks(exp: ExperimentJson): string[] {
  const seen = new Set<string>(exp.tasks);
  for (const r of exp.rows) for (const t of r.tasks ?? []) seen.add(t);
  return [...seen];
}

function hasGauc(exp: ExperimentJson): boolean {
  return exp.rows.some((r) => (r.tasks ?? exp.tasks).some((t) => metricOf(r.test, t, 'gauc') !== null));
}

function paramText(v: unknown): string {
  if (typeof v === 'number') return v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5) ? v.toExponential() : String(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const AUC4 = (key: string, label: string, group?: string): Column => ({ key, label, group, kind: 'fixed', decimals: 4, better: 'higher' });
const PCT = (key: string, label: string, group?: string, decimals = 2, better: 'higher' | 'lower' = 'higher'): Column => ({
  key,
  label,
  group,
  kind: 'percent',
  decimals,
  better,
});

/** Summary statistics of one group of runs (per-seed values, then mean ± std). */
interface GroupStats {
  auc: Record<string, ReturnType<typeof meanStd>>;
  gauc: Record<string, ReturnType<typeof meanStd>>;
  avA: ReturnType<typeof meanStd>;
  avG: ReturnType<typeof meanStd>;
  riA: ReturnType<typeof meanStd>;
  riG: ReturnType<typeof meanStd>;
}

/**
 * AV and RI per run first, then mean ± std over the runs: RI of a seed is that seed's
 * improvement over Single's per-task mean (Single averaged over its own seeds).
 */
export function groupStats(g: RowGroup, refA: Record<string, number | null>, refG: Record<string, number | null>): GroupStats {
  const pct = (v: number | null): number | null => (v === null ? null : v * 100);
  const auc: GroupStats['auc'] = {};
  const gauc: GroupStats['gauc'] = {};
  for (const t of g.tasks) {
    auc[t] = meanStd(g.runs.map((r) => metricOf(r.test, t, 'auc')));
    gauc[t] = meanStd(g.runs.map((r) => metricOf(r.test, t, 'gauc')));
  }
  return {
    auc,
    gauc,
    avA: meanStd(g.runs.map((r) => average(r.test, g.tasks, 'auc'))),
    avG: meanStd(g.runs.map((r) => average(r.test, g.tasks, 'gauc'))),
    riA: meanStd(g.runs.map((r) => pct(splitRelativeImprovement(r.test, refA, g.tasks, 'auc')))),
    riG: meanStd(g.runs.map((r) => pct(splitRelativeImprovement(r.test, refG, g.tasks, 'gauc')))),
  };
}

function singleNote(single: ExperimentRow[]): string {
  return single.length
    ? 'RI-A / RI-G: mean relative improvement over Single per task (GradCraft eq. 14-15), in percent; Single is averaged over its seeds.'
    : 'RI-A / RI-G are n/a: the experiment has no Single row to compare with.';
}

export interface Table2Options {
  /** Method id of the RI reference (default "single"). */
  reference?: string;
  title?: string;
}

/** GradCraft Table 2: one row per method; AUC and GAUC column groups with AV and RI. */
export function table2(exp: ExperimentJson, opts: Table2Options = {}): Table {
  const refId = opts.reference ?? REFERENCE_METHOD;
  const tasks = exp.tasks;
  const single = exp.rows.filter((r) => isMethod(r, refId));
  const refA = referenceMeans(single, tasks, 'auc');
  const refG = referenceMeans(single, tasks, 'gauc');
  const gauc = hasGauc(exp);
  const columns: Column[] = [...tasks.map((t) => AUC4(`auc:${t}`, t, 'AUC')), { ...AUC4('av_a', 'AV-A', 'AUC'), standalone: true }, { ...PCT('ri_a', 'RI-A', 'AUC'), standalone: true }];
  if (gauc) columns.push(...tasks.map((t) => AUC4(`gauc:${t}`, t, 'GAUC')), { ...AUC4('av_g', 'AV-G', 'GAUC'), standalone: true }, { ...PCT('ri_g', 'RI-G', 'GAUC'), standalone: true });
  const byKey = new Map(columns.map((c) => [c.key, c]));
  const col = (k: string): Column => byKey.get(k)!;
  const rows = groupRows(exp).map((g) => {
    const s = groupStats({ ...g, tasks }, refA, refG);
    const cells: Record<string, Cell> = {};
    for (const t of tasks) cells[`auc:${t}`] = numberCell(col(`auc:${t}`), s.auc[t] ?? null);
    cells.av_a = numberCell(col('av_a'), s.avA);
    cells.ri_a = numberCell(col('ri_a'), s.riA);
    if (gauc) {
      for (const t of tasks) cells[`gauc:${t}`] = numberCell(col(`gauc:${t}`), s.gauc[t] ?? null);
      cells.av_g = numberCell(col('av_g'), s.avG);
      cells.ri_g = numberCell(col('ri_g'), s.riG);
    }
    return { label: groupLabel(g, exp), cells, ...(isMethod(g, refId) ? { reference: true } : {}) };
  });
  const notes = ['AV-A / AV-G: mean test AUC / GAUC over the tasks (eq. 12-13).', singleNote(single)];
  if (single.length) notes.push('The Single row is the reference: it takes no best / second marks.');
  if (!gauc) notes.push('GAUC columns are left out: no row has a GAUC (the data has no user ids).');
  notes.push(...sizeNote(exp), ...seedNote(exp));
  return markBest({ id: 'table2', title: opts.title ?? 'Performance comparison (GradCraft Table 2 layout), test split', rowHeader: 'Method', columns, rows, notes });
}

/**
 * What every run trained on, from the folder's config (absent in hand-made folders): a
 * ranking is only a ranking at a size, and the size is what a reader changes first.
 */
function sizeNote(exp: ExperimentJson): string[] {
  const c = isPlainObject(exp.config) ? exp.config : null;
  const base = c && isPlainObject(c.base) ? c.base : null;
  if (!c || !base) return [];
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const data = isPlainObject(base.data) ? base.data : {};
  const rows = num(data.rows);
  const parts = [
    `${typeof data.kind === 'string' ? data.kind : 'synthetic'} data${rows !== null ? `, ${rows.toLocaleString('en')} rows` : ''}`,
    typeof base.model === 'string' ? base.model : null,
    num(base.batchSize) !== null ? `batch ${num(base.batchSize)}` : null,
    num(base.lr) !== null ? `lr ${num(base.lr)}` : null,
    num(base.epochs) !== null ? `up to ${num(base.epochs)} epochs${num(base.patience) !== null ? ` (patience ${num(base.patience)}, the best validation epoch kept)` : ''}` : null,
  ].filter((x): x is string => x !== null);
  const seeds = Array.isArray(c.seeds) ? c.seeds.filter((x): x is number => typeof x === 'number') : [];
  const seedText = seeds.length ? `; ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds.length > 2 ? `${seeds[0]}-${seeds[seeds.length - 1]}` : seeds.join(', ')})` : '';
  return [`Size${typeof c.size === 'string' ? ` '${c.size}'` : ''}: ${parts.join(', ')}${seedText}.`];
}

/** With one seed per method nothing says which gaps are noise: the table must say so. */
function seedNote(exp: ExperimentJson): string[] {
  if (groupRows(exp).some((g) => new Set(g.runs.map((r) => r.seed)).size > 1)) return [];
  return ['One seed per method: the spread over seeds is unknown, so no gap in this table is known to be more than noise. With --seeds 2 or more the report adds which differences the seeds resolve (95% paired intervals).'];
}

/** A row label: the method's label, plus its parameters when the label alone is ambiguous. */
function groupLabel(g: RowGroup, exp: ExperimentJson): string {
  const same = exp.rows.filter((r) => (r.label ?? r.method) === g.label);
  const ambiguous = same.some((r) => JSON.stringify(r.param ?? null) !== JSON.stringify(g.param));
  if (!ambiguous || !g.param) return g.label;
  return `${g.label} (${Object.entries(g.param).map(([k, v]) => `${k}=${paramText(v)}`).join(', ')})`;
}

/** GradCraft Table 3 (ablations): AV-A, RI-A, AV-G, RI-G per variant; Single only as the reference. */
export function table3(exp: ExperimentJson, opts: Table2Options = {}): Table {
  const refId = opts.reference ?? REFERENCE_METHOD;
  const tasks = exp.tasks;
  const single = exp.rows.filter((r) => isMethod(r, refId));
  const refA = referenceMeans(single, tasks, 'auc');
  const refG = referenceMeans(single, tasks, 'gauc');
  const columns: Column[] = [AUC4('av_a', 'AV-A'), PCT('ri_a', 'RI-A'), AUC4('av_g', 'AV-G'), PCT('ri_g', 'RI-G')];
  const groups = groupRows(exp).filter((g) => !isMethod(g, refId));
  const rows = groups.map((g) => {
    const s = groupStats({ ...g, tasks }, refA, refG);
    return {
      label: groupLabel(g, exp),
      cells: {
        av_a: numberCell(columns[0]!, s.avA),
        ri_a: numberCell(columns[1]!, s.riA),
        av_g: numberCell(columns[2]!, s.avG),
        ri_g: numberCell(columns[3]!, s.riG),
      },
    };
  });
  return markBest({
    id: 'table3',
    title: opts.title ?? 'Ablation study (GradCraft Table 3 layout), test split',
    rowHeader: 'Method',
    columns,
    rows,
    notes: [singleNote(single), 'The Single row is the RI reference and is not listed.', ...sizeNote(exp), ...seedNote(exp)],
  });
}

/** Numeric value of a row's swept parameter (null when absent or not a number). */
export function paramValue(row: { param?: Record<string, unknown> | null }, name: string): number | null {
  const v = row.param?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * A sensitivity sweep (tau or epsilon, GradCraft Figures 2-3): one row per method and
 * parameter value, sorted by the value; AV-A, RI-A, AV-G, RI-G.
 */
export function sweepTable(exp: ExperimentJson, param: string, opts: Table2Options = {}): Table {
  const refId = opts.reference ?? REFERENCE_METHOD;
  const tasks = exp.tasks;
  const single = exp.rows.filter((r) => isMethod(r, refId));
  const refA = referenceMeans(single, tasks, 'auc');
  const refG = referenceMeans(single, tasks, 'gauc');
  const columns: Column[] = [
    { key: 'param', label: param, kind: 'text' },
    AUC4('av_a', 'AV-A'),
    PCT('ri_a', 'RI-A'),
    AUC4('av_g', 'AV-G'),
    PCT('ri_g', 'RI-G'),
  ];
  const groups = groupRows(exp)
    .filter((g) => !isMethod(g, refId) && paramValue(g, param) !== null)
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : paramValue(a, param)! - paramValue(b, param)!));
  const methods = new Set(groups.map((g) => g.label));
  const rows = groups.map((g) => {
    const s = groupStats({ ...g, tasks }, refA, refG);
    const v = paramValue(g, param)!;
    return {
      label: methods.size > 1 ? `${g.label}, ${param} = ${paramText(v)}` : `${param} = ${paramText(v)}`,
      cells: {
        param: textCell(paramText(v)),
        av_a: numberCell(columns[1]!, s.avA),
        ri_a: numberCell(columns[2]!, s.riA),
        av_g: numberCell(columns[3]!, s.avG),
        ri_g: numberCell(columns[4]!, s.riG),
      },
    };
  });
  const skipped = exp.rows.filter((r) => !isMethod(r, refId) && paramValue(r, param) === null).length;
  const notes = [singleNote(single)];
  if (skipped) notes.push(`${skipped} row(s) without a numeric param.${param} are not part of this sweep.`);
  return markBest({ id: `sweep-${param}`, title: `Sensitivity to ${param} (${[...methods].join(', ') || 'no rows'}), test split`, rowHeader: 'Setting', columns, rows, notes });
}

/** Number of tasks of a row in the `tasks` preset: param.T, else its task list's length. */
export function taskCount(row: ExperimentRow, exp: ExperimentJson): number {
  return paramValue(row, 'T') ?? (row.tasks ?? exp.tasks).length;
}

/**
 * Task-number study (GradCraft Figure 4): rows = methods, columns RI-A and RI-G for each T.
 * RI of a row uses its own task subset, against Single's per-task means.
 */
export function tasksTable(exp: ExperimentJson, opts: Table2Options = {}): Table {
  const refId = opts.reference ?? REFERENCE_METHOD;
  const everyTask = allTasks(exp);
  const single = exp.rows.filter((r) => isMethod(r, refId));
  const refA = referenceMeans(single, everyTask, 'auc');
  const refG = referenceMeans(single, everyTask, 'gauc');
  const Ts = [...new Set(exp.rows.filter((r) => !isMethod(r, refId)).map((r) => taskCount(r, exp)))].sort((a, b) => a - b);
  const gauc = hasGauc(exp);
  const columns: Column[] = [...Ts.map((T) => PCT(`ri_a:${T}`, `T = ${T}`, 'RI-A'))];
  if (gauc) columns.push(...Ts.map((T) => PCT(`ri_g:${T}`, `T = ${T}`, 'RI-G')));
  const byKey = new Map(columns.map((c) => [c.key, c]));
  const labels = [...new Set(exp.rows.filter((r) => !isMethod(r, refId)).map((r) => r.label ?? r.method))];
  const rows = labels.map((label) => {
    const cells: Record<string, Cell> = {};
    for (const T of Ts) {
      const runs = exp.rows.filter((r) => (r.label ?? r.method) === label && taskCount(r, exp) === T);
      if (runs.length === 0) continue;
      const tasks = runs[0]!.tasks ?? exp.tasks;
      const g: RowGroup = { key: label, method: runs[0]!.method, label, param: null, tasks, runs };
      const s = groupStats(g, refA, refG);
      cells[`ri_a:${T}`] = numberCell(byKey.get(`ri_a:${T}`)!, s.riA);
      if (gauc) cells[`ri_g:${T}`] = numberCell(byKey.get(`ri_g:${T}`)!, s.riG);
    }
    return { label, cells };
  });
  const subsets = Ts.map((T) => {
    const r = exp.rows.find((x) => !isMethod(x, refId) && taskCount(x, exp) === T);
    return `T = ${T}: ${(r?.tasks ?? exp.tasks).join(', ')}`;
  });
  return markBest({
    id: 'tasks',
    title: 'Effect of the number of tasks (GradCraft Figure 4), test split',
    rowHeader: 'Method',
    columns,
    rows,
    notes: [singleNote(single), `Task subsets: ${subsets.join('; ')}.`],
  });
}

/** NE gain of every task of a group over EW's per-task NE, per run then mean ± std. */
function neGainStats(g: RowGroup, refNe: Record<string, number | null>): { perTask: Record<string, ReturnType<typeof meanStd>>; avg: ReturnType<typeof meanStd> } {
  const perTask: Record<string, ReturnType<typeof meanStd>> = {};
  for (const t of g.tasks) perTask[t] = meanStd(g.runs.map((r) => neGain(metricOf(r.test, t, 'ne'), refNe[t] ?? null)));
  const avg = meanStd(
    g.runs.map((r) => {
      const gains = g.tasks.map((t) => neGain(metricOf(r.test, t, 'ne'), refNe[t] ?? null));
      return gains.some((x) => x === null) ? null : (gains as number[]).reduce((a, b) => a + b, 0) / gains.length;
    }),
  );
  return { perTask, avg };
}

function ewNote(ew: ExperimentRow[]): string {
  return ew.length
    ? 'NE gain over EW, in percent: (NE(EW) - NE(method)) / NE(EW) per task, so positive = better (MultiBalance Tables 2-4); EW averaged over its seeds.'
    : 'NE gains are n/a: the experiment has no EW row to compare with.';
}

/**
 * The MultiBalance tables: `modes` (its Table 2: balancing parameter vs representation
 * gradients, throughput drop against EW and NE gain per task; rows with param.mode),
 * `baselines` (its Table 3: NE gain over EW per task and on average; rows without param.lr)
 * and `lr` (its Table 4: average NE gain per learning rate; rows with param.lr). A table
 * with no rows is left out.
 */
export function multibalanceTables(exp: ExperimentJson): Table[] {
  const tasks = exp.tasks;
  const ew = exp.rows.filter((r) => isMethod(r, 'ew'));
  const refNe = referenceMeans(ew, tasks, 'ne');
  const ewQps = meanStd(ew.map((r) => r.timing?.samples_per_s ?? null))?.mean ?? null;
  const groups = groupRows(exp).filter((g) => !isMethod(g, 'ew'));
  const gainCols = (group: string): Column[] => tasks.map((t) => PCT(`ne:${t}`, t, group, 3));
  const out: Table[] = [];

  const modeGroups = groups.filter((g) => g.param && 'mode' in g.param);
  if (modeGroups.length) {
    const columns: Column[] = [
      { key: 'mode', label: 'Target balanced', kind: 'text' },
      PCT('qps', 'Throughput drop vs EW', undefined, 2, 'lower'),
      ...gainCols('NE gain'),
    ];
    const byKey = new Map(columns.map((c) => [c.key, c]));
    const rows = modeGroups.map((g) => {
      const ne = neGainStats(g, refNe);
      const cells: Record<string, Cell> = {
        mode: textCell(g.param!.mode === 'param' ? 'shared parameters' : g.param!.mode === 'rep' ? 'shared representation' : paramText(g.param!.mode)),
        qps: numberCell(byKey.get('qps')!, meanStd(g.runs.map((r) => throughputDrop(r.timing?.samples_per_s ?? null, ewQps)))),
      };
      for (const t of tasks) cells[`ne:${t}`] = numberCell(byKey.get(`ne:${t}`)!, ne.perTask[t] ?? null);
      return { label: groupLabel(g, exp), cells };
    });
    out.push(
      markBest({
        id: 'mb-modes',
        title: 'Balancing shared parameter vs shared representation gradients (MultiBalance Table 2 layout)',
        rowHeader: 'Method',
        columns,
        rows,
        notes: [ewNote(ew), 'Throughput drop: (samples/s of EW - samples/s of the method) / samples/s of EW, in percent; lower is better.'],
      }),
    );
  }

  const baseGroups = groups.filter((g) => paramValue(g, 'lr') === null);
  if (baseGroups.length) {
    const columns: Column[] = [...gainCols('NE gain'), PCT('avg', 'Average of all tasks', 'NE gain', 3)];
    const byKey = new Map(columns.map((c) => [c.key, c]));
    const rows = baseGroups.map((g) => {
      const ne = neGainStats(g, refNe);
      const cells: Record<string, Cell> = { avg: numberCell(byKey.get('avg')!, ne.avg) };
      for (const t of tasks) cells[`ne:${t}`] = numberCell(byKey.get(`ne:${t}`)!, ne.perTask[t] ?? null);
      return { label: groupLabel(g, exp), cells };
    });
    out.push(markBest({ id: 'mb-baselines', title: 'Baselines: NE gain over EW on the test split (MultiBalance Table 3 layout)', rowHeader: 'Method', columns, rows, notes: [ewNote(ew)] }));
  }

  const lrGroups = groups.filter((g) => paramValue(g, 'lr') !== null).sort((a, b) => paramValue(a, 'lr')! - paramValue(b, 'lr')!);
  if (lrGroups.length) {
    const columns: Column[] = [PCT('avg', 'Average NE gain'), ...gainCols('NE gain')];
    const byKey = new Map(columns.map((c) => [c.key, c]));
    const rows = lrGroups.map((g) => {
      const ne = neGainStats(g, refNe);
      const cells: Record<string, Cell> = { avg: numberCell(byKey.get('avg')!, ne.avg) };
      for (const t of tasks) cells[`ne:${t}`] = numberCell(byKey.get(`ne:${t}`)!, ne.perTask[t] ?? null);
      const many = new Set(lrGroups.map((x) => x.label)).size > 1;
      return { label: `${many ? g.label + ', ' : ''}learning rate = ${paramText(paramValue(g, 'lr'))}`, cells };
    });
    out.push(markBest({ id: 'mb-lr', title: 'Impact of the task-weight learning rate (MultiBalance Table 4 layout)', rowHeader: 'Setting', columns, rows, notes: [ewNote(ew)] }));
  }
  return out;
}

/** AV-A's and, where the data has users, AV-G's resolution tables (./resolution.ts); none with one seed. */
function resolutionTables(exp: ExperimentJson, focus: { method: string; claim: string }, withReference = true): Table[] {
  const out: Table[] = [];
  for (const m of hasGauc(exp) ? (['av_a', 'av_g'] as const) : (['av_a'] as const)) {
    const t = resolutionTable(exp, m, { focus, withReference });
    if (t) out.push(t);
  }
  return out;
}

/** The tables of an experiment, chosen by its preset. */
export function experimentTables(exp: ExperimentJson): Table[] {
  switch (exp.preset) {
    case 'table2':
      return [table2(exp), ...resolutionTables(exp, { method: 'gradcraft', claim: 'The paper (GradCraft Table 2) puts GradCraft first' })];
    case 'table3':
      return [table3(exp), ...resolutionTables(exp, { method: 'gradcraft', claim: 'The paper (GradCraft Table 3) puts full GradCraft above every ablation' }, false)];
    case 'tau':
      return [sweepTable(exp, 'tau')];
    case 'epsilon':
      return [sweepTable(exp, 'epsilon')];
    case 'tasks':
      return [tasksTable(exp)];
    case 'multibalance':
      return multibalanceTables(exp);
    case 'findings':
      // The findings first, then the same runs in the other presets' layouts.
      return [findingsTable(evaluateFindings(exp)), ...findingsViews(exp).flatMap(experimentTables)];
    case 'conflict':
      return [conflictTable(exp)];
  }
}
