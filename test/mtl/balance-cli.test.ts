import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { parseBalanceRequest, runBalanceRequest } from '../../src/cli/commands/balance.ts';
import { CliError } from '../../src/cli/errors.ts';

describe('mtlkit balance', () => {
  it('returns combined, weights and diagnostics in float64', () => {
    const r = runBalanceRequest({ G: [[-4, 1, 1], [6, 1, 1]], method: 'pcgrad', seed: 3 });
    expect((r.combined as number[]).map((v) => +v.toFixed(4))).toEqual([0.5848, 3.8012, 3.8012]);
    expect((r.weights as number[]).length).toBe(2);
    expect((r.diagnostics as { conflictPairs: unknown }).conflictPairs).toEqual([[0, 1]]);
  });

  it('reports the certificate of a solver method, and null for a closed form', () => {
    const r = runBalanceRequest({ G: [[1, 0, 0], [1e-7, 1e-7, 0]], method: 'mgda' });
    const c = r.certificate as { status: string; ok: boolean; conditions: { name: string; ok: boolean }[] };
    expect(c.status).toBe('optimal');
    expect(c.ok).toBe(true);
    expect(c.conditions.length).toBeGreaterThan(0);
    expect(runBalanceRequest({ G: [[1, 0], [0, 1]], method: 'ew' }).certificate).toBeNull();
    const multi = runBalanceRequest({ steps: [[[1, 0], [0, 1]], [[1, 1], [-1, 0.5]]], method: 'cagrad' });
    expect((multi.certificate as { status: string }[]).map((x) => x.status)).toEqual(['optimal', 'optimal']);
  });

  it('runs stateful balancers over steps, with per-step losses', () => {
    const r = runBalanceRequest({
      steps: [[[1, 0], [0, 1]], [[1, 0], [0, 2]], [[2, 0], [0, 1]]], method: 'dwa', losses: [[1, 1], [0.5, 1], [0.5, 0.5]],
    });
    expect((r.combined as number[][]).length).toBe(3);
    expect((r.lossWeights as number[][])[0]).toEqual([1, 1]);
  });

  it('rejects bad requests with a one-line CliError (exit 1)', () => {
    const cases: unknown[] = [
      { G: [[1, 2], [3]], method: 'ew' },
      { G: [[1, 'x']], method: 'ew' },
      { G: [[1, 2]], method: 'nope' },
      { G: [[1, 2]], method: 'ew', options: { tua: 1 } },
      { G: [[1, 2]], steps: [[[1, 2]]], method: 'ew' },
      { G: [[1, 2], [3, 4]], method: 'uc' },
      { G: [[1, 2]], method: 'ew', extra: 1 },
    ];
    for (const c of cases) {
      let err: unknown;
      try { runBalanceRequest(c as never); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(1);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('DB-MTL refuses a negative loss, naming the task and the value', () => {
    const err = (() => { try { runBalanceRequest({ G: [[1, 2], [3, 4]], method: 'dbmtl', losses: [0.5, -0.25] }); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/^balance: dbmtl: loss of task 1 is -0\.25; log-loss balancing needs losses >= 0/);
    // Without the log there is no division by the loss, so any finite loss goes.
    expect(() => runBalanceRequest({ G: [[1, 2], [3, 4]], method: 'dbmtl', options: { logLoss: false }, losses: [0.5, -0.25] })).not.toThrow();
  });

  it('DB-MTL takes a zero loss through its 1e-8 floor, with a note naming the task', () => {
    const r = runBalanceRequest({ G: [[1, 2], [3, 4]], method: 'dbmtl', losses: [0, 1] });
    const notes = (r.diagnostics as { notes: string[] }).notes;
    expect(notes).toEqual(['dbmtl: loss of task 0 is 0, below 1e-8: its log-gradient g / (L + 1e-8) scales g by up to 1 / 1e-8']);
    expect((r.combined as number[]).every(Number.isFinite)).toBe(true);
    const normal = runBalanceRequest({ G: [[1, 2], [3, 4]], method: 'dbmtl', losses: [0.5, 1] });
    expect((normal.diagnostics as { notes: string[] }).notes).toEqual([]);
  });

  it('a number that overflows float64 (1e999) is named as such, not as "null"', () => {
    const err = (() => { try { parseBalanceRequest('{"G": [[1, 2], [3, -1e999]], "method": "ew"}'); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toBe('balance: G[1][1] is not finite (-1e999 overflows float64, whose largest value is about 1.8e308)');
    expect(() => parseBalanceRequest('{"G": [[1, 2]], "method": "ew", "losses": [1e400]}')).toThrow(/losses\[0\] is not finite \(1e400 overflows/);
    expect(() => parseBalanceRequest('{"G": [[1, 2]], "method"')).toThrow(/not valid JSON/);
    expect(parseBalanceRequest('{"G": [[1, 1e300]], "method": "ew"}')).toEqual({ G: [[1, 1e300]], method: 'ew' });
    // Finite, but its square overflows inside every balancer's inner products.
    expect(() => runBalanceRequest({ G: [[-1.3e154], [1]], method: 'mgda' })).toThrow(/G is too large: its squared norm 1\.69e\+308 exceeds 1e\+300/);
  });

  it('works end to end through the command line (stdin, --json, exit codes)', () => {
    const cli = ['tsx', 'src/cli/main.ts', 'balance', '--json'];
    const ok = spawnSync('npx', cli, { input: JSON.stringify({ G: [[-4, 1, 1], [6, 1, 1]], method: 'mgda' }), encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).combined.map((v: number) => +v.toFixed(12))).toEqual([0, 1, 1]);
    const ko = spawnSync('npx', cli, { input: '{"G": [[1, null]], "method": "ew"}', encoding: 'utf8' });
    expect(ko.status).toBe(1);
    expect(ko.stderr.trim().split('\n').filter((l) => l.startsWith('mtlkit:')).length).toBe(1);
  });

  it('--plugin imports a module that registers a custom balancer, which the request then names', () => {
    const cli = ['--import', 'tsx', 'src/cli/main.ts', 'balance', '--json', '--plugin', 'examples/custom-balancer.ts'];
    const ok = spawnSync(process.execPath, cli, { input: JSON.stringify({ G: [[3, 4], [0, 1]], method: 'unit-mean' }), encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    const res = JSON.parse(ok.stdout.trim().split('\n').pop()!);
    expect(res.method).toBe('unit-mean');
    expect(res.combined.map((v: number) => +v.toFixed(12))).toEqual([0.9, 2.7]);
    const without = spawnSync(process.execPath, cli.slice(0, 5), { input: JSON.stringify({ G: [[3, 4], [0, 1]], method: 'unit-mean' }), encoding: 'utf8' });
    expect(without.status).toBe(1);
    expect(without.stderr).toMatch(/unknown balancer 'unit-mean'/);
  });
});
