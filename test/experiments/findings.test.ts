/**
 * The findings preset: the verdict rules on constructed per-seed numbers (no training), the
 * claims' pairing by seed, the plan (each configuration once), and a toy run end to end:
 * the table's structure, determinism (same seeds, same findings) and resume (runs reused).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimGroups, firstArms } from '../../src/experiments/findings.ts';
import { seedList } from '../../src/experiments/index.ts';
import type { PlanContext } from '../../src/experiments/index.ts';
import { evaluateFindings, findingsTable, STABILITY_MARGIN, verdictOf, type Finding } from '../../src/report/findings/index.ts';
import type { ExperimentJson, ExperimentRow } from '../../src/report/index.ts';
import { tInterval } from '../../src/metrics/stats.ts';
import { labels, table, tmp, toy } from './helpers.ts';

const TASKS = ['ev', 'lv', 'cv', 'like', 'follow', 'forward'];

describe('verdict rules', () => {
  const iv = (xs: number[]) => tInterval(xs);
  it('above 0: reproduced when the interval lies above, contradicted below, inconclusive across', () => {
    expect(verdictOf({ kind: 'above', bound: 0 }, iv([0.01, 0.012, 0.011])).verdict).toBe('reproduced');
    expect(verdictOf({ kind: 'above', bound: 0 }, iv([-0.01, -0.012, -0.011])).verdict).toBe('contradicted');
    expect(verdictOf({ kind: 'above', bound: 0 }, iv([0.01, -0.01, 0.02])).verdict).toBe('inconclusive');
  });
  it('below 5: the mirror image', () => {
    expect(verdictOf({ kind: 'below', bound: 5 }, iv([0.4, 0.5, 0.3])).verdict).toBe('reproduced');
    expect(verdictOf({ kind: 'below', bound: 5 }, iv([80, 82, 81])).verdict).toBe('contradicted');
    expect(verdictOf({ kind: 'below', bound: 5 }, iv([1, 9, 5])).verdict).toBe('inconclusive');
  });
  it('within a margin: an equivalence test (a wide interval around 0 is not stability)', () => {
    const r = { kind: 'within', margin: 0.002 } as const;
    expect(verdictOf(r, iv([0.0005, -0.0003, 0.0001])).verdict).toBe('reproduced');
    expect(verdictOf(r, iv([0.01, 0.011, 0.012])).verdict).toBe('contradicted');
    expect(verdictOf(r, iv([-0.01, 0.01, 0.0])).verdict).toBe('inconclusive');
  });
  it('one seed: no interval, inconclusive, and the reason says so', () => {
    const v = verdictOf({ kind: 'above', bound: 0 }, iv([0.5]));
    expect(v.verdict).toBe('inconclusive');
    expect(v.why).toMatch(/n < 2/);
  });
});

/** A row of arm `arm`, seed `seed`, every task at AUC = GAUC = `auc`, NE `ne`. */
function row(arm: string, seed: number, auc: number, extra: Partial<ExperimentRow> = {}, ne = 0.8): ExperimentRow {
  const test = Object.fromEntries((extra.tasks ?? TASKS).map((t) => [t, { auc, gauc: auc - 0.1, ne }]));
  return { method: arm, label: arm, seed, param: { arm }, test, valid: {}, ...extra };
}

function exp(rows: ExperimentRow[]): ExperimentJson {
  return { preset: 'findings', tasks: TASKS, rows };
}

const find = (fs: Finding[], id: string): Finding => {
  const f = fs.find((x) => x.id === id);
  if (!f) throw new Error(`no finding ${id} (have ${fs.map((x) => x.id).join(', ')})`);
  return f;
};

describe('claims on constructed per-seed numbers', () => {
  const seeds = [1, 2, 3];
  // Seed effects of +-0.05 shared by every arm: unpaired, they would swamp a 0.002 difference.
  const seedFx = (s: number): number => [0.05, -0.05, 0][s - 1]!;

  it('Table 2: paired by seed, a consistent +0.002 is reproduced despite seed effects 25 times larger', () => {
    const rows = seeds.flatMap((s) => [
      row('single', s, 0.7 + seedFx(s)),
      row('ew', s, 0.72 + seedFx(s)),
      row('gradcraft', s, 0.722 + seedFx(s) + s * 1e-5),
      row('mgda', s, 0.73 + seedFx(s)),
      row('uc', s, 0.722 + seedFx(s) + [0.01, -0.01, 0.001][s - 1]!),
    ]);
    const fs = evaluateFindings(exp(rows));
    const ew = find(fs, 'table2.av_a.ew');
    expect(ew.verdict).toBe('reproduced');
    expect(ew.n).toBe(3);
    expect(ew.mean).toBeCloseTo(0.002 + 2e-5, 10);
    expect(ew.per_seed).toEqual({ 1: expect.closeTo(0.00201, 10), 2: expect.closeTo(0.00202, 10), 3: expect.closeTo(0.00203, 10) });
    expect(ew.paper).toBeCloseTo(0.8385 - 0.8369, 10);
    expect(find(fs, 'table2.av_a.mgda').verdict).toBe('contradicted');
    expect(find(fs, 'table2.av_a.uc').verdict).toBe('inconclusive');
    // RI against the same seed's Single: Single's own RI is 0, so GradCraft - Single = GradCraft's RI.
    const riSingle = find(fs, 'table2.ri_a.single');
    expect(riSingle.verdict).toBe('reproduced');
    expect(riSingle.ci![0]).toBeGreaterThan(0);
    // Only the claims whose arms exist: 4 methods x 4 metrics.
    expect(fs.filter((f) => f.group === 'table2')).toHaveLength(16);
  });

  it('one seed: every claim inconclusive, no interval, and the table says why', () => {
    const fs = evaluateFindings(exp([row('single', 1, 0.7), row('gradcraft', 1, 0.8), row('ew', 1, 0.6)]));
    expect(fs.every((f) => f.verdict === 'inconclusive' && f.ci === null && f.n === 1)).toBe(true);
    const t = findingsTable(fs);
    expect(t.rows[0]!.cells.ours!.text).toMatch(/no CI: n = 1/);
    expect(t.rows[0]!.cells.verdict!.text).toBe('inconclusive (n < 2: no interval)');
    expect(t.notes.join(' ')).toMatch(/fewer than two seeds/);
  });

  it('tau stability: within the margin reproduced, far outside contradicted; larger tau below the default', () => {
    const rows = seeds.flatMap((s) => [
      row('gradcraft', s, 0.8 + seedFx(s)),
      row('gradcraft-tau0', s, 0.8 + seedFx(s) + 0.0001 * (s - 2), { param: { arm: 'gradcraft-tau0', tau: 0 } }),
      row('gradcraft-tau0.3', s, 0.8 + seedFx(s) - 0.01 + 0.0001 * s, { param: { arm: 'gradcraft-tau0.3', tau: 0.3 } }),
      ...[0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((v) => row(`gradcraft-tau${v}`, s, 0.79 + seedFx(s) + 0.0001 * s, { param: { arm: `gradcraft-tau${v}`, tau: v } })),
    ]);
    const fs = evaluateFindings(exp(rows));
    expect(STABILITY_MARGIN).toBe(0.0022);
    expect(find(fs, 'tau.stable.0').verdict).toBe('reproduced');
    expect(find(fs, 'tau.stable.0.3').verdict).toBe('contradicted');
    expect(find(fs, 'tau.large').verdict).toBe('reproduced');
    expect(find(fs, 'tau.large').mean).toBeCloseTo(0.01 - 0.0002, 8);
  });

  it('MultiBalance: throughput drop against the same seed EW, and NE gain over EW', () => {
    const t = (qps: number) => ({ timing: { samples_per_s: qps, seconds: 1 } });
    const rows = seeds.flatMap((s) => [
      row('ew', s, 0.7, t(1000 * s), 0.8),
      row('multibalance-rep', s, 0.7, t(1000 * s * 0.99), 0.8 * (1 - 0.002)),
      row('mgda', s, 0.7, t(1000 * s * 0.2), 0.8),
      row('uc-rep', s, 0.7, t(1000 * s), 0.8 * (1 - 0.001 * s)),
    ]);
    const fs = evaluateFindings(exp(rows));
    const mb = find(fs, 'mb-qps.multibalance-rep');
    expect(mb.mean).toBeCloseTo(1, 8);
    expect(mb.verdict).toBe('reproduced');
    expect(find(fs, 'mb-qps.mgda').verdict).toBe('reproduced');
    expect(find(fs, 'mb-qps.mgda').mean).toBeCloseTo(80, 8);
    expect(find(fs, 'mb-ne.multibalance').mean).toBeCloseTo(0.2, 8);
    expect(find(fs, 'mb-ne.multibalance').verdict).toBe('reproduced');
    expect(find(fs, 'mb-ne.uc-rep').mean).toBeCloseTo(0.2 - 0.2, 8);
  });

  it('tasks: the per-seed OLS slope of the gap over T = 2, 4, 6', () => {
    const sub = { 2: ['ev', 'like'], 4: ['ev', 'lv', 'like', 'follow'] } as Record<number, string[]>;
    const rows = seeds.flatMap((s) => [
      row('single', s, 0.7),
      row('gradcraft', s, 0.7 * (1 + 0.005)),
      row('pcgrad', s, 0.7 * (1 + 0.002)),
      ...[2, 4].flatMap((T) => [
        row(`T${T}-gradcraft`, s, 0.7 * (1 + 0.001 * (T - 1)), { method: 'gradcraft', tasks: sub[T], param: { arm: `T${T}-gradcraft`, T } }),
        row(`T${T}-baseline`, s, 0.7 * (1 + 0.001), { method: 'pcgrad', tasks: sub[T], param: { arm: `T${T}-baseline`, T } }),
      ]),
    ]);
    const fs = evaluateFindings(exp(rows));
    // GradCraft's RI 0.1, 0.3, 0.5 % at T = 2, 4, 6 (slope 0.1 pp per task); the baseline's 0.1, 0.1, 0.2 %,
    // so the gap is 0, 0.2, 0.3 pp: OLS slope (0.3 - 0) / 4 = 0.075.
    expect(find(fs, 'tasks.gap.ri_a').mean).toBeCloseTo(0.075, 8);
    expect(find(fs, 'tasks.gradcraft.ri_a').mean).toBeCloseTo(0.1, 8);
    expect(find(fs, 'tasks.gap.ri_a').claim).toContain('pcgrad');
  });
});

describe('the plan', () => {
  const ctx = (options: Record<string, unknown> = {}): PlanContext => ({ size: 'toy', seeds: seedList(2), base: {}, tasks: TASKS, options });

  it('every claim group: 41 arms before the T = 2, 4 runs, each configuration once (GradCraft at tau 0.1 / epsilon 1e-10 is the Table 2 run)', () => {
    const arms = firstArms(ctx());
    const ids = arms.map((a) => a.arm);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(12 + 4 + 10 + 6 + 9);
    expect(ids.filter((a) => a.startsWith('gradcraft-tau'))).toHaveLength(10);
    expect(ids).not.toContain('gradcraft-tau0.1');
  });

  it('--claims narrows the groups and the runs; an unknown group is a ConfigError', () => {
    expect(claimGroups(ctx({ claims: 'table3,mb-qps' }))).toEqual(['table3', 'mb-qps']);
    expect(firstArms(ctx({ claims: 'table3' })).map((a) => a.arm)).toEqual(['single', 'gradcraft', 'gradcraft-fix-epsilon', 'gradcraft-fix-tau', 'gradcraft-ori', 'gradcraft-local']);
    expect(() => claimGroups(ctx({ claims: 'table9' }))).toThrow(/--claims/);
  });
});

describe('findings at the toy size, two seeds', () => {
  // The first test's findings table, which the determinism test compares with (tests in a file run in order).
  let first: ReturnType<typeof table> | null = null;

  it('the findings table leads the report and findings.json; a second call reuses every run', async () => {
    const out = join(tmp(), 'findings');
    const a = await toy('findings', { seeds: 2, out, options: { claims: 'table3' } });
    const t = table(a, 'findings');
    expect(a.tables[0]!.id).toBe('findings');
    expect(t.columns.map((c) => c.key)).toEqual(['source', 'paper', 'ours', 'n', 'test', 'verdict', 'compared']);
    expect(t.rows).toHaveLength(16); // 4 ablations x AV-A, AV-G, RI-A, RI-G
    expect(labels(t)[0]).toBe('GradCraft-fix ϵ AV-A < GradCraft');
    for (const r of t.rows) {
      expect(['reproduced', 'contradicted', 'inconclusive']).toContain(r.cells.verdict!.text);
      expect(r.cells.n!.text).toBe('2');
      expect(r.cells.ours!.text).toMatch(/^[+-]\d.*\[[+-]\d.*, [+-]\d.*\]/);
    }
    expect(labels(table(a, 'table3'))).toEqual(['GradCraft', 'GradCraft-fix ϵ', 'GradCraft-fix τ', 'GradCraft-ori', 'GradCraft-local']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.indexOf('<h2>Findings</h2>')).toBeGreaterThan(0);
    expect(html.indexOf('<h2>Findings</h2>')).toBeLessThan(html.indexOf('<h2>Tables</h2>'));
    expect(existsSync(join(out, 'findings.json'))).toBe(true);
    const fj = JSON.parse(readFileSync(join(out, 'findings.json'), 'utf8')) as { findings: Finding[] };
    expect(fj.findings).toHaveLength(16);
    expect(Object.keys(fj.findings[0]!.per_seed)).toEqual(['5277', '5278']);

    // Resume: every run is found finished and the findings are the same.
    const b = await toy('findings', { seeds: 2, out, options: { claims: 'table3' } });
    expect(b.runs.every((r) => r.reused)).toBe(true);
    expect(table(b, 'findings')).toEqual(t);
    first = t;
  });

  it('determinism: a fresh folder trains the same runs to the same findings', async () => {
    const c = await toy('findings', { seeds: 2, options: { claims: 'table3' } });
    expect(c.runs.some((r) => r.reused)).toBe(false);
    expect(first).not.toBeNull();
    expect(table(c, 'findings')).toEqual(first);
  });
});
