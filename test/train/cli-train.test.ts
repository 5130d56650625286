import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromFlags, interruptMessage, runTrain } from '../../src/cli/commands/train.ts';
import { TrainingInterruptedError } from '../../src/train/index.ts';
import { resolveConfig } from '../../src/train/config.ts';
import { tmp } from './helpers.ts';

const tiny = ['--set', 'data.rows=1500', '--set', 'data.users=120', '--set', 'data.items=240', '--tasks', 'ev,lv,cv', '--model', 'ple-lite', '--batch-size', '200'];

function mtlkit(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mtlkit train', () => {
  it('--json: the last stdout line is one JSON object with config, valid.mean_auc, test per task and av_a / av_g', () => {
    const out = join(tmp(), 'run');
    const r = mtlkit(['train', ...tiny, '--method', 'pcgrad', '--epochs', '2', '--seed', '7', '--lr', '0.002', '--opt', 'reduction="mean"', '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const res = JSON.parse(lines[lines.length - 1]!);
    expect(res.config).toMatchObject({ method: 'pcgrad', epochs: 2, seed: 7, lr: 0.002, batchSize: 200, tasks: ['ev', 'lv', 'cv'], methodOptions: { reduction: 'mean' } });
    expect(res.tasks).toEqual(['ev', 'lv', 'cv']);
    expect(typeof res.valid.mean_auc).toBe('number');
    for (const t of res.tasks) expect(Object.keys(res.test[t]).sort()).toEqual(['auc', 'gauc', 'ne']);
    expect(typeof res.test.av_a).toBe('number');
    expect(typeof res.test.av_g).toBe('number');
    expect(res).toHaveProperty('best_epoch');
    expect(res).toHaveProperty('stopped_early');
    expect(res.timing.samples_per_s).toBeGreaterThan(0);
    expect(res.run_dir).toBe(out);
    expect(existsSync(join(out, 'final.json'))).toBe(true);
  });

  it('--config (the sweep runner\'s call) and one-line errors with exit code 2 naming the field', () => {
    const dir = tmp();
    const cfg = join(dir, 'trial.json');
    writeFileSync(cfg, JSON.stringify({ lr: -3, method: 'ew' }));
    const r = mtlkit(['train', '--config', cfg, '--json']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^mtlkit: train: config\.lr: must be/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('flags map onto config fields, over --config', () => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ method: 'gradcraft', methodOptions: { tau: 0.3 }, epochs: 5 }));
    const c = configFromFlags({ config: file, epochs: '2', opt: ['epsilon=1e-9'], set: ['data.rows=100'], data: 'x.csv', schema: 's.json', tasks: 'ev, like' });
    expect(c).toMatchObject({ method: 'gradcraft', epochs: 2, methodOptions: { tau: 0.3, epsilon: 1e-9 }, tasks: ['ev', 'like'], data: { kind: 'csv', path: 'x.csv', schema: 's.json', rows: 100 } });
  });

  it('plugins: relative to the --config file, --plugin relative to the cwd, stored absolute; a child process trains a custom balancer', () => {
    const dir = tmp();
    const example = resolve('examples/custom-balancer.ts');
    const file = join(dir, 'trial.json');
    writeFileSync(file, JSON.stringify({ method: 'unit-mean', plugins: [relative(dir, example)] }));
    expect(configFromFlags({ config: file, opt: [], set: [] }).plugins).toEqual([example]);
    expect(configFromFlags({ opt: [], set: [], plugin: ['examples/custom-balancer.ts'] }).plugins).toEqual([example]);
    expect(resolveConfig({ plugins: ['examples/custom-balancer.ts'] }).plugins).toEqual([example]);
    expect(() => resolveConfig({ plugins: 'x.ts' })).toThrow(/config\.plugins: must be a list of module paths/);
    expect(() => resolveConfig({ method: 'unit-mean' })).toThrow(/registerBalancer in a module named in config\.plugins or --plugin/);
    const out = join(dir, 'run');
    const r = mtlkit(['train', '--config', file, ...tiny, '--epochs', '1', '--out', out, '--json', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const res = JSON.parse(lines[lines.length - 1]!);
    expect(res.config).toMatchObject({ method: 'unit-mean', plugins: [example] });
    const missing = mtlkit(['train', '--plugin', join(dir, 'nope.ts'), '--method', 'unit-mean', '--json']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^mtlkit: train: plugin .*nope\.ts: no such file/);
  });

  it('--backend cuda (or MTLKIT_BACKEND=cuda) is an error listing the backends; resume-only flags need --resume', async () => {
    const r = mtlkit(['train', '--backend', 'cuda']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("mtlkit: train: --backend 'cuda' is not a backend; valid: js, wasm, gpu, auto");
    const was = process.env.MTLKIT_BACKEND;
    process.env.MTLKIT_BACKEND = 'cuda';
    try {
      await expect(runTrain({ opt: [], set: [] })).rejects.toMatchObject({ exitCode: 2, message: "train: MTLKIT_BACKEND 'cuda' is not a backend; valid: js, wasm, gpu, auto" });
    } finally {
      if (was === undefined) delete process.env.MTLKIT_BACKEND;
      else process.env.MTLKIT_BACKEND = was;
    }
    await expect(runTrain({ opt: [], set: [], usePreviousCheckpoint: true })).rejects.toThrow(/--use-previous-checkpoint only applies with --resume DIR/);
  });

  it('the interrupt message gives the exact command (quoted, with the --backend given)', () => {
    expect(interruptMessage(new TrainingInterruptedError('runs/a b', 3, 40, true), 'js'))
      .toBe("train: interrupted at step 40; the checkpoint of epoch 3 is in runs/a b; resume with: mtlkit train --resume 'runs/a b' --backend js");
    expect(interruptMessage(new TrainingInterruptedError('r', 0, 2, true))).toMatch(/before the first epoch ended; .*: mtlkit train --resume r$/);
    expect(interruptMessage(new TrainingInterruptedError('r', 0, 9, false))).toMatch(/cannot be resumed/);
  });

  it('SIGINT stops the run with exit code 130 and prints the command that resumes it', async () => {
    const out = join(tmp(), 'run');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...tiny, '--epochs', '500', '--diagnostics-every', '0', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && /epoch 1\/500/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', (c) => done(c));
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`resume with: mtlkit train --resume ${out}`);
    expect(existsSync(join(out, 'checkpoint', 'state.ckpt'))).toBe(true);
  });
});
