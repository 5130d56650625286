import { describe, expect, it } from 'vitest';
import {
  markBest,
  multibalanceTables,
  numberCell,
  splitRelativeImprovement,
  sweepTable,
  table2,
  table3,
  tasksTable,
  toJson,
  toMarkdown,
  type Column,
  type ExperimentJson,
  type Table,
} from '../../src/report/index.ts';

const tm = (auc: number, gauc: number | null, ne = 0.9) => ({ auc, gauc, ne });

/** Two tasks, Single / EW / GradCraft with hand-checkable numbers. */
const exp: ExperimentJson = {
  preset: 'table2',
  tasks: ['EV', 'Like'],
  rows: [
    { method: 'single', label: 'Single', seed: 1, test: { EV: tm(0.8, 0.6), Like: tm(0.5, 0.4) } },
    { method: 'ew', label: 'EW', seed: 1, test: { EV: tm(0.81, 0.6), Like: tm(0.5, 0.42) } },
    { method: 'gradcraft', label: 'GradCraft', seed: 1, test: { EV: tm(0.8, 0.63), Like: tm(0.52, 0.4) } },
    { method: 'gradcraft', label: 'GradCraft', seed: 2, test: { EV: tm(0.82, 0.61), Like: tm(0.54, 0.4) } },
  ],
};

const cellOf = (t: Table, row: string, key: string) => t.rows.find((r) => r.label === row)!.cells[key]!;

describe('the size every run trained on, under Table 2 / 3', () => {
  const config = {
    size: 'quick', seeds: [5277, 5278, 5279],
    base: { data: { kind: 'synthetic', rows: 30000 }, model: 'ple-paper', batchSize: 256, lr: 0.002, epochs: 4, patience: 2 },
  };
  it('names data, model, batch, lr, epochs and seeds from the folder config', () => {
    const want = "Size 'quick': synthetic data, 30,000 rows, ple-paper, batch 256, lr 0.002, up to 4 epochs (patience 2, the best validation epoch kept); 3 seeds (5277-5279).";
    expect(table2({ ...exp, config }).notes).toContain(want);
    expect(table3({ ...exp, preset: 'table3', config }).notes).toContain(want);
  });
  it('says nothing where the folder records no size (a hand-made folder)', () => {
    expect(table2({ ...exp, config: { preset: 'table2', seeds: 2 } }).notes.some((n) => n.startsWith('Size'))).toBe(false);
  });
});

describe('table2 math (GradCraft eq. 12-15)', () => {
  const t = table2(exp);

  it('AV-A and RI-A match a hand computation', () => {
    // EW: AV-A = (0.81 + 0.5) / 2 = 0.655; RI-A = ((0.81-0.8)/0.8 + 0) / 2 = 0.625%.
    expect(cellOf(t, 'EW', 'av_a').value).toBeCloseTo(0.655, 12);
    expect(cellOf(t, 'EW', 'ri_a').value).toBeCloseTo(0.625, 10);
    expect(cellOf(t, 'EW', 'ri_a').text).toBe('0.63%');
    // EW RI-G = (0 + (0.42-0.4)/0.4) / 2 = 2.5%.
    expect(cellOf(t, 'EW', 'ri_g').value).toBeCloseTo(2.5, 10);
    expect(cellOf(t, 'Single', 'ri_a').text).toBe('0.00%');
  });

  it('several seeds: per-seed RI, then mean ± sample std', () => {
    // seed 1: RI-A = (0 + 0.04) / 2 = 2%; seed 2: (0.025 + 0.08) / 2 = 5.25%.
    const c = cellOf(t, 'GradCraft', 'ri_a');
    expect(c.n).toBe(2);
    expect(c.value).toBeCloseTo(3.625, 10);
    expect(c.std).toBeCloseTo(Math.SQRT2 * 1.625, 10);
    expect(c.text).toBe('3.63% ± 2.30%');
    expect(cellOf(t, 'GradCraft', 'auc:EV').text).toBe('0.8100 ± 0.0141');
    expect(splitRelativeImprovement(exp.rows[1]!.test, { EV: 0.8, Like: 0.5 }, ['EV', 'Like'], 'auc')).toBeCloseTo(0.00625, 12);
  });

  it('has the paper columns in its order and one row per method', () => {
    expect(t.columns.map((c) => c.key)).toEqual(['auc:EV', 'auc:Like', 'av_a', 'ri_a', 'gauc:EV', 'gauc:Like', 'av_g', 'ri_g']);
    expect(t.rows.map((r) => r.label)).toEqual(['Single', 'EW', 'GradCraft']);
  });

  it('marks best in bold and second underlined in Markdown, with the note', () => {
    const md = toMarkdown(t);
    expect(md).toContain('**3.63% ± 2.30%**');
    expect(md).toContain('<u>0.63%</u>');
    expect(md).toContain('Markdown has no underline');
    expect(md).toContain('| Method | AUC EV | AUC Like | AV-A | RI-A | GAUC EV |');
  });

  it('the Single reference row takes no best / second marks, even where its value is the best', () => {
    const strongSingle: ExperimentJson = { ...exp, rows: exp.rows.map((r) => (r.method === 'single' ? { ...r, test: { EV: tm(0.9, 0.7), Like: tm(0.6, 0.5) } } : r)) };
    const t2 = table2(strongSingle);
    const single = t2.rows.find((r) => r.label === 'Single')!;
    expect(single.reference).toBe(true);
    expect(Object.values(single.cells).filter((c) => c.mark)).toEqual([]);
    // The methods are ranked among themselves: GradCraft's EV mean 0.81 ties EW's 0.81 for best.
    expect(cellOf(t2, 'GradCraft', 'auc:EV').mark).toBe('best');
    expect(cellOf(t2, 'EW', 'auc:EV').mark).toBe('best');
    expect(cellOf(t2, 'EW', 'gauc:Like').mark).toBe('best');
    expect(cellOf(t2, 'GradCraft', 'gauc:Like').mark).toBe('second');
    expect(toMarkdown(t2).split('\n').find((l) => l.startsWith('| Single'))).not.toMatch(/\*\*|<u>/);
    expect(t2.notes.join(' ')).toMatch(/Single row is the reference: it takes no best/);
  });

  it('RI is n/a without a Single row, and says so', () => {
    const t2 = table2({ ...exp, rows: exp.rows.filter((r) => r.method !== 'single') });
    expect(cellOf(t2, 'EW', 'ri_a').text).toBe('n/a');
    expect(t2.notes.join(' ')).toMatch(/no Single row/);
  });

  it('drops the GAUC group when no row has GAUC', () => {
    const noG: ExperimentJson = { ...exp, rows: exp.rows.map((r) => ({ ...r, test: { EV: tm(0.8, null), Like: tm(0.5, null) } })) };
    expect(table2(noG).columns.some((c) => c.group === 'GAUC')).toBe(false);
  });
});

describe('markBest', () => {
  const col: Column = { key: 'x', label: 'x', kind: 'fixed', decimals: 4, better: 'higher' };
  const mk = (vals: Array<number | null>): Table =>
    markBest({ id: 't', title: 't', rowHeader: 'r', columns: [col], notes: [], rows: vals.map((v, i) => ({ label: `r${i}`, cells: { x: numberCell(col, v === null ? null : { mean: v, std: 0, n: 1 }) } })) });
  const marks = (t: Table) => t.rows.map((r) => r.cells.x!.mark ?? '-');

  it('ties share a mark and second goes to the next distinct value', () => {
    expect(marks(mk([0.9, 0.9, 0.8, 0.7, 0.8]))).toEqual(['best', 'best', 'second', '-', 'second']);
  });
  it('compares values as printed (4 decimals)', () => {
    expect(marks(mk([0.76412, 0.76409, 0.7, null]))).toEqual(['best', 'best', 'second', '-']);
  });
  it('lower-is-better columns and degenerate columns', () => {
    const low = { ...col, better: 'lower' as const };
    const t = markBest({ id: 't', title: 't', rowHeader: 'r', columns: [low], notes: [], rows: [1, 2, 3].map((v) => ({ label: `${v}`, cells: { x: numberCell(low, { mean: v, std: 0, n: 1 }) } })) });
    expect(t.rows.map((r) => r.cells.x!.mark ?? '-')).toEqual(['best', 'second', '-']);
    expect(marks(mk([0.5]))).toEqual(['-']);
    expect(marks(mk([0.5, 0.5]))).toEqual(['best', 'best']);
  });
  it('JSON keeps numbers and marks', () => {
    const j = toJson(mk([0.9, 0.8])) as { rows: Array<{ cells: Record<string, { value: number; mark: string | null }> }> };
    expect(j.rows[0]!.cells.x).toMatchObject({ value: 0.9, mark: 'best' });
    expect(j.rows[1]!.cells.x).toMatchObject({ value: 0.8, mark: 'second' });
  });
});

describe('other layouts', () => {
  it('table3 lists variants only and keeps Single as the reference', () => {
    const t = table3({ ...exp, preset: 'table3' });
    expect(t.rows.map((r) => r.label)).toEqual(['EW', 'GradCraft']);
    expect(t.columns.map((c) => c.label)).toEqual(['AV-A', 'RI-A', 'AV-G', 'RI-G']);
    expect(cellOf(t, 'EW', 'ri_a').value).toBeCloseTo(0.625, 10);
  });

  it('epsilon sweep rows are sorted by value and print 0 and 1e-10', () => {
    const rows = [1e-10, 0, 1e-12].map((epsilon) => ({ method: 'gradcraft', label: 'GradCraft', param: { epsilon }, test: exp.rows[2]!.test }));
    const t = sweepTable({ ...exp, preset: 'epsilon', rows: [exp.rows[0]!, ...rows] }, 'epsilon');
    expect(t.rows.map((r) => r.cells.param!.text)).toEqual(['0', '1e-12', '1e-10']);
  });

  it('tasks table: RI per T over each row’s own task subset', () => {
    const all = ['EV', 'Like', 'Follow'];
    const t = tasksTable({
      preset: 'tasks',
      tasks: all,
      rows: [
        { method: 'single', tasks: all, test: { EV: tm(0.8, 0.6), Like: tm(0.5, 0.4), Follow: tm(0.7, 0.5) } },
        { method: 'gradcraft', label: 'GradCraft', param: { T: 2 }, tasks: ['EV', 'Like'], test: { EV: tm(0.88, 0.6), Like: tm(0.5, 0.4) } },
        { method: 'gradcraft', label: 'GradCraft', param: { T: 3 }, tasks: all, test: { EV: tm(0.8, 0.6), Like: tm(0.5, 0.4), Follow: tm(0.77, 0.5) } },
      ],
    });
    expect(cellOf(t, 'GradCraft', 'ri_a:2').value).toBeCloseTo(5, 10); // (10% + 0) / 2
    expect(cellOf(t, 'GradCraft', 'ri_a:3').value).toBeCloseTo(10 / 3, 10); // (0 + 0 + 10%) / 3
  });

  it('MultiBalance: NE gain and throughput drop over EW', () => {
    const ts = multibalanceTables({
      preset: 'multibalance',
      tasks: ['CTR', 'CVR'],
      rows: [
        { method: 'ew', test: { CTR: tm(0.7, null, 0.8), CVR: tm(0.7, null, 0.5) }, timing: { samples_per_s: 1000, seconds: 1 } },
        { method: 'multibalance', label: 'MultiBalance', param: { mode: 'rep' }, test: { CTR: tm(0.7, null, 0.792), CVR: tm(0.7, null, 0.505) }, timing: { samples_per_s: 990, seconds: 1 } },
        { method: 'multibalance', label: 'MultiBalance', param: { lr: 5 }, test: { CTR: tm(0.7, null, 0.76), CVR: tm(0.7, null, 0.5) } },
      ],
    });
    expect(ts.map((t) => t.id)).toEqual(['mb-modes', 'mb-baselines', 'mb-lr']);
    const modes = ts[0]!;
    expect(modes.rows[0]!.cells.qps!.value).toBeCloseTo(1, 10);
    expect(modes.rows[0]!.cells['ne:CTR']!.value).toBeCloseTo(1, 10); // (0.8 - 0.792) / 0.8 = 1%
    expect(modes.rows[0]!.cells['ne:CVR']!.value).toBeCloseTo(-1, 10);
    expect(modes.rows[0]!.cells.mode!.text).toBe('shared representation');
    expect(ts[2]!.rows[0]!.cells.avg!.value).toBeCloseTo(2.5, 10); // (5% + 0) / 2
    expect(ts[2]!.rows[0]!.label).toBe('learning rate = 5');
  });
});
