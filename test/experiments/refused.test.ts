/** A refused re-run into a finished experiment folder changes nothing in it and says why. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentRefused } from '../../src/experiments/index.ts';
import { runAndReport, toy } from './helpers.ts';

/** Every file under `dir` with its bytes, by relative path. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

describe('a refused experiment re-run', () => {
  it('table2 --size toy into a finished --out with --set lr=0.05: every file byte for byte as it was, exit 2, the reason and the fix', async () => {
    const first = await toy('table2', { renderRuns: true });
    expect(first.failed).toEqual([]);
    const before = snapshot(first.dir);
    expect([...before.keys()]).toEqual(expect.arrayContaining(['experiment.json', 'table.md', 'table.json', 'report.html', 'runs/ew-s5277/final.json']));
    expect([...before.keys()].some((k) => k.startsWith('.jobs') || k.includes('.tmp-'))).toBe(false);

    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'experiment', 'table2', '--size', 'toy', '--out', first.dir, '--set', 'lr=0.05', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    const msg = r.stderr.trim();
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toContain(`experiment folder ${first.dir} holds 12 of this experiment's 12 runs with a different config`);
    expect(msg).toMatch(/lr 0\.005 -> 0\.05/);
    expect(msg).toMatch(/nothing was run and no file in it was changed/);
    expect(msg).toMatch(/new --out/);
    expect(snapshot(first.dir)).toEqual(before);

    // The library throws the typed error naming each conflicting run folder.
    const err = await runAndReport('table2', { size: 'toy', out: first.dir, quiet: true, renderRuns: false, backend: 'wasm', base: { lr: 0.05 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExperimentRefused);
    expect((err as ExperimentRefused).conflicts.map((c) => c.runId)).toContain('gradcraft-s5277');
    expect(snapshot(first.dir)).toEqual(before);
  }, 60_000);

  it('another preset into the same --out is refused before anything runs', async () => {
    const first = await toy('table3');
    const before = snapshot(first.dir);
    await expect(runAndReport('tau', { size: 'toy', out: first.dir, quiet: true, backend: 'wasm' })).rejects.toThrow(/holds the experiment 'table3', not 'tau'/);
    expect(snapshot(first.dir)).toEqual(before);
  });

  it('a run killed before its first checkpoint is started over on the re-run, not refused or left half', async () => {
    const first = await toy('table3');
    const runDir = join(first.dir, 'runs', 'gradcraft-s5277');
    // What a kill mid-epoch leaves with checkpoint: false: config.json and a partial log, no final.json.
    const keep = readFileSync(join(runDir, 'config.json'));
    for (const f of readdirSync(runDir)) if (f !== 'config.json') spawnSync('rm', ['-rf', join(runDir, f)]);
    writeFileSync(join(runDir, 'config.json'), keep);
    const again = await runAndReport('table3', { size: 'toy', out: first.dir, quiet: true, renderRuns: false, backend: 'wasm', now: new Date(0) });
    expect(again.failed).toEqual([]);
    expect(again.runs.filter((r) => !r.reused).map((r) => r.spec.id)).toEqual(['gradcraft-s5277']);
    expect(again.markdown).toBe(first.markdown);
  });
});
