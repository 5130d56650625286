/**
 * Multi-seed plots show the 95% interval (error bars on bars, a band on sweep lines), one-seed
 * plots show none; and Table 2's HTML puts a cell's std on its own line with smaller type, so the
 * AUC and GAUC halves fit the page.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { barChart, experimentTables, lineChart, toHtml, type ExperimentJson } from '../../src/report/index.ts';
import { ci95, experimentPlots, sweepPlot } from '../../src/report/plots.ts';
import { studentTQuantile } from '../../src/metrics/stats.ts';
import { conflictPlot } from '../../src/report/conflict.ts';
import { multibalanceFigure } from '../../src/report/multibalance-figure.ts';
import type { DiagnosticsRecord } from '../../src/report/types.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const load = (name: string): ExperimentJson => JSON.parse(readFileSync(join(fixtures, name, 'experiment.json'), 'utf8')) as ExperimentJson;
const svgOf = (p: { svg?: string } | { skipped: string }): string => ('svg' in p ? p.svg! : '');

describe('intervals on plots', () => {
  it('ci95: mean +- t(0.975, n - 1) sd / sqrt(n); none with one seed', () => {
    const [lo, hi] = ci95({ mean: 1, std: 0.3, n: 4 })!;
    const half = studentTQuantile(0.975, 3) * 0.15;
    expect(lo).toBeCloseTo(1 - half, 12);
    expect(hi).toBeCloseTo(1 + half, 12);
    expect(ci95({ mean: 1, std: 0, n: 1 })).toBeNull();
  });

  it('barChart draws one error bar per interval; lineChart a band and whiskers', () => {
    const bars = barChart({ title: 't', xLabel: 'x', yLabel: 'y', categories: ['a', 'b'], series: [{ name: 's', values: [1, 2], errors: [[0.5, 1.5], null] }] });
    expect(bars.match(/class="err"/g)).toHaveLength(1);
    const line = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [[0, 1], [1, 2]], band: [[0, 0.5, 1.5], [1, 1.5, 2.5]] }] });
    expect(line.match(/class="band"/g)).toHaveLength(1);
    expect(line.match(/class="err"/g)).toHaveLength(2);
  });

  it('a two-seed table2 folder: ri.svg and auc_change.svg carry error bars and say so', () => {
    const exp = load('exp-table2');
    const plots = experimentPlots(exp, experimentTables(exp), join(fixtures, 'exp-table2'));
    for (const p of plots) {
      expect(svgOf(p), p.file).toMatch(/class="err"/);
      expect(p.caption).toMatch(/95% t interval/);
    }
  });

  it('a one-seed sweep has no band and no interval sentence', () => {
    const p = sweepPlot(load('exp-tau'), 'tau');
    expect(svgOf(p)).not.toMatch(/class="band"/);
    expect(p.caption).not.toMatch(/interval/);
  });

  it('a two-seed sweep gets a band', () => {
    const exp = load('exp-tau');
    const twice: ExperimentJson = { ...exp, rows: [...exp.rows, ...exp.rows.map((r) => ({ ...r, seed: 2, test: Object.fromEntries(Object.entries(r.test).map(([k, v]) => [k, v && typeof v === 'object' ? { ...v, auc: v.auc - 0.01, gauc: v.gauc === null ? null : v.gauc - 0.01 } : v])) }))] };
    const p = sweepPlot(twice, 'tau');
    expect(svgOf(p)).toMatch(/class="band"/);
    expect(p.caption).toMatch(/95% t interval/);
  });
});

describe('the conflict plot', () => {
  // Two settings of the dial, EW and one method, `seeds` seeds: the gain over EW per seed varies.
  const conflictExp = (seeds: number): ExperimentJson => {
    const rows = [];
    for (const [rho, conflict] of [[1, 0.05], [0, 0.5]] as const) {
      for (let s = 0; s < seeds; s++) {
        for (const [method, label, auc] of [['ew', 'EW', 0.6], ['gradcraft', 'GradCraft', 0.61 + 0.004 * s]] as const) {
          const task = { auc, gauc: auc, ne: 0.9 };
          rows.push({ method, label, seed: 1 + s, param: { rho, conflict }, test: { a: task, b: task, av_a: auc, av_g: auc } });
        }
      }
    }
    return { preset: 'conflict', tasks: ['a', 'b'], rows } as unknown as ExperimentJson;
  };

  it('several seeds: each method\'s gain over EW carries its 95% band, and the caption says so', () => {
    const p = conflictPlot(conflictExp(3));
    expect(svgOf(p)).toMatch(/class="band"/);
    expect(p.caption).toMatch(/95% t interval/);
  });

  it('one seed: no band, no interval sentence', () => {
    const p = conflictPlot(conflictExp(1));
    expect(svgOf(p)).not.toMatch(/class="band"/);
    expect(p.caption).not.toMatch(/interval/);
  });
});

describe('MultiBalance Figure 2', () => {
  const diag = (step: number, k: number): DiagnosticsRecord => ({
    step, norms_before: [1 * k, 2 * k], norms_after: [1, 1], cosine: [[1, 0], [0, 1]], conflicts: 0, residual_conflicts: 0, weights: [0.5, 0.5], task_weights: [k, 1 / k],
  });
  const figureOf = (seeds: number) => {
    const rows = Array.from({ length: seeds }, (_, s) => ({
      method: 'multibalance', label: 'MultiBalance (rep)', seed: 1 + s, param: { mode: 'rep' }, run_dir: `runs/mb-s${1 + s}`, test: {},
    }));
    const exp = { preset: 'multibalance', tasks: ['a', 'b'], rows } as unknown as ExperimentJson;
    return multibalanceFigure(exp, (dir) => ({ diagnostics: [0, 5, 10].map((step) => diag(step, 1 + Number(dir.slice(-1)) / 10)) }));
  };

  it('several seeds of its configuration: means over seeds with 95% bands, the seeds named', () => {
    const p = figureOf(3);
    expect(svgOf(p)).toMatch(/class="band"/);
    expect(p.caption).toMatch(/Mean over 3 seeds \(1, 2, 3\)/);
    expect(p.caption).toMatch(/95% t interval/);
  });

  it('one seed: that run, no band', () => {
    const p = figureOf(1);
    expect(svgOf(p)).not.toMatch(/class="band"/);
    expect(p.caption).toMatch(/Run: runs\/mb-s1\./);
  });
});

describe('Table 2 fits the page', () => {
  it('mean and std on two lines; 16 numeric columns set as a wide table', () => {
    const html = toHtml(experimentTables(load('exp-table2'))[0]!);
    expect(html).toMatch(/<table id="table2" class="wide">/);
    expect(html).toMatch(/<td class="num">(<strong>|<u>)?0\.\d{4}<span class="sd">± 0\.\d{4}<\/span>/);
    expect(html).not.toMatch(/\d ± \d/);
  });
});
