import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPreset } from '../../src/experiments/index.ts';
import { CONFLICT_DATA, CONFLICT_METHODS, RHO_VALUES } from '../../src/experiments/conflict.ts';
import { columns, labels, table, toy } from './helpers.ts';

describe('conflict preset', () => {
  it('plans EW and the balancers at every value of the dial', () => {
    const runs = getPreset('conflict').phases[0]!({ size: 'toy', seeds: [5277], base: {}, tasks: [], options: {} }, []);
    expect(runs).toHaveLength(RHO_VALUES.length * CONFLICT_METHODS.length);
    expect(new Set(runs.map((r) => r.config.method))).toEqual(new Set(['ew', 'gradcraft', 'pcgrad', 'mgda', 'cagrad', 'dbmtl']));
    for (const r of runs) expect(r.config.data).toMatchObject({ kind: 'synthetic', ...CONFLICT_DATA, contextCorrelation: r.rows[0]!.param!.rho });
  });

  it('toy: measured conflict grows along the dial; the table and conflict.svg show the gain over EW against it', async () => {
    const res = await toy('conflict');
    expect(res.failed).toEqual([]);
    const t = table(res, 'conflict');
    expect(columns(t)).toEqual(['rho', 'conflict', 'ew', 'gain:GradCraft', 'gain:PCGrad', 'gain:MGDA', 'gain:CAGrad', 'gain:DBMTL']);
    // Rows are sorted by measured conflict. The toy run (32 EW steps on 960 training rows)
    // resolves the dial's ends, not rho 0 against -0.2 (docs/data.md has the 300-step curve).
    expect(new Set(labels(t))).toEqual(new Set(RHO_VALUES.map((v) => `rho = ${v}`)));
    const at = (rho: number): number => t.rows.find((r) => r.label === `rho = ${rho}`)!.cells.conflict!.value!;
    expect(at(1)).toBeLessThan(at(0.5));
    expect(at(0.5)).toBeLessThan(at(-0.2));
    expect(at(-0.2) - at(1)).toBeGreaterThan(20);
    expect(labels(t)[0]).toBe('rho = 1');
    expect(existsSync(join(res.dir, 'conflict.svg'))).toBe(true);
    expect(readFileSync(join(res.dir, 'report.html'), 'utf8')).toContain('measured conflict');
  }, 120_000);
});
