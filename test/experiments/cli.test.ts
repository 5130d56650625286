/** `mtlkit experiment`: --help, --json, bad input. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetNames, START } from '../../src/experiments/index.ts';
import { experimentOptions } from '../../src/cli/commands/experiment.ts';
import { tmp } from './helpers.ts';

const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'experiment', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('mtlkit experiment', () => {
  it('--help names every preset with its run time at both sizes', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    for (const p of presetNames) expect(r.stdout).toMatch(new RegExp(`\\n  ${p}\\s+\\S`));
    expect(r.stdout.match(/--quick: about [\d.]+ (s|min) .*; full: about [\d.]+ (min|h)/g)).toHaveLength(presetNames.length);
    // npm start is what package.json runs, and its time is the one docs/experiments.md and the README state.
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`tsx src/cli/main.ts experiment ${START.preset} ${START.args.join(' ')}`);
    const time = START.runTime.replace(/ \(.*\)$/, '');
    expect(r.stdout).toContain(`# ${START.preset} ${START.args.join(' ')}: ${time}\n`);
    const docs = readFileSync('docs/experiments.md', 'utf8'), readme = readFileSync('README.md', 'utf8');
    expect(docs).toContain(`\`npm start\` is \`experiment ${START.preset} ${START.args.join(' ')}\``);
    expect(docs).toContain(time);
    expect(readme).toContain(time);
  });

  it('--json prints the tables as the last stdout line and writes the folder', () => {
    const out = join(tmp(), 'exp');
    const r = cli('table3', '--size', 'toy', '--out', out, '--json', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { preset: string; dir: string; tables: { id: string; rows: unknown[] }[]; failed: unknown[] };
    expect(last.preset).toBe('table3');
    expect(last.tables[0]).toMatchObject({ id: 'table3' });
    expect(last.tables[0]!.rows).toHaveLength(5);
    expect(last.failed).toEqual([]);
    for (const f of ['experiment.json', 'table.md', 'report.html', 'ri.svg']) expect(existsSync(join(out, f))).toBe(true);
  });

  it('--data / --schema run a preset on a CSV (the census data: two tasks, AUC without GAUC), at any size', () => {
    const out = join(tmp(), 'census');
    const r = cli('table3', '--size', 'toy', '--data', 'data/adult.csv', '--schema', 'schemas/adult.json', '--out', out, '--json', '--quiet', '--workers', '2');
    expect(r.status, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tables: { id: string; rows: Record<string, unknown>[] }[] };
    expect(last.tables[0]!.rows).toHaveLength(5);
    expect(r.stdout).toContain('csv data');
    const exp = JSON.parse(readFileSync(join(out, 'experiment.json'), 'utf8')) as { config: { base: { data: unknown } } };
    expect(exp.config.base.data).toEqual({ kind: 'csv', path: 'data/adult.csv', schema: 'schemas/adult.json' });
    const flags = { set: [], size: 'quick' };
    expect(experimentOptions({ ...flags, data: 'd.csv', schema: 's.json' }).base).toEqual({ data: { kind: 'csv', path: 'd.csv', schema: 's.json' } });
    expect(() => experimentOptions({ ...flags, data: 'd.csv' })).toThrow('experiment: --data needs --schema SCHEMA.json (docs/data.md)');
    expect(() => experimentOptions({ ...flags, schema: 's.json' })).toThrow('experiment: --schema is given without --data FILE.csv');
    expect(() => experimentOptions({ ...flags, data: 'd.csv', schema: 's.json', rows: '100' })).toThrow(/--rows sizes the synthetic data/);
  });

  it('refuses an unknown backend before anything runs, listing the valid ones', () => {
    const out = join(tmp(), 'exp');
    const r = cli('table2', '--size', 'toy', '--backend', 'cuda', '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("mtlkit: experiment: --backend 'cuda' is not a backend; valid: js, wasm, gpu, auto");
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an unknown preset and bad numbers with exit code 2 and one line', () => {
    const a = cli('table9');
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/unknown experiment preset 'table9'; presets: table2, table3, tau, epsilon, tasks, multibalance/);
    const b = cli('table2', '--seeds', '0');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--seeds expects an integer >= 1, got '0'/);
  });
});
