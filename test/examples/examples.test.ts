/**
 * Each example's main() at a toy size (the scripts run it with their defaults under a minute),
 * plus one real `npx tsx examples/<name>.ts` spawn with small-size flags.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main as gradcraftSynthetic } from '../../examples/gradcraft-synthetic.ts';
import { main as compareBalancers } from '../../examples/compare-balancers.ts';
import { main as customBalancer, UnitMean } from '../../examples/custom-balancer.ts';
import { main as adult } from '../../examples/adult.ts';
import { Rng } from '../../src/index.ts';

const sink = (): { lines: string[]; print: (s: string) => void } => {
  const lines: string[] = [];
  return { lines, print: (s) => lines.push(s) };
};

describe('examples', () => {
  it('gradcraft-synthetic trains GradCraft and prints metrics and diagnostics', async () => {
    const out = sink();
    const r = await gradcraftSynthetic({ rows: 1500, epochs: 1, print: out.print });
    expect(r.config.method).toBe('gradcraft');
    expect(r.tasks).toHaveLength(6);
    const text = out.lines.join('\n');
    expect(text).toMatch(/AV-A 0\.\d{4}/);
    expect(text).toMatch(/conflicting task pairs .* before crafting: \d+\.\d\d of 15/);
    expect(text).toMatch(/gradient norm spread max\/min before: [\d.]+x, after crafting: [\d.]+x/);
  });

  it('compare-balancers trains two balancers on the same splits', async () => {
    const out = sink();
    const [a, b] = await compareBalancers({ a: 'ew', b: 'pcgrad', rows: 1500, epochs: 1, print: out.print });
    expect([a.config.method, b.config.method]).toEqual(['ew', 'pcgrad']);
    expect(a.config.data).toEqual(b.config.data);
    expect(out.lines.join('\n')).toMatch(/^AV\s+0\.\d{4}\s+0\.\d{4}\s+[+-]0\.\d{4}/m);
  });

  it('custom-balancer: the new balancer combines as documented and trains through the registry', async () => {
    const d = new UnitMean().combine(Float64Array.from([3, 4, 0, 1]), 2, { step: 0, rng: new Rng(1) });
    // |g1| = 5, |g2| = 1, mean 3: d = 3 * ((0.6, 0.8) + (0, 1)) / 2
    expect(d[0]).toBeCloseTo(0.9, 12);
    expect(d[1]).toBeCloseTo(2.7, 12);
    expect(() => new UnitMean().combine(Float64Array.from([NaN, 0]), 1, { step: 0, rng: new Rng(1) })).toThrow(/unit-mean: G\[task 0, coord 0\] = NaN/);
    const out = sink();
    const [ew, um] = await customBalancer({ rows: 1500, epochs: 1, print: out.print });
    expect(ew!.config.method).toBe('ew');
    expect(um!.config.method).toBe('unit-mean');
    expect(out.lines[0]).toMatch(/^unit-mean on g1 = \(10, 0\), g2 = \(-1, 1\): d = \(/);
  });

  it('adult trains two tasks from the CSV and its schema', async () => {
    const out = sink();
    const r = await adult({ method: 'ew', epochs: 1, print: out.print });
    expect(r.tasks).toEqual(['income', 'never_married']);
    expect((r.test.income as { auc: number }).auc).toBeGreaterThan(0.6);
    expect(out.lines.join('\n')).toMatch(/income\s+test AUC 0\.\d{4}/);
  });

  it('runs as a script with npx tsx and small-size flags', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'examples/gradcraft-synthetic.ts', '--rows', '1200', '--epochs', '1'], { encoding: 'utf8', timeout: 120_000 });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/GradCraft \(tau 0\.1, epsilon 1e-10\) on PLE, 6 tasks/);
    expect(res.stdout).toMatch(/run folder /);
  });
});
