import { describe, expect, it } from 'vitest';
import { resolutionTable, resolve, resolvedAround } from '../../src/report/resolution.ts';
import { experimentTables } from '../../src/report/tables.ts';
import { studentTQuantile } from '../../src/metrics/stats.ts';
import type { ExperimentJson, ExperimentRow } from '../../src/report/types.ts';

/** One task, so a run's AV-A is its task AUC. */
function row(method: string, seed: number, auc: number): ExperimentRow {
  return { method, label: method === 'gradcraft' ? 'GradCraft' : method.toUpperCase(), seed, test: { a: { auc, gauc: null, ne: 0.5 } } };
}

function exp(values: Record<string, number[]>, preset: ExperimentJson['preset'] = 'table2'): ExperimentJson {
  const rows: ExperimentRow[] = [];
  for (const [m, vs] of Object.entries(values)) vs.forEach((v, i) => rows.push(row(m, 100 + i, v)));
  return { preset, tasks: ['a'], rows };
}

describe('resolution: which differences the seeds resolve', () => {
  // GradCraft is ahead of EW by 0.010 +- a little on every seed; PCGrad ties EW up to seed noise.
  const e = exp({
    gradcraft: [0.800, 0.812, 0.805],
    ew: [0.790, 0.801, 0.796],
    pcgrad: [0.792, 0.799, 0.797],
    single: [0.795, 0.790, 0.800],
  });

  it('pairs by seed and takes the t interval of the differences', () => {
    const res = resolve(e, 'av_a');
    expect(res.seeds).toEqual([100, 101, 102]);
    const p = res.pairs.find((x) => x.a === 'GradCraft' && x.b === 'EW')!;
    const d = [0.010, 0.011, 0.009];
    const m = (d[0]! + d[1]! + d[2]!) / 3;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
    const half = studentTQuantile(0.975, 2) * sd / Math.sqrt(3);
    expect(p.n).toBe(3);
    expect(p.mean).toBeCloseTo(m, 12);
    expect(p.lo).toBeCloseTo(m - half, 12);
    expect(p.hi).toBeCloseTo(m + half, 12);
    expect(res.pairs).toHaveLength(6);
  });

  it('lists whom each method is resolved ahead of and behind, and its ranks over seeds', () => {
    const res = resolve(e, 'av_a');
    expect(resolvedAround(res, 'GradCraft').ahead.sort()).toEqual(['EW', 'PCGRAD']);
    expect(resolvedAround(res, 'EW').behind).toEqual(['GradCraft']);
    // Single's differences swing in sign: nothing resolved against it.
    expect(resolvedAround(res, 'SINGLE')).toEqual({ ahead: [], behind: [] });
    expect([...res.ranks.get('GradCraft')!.values()]).toEqual([1, 1, 1]);
    const t = resolutionTable(e, 'av_a')!;
    const gc = t.rows.find((r) => r.label === 'GradCraft')!;
    expect(gc.cells.rank!.text).toBe('1');
    expect(gc.cells.behind!.text).toBe('-');
    expect(t.rows[0]!.label).toBe('GradCraft');
    expect(t.rows.find((r) => r.label === 'SINGLE')!.reference).toBe(true);
    expect(t.notes.join(' ')).toMatch(/2 of 6 pairs are resolved/);
  });

  it('says what the run shows of the paper putting a method first', () => {
    const say = (values: Record<string, number[]>): string =>
      resolutionTable(exp(values), 'av_a', { focus: { method: 'gradcraft', claim: 'The paper puts GradCraft first' } })!.notes.at(-1)!;
    expect(say({ gradcraft: [0.80, 0.81, 0.805], ew: [0.79, 0.80, 0.796] })).toMatch(/reproduced here: GradCraft is resolved ahead of every other method/);
    expect(say({ gradcraft: [0.78, 0.79, 0.785], ew: [0.79, 0.80, 0.796] })).toMatch(/places 2 of 2 .*contradicted here: EW is resolved ahead of GradCraft/);
    expect(say({ gradcraft: [0.79, 0.80, 0.79], ew: [0.80, 0.79, 0.795] })).toMatch(/not resolved here/);
  });

  it('one seed resolves nothing: no table, and Table 2 says so', () => {
    const one = exp({ gradcraft: [0.8], ew: [0.79] });
    expect(resolutionTable(one, 'av_a')).toBeNull();
    const tables = experimentTables(one);
    expect(tables.map((t) => t.id)).toEqual(['table2']);
    expect(tables[0]!.notes.join(' ')).toMatch(/One seed per method: .* no gap in this table is known to be more than noise/);
    const many = experimentTables(e);
    expect(many.map((t) => t.id)).toEqual(['table2', 'resolution-av_a']);
    expect(many[0]!.notes.join(' ')).not.toMatch(/One seed/);
  });

  it('Table 3 compares the variants without the Single reference', () => {
    const t3 = experimentTables(exp({ gradcraft: [0.80, 0.81, 0.805], ew: [0.79, 0.80, 0.796], single: [0.7, 0.7, 0.7] }, 'table3'));
    const res = t3.find((t) => t.id === 'resolution-av_a')!;
    expect(res.rows.map((r) => r.label)).toEqual(['GradCraft', 'EW']);
  });
});
