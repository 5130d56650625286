import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointError, readCheckpointHeader } from '../../src/nn/io.ts';
import { checkTrainState } from '../../src/train/train-state.ts';
import {
  activeBackendRecord, bestPath, previousStatePath, resume, ResumeError, statePath, train, TrainingInterruptedError, type TrainResult,
} from '../../src/train/index.ts';
import { silentProgress, type Progress } from '../../src/train/progress.ts';
import { readJsonl, tinyConfig, tinySplits, tmp } from './helpers.ts';

const quiet = { progress: silentProgress };
const cfg = tinyConfig({ method: 'gradcraft', mode: 'param', epochs: 3, diagnosticsEvery: 4 });

function numbers(r: TrainResult): unknown {
  return { valid: r.valid, test: r.test, best_epoch: r.best_epoch, epochs_run: r.epochs_run, stopped_early: r.stopped_early, steps: r.timing.steps };
}

async function rejection<E>(p: Promise<unknown>, type: new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    if (e instanceof type) return e;
    throw e;
  }
  throw new Error(`expected a ${type.name}; the call succeeded`);
}

let reference: TrainResult | null = null;
/** The uninterrupted run every resumed one must equal, bit for bit. */
async function uninterrupted(): Promise<TrainResult> {
  reference ??= await train({ ...cfg, outDir: join(tmp(), 'a') }, { ...quiet, splits: tinySplits() });
  return reference;
}

/** A run killed right after epoch `e`'s checkpoint. */
async function killedAfter(e: number): Promise<string> {
  const dir = join(tmp(), 'b');
  await expect(train({ ...cfg, outDir: dir }, { ...quiet, splits: tinySplits(), hooks: { afterEpoch: (k) => { if (k === e) throw new Error('kill'); } } })).rejects.toThrow('kill');
  return dir;
}

describe('resume from a damaged checkpoint', () => {
  it('400 flipped bytes in state.ckpt: refused naming the file, the section and the intact state.prev.ckpt; resuming from that one is bit-exact', async () => {
    const a = await uninterrupted();
    const dir = await killedAfter(2);
    const bytes = readFileSync(statePath(dir));
    const h = readCheckpointHeader(statePath(dir));
    const at = h.buffers[0]!.byteOffset + 100;
    for (let i = 0; i < 400; i++) bytes[at + i]! ^= 0x5a; // the report in issue 20: size unchanged
    writeFileSync(statePath(dir), bytes);
    const e = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), CheckpointError);
    expect(e).toMatchObject({ file: statePath(dir), fault: 'checksum', section: "buffer 'values'" });
    expect(e.fix).toContain('state.prev.ckpt (epoch 1) is intact');
    expect(e.fix).toContain(`mtlkit train --resume ${dir} --use-previous-checkpoint`);
    expect(readJsonl(join(dir, 'epochs.jsonl'))).toHaveLength(2); // a refused resume changes nothing

    const b = await resume(dir, { ...quiet, splits: tinySplits(), usePreviousCheckpoint: true });
    expect(numbers(b)).toEqual(numbers(a));
    expect(readJsonl(join(dir, 'epochs.jsonl')).map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(existsSync(join(dir, 'checkpoint', 'state.damaged.ckpt'))).toBe(true);
  });

  it('state.ckpt truncated at every section boundary, or with random bytes flipped: refused, the folder untouched', async () => {
    const dir = await killedAfter(2);
    const good = readFileSync(statePath(dir));
    const h = readCheckpointHeader(statePath(dir));
    const cuts = [0, 7, 12, 16, h.buffers[0]!.byteOffset - 1, h.buffers[0]!.byteOffset, ...h.buffers.map((b) => b.byteOffset + 1), h.totalBytes - 8, h.totalBytes - 1];
    const epochs = readFileSync(join(dir, 'epochs.jsonl'));
    for (const cut of cuts) {
      writeFileSync(statePath(dir), good.subarray(0, cut));
      const e = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), CheckpointError);
      expect(e.fault, `cut at ${cut}`).toBe('truncated');
    }
    await fc.assert(fc.asyncProperty(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), async (at, x) => {
      const b = Buffer.from(good);
      b[at]! ^= x;
      writeFileSync(statePath(dir), b);
      await rejection(resume(dir, { ...quiet, splits: tinySplits() }), CheckpointError);
    }), { seed: 30, numRuns: 15 });
    expect(readFileSync(join(dir, 'epochs.jsonl')).equals(epochs)).toBe(true);
    expect(existsSync(join(dir, 'final.json'))).toBe(false);
  });

  it('a damaged best.ckpt (needed: the best epoch is an earlier one) is refused too', async () => {
    // minDelta 0.5: epoch 1 stays the best, so a state after epoch 2 needs best.ckpt.
    const dir = join(tmp(), 'c');
    await expect(train({ ...cfg, minDelta: 0.5, outDir: dir }, { ...quiet, splits: tinySplits(), hooks: { afterEpoch: (k) => { if (k === 2) throw new Error('kill'); } } })).rejects.toThrow('kill');
    const b = readFileSync(bestPath(dir));
    b[b.length - 20]! ^= 1;
    writeFileSync(bestPath(dir), b);
    const e = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), CheckpointError);
    expect(e).toMatchObject({ file: bestPath(dir), fault: 'checksum' });
    unlinkSync(bestPath(dir));
    expect(await rejection(resume(dir, { ...quiet, splits: tinySplits() }), ResumeError)).toMatchObject({ fault: 'inconsistent' });
  });

  it('the training state in the header is checked field by field: a wrong type is a CheckpointError, never a TypeError', () => {
    const dir = tmp();
    const base = {
      version: 1, epoch: 2, step: 12, batcher: {}, balancer: {}, dropout: { d: [1, 2, 3, 4, null] },
      early: { bestScore: 0.7, bestEpoch: 1, badEpochs: 1, stopped: false },
      timing: { trainSeconds: 1, evalSeconds: 1, samples: 1, plainSeconds: 1, plainSamples: 1 }, lastLosses: [0.5],
    };
    expect(() => checkTrainState({ train: base }, 'f')).not.toThrow();
    const keys = ['version', 'epoch', 'step', 'batcher', 'balancer', 'dropout', 'early', 'timing', 'lastLosses'];
    fc.assert(fc.property(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 1 }), (k, v) => {
      const kind = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
      if (kind(v) === kind(base[k as keyof typeof base]) || (k === 'lastLosses' && v === null)) return;
      expect(() => checkTrainState({ train: { ...base, [k]: v } }, join(dir, 'f'))).toThrow(CheckpointError);
    }), { seed: 31, numRuns: 300 });
    expect(() => checkTrainState({}, 'f')).toThrow(/meta\.train is missing/);
  });
});

describe('resume without a checkpoint', () => {
  it('epochs done but state.ckpt gone: a ResumeError (naming state.prev.ckpt when it is there), never a silent start over', async () => {
    const dir = await killedAfter(2);
    unlinkSync(statePath(dir));
    const e = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), ResumeError);
    expect(e.fault).toBe('no-checkpoint');
    expect(e.fix).toContain('--use-previous-checkpoint');
    unlinkSync(previousStatePath(dir));
    const e2 = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), ResumeError);
    expect(e2.fault).toBe('no-checkpoint');
    expect(e2.detail).toMatch(/epochs\.jsonl records 2 finished epochs/);
    expect(readJsonl(join(dir, 'epochs.jsonl'))).toHaveLength(2);
  });

  it('checkpoint: false: a resume after finished epochs is refused and says why', async () => {
    const dir = join(tmp(), 'n');
    await expect(train({ ...cfg, checkpoint: false, outDir: dir }, { ...quiet, splits: tinySplits(), hooks: { afterEpoch: () => { throw new Error('kill'); } } })).rejects.toThrow('kill');
    const e = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), ResumeError);
    expect(e.detail).toMatch(/checkpoint: false/);
  });

  it('stopped before its first epoch ended: the resume starts from epoch 1, says so, and ends bit-exact', async () => {
    const a = await uninterrupted();
    const dir = join(tmp(), 'e');
    await expect(train({ ...cfg, outDir: dir }, { ...quiet, splits: tinySplits(), hooks: { beforeStep: (s) => { if (s === 2) throw new Error('kill'); } } })).rejects.toThrow('kill');
    const notes: string[] = [];
    const progress: Progress = { ...silentProgress, note: (m) => notes.push(m) };
    const b = await resume(dir, { progress, splits: tinySplits() });
    expect(notes[0]).toMatch(/no checkpoint yet .*training starts from epoch 1/);
    expect(numbers(b)).toEqual(numbers(a));
  });
});

describe('the backend a run trained on', () => {
  it('is in config.json and final.json; a resume on other kernels is refused unless allowed, and then recorded', async () => {
    const dir = await killedAfter(2);
    const file = join(dir, 'config.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored.backend).toEqual(activeBackendRecord());
    const other = { name: 'gpu', threads: 3, fma: null };
    writeFileSync(file, JSON.stringify({ ...stored, backend: other }));
    const e = await rejection(resume(dir, { ...quiet, splits: tinySplits() }), ResumeError);
    expect(e.fault).toBe('backend');
    expect(e.detail).toMatch(/bit-identical .* only on the same kernels/);
    expect(e.fix).toContain('--backend gpu');
    expect(e.fix).toContain('--allow-backend-change');
    const r = await resume(dir, { ...quiet, splits: tinySplits(), allowBackendChange: true });
    expect(r.backend).toEqual(activeBackendRecord());
    expect(r.backend_before_resume).toEqual(other);
    expect(JSON.parse(readFileSync(join(dir, 'final.json'), 'utf8')).backend).toEqual(activeBackendRecord());
  });
});

describe('a run folder whose data failed to load', () => {
  it('holds no config.json, so the same command runs once the data is fixed', async () => {
    const dir = tmp();
    const csv = join(dir, 'd.csv'), out = join(dir, 'run');
    const schema = { categorical: ['city'], labels: { click: 'click', buy: 'buy' } };
    const config = { data: { kind: 'csv', path: csv, schema }, model: 'ple-lite', batchSize: 100, epochs: 1, diagnosticsEvery: 0, outDir: out } as const;
    await expect(train(config as never, quiet)).rejects.toThrow();
    expect(existsSync(join(out, 'config.json'))).toBe(false);
    writeFileSync(csv, ['city,click,buy', ...Array.from({ length: 300 }, (_, i) => `c${i % 7},${i % 2},${(i * 7) % 3 === 0 ? 1 : 0}`)].join('\n') + '\n');
    const r = await train(config as never, quiet);
    expect(r.run_dir).toBe(out);
    expect(existsSync(join(out, 'config.json'))).toBe(true);
  });
});

describe('an interrupt (TrainOptions.signal, the CLI\'s SIGINT)', () => {
  it('stops at a step boundary with the epochs saved; the resume is bit-exact', async () => {
    const a = await uninterrupted();
    const dir = join(tmp(), 's');
    const ctl = new AbortController();
    const e = await rejection(train({ ...cfg, outDir: dir }, { ...quiet, splits: tinySplits(), signal: ctl.signal, hooks: { beforeStep: (s) => { if (s === 8) ctl.abort(); } } }), TrainingInterruptedError);
    expect(e).toMatchObject({ runDir: dir, epochsSaved: 1, step: 9, resumable: true });
    const b = await resume(dir, { ...quiet, splits: tinySplits() });
    expect(numbers(b)).toEqual(numbers(a));
  });
});
