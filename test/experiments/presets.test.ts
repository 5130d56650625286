/**
 * Every preset end to end at the toy size: the experiment folder of docs/reports.md is written
 * and rendered, and each table has every row and column of the paper's table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EPSILON_VALUES, MB_BETAS, TAU_VALUES, TABLE2_METHODS, TABLE3_METHODS } from '../../src/experiments/index.ts';
import type { ExperimentResult } from '../../src/report/index.ts';
import { train } from '../../src/train/index.ts';
import { SIZES } from '../../src/experiments/sizes.ts';
import { columns, labels, numericRows, table, tmp, toy } from './helpers.ts';

const TASKS = ['ev', 'lv', 'cv', 'like', 'follow', 'forward'];
// Every run of every preset must succeed (DB-MTL and MoCo included: the step gives balancers
// with per-coordinate state a fixed layout), so every row has numbers in every cell.

function folderWritten(res: ExperimentResult, plots: string[]): void {
  for (const f of ['experiment.json', 'table.md', 'table.json', 'report.html', ...plots]) expect(existsSync(join(res.dir, f)), f).toBe(true);
  const exp = JSON.parse(readFileSync(join(res.dir, 'experiment.json'), 'utf8')) as { rows: { run_dir: string }[] };
  for (const r of exp.rows) expect(existsSync(join(res.dir, r.run_dir, 'final.json')) || existsSync(join(res.dir, r.run_dir, 'config.json'))).toBe(true);
  expect(res.failed.map((f) => f.id)).toEqual([]);
}

describe('experiment presets at the toy size', () => {
  it('table2: the 12 methods of GradCraft Table 2 x (AUC per task, AV-A, RI-A, GAUC per task, AV-G, RI-G)', async () => {
    const res = await toy('table2');
    folderWritten(res, ['ri.svg', 'auc_change.svg']);
    const t = table(res, 'table2');
    expect(labels(t)).toEqual(['Single', 'EW', 'UC', 'DWA', 'MGDA', 'PCGrad', 'PCGrad+', 'GradVac', 'CAGrad', 'IMTL', 'DBMTL', 'GradCraft']);
    expect(labels(t)).toEqual(TABLE2_METHODS.map((m) => m.label));
    expect(columns(t)).toEqual([...TASKS.map((k) => `auc:${k}`), 'av_a', 'ri_a', ...TASKS.map((k) => `gauc:${k}`), 'av_g', 'ri_g']);
    expect(numericRows(t)).toEqual(labels(t)); // DBMTL included
    expect(t.rows[0]!.cells.ri_a!.text).toBe('0.00%'); // Single is the RI reference
    expect(res.markdown).toContain('| Method | AUC ev |');
  });

  it('table3: GradCraft and its four ablations x (AV-A, RI-A, AV-G, RI-G); Single only as the reference', async () => {
    const res = await toy('table3');
    folderWritten(res, ['ri.svg']);
    const t = table(res, 'table3');
    expect(labels(t)).toEqual(['GradCraft', 'GradCraft-fix ϵ', 'GradCraft-fix τ', 'GradCraft-ori', 'GradCraft-local']);
    expect(labels(t)).toEqual(TABLE3_METHODS.map((m) => m.label));
    expect(columns(t)).toEqual(['av_a', 'ri_a', 'av_g', 'ri_g']);
    expect(numericRows(t)).toEqual(labels(t));
    expect(res.experiment.rows.map((r) => r.method)).toEqual(['single', 'gradcraft', 'gradcraft-fix-epsilon', 'gradcraft-fix-tau', 'gradcraft-ori', 'gradcraft-local']);
  });

  it('tau: one row per tau in 0, 0.1, ..., 1 (Figure 2) and the sweep plot', async () => {
    const res = await toy('tau');
    folderWritten(res, ['sweep.svg']);
    const t = table(res, 'sweep-tau');
    expect(TAU_VALUES).toHaveLength(11);
    expect(t.rows.map((r) => r.cells.param!.text)).toEqual(TAU_VALUES.map(String));
    expect(columns(t)).toEqual(['param', 'av_a', 'ri_a', 'av_g', 'ri_g']);
    expect(numericRows(t)).toHaveLength(11);
  });

  it('epsilon: one row per epsilon in {0, 1e-12, ..., 1e-7} (Figure 3) and the sweep plot', async () => {
    const res = await toy('epsilon');
    folderWritten(res, ['sweep.svg']);
    const t = table(res, 'sweep-epsilon');
    expect(t.rows).toHaveLength(EPSILON_VALUES.length);
    expect(t.rows.map((r) => Number(r.cells.param!.text))).toEqual(EPSILON_VALUES);
    expect(numericRows(t)).toHaveLength(7);
  });

  it('tasks: GradCraft and the best baseline on validation x RI-A / RI-G at T = 2, 4, 6 with the paper subsets (Figure 4)', async () => {
    const res = await toy('tasks');
    folderWritten(res, ['tasks.svg']);
    const t = table(res, 'tasks');
    const cfg = res.experiment.config as { baseline: string; baseline_selection: { scores: { method: string; valid_mean_auc: number | null }[] }; subsets: Record<string, string[]> };
    expect(cfg.baseline_selection.scores).toHaveLength(10);
    const best = cfg.baseline_selection.scores.reduce((a, b) => ((b.valid_mean_auc ?? -1) > (a.valid_mean_auc ?? -1) ? b : a));
    expect(cfg.baseline).toBe(best.method);
    expect(labels(t)).toEqual(['GradCraft', TABLE2_METHODS.find((m) => m.method === cfg.baseline)!.label]);
    expect(columns(t)).toEqual(['ri_a:2', 'ri_a:4', 'ri_a:6', 'ri_g:2', 'ri_g:4', 'ri_g:6']);
    expect(numericRows(t)).toEqual(labels(t));
    expect(cfg.subsets).toEqual({ 2: ['ev', 'like'], 4: ['ev', 'lv', 'like', 'follow'], 6: TASKS });
    const t2 = res.experiment.rows.filter((r) => (r.param as { T?: number } | null)?.T === 2);
    expect(t2.map((r) => r.tasks)).toEqual([['ev', 'like'], ['ev', 'like']]);
  });

  it('tasks --baseline skips the selection', async () => {
    const res = await toy('tasks', { options: { baseline: 'pcgrad' } });
    expect(labels(table(res, 'tasks'))).toEqual(['GradCraft', 'PCGrad']);
    expect(res.runs).toHaveLength(1 + 1 + 1 + 4);
  });

  it('multibalance: its Tables 2, 3 and 4 (modes, baselines, beta) and Figure 2 from the MultiBalance run', async () => {
    const res = await toy('multibalance');
    folderWritten(res, ['ne_gain.svg', 'figure2.svg']);
    const modes = table(res, 'mb-modes');
    expect(labels(modes)).toEqual(['MGDA (param)', 'MoCo (param)', 'MultiBalance (rep)', 'MGDA (rep)', 'MultiBalance (param)']);
    expect(columns(modes)).toEqual(['mode', 'qps', ...TASKS.map((k) => `ne:${k}`)]);
    const base = table(res, 'mb-baselines');
    for (const l of ['UC', 'PCGrad', 'GradVac', 'GradDrop', 'DB-MTL', 'IMTL-G', 'MultiBalance w/o EMA', 'MultiBalance']) expect(labels(base)).toContain(l);
    expect(columns(base)).toEqual([...TASKS.map((k) => `ne:${k}`), 'avg']);
    const lr = table(res, 'mb-lr');
    expect(labels(lr)).toEqual(MB_BETAS.map((b) => `learning rate = ${b}`));
    expect(numericRows(lr)).toHaveLength(4);
    const runOf = (label: string): string | undefined => res.experiment.rows.find((r) => r.label === label)?.run_dir;
    expect(runOf('MultiBalance')).toBe(runOf('MultiBalance (rep)')); // one run backs both rows
    const cfg = JSON.parse(readFileSync(join(res.dir, runOf('MultiBalance (rep)')!, 'config.json'), 'utf8')) as { mode: string; method: string };
    expect(cfg).toMatchObject({ mode: 'rep', method: 'multibalance' });
    expect(readFileSync(join(res.dir, 'figure2.svg'), 'utf8')).toContain('Task weights learned');
  });

  it('dbmtl and moco train in param mode at the toy size (per-coordinate state on a fixed layout)', async () => {
    for (const method of ['dbmtl', 'moco']) {
      const r = await train({ ...SIZES.toy, method, epochs: 1, outDir: join(tmp(), method) }, { quiet: true });
      expect(Number.isFinite(r.test.av_a), method).toBe(true);
      expect(r.epochs_run).toBe(1);
    }
  });
});
