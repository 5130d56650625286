/**
 * mtlkit's side of the PyTorch race: the model, the batches both sides read, mtlkit's three
 * steps, and the exchange folder through which PyTorch gets the same weights and batches
 * (raw float32 / int32 files, read in Python with numpy.fromfile).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backward } from '../../src/autograd/backward.ts';
import { BalancedStep, type TrainBatch } from '../../src/step/balanced-step.ts';
import { createBalancer } from '../../src/mtl/balancers/index.ts';
import { MultiTaskBCE, weightedSum } from '../../src/nn/losses.ts';
import { createModel } from '../../src/nn/models/presets.ts';
import { PLE } from '../../src/nn/models/ple.ts';
import type { MultiTaskModel } from '../../src/nn/models/model.ts';
import { Adam } from '../../src/nn/optim/adam.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { DType } from '../../src/tensor/index.ts';

export interface PleLiteShape {
  tasks: number;
  fields: number;
  vocab: number;
  embDim: number;
  expertHidden: readonly number[];
  towerHidden: readonly number[];
}

/** Issue 9's PLE-lite (mtlkit's `ple-lite` preset). */
export const PLE_LITE: PleLiteShape = { tasks: 6, fields: 20, vocab: 10_000, embDim: 16, expertHidden: [256, 128, 64], towerHidden: [32, 16] };

export const SEED = 5277;

const isPreset = (c: PleLiteShape): boolean =>
  c.embDim === 16 && c.expertHidden.join() === PLE_LITE.expertHidden.join() && c.towerHidden.join() === PLE_LITE.towerHidden.join();

/** The preset itself at its own widths; other widths (the tests' tiny model) with its options. */
export function makeModel(c: PleLiteShape, dtype: DType = 'float32'): MultiTaskModel {
  if (isPreset(c)) return createModel('ple-lite', { fields: c.fields, vocab: c.vocab, tasks: c.tasks, seed: SEED, dtype });
  return new PLE({
    tasks: c.tasks, vocabSizes: Array.from({ length: c.fields }, () => c.vocab), embDim: c.embDim, levels: 1,
    sharedExperts: 1, specificExperts: 1, expertHidden: c.expertHidden, towerHidden: c.towerHidden, fm: false, dropout: 0,
    gateBias: false, weightInit: 'glorot_uniform', biasInit: 'zeros', gateInit: 'glorot_uniform', logitInit: 'glorot_uniform',
    embInit: 'normal', seed: SEED, name: 'ple', dtype,
  });
}

export function makeBatches(c: PleLiteShape, B: number, n: number): TrainBatch[] {
  const rng = new Rng(1);
  return Array.from({ length: n }, () => {
    const cat = new Int32Array(B * c.fields);
    for (let i = 0; i < cat.length; i++) cat[i] = rng.int(1, c.vocab);
    const labels = Float32Array.from({ length: B * c.tasks }, () => (rng.bernoulli(0.3) ? 1 : 0));
    return { size: B, cat, labels };
  });
}

export type Mode = 'ew' | 'param' | 'rep';
export const MODES: readonly Mode[] = ['ew', 'param', 'rep'];

export interface MtlSide {
  shape: PleLiteShape;
  model: MultiTaskModel;
  opt: Adam;
  bce: MultiTaskBCE;
  /** Param mode with GradCraft (the paper's defaults), rep mode with MultiBalance. */
  param: BalancedStep;
  rep: BalancedStep;
  rng: Rng;
  step: number;
  /** The gradients are zero and the touched rows forgotten: the optimizer's last step zeroed them. */
  gradsZeroed: boolean;
}

export function makeMtl(c: PleLiteShape, B: number, dtype: DType = 'float32'): MtlSide {
  const model = makeModel(c, dtype);
  const opt = new Adam(model.store, { lr: 1e-3 });
  // Steady state, as `mtlkit bench step` does: page in the gradient buffer.
  model.store.grads.fill(0);
  return {
    shape: c, model, opt, bce: new MultiTaskBCE(c.tasks), rng: new Rng(7), step: 0, gradsZeroed: false,
    param: new BalancedStep(model, createBalancer('gradcraft'), { mode: 'param', maxBatch: B }),
    rep: new BalancedStep(model, createBalancer('multibalance'), { mode: 'rep', maxBatch: B }),
  };
}

/**
 * The gradient of one step into the store's gradient buffer (no optimizer step); it zeroes the
 * gradients first unless the last optimizer step did (mtlStep's).
 */
export function mtlGrads(s: MtlSide, mode: Mode, b: TrainBatch): void {
  const gradsZeroed = s.gradsZeroed;
  s.gradsZeroed = false;
  if (mode === 'ew') {
    if (!gradsZeroed) s.model.store.zeroGrad();
    backward(weightedSum(s.bce.losses(s.model.forward(b, { train: true }), b.labels, b.size)));
  } else {
    (mode === 'param' ? s.param : s.rep).run(b, { step: s.step, rng: s.rng, gradsZeroed });
  }
}

/** One training step, as the trainer's: the optimizer zeroes the gradients as it reads them. */
export function mtlStep(s: MtlSide, mode: Mode, b: TrainBatch): void {
  mtlGrads(s, mode, b);
  s.opt.step({ zeroGrad: true });
  s.gradsZeroed = true;
  s.step++;
}

/** Writes what serve.py's `load` reads: model.json, weights.f32, batch<i>.{cat.i32,labels.f32}. */
export function writeExchange(dir: string, c: PleLiteShape, model: MultiTaskModel, batches: TrainBatch[]): void {
  const st = model.store;
  const raw = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'model.json'), JSON.stringify({
    config: c, batch: batches[0]!.size, batches: batches.length, size: st.size, layout: st.layout(),
  }));
  writeFileSync(join(dir, 'weights.f32'), raw(Float32Array.from(st.values)));
  batches.forEach((b, i) => {
    writeFileSync(join(dir, `batch${i}.cat.i32`), raw(b.cat));
    writeFileSync(join(dir, `batch${i}.labels.f32`), raw(b.labels));
  });
}
