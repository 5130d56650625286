/**
 * The Reports panel: drop a CLI run or experiment folder (or the Training panel's zip) and
 * browse it: an experiment's tables and plots as `mtlkit report` makes them (the report
 * library's experimentTables / toHtml / experimentPlotsFrom), a run's final metrics, and every
 * run's plots, as interactive charts (hover for values, click a legend entry to toggle its
 * series). Nothing leaves the page.
 *
 * For tests, the returned Panel also has `load(name, entries)` (what a drop does, with
 * [path, text] pairs) and `status()`.
 */
import type { MountPanel, Panel } from '../panel.ts';
import { el } from '../training/dom.ts';
import { addTrainingStyles } from '../training/style.ts';
import { drawExperimentPlots, type DrawnPlots } from './experiment-plots.ts';
import { normaliseFolder, readReportFolder, type FolderFiles, type ReportFolder, type RunView } from './folder.ts';
import { readDropped, readPicked } from './read-drop.ts';
import { drawRun, type DrawnRun } from './run-charts.ts';
import type { ReportsStatus } from './status.ts';
import { experimentTablesHtml, runMetricsHtml } from './tables.ts';

export type { PlotStatus, ReportsStatus } from './status.ts';

export interface ReportsPanel extends Panel {
  load(name: string, entries: [string, string][]): void;
  status(): ReportsStatus;
}

/** Top-level scalars of a config, as header facts (as report.html lists them: each once, none empty). */
function facts(config: Record<string, unknown> | null, shown: [string, string][], limit = 14): [string, string][] {
  if (!config) return [];
  const seen = new Set(shown.map(([k]) => k));
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(config)) {
    if (out.length >= limit) break;
    if (seen.has(k) || v === null || v === '' || !['string', 'number', 'boolean'].includes(typeof v)) continue;
    out.push([k, String(v)]);
  }
  return out;
}

export const mountReports: MountPanel = (root): ReportsPanel => {
  addTrainingStyles();
  const status: ReportsStatus = { kind: null, name: '', tables: 0, plots: [], charts: [], skipped: [], runs: [], error: '', warnings: [] };
  let drawn: DrawnRun | null = null;
  let drawnPlots: DrawnPlots | null = null;

  const filesInput = el('input', { type: 'file', multiple: true, accept: '.json,.jsonl,.zip' });
  const folderInput = el('input', { type: 'file', multiple: true });
  folderInput.webkitdirectory = true;
  const drop = el('div', { className: 'mtl-drop', dataset: { role: 'report-drop' } },
    el('span', { className: 'muted', textContent: 'Drop a run or experiment folder (or a run .zip) here, or pick one: ' }),
    el('label', {}, 'folder ', folderInput), ' ', el('label', {}, 'files / zip ', filesInput));
  const errorBox = el('div', { className: 'error', hidden: true, dataset: { role: 'error' } });
  const head = el('div', { dataset: { role: 'report-head' } });
  const tables = el('div', { className: 'mtl-report-tables', dataset: { role: 'report-tables' } });
  // Hidden unless an experiment is shown, so that a run's page is laid out as before.
  const plotBox = el('div', { className: 'mtl-charts', hidden: true, dataset: { role: 'report-plots' } });
  const runPicker = el('div', { className: 'mtl-row', dataset: { role: 'report-runs' } });
  const chartBox = el('div', { className: 'mtl-charts', dataset: { role: 'report-charts' } });
  root.append(drop, errorBox, head, tables, plotBox, runPicker, chartBox);

  const fail = (message: string): void => {
    status.error = message;
    errorBox.textContent = message;
    errorBox.hidden = message === '';
  };

  function showRun(run: RunView): void {
    for (const c of drawn?.charts ?? []) c.destroy();
    chartBox.replaceChildren(el('h3', { textContent: run.dir ? `Run ${run.dir}` : 'Plots' }));
    drawn = drawRun(chartBox, run);
    for (const s of drawn.skipped) chartBox.append(el('p', { className: 'muted', textContent: s }));
    status.charts = drawn.charts.map((c) => c.spec.title);
    status.skipped = drawn.skipped;
    for (const b of runPicker.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.run === run.dir));
  }

  function render(folder: ReportFolder, files: FolderFiles): void {
    status.kind = folder.kind;
    status.name = folder.name;
    const list = (items: [string, string][]): HTMLElement => el('dl', { className: 'mtl-facts' }, ...items.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
    runPicker.replaceChildren();
    chartBox.replaceChildren();
    for (const c of drawnPlots?.charts ?? []) c.destroy();
    drawnPlots = null;
    plotBox.replaceChildren();
    plotBox.hidden = folder.kind !== 'experiment';
    status.charts = [];
    status.plots = [];
    if (folder.kind === 'run') {
      const r = folder.run;
      const f = r.final;
      const items: [string, string][] = [['folder', folder.name], ['tasks', r.tasks.join(', ')], ['epochs run', String(r.epochs.length)]];
      if (f) items.push(['best epoch', `${f.best_epoch}${f.stopped_early ? ' (stopped early)' : ''}`]);
      head.replaceChildren(el('h2', { textContent: `Run report: ${String(r.config?.method ?? folder.name)}` }), list([...items, ...facts(r.config, items)]));
      const metrics = runMetricsHtml(r);
      tables.innerHTML = metrics ?? '<p class="muted">Final metrics not shown: final.json is missing (the run has not finished).</p>';
      status.tables = metrics ? 1 : 0;
      status.runs = [''];
      status.warnings = r.warnings;
      showRun(r);
    } else {
      const exp = folder.experiment;
      head.replaceChildren(el('h2', { textContent: `Experiment report: ${exp.preset}` }),
        list([['folder', folder.name], ['preset', exp.preset], ['tasks', exp.tasks.join(', ')], ['runs', String(exp.rows.length)]]));
      const t = experimentTablesHtml(exp);
      tables.innerHTML = t.html;
      status.tables = t.count;
      status.runs = [...folder.runs.keys()];
      status.warnings = folder.warnings;
      plotBox.append(el('h3', { textContent: 'Plots' }));
      drawnPlots = drawExperimentPlots(plotBox, exp, files, folder.runs);
      status.plots = drawnPlots.plots;
      if (folder.runs.size) {
        runPicker.append(el('span', { className: 'muted', textContent: "a run's plots: " }));
        for (const [dir, run] of folder.runs) {
          const b = el('button', { type: 'button', textContent: dir, dataset: { run: dir } });
          b.addEventListener('click', () => showRun(run));
          runPicker.append(b);
        }
        showRun(folder.runs.values().next().value!);
      }
    }
    if (status.warnings.length) tables.prepend(el('p', { className: 'muted', textContent: status.warnings.join(' ') }));
  }

  function load(name: string, entries: [string, string][]): void {
    fail('');
    try {
      const { name: top, files } = normaliseFolder(entries, name);
      render(readReportFolder(top, files), files);
    } catch (e) {
      status.kind = null;
      fail(e instanceof Error ? e.message : String(e));
    }
  }

  const nameOf = (files: readonly File[]): string => files[0]?.webkitRelativePath.split('/')[0] || files[0]?.name.replace(/\.zip$/i, '') || 'dropped files';
  for (const input of [filesInput, folderInput]) {
    input.addEventListener('change', async () => {
      const files = [...(input.files ?? [])];
      load(nameOf(files), await readPicked(files));
    });
  }
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', async (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (!e.dataTransfer) return;
    const files = [...e.dataTransfer.files];
    load(nameOf(files), await readDropped(e.dataTransfer));
  });

  return {
    title: 'Reports',
    load,
    status: () => ({ ...status }),
  };
};
