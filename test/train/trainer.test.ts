import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig, ConfigError } from '../../src/train/config.ts';
import { resume, train, TrainingDivergedError, type TaskScore, type TrainResult } from '../../src/train/index.ts';
import { silentProgress } from '../../src/train/progress.ts';
import { readRun } from '../../src/report/io.ts';
import { readJsonl, tinyConfig, tinySplits, tmp, TINY_TASKS } from './helpers.ts';

const quiet = { progress: silentProgress };

/** The numbers a run ends with (timing and folder aside). */
function numbers(r: TrainResult): unknown {
  return { valid: r.valid, test: r.test, best_epoch: r.best_epoch, epochs_run: r.epochs_run, stopped_early: r.stopped_early, steps: r.timing.steps };
}

describe('trainer', () => {
  it('early stopping restores the best epoch: final validation on the restored weights equals that epoch, not the last', async () => {
    const dir = join(tmp(), 'run');
    // minDelta 0.5: no epoch after the first counts as an improvement, although the validation
    // AUC keeps rising; so patience 2 stops after epoch 3 and must restore epoch 1's weights.
    const r = await train(tinyConfig({ epochs: 8, patience: 2, minDelta: 0.5, outDir: dir, diagnosticsEvery: 0 }), { ...quiet, splits: tinySplits() });
    const scores = readJsonl(join(dir, 'epochs.jsonl')).map((e) => e.valid_mean_auc as number);
    expect(scores).toHaveLength(3);
    expect(r).toMatchObject({ best_epoch: 1, epochs_run: 3, stopped_early: true, stop_reason: 'patience' });
    expect(r.restored).toMatch(/stopped early after epoch 3 .*restored the best weights of epoch 1/);
    expect(scores[2]).not.toBe(scores[0]);
    expect(r.valid.mean_auc).toBe(scores[0]); // validation of the restored weights, bit for bit
  });

  it('restores the best weights also when the epoch limit comes first, and says so', async () => {
    const r = await train(tinyConfig({ epochs: 2, patience: 10, outDir: join(tmp(), 'run'), diagnosticsEvery: 0 }), { ...quiet, splits: tinySplits() });
    expect(r.stopped_early).toBe(false);
    expect(r.stop_reason).toBe('epoch-limit');
    expect(r.restored).toMatch(/epoch limit \(2\).*restored the best weights of epoch [12]/);
  });

  it('resume after a kill mid-epoch ends bit-identical to an uninterrupted run (dropout, stateful balancer, rep mode)', async () => {
    const cfg = tinyConfig({ method: 'multibalance', mode: 'rep', modelOptions: { dropout: 0.2 }, epochs: 3, diagnosticsEvery: 4 });
    const a = await train({ ...cfg, outDir: join(tmp(), 'a') }, { ...quiet, splits: tinySplits() });
    const dirB = join(tmp(), 'b');
    const kill = new Error('simulated kill');
    // Steps per epoch: 1200 train rows / 200 = 6; die inside epoch 2, after its checkpoint of epoch 1.
    await expect(train({ ...cfg, outDir: dirB }, { ...quiet, splits: tinySplits(), hooks: { beforeStep: (s) => { if (s === 9) throw kill; } } })).rejects.toBe(kill);
    expect(readJsonl(join(dirB, 'epochs.jsonl'))).toHaveLength(1);
    const b = await resume(dirB, quiet);
    expect(numbers(b)).toEqual(numbers(a));
    // The run folder reads as if never interrupted: same per-epoch losses, same sampled diagnostics.
    const la = readJsonl(join(a.run_dir, 'epochs.jsonl')).map((e) => e.train_loss);
    const lb = readJsonl(join(dirB, 'epochs.jsonl')).map((e) => e.train_loss);
    expect(lb).toEqual(la);
    const da = readJsonl(join(a.run_dir, 'diagnostics.jsonl')).map((d) => [d.step, d.norms_before]);
    const db = readJsonl(join(dirB, 'diagnostics.jsonl')).map((d) => [d.step, d.norms_before]);
    expect(db).toEqual(da);
  });

  it('resume after a kill between epochs (param mode, GradCraft, Adam state)', async () => {
    const cfg = tinyConfig({ method: 'dwa', epochs: 3, diagnosticsEvery: 0 });
    const a = await train({ ...cfg, outDir: join(tmp(), 'a') }, { ...quiet, splits: tinySplits() });
    const dirB = join(tmp(), 'b');
    await expect(train({ ...cfg, outDir: dirB }, { ...quiet, splits: tinySplits(), hooks: { afterEpoch: (e) => { if (e === 2) throw new Error('kill'); } } })).rejects.toThrow('kill');
    const b = await resume(dirB, quiet);
    expect(numbers(b)).toEqual(numbers(a));
  });

  it('the NaN guard stops with the step, the task and the last finite losses, and keeps the last good checkpoint', async () => {
    const dir = join(tmp(), 'nan');
    const T = TINY_TASKS.length;
    let err: unknown;
    try {
      await train(tinyConfig({ outDir: dir, diagnosticsEvery: 0 }), {
        ...quiet, splits: tinySplits(),
        hooks: { beforeStep: (s, batch) => { if (s === 8) batch.labels[0 * T + 2] = NaN; } },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const e = err as TrainingDivergedError;
    expect(e.step).toBe(8);
    expect(e.task).toBe('cv');
    expect(e.message).toMatch(/step 8 \(epoch 2\), task 'cv'/);
    expect(e.message).toMatch(/Last finite losses: ev=/);
    expect(Object.keys(e.lastFiniteLosses!)).toEqual(TINY_TASKS);
    expect(e.checkpoint).toBe(join(dir, 'checkpoint', 'state.ckpt'));
    expect(existsSync(e.checkpoint!)).toBe(true);
    const failed = JSON.parse(readFileSync(join(dir, 'failed.json'), 'utf8'));
    expect(failed).toMatchObject({ step: 8, epoch: 2, task: 'cv', last_good_epoch: 1 });
    expect(existsSync(join(dir, 'final.json'))).toBe(false);
  });

  it('the NaN guard catches a diverging learning rate', async () => {
    const p = train(tinyConfig({ optimizer: 'sgd', lr: 1e30, outDir: join(tmp(), 'lr'), diagnosticsEvery: 0, epochs: 2 }), { ...quiet, splits: tinySplits() });
    await expect(p).rejects.toThrow(/training diverged at step \d+ \(epoch \d\)/);
  });

  it('writes the run folder in the documented format (read back by the report layer)', async () => {
    const dir = join(tmp(), 'run');
    const r = await train(tinyConfig({ outDir: dir, epochs: 2 }), { ...quiet, splits: tinySplits() });
    for (const f of ['config.json', 'epochs.jsonl', 'diagnostics.jsonl', 'final.json', 'checkpoint/state.ckpt', 'checkpoint/best.ckpt']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    // config.json re-runs: it resolves to itself, less the record of the backend it ran on.
    const { backend, ...cfg } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(resolveConfig({ ...cfg, backend })).toEqual(cfg);
    expect(backend).toEqual(r.backend);
    expect(cfg.method).toBe('gradcraft');
    const ep = readJsonl(join(dir, 'epochs.jsonl'));
    expect(ep.map((e) => e.epoch)).toEqual([1, 2]);
    for (const e of ep) {
      expect(e.train_loss).toHaveLength(3);
      expect(Object.keys(e.valid as object)).toEqual(TINY_TASKS);
      expect(Object.keys((e.valid as Record<string, object>).ev!).sort()).toEqual(['auc', 'gauc', 'ne']);
      expect(typeof e.valid_mean_auc).toBe('number');
      expect(typeof e.seconds).toBe('number');
    }
    const diag = readJsonl(join(dir, 'diagnostics.jsonl'));
    expect(diag.map((d) => d.step)).toEqual([0, 3, 6, 9]);
    for (const d of diag) {
      expect(d.norms_before).toHaveLength(3);
      expect(d.norms_after).toHaveLength(3);
      expect(d.cosine).toHaveLength(3);
      expect(typeof d.conflicts).toBe('number');
      expect(typeof d.residual_conflicts).toBe('number');
      expect(d.weights).toHaveLength(3);
    }
    const fin = JSON.parse(readFileSync(join(dir, 'final.json'), 'utf8'));
    for (const k of ['config', 'tasks', 'best_epoch', 'stopped_early', 'valid', 'test', 'timing']) expect(fin, k).toHaveProperty(k);
    expect(fin.timing.samples_per_s).toBeGreaterThan(0);
    expect(fin.test.av_a).toBe(r.test.av_a);
    const run = readRun(dir);
    expect(run.tasks).toEqual(TINY_TASKS);
    expect(run.warnings).toEqual([]);
  });

  it("'single' trains one model per task, each on its own task, combined into one result", async () => {
    const dir = join(tmp(), 'single');
    const r = await train(tinyConfig({ method: 'single', epochs: 1, outDir: dir, diagnosticsEvery: 0 }), { ...quiet, splits: tinySplits() });
    expect(Object.keys(r.single_runs!)).toEqual(TINY_TASKS);
    for (const t of TINY_TASKS) {
      expect((r.test[t] as TaskScore).auc).toBeTypeOf('number');
      const sub = JSON.parse(readFileSync(join(dir, `single-${t}`, 'final.json'), 'utf8'));
      expect(sub.tasks).toEqual([t]);
      expect(sub.test[t]).toEqual(r.test[t]);
    }
    expect(r.test.av_a).toBeCloseTo(TINY_TASKS.reduce((a, t) => a + (r.test[t] as TaskScore).auc!, 0) / 3, 12);
  });
});

describe('TrainConfig', () => {
  it('fills defaults (paper protocol) and names the field of every error', () => {
    const c = resolveConfig({});
    expect(c).toMatchObject({ patience: 10, minDelta: 1e-5, seed: 5277, optimizer: 'adam', mode: 'param', model: 'ple-paper' });
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ lr: -1 }, /config\.lr:/],
      [{ batchSize: 1.5 }, /config\.batchSize:/],
      [{ method: 'nope' }, /config\.method: must be one of .*gradcraft/],
      [{ mode: 'x' }, /config\.mode:/],
      [{ data: { kind: 'csv' } }, /config\.data\.path:/],
      [{ data: { kind: 'synthetic', rowz: 5 } }, /config\.data: unknown field 'rowz'/],
      [{ learningRate: 1 }, /config: unknown field 'learningRate'/],
      [{ tasks: [] }, /config\.tasks:/],
      [{ scope: 'whole-model', mode: 'rep' }, /config\.scope:/],
    ];
    for (const [raw, re] of bad) {
      expect(() => resolveConfig(raw)).toThrow(ConfigError);
      expect(() => resolveConfig(raw)).toThrow(re);
    }
  });

  it('reports unknown balancer options and data tasks as config errors', async () => {
    await expect(train(tinyConfig({ methodOptions: { taux: 1 }, outDir: join(tmp(), 'x') }), quiet)).rejects.toThrow(/config\.methodOptions: gradcraft: unknown option 'taux'/);
    await expect(train(tinyConfig({ tasks: ['ev', 'clicks'], outDir: join(tmp(), 'y') }), quiet)).rejects.toThrow(/config\.tasks: the data has no task 'clicks'/);
  });
});
