/** The runner: determinism across workers, resume, bad input, the grid search helper. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/train/config.ts';
import { baseConfig, getPreset, mergeConfig, SIZES } from '../../src/experiments/index.ts';
import { applyChoice, methodGrid, selectOnValidation } from '../../src/experiments/grid.ts';
import { runAndReport, tmp, toy } from './helpers.ts';

const metrics = (rows: { label?: string; test: unknown }[]): unknown => rows.map((r) => [r.label, r.test]);

describe('experiment runner', () => {
  it('gives the same tables in this process and over 2 worker processes, and resumes a finished folder', async () => {
    const a = await toy('table3');
    const b = await toy('table3', { workers: 2 });
    expect(metrics(b.experiment.rows)).toEqual(metrics(a.experiment.rows));
    expect(b.markdown).toBe(a.markdown);
    // The worker processes' job files are gone; the run folders hold the results.
    expect(existsSync(join(b.dir, '.jobs'))).toBe(false);
    const again = await runAndReport('table3', { size: 'toy', out: a.dir, quiet: true, renderRuns: false, backend: 'wasm' });
    expect(again.runs.every((r) => r.reused)).toBe(true);
    expect(metrics(again.experiment.rows)).toEqual(metrics(a.experiment.rows));
  });

  it('applies size overrides and checks them before running', () => {
    const b = baseConfig({ size: 'quick', epochs: 7, rows: 1234, base: { lr: 0.01 } });
    expect(b).toMatchObject({ epochs: 7, lr: 0.01, model: SIZES.quick.model, data: { kind: 'synthetic', rows: 1234 } });
    expect(() => baseConfig({ size: 'toy', base: { lr: -1 } })).toThrow(ConfigError);
    expect(() => getPreset('table9')).toThrow(/unknown experiment preset 'table9'; presets: table2, table3, tau, epsilon, tasks, multibalance/);
    expect(mergeConfig({ methodOptions: { a: 1 }, lr: 1 }, { methodOptions: { b: 2 } })).toEqual({ methodOptions: { a: 1, b: 2 }, lr: 1 });
  });

  it('a CSV in the user config replaces the size profile\'s synthetic data whole', () => {
    const csv = { kind: 'csv' as const, path: 'data/adult.csv', schema: 'schemas/adult.json' };
    for (const size of ['toy', 'quick', 'full'] as const) {
      expect(baseConfig({ size, base: { data: csv } }).data).toEqual(csv);
    }
    // Same kind: the user's fields go over the size's, the rest stays.
    expect(baseConfig({ size: 'quick', base: { data: { kind: 'synthetic', context: 0.5 } } }).data).toEqual({ kind: 'synthetic', rows: 30_000, context: 0.5 });
    expect(() => baseConfig({ size: 'quick', base: { data: csv }, rows: 100 })).toThrow(/--rows sizes the synthetic data/);
  });

  it('rejects a --baseline that is not a Table 2 baseline', async () => {
    await expect(runAndReport('tasks', { size: 'toy', out: join(tmp(), 'x'), quiet: true, options: { baseline: 'gradcraft' } })).rejects.toThrow(/--baseline must be one of ew, uc/);
  });

  it('grid search helper: trials as processes over src/sweep, the best on validation, applied by dotted path', async () => {
    expect(methodGrid({ all: { lr: [1] }, gradcraft: { 'methodOptions.tau': [0.1] } }, 'gradcraft')).toEqual({ lr: [1], 'methodOptions.tau': [0.1] });
    expect(methodGrid({ gradcraft: { lr: [1] } }, 'ew')).toBeNull();
    const config = mergeConfig(SIZES.toy, { method: 'gradcraft', seed: 5277 });
    const dir = join(tmp(), 'grid');
    const choice = await selectOnValidation(config, { 'methodOptions.tau': [0, 1] }, dir, { workers: 2 });
    expect(choice.trials).toBe(2);
    const results = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { status: string; config: { methodOptions: { tau: number } }; result: { valid: { mean_auc: number } } });
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    const best = results.reduce((x, y) => (y.result.valid.mean_auc > x.result.valid.mean_auc ? y : x));
    expect(choice.chosen).toEqual({ 'methodOptions.tau': best.config.methodOptions.tau });
    expect(choice.valid_mean_auc).toBe(best.result.valid.mean_auc);
    expect(applyChoice({ methodOptions: { epsilon: 0 } }, { 'methodOptions.tau': 0.3, lr: 0.1 })).toEqual({ methodOptions: { epsilon: 0, tau: 0.3 }, lr: 0.1 });
  });
});
