import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predsMetrics } from '../../src/cli/commands/metrics.ts';

const dir = mkdtempSync(join(tmpdir(), 'mtlkit-metrics-'));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const root = join(import.meta.dirname, '..', '..');

describe('mtlkit metrics', () => {
  it('computes n, auc, gauc, ne, logloss, users_used from a predictions file', async () => {
    const f = write('p.csv', 'user,label,pred\na,1,0.9\na,0,0.2\nb,1,0.4\nb,0,0.6\nc,1,0.5\n');
    const m = await predsMetrics(f, { label: 'label', pred: 'pred' });
    expect(m.n).toBe(5);
    expect(m.auc).toBeCloseTo(4 / 6, 12);
    expect(m.gauc).toBeCloseTo(0.5, 12);
    expect(m.users_used).toBe(2);
    const noUser = await predsMetrics(write('q.csv', 'y,s\n1,0.9\n0,0.1\n'), { label: 'y', pred: 's' });
    expect([noUser.gauc, noUser.users_used, noUser.auc]).toEqual([null, 0, 1]);
  });

  it('blank user cells are left out of GAUC (not pooled into one user) and counted in blank_user_rows', async () => {
    // Pooled, the three blank rows would form a user with AUC 0 and pull GAUC down to 0.4.
    const f = write('blank.csv', 'user,label,pred\na,1,0.9\na,0,0.2\n,1,0.1\n ,0,0.8\n,0,0.9\n');
    const m = await predsMetrics(f, { label: 'label', pred: 'pred' });
    expect(m).toMatchObject({ n: 5, gauc: 1, users_used: 1, blank_user_rows: 3 });
    expect(m.auc).toBeCloseTo(2.5 / 6, 12);
  });

  it('CLI contract: --json prints the object; a bad file exits non-zero with the line number', () => {
    const ok = write('ok.csv', 'uid,y,p\nu,1,0.7\nu,0,0.3\n');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'metrics', ...args], { encoding: 'utf8', cwd: root });
    const r = run(['--in', ok, '--user', 'uid', '--label', 'y', '--pred', 'p', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['n', 'auc', 'gauc', 'ne', 'logloss', 'users_used', 'blank_user_rows']);
    expect(out).toMatchObject({ n: 2, auc: 1, gauc: 1, users_used: 1 });
    const bad = write('bad.csv', 'user,label,pred\na,1,0.9\na,0,oops\n');
    const b = run(['--in', bad, '--json']);
    expect(b.status).not.toBe(0);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/bad\.csv:3: column "pred"/);
  });
});
