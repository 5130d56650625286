import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { renderReport, ReportError, type RenderResult } from '../../src/report/index.ts';
import { texts, xmlProblem } from './xml.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures');
let tmp: string;
const now = new Date('2024-06-01T12:00:00Z');

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mtlkit-report-'));
  cpSync(fixtures, tmp, { recursive: true });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const read = (p: string): string => readFileSync(p, 'utf8');
const names = (r: RenderResult): string[] => r.files.map((f) => f.slice(r.dir.length + 1));

/**
 * report.html loads nothing from anywhere: no URLs at all, no external references, and no script
 * but the chart layer's one inline script (which loads nothing either).
 */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/https?:/i);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeLessThanOrEqual(1);
  for (const [, js] of scripts) expect(js).not.toMatch(/\bimport\(|\bfetch\(|XMLHttpRequest|\bimportScripts\(/);
  const page = html.replace(/<script>[\s\S]*?<\/script>/g, '');
  expect(page).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import/i);
  expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(xmlProblem(page.replace(/^<!DOCTYPE html>/, ''), { voidTags: ['meta'] })).toBeNull();
}

describe('experiment folders', () => {
  it('table2: table.md / table.json / plots / report.html with every method and column', () => {
    const dir = join(tmp, 'exp-table2');
    const r = renderReport(dir, { now });
    expect(r.kind).toBe('experiment');
    expect(names(r)).toEqual(['table.md', 'table.json', 'ri.svg', 'auc_change.svg', 'report.html']);
    const md = read(join(dir, 'table.md'));
    const methods = ['Single', 'EW', 'UC', 'DWA', 'MGDA', 'PCGrad', 'PCGrad+', 'GradVac', 'CAGrad', 'IMTL', 'DBMTL', 'GradCraft'];
    for (const m of methods) expect(md).toMatch(new RegExp(`^\\| ${m.replace('+', '\\+')} \\|`, 'm'));
    for (const c of ['AUC EV', 'AUC Follow', 'AV-A', 'RI-A', 'GAUC LV', 'AV-G', 'RI-G']) expect(md).toContain(c);
    expect(md).toMatch(/\*\*0\.\d{4} ± 0\.\d{4}\*\*/);
    expect(md).toMatch(/<u>-?\d\.\d{2}% ± \d\.\d{2}%<\/u>/);
    const json = JSON.parse(read(join(dir, 'table.json')));
    expect(json.tables[0].rows).toHaveLength(12);
    const html = read(join(dir, 'report.html'));
    expectSelfContained(html);
    for (const m of methods) expect(html).toContain(`<th scope="row">${m}</th>`);
    expect(html).toContain('<th colspan="6" class="group">AUC</th>');
    expect(html).toContain('<strong>');
    expect(html).toContain('<u>');
    expect(html).toContain('2024-05-02T08:30:00Z');
    expect(html).toContain('2024-06-01T12:00:00.000Z');
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(2);
    for (const f of ['ri.svg', 'auc_change.svg']) expect(xmlProblem(read(join(dir, f)))).toBeNull();
  });

  it('table3 without GAUC, epsilon and tau sweeps, tasks', () => {
    const t3 = renderReport(join(tmp, 'exp-table3'), { now });
    const md3 = read(join(t3.dir, 'table.md'));
    expect(md3).toContain('GradCraft-fix τ');
    expect(md3).not.toMatch(/^\| Single/m);
    expect(md3).toContain('n/a'); // AV-G of rows without GAUC

    const eps = renderReport(join(tmp, 'exp-epsilon'), { now });
    const sweep = read(join(eps.dir, 'sweep.svg'));
    expect(xmlProblem(sweep)).toBeNull();
    for (const l of ['0', '1e-12', '1e-7', 'AV-G vs ϵ', 'RI-G (% over Single)']) expect(texts(sweep)).toContain(l);
    expect(sweep).not.toContain('NaN');

    const tau = renderReport(join(tmp, 'exp-tau'), { now });
    expect(read(join(tau.dir, 'table.md')).match(/^\| tau = /gm)).toHaveLength(11);

    const tasks = renderReport(join(tmp, 'exp-tasks'), { now });
    const mdT = read(join(tasks.dir, 'table.md'));
    for (const c of ['RI-A T = 2', 'RI-A T = 6', 'RI-G T = 4']) expect(mdT).toContain(c);
    expect(names(tasks)).toContain('tasks.svg');
    for (const r of [t3, eps, tau, tasks]) expectSelfContained(read(join(r.dir, 'report.html')));
  });

  it('multibalance: its three tables, NE gain bars and Figure 2 from the run diagnostics', () => {
    const r = renderReport(join(tmp, 'exp-multibalance'), { now, runs: true });
    expect(names(r)).toEqual(['table.md', 'table.json', 'ne_gain.svg', 'figure2.svg', 'runs/multibalance/curves.svg', 'runs/multibalance/norms.svg', 'runs/multibalance/cosine.svg', 'runs/multibalance/conflicts.svg', 'runs/multibalance/weights.svg', 'runs/multibalance/report.html', 'report.html']);
    const md = read(join(r.dir, 'table.md'));
    expect(md).toContain('Throughput drop vs EW');
    expect(md).toContain('learning rate = 10');
    expect(md).toContain('Conv\\|imp'); // "|" escaped inside a Markdown cell
    const fig = read(join(r.dir, 'figure2.svg'));
    expect(xmlProblem(fig)).toBeNull();
    expect(texts(fig)).toContain('(d) Task weights learned');
    expect(texts(fig)).toContain('Conv|imp');
    const html = read(join(r.dir, 'report.html'));
    expectSelfContained(html);
    expect(html).toContain('href="runs/multibalance/report.html"');
  });

  it("multibalance Figure 2(d) plots lambda from diagnostics' task_weights when the run recorded it", () => {
    const dir = join(tmp, 'exp-multibalance-lambda');
    cpSync(join(fixtures, 'exp-multibalance'), dir, { recursive: true });
    const file = join(dir, 'runs', 'multibalance', 'diagnostics.jsonl');
    // Row weights lambda / u in the hundreds (as with small gradient norms), lambda on the simplex.
    const lines = read(file).trim().split('\n').map((l) => JSON.parse(l) as { weights: number[]; task_weights?: number[] });
    writeFileSync(file, lines.map((r) => JSON.stringify({ ...r, task_weights: r.weights, weights: r.weights.map((w) => w * 900) })).join('\n') + '\n');
    const fig = texts(read(join(renderReport(dir, { now }).dir, 'figure2.svg')));
    expect(fig).toContain('task weight lambda (unitless)');
    const panelD = (t: string[]): string[] => t.slice(t.indexOf('(d) Task weights learned') + 1, t.indexOf('(d) Task weights learned') + 6);
    expect(panelD(fig).every((t) => Number(t) <= 1)).toBe(true); // y ticks of lambda on the simplex, not of lambda / u
    // Without task_weights (older runs) the panel falls back to the row weights.
    writeFileSync(file, lines.map((r) => JSON.stringify({ ...r, weights: r.weights.map((w) => w * 900) })).join('\n') + '\n');
    const old = texts(read(join(renderReport(dir, { now }).dir, 'figure2.svg')));
    expect(panelD(old).some((t) => Number(t) >= 100)).toBe(true);
  });

  it('names what is wrong with a bad experiment.json', () => {
    const dir = join(tmp, 'bad-exp');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'experiment.json'), JSON.stringify({ preset: 'table9', tasks: [], rows: [] }));
    expect(() => renderReport(dir)).toThrow(/"preset" must be one of/);
    writeFileSync(join(dir, 'experiment.json'), JSON.stringify({ preset: 'table2', tasks: ['a'], rows: [{ method: 'ew' }] }));
    expect(() => renderReport(dir)).toThrow(/rows\[0\] \(ew\) has no "test"/);
    writeFileSync(join(dir, 'experiment.json'), '{');
    expect(() => renderReport(dir)).toThrow(ReportError);
  });

  it('the header states preset once and leaves out an empty failed list', () => {
    const dir = join(tmp, 'header');
    cpSync(join(tmp, 'exp-table2'), dir, { recursive: true });
    const file = join(dir, 'experiment.json');
    const exp = JSON.parse(read(file)) as { config: Record<string, unknown> };
    writeFileSync(file, JSON.stringify({ ...exp, config: { ...exp.config, failed: [], size: 'toy' } }));
    renderReport(dir, { now });
    const dts = [...read(join(dir, 'report.html')).matchAll(/<dt>([^<]*)<\/dt>/g)].map((m) => m[1]);
    expect(dts.filter((k) => k === 'preset')).toHaveLength(1);
    expect(dts).not.toContain('failed');
    expect(dts).toContain('size');
    // A failed run is worth a line in the header.
    writeFileSync(file, JSON.stringify({ ...exp, config: { ...exp.config, failed: ['ew-s5277'] } }));
    renderReport(dir, { now });
    expect(read(join(dir, 'report.html'))).toContain('<dt>failed</dt><dd>ew-s5277</dd>');
    // Every file is replaced through a temp file and a rename: none is left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('run folders', () => {
  it('full run: every plot, metrics table, config header', () => {
    const r = renderReport(join(tmp, 'run-full'), { now });
    expect(r.kind).toBe('run');
    expect(names(r)).toEqual(['curves.svg', 'norms.svg', 'cosine.svg', 'conflicts.svg', 'report.html']);
    expect(r.skipped).toEqual([expect.stringMatching(/weights.*null/)]);
    for (const f of ['curves.svg', 'norms.svg', 'cosine.svg', 'conflicts.svg']) {
      const svg = read(join(r.dir, f));
      expect(xmlProblem(svg), f).toBeNull();
      expect(svg).not.toContain('NaN');
    }
    const curves = texts(read(join(r.dir, 'curves.svg')));
    for (const l of ['Training loss', 'Validation AUC', 'epoch', 'AUC (0-1)', 'EV', 'Follow', 'mean of tasks']) expect(curves).toContain(l);
    const cos = texts(read(join(r.dir, 'cosine.svg')));
    expect(cos).toContain('Step 900');
    expect(cos).toContain('Mean over 10 sampled steps');
    const html = read(join(r.dir, 'report.html'));
    expectSelfContained(html);
    // The chart layer: the script, and each drawn plot's specs (chart-specs.ts) on its figure.
    expect(html).toMatch(/<script>\/\*! uPlot v[\d.]+ /);
    const specs = [...html.matchAll(/<figure data-charts="([^"]*)">/g)].map((m) => JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as { title: string }[]);
    expect(specs.map((f) => f.map((c) => c.title))).toEqual([
      ['Training loss', 'Validation AUC'], ['Gradient norms before balancing', 'Gradient norms after balancing'],
      ['Cosine of task gradients over training (before balancing)'], ['Gradient conflicts over training'],
    ]);
    expect(html).toContain('synthetic &lt;default&gt; &amp; co'); // config text escaped
    expect(html).toContain('restored best epoch 5');
    expect(html).toContain('class="skipped"');
  });

  it('run without diagnostics and with a torn last line: plots skipped with reasons, warning kept', () => {
    const r = renderReport(join(tmp, 'run-nodiag'), { now });
    expect(names(r)).toEqual(['curves.svg', 'report.html']);
    expect(r.skipped).toHaveLength(4);
    expect(r.warnings[0]).toMatch(/last line is incomplete/);
    const html = read(join(r.dir, 'report.html'));
    expect(html.match(/diagnostics\.jsonl is missing/g)).toHaveLength(4);
    expect(html).toContain('last line is incomplete');
  });

  it('a folder that is neither says what is missing', () => {
    const dir = join(tmp, 'empty');
    mkdirSync(dir, { recursive: true });
    expect(() => renderReport(dir)).toThrow(/missing experiment\.json .* final\.json \/ epochs\.jsonl/);
    expect(() => renderReport(join(tmp, 'nope'))).toThrow(/does not exist/);
  });
});

describe('mtlkit report', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(here, '../../src/cli/main.ts'), 'report', ...args], { encoding: 'utf8' });

  it('prints the files written as JSON, and a one-line error with a non-zero exit', () => {
    const ok = cli([join(tmp, 'exp-tau'), '--json']);
    expect(ok.status).toBe(0);
    const out = JSON.parse(ok.stdout.trim().split('\n').at(-1)!);
    expect(out.kind).toBe('experiment');
    expect(out.files.some((f: string) => f.endsWith('report.html'))).toBe(true);
    expect(existsSync(out.files[0])).toBe(true);
    const bad = cli([join(tmp, 'empty')]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/mtlkit: report: .*missing experiment\.json/);
  });
});
