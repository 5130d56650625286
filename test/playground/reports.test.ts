import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train, type TrainResult } from '../../src/index.ts';
import { renderReport } from '../../src/report/index.ts';
import type { ReportsStatus } from '../../playground/src/reports/status.ts';
import { chromiumAvailable, openPlayground, skipNote, type OpenedPlayground } from './launch.ts';

/**
 * The Reports panel in headless Chromium on folders the CLI's code writes in this process: a
 * run folder from the trainer (two epochs of ple-lite with GradCraft on a small synthetic world)
 * and an experiment folder over it. The panel shows the run's metrics and every plot of
 * `mtlkit report` as a chart that answers hover and legend clicks, and the experiment's tables
 * exactly as report.html has them, and its plots from the very chart specs report.html carries.
 */
const tmp = mkdtempSync(join(tmpdir(), 'mtlkit-pg-reports-'));
let pg: OpenedPlayground;
let page: Page;
let run: TrainResult;
const runDir = join(tmp, 'exp', 'runs', 'gradcraft');
const expDir = join(tmp, 'exp');

const status = (): Promise<ReportsStatus> => page.evaluate(() => (globalThis as unknown as { playground: { panels: { reports: { status(): ReportsStatus } } } }).playground.panels.reports.status());

async function shown(what: string, ok: (s: ReportsStatus) => boolean): Promise<ReportsStatus> {
  const end = Date.now() + 10_000;
  for (;;) {
    const s = await status();
    if (ok(s)) return s;
    if (Date.now() > end) throw new Error(`waiting for ${what}: ${JSON.stringify(s)}`);
    await page.waitForTimeout(50);
  }
}

/** The chart specs report.html carries, in page order: each `<figure data-charts>`'s JSON text. */
function figureSpecs(html: string): string[] {
  const unescape = (t: string): string => t.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...html.matchAll(/<figure data-charts="([^"]*)">/g)].map((m) => unescape(m[1]!));
}

const fixture = (name: string, file = 'experiment.json'): [string, string] => [file, readFileSync(join(import.meta.dirname, '..', 'report', 'fixtures', name, file), 'utf8')];

/** The chart specs' titles (src/report/chart-specs.ts): the charts report.html draws too. */
const RUN_CHARTS = ['Training loss', 'Validation AUC', 'Gradient norms before balancing', 'Gradient norms after balancing',
  'Cosine of task gradients over training (before balancing)', 'Gradient conflicts over training', 'Task weights over training'];

describe.skipIf(!chromiumAvailable)(`the Reports panel in headless Chromium${skipNote}`, () => {
  beforeAll(async () => {
    run = await train({
      data: { kind: 'synthetic', rows: 3000, users: 100, items: 300 }, model: 'ple-lite', method: 'gradcraft', epochs: 2, batchSize: 256,
      lr: 3e-3, diagnosticsEvery: 2, outDir: runDir, checkpoint: false,
    }, { quiet: true });
    // Single a little below GradCraft on every task, so the RI and AUC-change bars have height.
    const single = Object.fromEntries(Object.entries(run.test).map(([k, v]) => [k, typeof v === 'object' && v !== null
      ? Object.fromEntries(Object.entries(v).map(([m, x]) => [m, typeof x === 'number' && m !== 'ne' ? x * 0.98 : x])) : v]));
    writeFileSync(join(expDir, 'experiment.json'), JSON.stringify({
      preset: 'table2', tasks: run.tasks, created: '2026-01-01T00:00:00Z',
      rows: [
        { method: 'single', label: 'Single', seed: 1, test: single },
        { method: 'gradcraft', label: 'GradCraft', seed: 1, test: run.test, timing: run.timing, run_dir: 'runs/gradcraft' },
      ],
    }));
    pg = await openPlayground({ query: '?tab=reports' });
    page = pg.page;
    const has = await page.evaluate(() => 'reports' in (globalThis as unknown as { playground: { panels: object } }).playground.panels);
    if (!has) throw new Error("the page has no Reports panel: playground/src/main.ts's PANELS needs { id: 'reports', title: 'Reports', mount: mountReports }");
  }, 120_000);

  afterAll(async () => {
    await pg?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("renders a trainer's run folder: metrics and every plot as interactive charts", async () => {
    await page.setInputFiles('[data-role=report-drop] input[webkitdirectory]', runDir);
    const s = await shown('the run', (x) => x.kind === 'run' || x.error !== '');
    expect(s.error).toBe('');
    expect(s.name).toBe('gradcraft');
    expect(s.tables).toBe(1);
    expect(s.charts).toEqual(RUN_CHARTS);
    expect(s.skipped).toEqual([]);
    expect(await page.textContent('[data-table=run-metrics] tbody tr:last-child td:nth-child(2)')).toBe((run.test.av_a as number).toFixed(4));

    // Hover: the legend shows the values under the cursor.
    const auc = page.locator('[data-role=report-charts] .mtl-chart[data-chart="Validation AUC"]');
    await auc.scrollIntoViewIfNeeded();
    const box = (await auc.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 4 });
    await expect.poll(() => auc.locator('.u-series').nth(1).locator('.u-value').textContent()).toMatch(/^0\.\d{4}$/);
    // A legend click toggles its series off and on.
    const first = auc.locator('.u-series').nth(1);
    await first.click();
    await expect.poll(() => first.getAttribute('class')).toContain('u-off');
    await pg.screenshot(page, 'reports-run');
    await first.click();
    await expect.poll(() => first.getAttribute('class')).not.toContain('u-off');
  }, 60_000);

  it("renders an experiment folder: report.html's tables, and a row's run folder as charts", async () => {
    renderReport(expDir, { now: new Date('2026-01-01T00:00:00Z') });
    const html = readFileSync(join(expDir, 'report.html'), 'utf8');
    await page.setInputFiles('[data-role=report-drop] input[webkitdirectory]', expDir);
    const s = await shown('the experiment', (x) => x.kind === 'experiment' || x.error !== '');
    expect(s.error).toBe('');
    expect(s.tables).toBe(1);
    expect(s.runs).toEqual(['runs/gradcraft']);
    expect(s.charts).toEqual(RUN_CHARTS);
    const table = await page.innerHTML('[data-role=report-tables]');
    expect(html).toContain(table.trim());

    // The experiment's own plots: the chart specs report.html carries, to the byte.
    expect(s.plots.map((p) => [p.file, p.svg, p.skipped])).toEqual([['ri.svg', false, null], ['auc_change.svg', false, null]]);
    expect(s.plots.map((p) => JSON.stringify(p.charts))).toEqual(figureSpecs(html));
    const plots = page.locator('[data-role=report-plots]');
    expect(await plots.locator('.mtl-chart').evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')))).toEqual(['Relative improvement over Single', ...run.tasks]);
    // Hover: the legend shows the bar values of the category under the cursor.
    const ri = plots.locator('.mtl-chart[data-chart="Relative improvement over Single"]');
    await ri.scrollIntoViewIfNeeded();
    const box = (await ri.locator('.u-over').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    await expect.poll(() => ri.locator('.u-series').nth(1).locator('.u-value').textContent()).toMatch(/^-?\d+\.\d{2}%/);
    // A legend click hides that series' bars (the canvas changes) and shows them again.
    const canvas = (): Promise<Buffer> => ri.locator('canvas').screenshot();
    const before = await canvas();
    const riA = ri.locator('.u-series').nth(1);
    await riA.click();
    await expect.poll(() => riA.getAttribute('class')).toContain('u-off');
    expect((await canvas()).equals(before)).toBe(false);
    await riA.click();
    await expect.poll(() => riA.getAttribute('class')).not.toContain('u-off');
    await pg.screenshot(page, 'reports-experiment');
  }, 60_000);

  it('says which run files a plot needs when the drop lacks them, and shows an epsilon sweep with 0 as its SVG', async () => {
    const load = (name: string, entries: [string, string][]): Promise<void> => page.evaluate(([n, e]) =>
      (globalThis as unknown as { playground: { panels: { reports: { load(n: string, e: [string, string][]): void } } } }).playground.panels.reports.load(n, e), [name, entries] as const);
    await load('exp-multibalance', [fixture('exp-multibalance')]);
    let s = await shown('MultiBalance', (x) => x.name === 'exp-multibalance' || x.error !== '');
    expect(s.error).toBe('');
    expect(s.plots.map((p) => p.file)).toEqual(['ne_gain.svg', 'figure2.svg']);
    expect(s.plots[0]!.charts).not.toBeNull();
    expect(s.plots[1]!.skipped).toBe('MultiBalance Figure 2 skipped: no MultiBalance row has a run_dir with a non-empty diagnostics.jsonl. Not in the dropped folder: runs/multibalance/diagnostics.jsonl.');
    expect(await page.textContent('[data-role=report-plots] [data-plot="figure2.svg"]')).toContain('Not in the dropped folder: runs/multibalance/diagnostics.jsonl');

    await load('exp-epsilon', [fixture('exp-epsilon')]);
    s = await shown('the epsilon sweep', (x) => x.name === 'exp-epsilon' || x.error !== '');
    expect(s.plots.map((p) => [p.file, p.svg, p.charts])).toEqual([['sweep.svg', true, null]]);
    expect(await page.locator('[data-role=report-plots] [data-plot="sweep.svg"] .mtl-report-svg > svg').count()).toBe(1);
    expect(await page.textContent('[data-role=report-plots] [data-plot="sweep.svg"] figcaption')).toContain('Shown as its SVG');
  }, 30_000);

  it("report.html from mtlkit report draws the same charts with the same layer, offline", async () => {
    renderReport(runDir, { now: new Date('2026-01-01T00:00:00Z') });
    const report = await pg.context.newPage();
    const remote: string[] = [];
    report.on('request', (r) => { if (!r.url().startsWith('file:')) remote.push(r.url()); });
    await report.goto(`file://${join(runDir, 'report.html')}`);
    await report.waitForSelector('.mtl-figure-charts .uplot');
    const titles = await report.locator('.mtl-figure-charts .mtl-chart').evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')));
    expect(titles).toEqual(RUN_CHARTS);
    expect(await report.locator('figure[data-charts] svg').count(), 'every static SVG with specs was replaced').toBe(0);
    expect(remote).toEqual([]);
    await pg.screenshot(report, 'report-html-run');
    // The experiment's bar plots too: RI per method and the per-task AUC change, with intervals where seeds allow.
    renderReport(expDir, { now: new Date('2026-01-01T00:00:00Z') });
    await report.goto(`file://${join(expDir, 'report.html')}`);
    await report.waitForSelector('.mtl-figure-charts .uplot');
    const bars = await report.locator('.mtl-figure-charts .mtl-chart').evaluateAll((els) => els.map((e) => e.getAttribute('data-chart')));
    expect(bars).toEqual(['Relative improvement over Single', ...run.tasks]);
    expect(remote).toEqual([]);
    await pg.screenshot(report, 'report-html-experiment');
    await report.close();
  }, 30_000);

  it('says what is missing when the folder is neither', async () => {
    const empty = join(tmp, 'nothing');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.json'), '{}');
    await page.setInputFiles('[data-role=report-drop] input[webkitdirectory]', empty);
    const s = await shown('the error', (x) => x.error !== '');
    expect(s.error).toBe('nothing is not a report folder: missing experiment.json (experiment) or final.json / epochs.jsonl (run)');
  }, 30_000);
});
