/** `--reuse`: finished runs of another experiment folder stand in for the same runs here. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReuseFolderError, runExperiment } from '../../src/experiments/index.ts';
import { tmp, toy } from './helpers.ts';

const metrics = (rows: { label?: string; param?: unknown; seed?: number; test: unknown }[]): unknown => rows.map((r) => [r.label, r.param, r.seed, r.test]);

describe('experiment --reuse', () => {
  it('findings read from a table3 folder: every run copied in, the same findings as training them, and the copy stands alone', async () => {
    const t3 = await toy('table3');
    const reused = await toy('findings', { options: { claims: 'table3' }, reuse: [t3.dir] });
    expect(reused.runs.length).toBeGreaterThan(0);
    expect(reused.runs.every((r) => r.reused)).toBe(true);
    for (const r of reused.runs) {
      const final = JSON.parse(readFileSync(join(reused.dir, 'runs', r.spec.id, 'final.json'), 'utf8')) as { run_dir: string };
      expect(final.run_dir).toBe(join(reused.dir, 'runs', r.spec.id));
    }
    const trained = await toy('findings', { options: { claims: 'table3' } });
    expect(trained.runs.some((r) => r.reused)).toBe(false);
    expect(metrics(reused.experiment.rows)).toEqual(metrics(trained.experiment.rows));
    expect(reused.markdown).toBe(trained.markdown);
  });

  it('takes only runs of the same config: another lr is trained, not copied', async () => {
    const t3 = await toy('table3', { base: { lr: 0.01 } });
    const other = await toy('table3', { reuse: [t3.dir] });
    expect(other.runs.some((r) => r.reused)).toBe(false);
  });

  it('a folder that is not an experiment folder is refused before anything is written', async () => {
    const out = join(tmp(), 'x');
    const bad = tmp();
    await expect(runExperiment('table3', { size: 'toy', out, quiet: true, reuse: [bad] })).rejects.toBeInstanceOf(ReuseFolderError);
    expect(existsSync(out)).toBe(false);
  });
});
