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

describe('Table 2 fits the page', () => {
  it('mean and std on two lines; 16 numeric columns set as a wide table', () => {
    const html = toHtml(experimentTables(load('exp-table2'))[0]!);
    expect(html).toMatch(/<table id="table2" class="wide">/);
    expect(html).toMatch(/<td class="num">(<strong>|<u>)?0\.\d{4}<span class="sd">± 0\.\d{4}<\/span>/);
    expect(html).not.toMatch(/\d ± \d/);
  });
});
