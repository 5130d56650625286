import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { train } from '../../src/index.ts';
import { renderReport } from '../../src/report/index.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { checkRunConfig, DEFAULT_RUN, RunConfigError, type RunConfig } from '../../playground/src/worker/config.ts';
import { loadRunData } from '../../playground/src/worker/data.ts';
import { runFolderFiles, runFolderName } from '../../playground/src/worker/run-folder.ts';
import { TrainingSession } from '../../playground/src/worker/session.ts';
import { zipFolder } from '../../playground/src/worker/zip.ts';

/**
 * The playground's training session in Node (the Worker runs the same code): seeded runs
 * repeat, a balancer change lands between steps and is recorded, passes over the data become
 * epochs.jsonl lines, and the run folder it writes is one `mtlkit report` renders and
 * `mtlkit train --config` accepts.
 */
const tmp = mkdtempSync(join(tmpdir(), 'mtlkit-pg-session-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL: RunConfig = {
  ...DEFAULT_RUN, method: 'ew', batchSize: 64, diagnosticsEvery: 2, evalEvery: 5,
  data: { kind: 'synthetic', rows: 1000, users: 50, items: 120, conflict: 1, noise: 1, seed: 7 },
};

async function session(c: RunConfig = SMALL): Promise<TrainingSession> {
  return new TrainingSession(c, await loadRunData(c.data, () => Promise.reject(new Error('no CSV here'))), () => 0);
}

describe('TrainingSession', () => {
  it('repeats a seeded run step for step', async () => {
    const a = await session(), b = await session();
    for (let i = 0; i < 4; i++) expect(a.next().step.losses).toEqual(b.next().step.losses);
  });

  it('changes the balancer between steps, closes epochs at the end of a pass, and writes a run folder mtlkit report renders', async () => {
    const s = await session();
    expect(s.stepsPerEpoch).toBe(13); // 800 training rows in batches of 64
    for (let i = 0; i < 6; i++) s.next();
    s.use('pcgrad', 'param');
    const epochs = [];
    for (let i = 0; i < 10; i++) {
      const r = s.next();
      if (r.epoch) epochs.push(r.epoch);
    }
    expect(s.switches).toEqual([{ step: 6, method: 'pcgrad', mode: 'param' }]);
    expect(epochs.map((e) => [e.epoch, e.step, e.method])).toEqual([[1, 13, 'pcgrad']]);
    expect(s.diagnostics.map((d) => d.step)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    expect(s.diagnostics.map((d) => d.method)).toEqual(['ew', 'ew', 'ew', 'pcgrad', 'pcgrad', 'pcgrad', 'pcgrad', 'pcgrad']);

    const files = runFolderFiles(s, 1.5);
    const unzipped = unzipSync(zipFolder(runFolderName(s), files));
    const dir = join(tmp, runFolderName(s));
    expect(Object.keys(unzipped).sort()).toEqual(Object.keys(files).sort().map((f) => `${runFolderName(s)}/${f}`));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    for (const [name, bytes] of Object.entries(unzipped)) writeFileSync(join(tmp, name), strFromU8(bytes));
    const config = resolveConfig(JSON.parse(files['config.json']));
    expect([config.method, config.model, config.batchSize, config.data]).toEqual(['ew', 'ple-lite', 64, SMALL.data]);
    const final = JSON.parse(files['final.json']);
    expect(final.timing.steps).toBe(16);
    expect(final.epochs_run).toBe(2);
    const r = renderReport(dir, { now: new Date('2026-01-01T00:00:00Z') });
    expect(r.skipped).toEqual([]);
    expect(r.files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['conflicts.svg', 'cosine.svg', 'curves.svg', 'norms.svg', 'report.html', 'weights.svg']);
  });

  it("trains as the CLI does: its config.json re-run by the trainer gives the same first epoch and diagnostics, bit for bit", async () => {
    const s = await session({ ...SMALL, method: 'gradcraft' });
    while (s.epochs.length === 0) s.next();
    const config = JSON.parse(runFolderFiles(s, 1)['config.json']);
    const cli = await train({ ...config, backend: undefined, epochs: 1, outDir: join(tmp, 'cli-rerun') }, { quiet: true });
    const line = JSON.parse(readFileSync(join(cli.run_dir, 'epochs.jsonl'), 'utf8').trim());
    expect(line.train_loss).toEqual(s.epochs[0]!.train_loss);
    expect(line.valid).toEqual(s.epochs[0]!.valid);
    expect([line.valid_mean_auc, line.valid_mean_auc_tasks]).toEqual([s.epochs[0]!.valid_mean_auc, s.epochs[0]!.valid_mean_auc_tasks]);
    // The same diagnostics lines too (the library's record; the playground adds the balancer's id).
    const cliDiagnostics = readFileSync(join(cli.run_dir, 'diagnostics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(cliDiagnostics.length).toBeGreaterThan(0);
    expect(s.diagnostics.slice(0, cliDiagnostics.length)).toEqual(cliDiagnostics.map((d) => ({ ...d, method: 'gradcraft' })));
  });

  it('refuses a bad setting with its field and what it accepts', () => {
    expect(() => checkRunConfig({ ...SMALL, model: 'ple-huge' as RunConfig['model'] })).toThrow(RunConfigError);
    expect(() => checkRunConfig({ ...SMALL, batchSize: 0 })).toThrow('batchSize: must be an integer >= 1, got 0');
    expect(() => checkRunConfig({ ...SMALL, data: { ...SMALL.data, rows: 10 } as RunConfig['data'] })).toThrow('data.rows: must be an integer >= 100, got 10');
  });
});
