import { describe, expect, it, vi } from 'vitest';
import { backward } from '../../src/autograd/backward.ts';
import { BalancedStep, NonFiniteError, type TrainBatch } from '../../src/step/balanced-step.ts';
import { createBalancer } from '../../src/mtl/balancers/index.ts';
import { MMoE, PLE, type PLEConfig } from '../../src/nn/models/ple.ts';
import { SharedBottom } from '../../src/nn/models/shared-bottom.ts';
import type { MultiTaskModel } from '../../src/nn/models/model.ts';
import { MultiTaskBCE, weightedSum } from '../../src/nn/losses.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { fromArray } from '../../src/tensor/index.ts';
import { log, sum } from '../../src/autograd/index.ts';
import { NonFiniteGradientError } from '../../src/autograd/errors.ts';
import { BalancerInputError } from '../../src/mtl/balancer.ts';
import { backwardInto, guardBalancer } from '../../src/step/errors.ts';
import { Adam } from '../../src/nn/optim/index.ts';

const vocab = [7, 5, 9];

function tiny(over: Partial<PLEConfig> = {}): PLE {
  return new PLE({
    tasks: 3, vocabSizes: vocab, embDim: 2, levels: 1, sharedExperts: 1, specificExperts: 1, expertHidden: [5, 3], towerHidden: [3],
    fm: true, dropout: 0, gateBias: true, weightInit: 'he_normal', embInit: { kind: 'normal', std: 0.5 }, seed: 4, dtype: 'float64', ...over,
  });
}

function batchOf(B: number, T: number, seed = 1): TrainBatch {
  const rng = new Rng(seed);
  const cat = new Int32Array(B * vocab.length);
  for (let i = 0; i < B; i++) for (let f = 0; f < vocab.length; f++) cat[i * vocab.length + f] = rng.int(0, vocab[f]! - 1);
  return { size: B, cat, labels: Float32Array.from({ length: B * T }, () => (rng.bernoulli(0.4) ? 1 : 0)) };
}

const ctx = (step = 0) => ({ step, epoch: 0, rng: new Rng(9) });

/** The flat gradient of sum_t w_t L_t by one plain backward. */
function plainGrad(m: MultiTaskModel, b: TrainBatch, w: number[]): Float64Array {
  m.store.zeroGrad();
  const losses = new MultiTaskBCE(m.tasks).losses(m.forward(b, { train: true }), b.labels, b.size);
  backward(weightedSum(losses, w));
  return Float64Array.from(m.store.grads);
}

/** Task t's compact shared gradient by its own forward + backward. */
function separateRow(m: PLE, b: TrainBatch, t: number): Float64Array {
  m.store.zeroGrad();
  const losses = new MultiTaskBCE(m.tasks).losses(m.forward(b, { train: true }), b.labels, b.size);
  backward(losses[t]!);
  const out = new Float64Array(m.store.sharedView().length);
  m.store.gatherShared(out);
  return out;
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, digits = 12): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThan(10 ** -digits);
}

describe('BalancedStep, param mode', () => {
  it('row t of G equals task t alone by a separate backward pass (compact touched-rows view)', () => {
    const m = tiny(), b = batchOf(6, 3);
    const rows = [0, 1, 2].map((t) => separateRow(m, b, t));
    const step = new BalancedStep(m, createBalancer('gradcraft'), { mode: 'param' });
    const res = step.run(b, ctx());
    expect(res.path).toBe('per-task');
    expect(res.d).toBe(rows[0]!.length);
    const G = step.rows(res.d);
    for (let t = 0; t < 3; t++) expectClose(G.subarray(t * res.d, (t + 1) * res.d), rows[t]!, 14);
  });

  it('EW (sum) through combine equals the gradient of the summed loss; EW mean (loss path) the mean loss', () => {
    const m = tiny(), b = batchOf(6, 3, 2);
    const sum = plainGrad(m, b, [1, 1, 1]);
    const mean = plainGrad(m, b, [1 / 3, 1 / 3, 1 / 3]);
    new BalancedStep(m, createBalancer('ew', { reduction: 'sum' }), { perTaskAlways: true }).run(b, ctx());
    expectClose(m.store.grads, sum);
    const loss = new BalancedStep(m, createBalancer('ew'));
    expect(loss.run(b, ctx()).path).toBe('loss');
    expectClose(m.store.grads, mean);
    // The per-task path of a loss-kind balancer gives the same update (task groups scaled by w_t).
    new BalancedStep(m, createBalancer('ew'), { perTaskAlways: true }).run(b, ctx());
    expectClose(m.store.grads, mean);
  });

  it('each task-specific group gets only its own task gradient (weight 1), the shared block the combination', () => {
    const m = tiny(), b = batchOf(8, 3, 3);
    const own = [0, 1, 2].map((t) => plainGrad(m, b, [0, 1, 2].map((u) => (u === t ? 1 : 0))));
    const step = new BalancedStep(m, createBalancer('pcgrad'));
    const res = step.run(b, ctx(5));
    for (let t = 0; t < 3; t++) {
      const r = m.store.range(t);
      expectClose(m.store.grads.subarray(r.offset, r.offset + r.length), own[t]!.subarray(r.offset, r.offset + r.length), 14);
    }
    // Shared slice = the combined vector, scattered.
    const back = new Float64Array(res.d);
    m.store.gatherShared(back);
    expectClose(back, step.combined(res.d), 15);
  });

  it("'both' kind (IMTL hybrid): raw rows to combine, task groups scaled by its loss weights", () => {
    const m = tiny(), b = batchOf(6, 3, 4);
    const own = [0, 1, 2].map((t) => plainGrad(m, b, [0, 1, 2].map((u) => (u === t ? 1 : 0))));
    const rows = [0, 1, 2].map((t) => separateRow(m, b, t));
    const bal = createBalancer('imtl', { variant: 'hybrid' });
    expect(bal.kind).toBe('both');
    const step = new BalancedStep(m, bal);
    const res = step.run(b, ctx());
    const w = res.lossWeights!;
    expect(Array.from(w)).toEqual(Array.from(bal.lastInfo()!.lossWeights!));
    const G = step.rows(res.d);
    for (let t = 0; t < 3; t++) {
      expectClose(G.subarray(t * res.d, (t + 1) * res.d), rows[t]!, 14);
      const r = m.store.range(t);
      expectClose(m.store.grads.subarray(r.offset, r.offset + r.length), own[t]!.subarray(r.offset, r.offset + r.length).map((x) => x * w[t]!), 14);
    }
  });

  it('whole-model scope: task blocks are orthogonal rows; shared gets the mean, task groups the sum', () => {
    const m = tiny(), b = batchOf(6, 3, 5);
    const step = new BalancedStep(m, createBalancer('gradcraft', { scope: 'whole-model' }));
    expect(step.scope).toBe('whole-model');
    const res = step.run(b, ctx());
    const ds = m.store.sharedView().length;
    const G = Float64Array.from(step.rows(res.d));
    const out = Float64Array.from(step.combined(res.d));
    const own = [0, 1, 2].map((t) => plainGrad(m, b, [0, 1, 2].map((u) => (u === t ? 1 : 0))));
    let off = ds;
    for (let u = 0; u < 3; u++) {
      const r = m.store.range(u);
      for (let t = 0; t < 3; t++) {
        const blk = G.subarray(t * res.d + off, t * res.d + off + r.length);
        if (t === u) expectClose(blk, own[u]!.subarray(r.offset, r.offset + r.length), 14);
        else expect(blk.every((x) => x === 0)).toBe(true);
      }
      off += r.length;
    }
    // Recompute the combination independently; write-back follows the mean/sum split.
    const again = createBalancer('gradcraft').combine(G, 3, { step: 0, rng: new Rng(9), losses: res.losses });
    expectClose(out, again, 14);
    // Rerun the step (same batch) and compare the written-back gradient.
    step.run(b, ctx());
    off = ds;
    for (let u = 0; u < 3; u++) {
      const r = m.store.range(u);
      for (let i = 0; i < r.length; i++) expect(m.store.grads[r.offset + i]).toBeCloseTo(3 * out[off + i]!, 14);
      off += r.length;
    }
  });

  it('allocates G once: capacity is stable over steps of the same batch size', () => {
    const m = tiny(), rng = new Rng(3);
    const step = new BalancedStep(m, createBalancer('mgda'), { maxBatch: 8 });
    step.run(batchOf(8, 3, 1), { step: 0, rng });
    const cap = step.capacity;
    for (let s = 1; s < 6; s++) step.run(batchOf(8, 3, s + 10), { step: s, rng });
    expect(step.capacity).toBe(cap);
  });

  for (const id of ['dbmtl', 'moco'] as const) {
    it(`${id} (per-coordinate state): a fixed layout, the whole shared group, while batches touch different rows`, () => {
      const m = tiny(), T = 3;
      const bal = createBalancer(id);
      expect(bal.perCoordinateState).toBe(true);
      const step = new BalancedStep(m, bal, { mode: 'param', maxBatch: 4 });
      expect(step.fixedLayout).toBe(true);
      const full = m.store.range('shared').length;
      // A standalone twin fed the same full-layout rows must give the same combined vectors.
      const twin = createBalancer(id);
      for (let s = 0; s < 4; s++) {
        const b = batchOf(2 + s, T, 40 + s); // small batches: different touched rows, and d would change
        const rows = [0, 1, 2].map((t) => {
          plainGrad(m, b, [0, 1, 2].map((u) => (u === t ? 1 : 0)));
          return Float64Array.from(m.store.sharedGrad());
        });
        const res = step.run(b, { step: s, epoch: 0, rng: new Rng(9) });
        expect(res.d).toBe(full);
        const G = step.rows(res.d);
        for (let t = 0; t < T; t++) expectClose(G.subarray(t * full, (t + 1) * full), rows[t]!, 14);
        const want = twin.combine(Float64Array.from(G), T, { step: s, rng: new Rng(9), losses: res.losses });
        expectClose(step.combined(res.d), want, 14);
        // The update lands on the whole shared slice, rows this batch did not touch included.
        expectClose(m.store.sharedGrad(), want, 14);
      }
      // After the first step the EMA makes untouched rows' updates nonzero: the layout matters.
      expect(Array.from(m.store.sharedGrad()).some((x, k) => k >= m.store.sharedView().denseLength && x !== 0)).toBe(true);
    });
  }

  it('balancers without per-coordinate state keep the compact touched-rows layout', () => {
    const m = tiny();
    const step = new BalancedStep(m, createBalancer('gradcraft'));
    expect(step.fixedLayout).toBe(false);
    const res = step.run(batchOf(2, 3, 5), ctx());
    expect(res.d).toBeLessThan(m.store.range('shared').length);
  });
});

describe('BalancedStep, rep mode', () => {
  it('EW (sum) combined at the representation then one backward equals the param gradient', () => {
    const m = tiny(), b = batchOf(5, 3, 6);
    const expected = plainGrad(m, b, [1, 1, 1]);
    const step = new BalancedStep(m, createBalancer('ew', { reduction: 'sum' }), { mode: 'rep', perTaskAlways: true, maxBatch: 5 });
    const res = step.run(b, ctx());
    expect(res.d).toBe(5 * m.repWidth);
    expectClose(m.store.grads, expected);
  });

  it('rows are the per-task representation gradients, and MultiBalance runs with a growing batch', () => {
    const m = tiny(), b = batchOf(4, 3, 7);
    const step = new BalancedStep(m, createBalancer('multibalance'), { mode: 'rep', maxBatch: 2 });
    const res = step.run(b, ctx());
    expect(res.d).toBe(4 * m.repWidth);
    // Task t's rep gradient: backward of L_t alone from a detached rep.
    const G = Float64Array.from(step.rows(res.d));
    for (let t = 0; t < 3; t++) {
      m.store.zeroGrad();
      const rep = m.bottom(b, { train: true });
      const copy = rep.detach();
      copy.requiresGrad = true;
      const losses = new MultiTaskBCE(3).losses([0, 1, 2].map((u) => m.head(u, copy)), b.labels, 4);
      backward(losses[t]!);
      // Row t is segment-major (repBlocks); the copy's gradient is [B, repWidth] row-major.
      const rowMajor = new Float64Array(res.d), W = m.repWidth, row = G.subarray(t * res.d, (t + 1) * res.d);
      for (const blk of step.repBlocks(4)) {
        const col = m.repLayout.find((s) => s.name === blk.name)!.offset;
        for (let r = 0; r < 4; r++) for (let j = 0; j < blk.width; j++) rowMajor[r * W + col + j] = row[blk.offset + r * blk.width + j]!;
      }
      expectClose(rowMajor, copy.grad!.data, 14);
    }
    for (let t = 0; t < res.d; t++) expect(Number.isFinite(step.combined(res.d)[t]!)).toBe(true);
  });

  it('G is not zeroed before the rows are written: garbage in it (NaN) gives the same rows, blocks a head never reads included', () => {
    for (const m of [tiny(), tiny({ levels: 2, sharedExperts: 2, specificExperts: 1 })]) {
      const b = batchOf(5, 3, 13);
      const step = new BalancedStep(m, createBalancer('ew', { reduction: 'sum' }), { mode: 'rep', perTaskAlways: true, maxBatch: 5 });
      const first = step.run(b, ctx());
      const rows = Float64Array.from(step.rows(first.d));
      step.rows(first.d).fill(NaN);
      const again = step.run(b, ctx());
      expect(again.d).toBe(first.d);
      expect(Array.from(step.rows(again.d))).toEqual(Array.from(rows));
    }
  });

  it('segment-major rows for multi-level PLE and MMoE, one block for a model without segments', () => {
    const models: [string, () => MultiTaskModel][] = [
      ['PLE 2 levels', () => tiny({ levels: 2, sharedExperts: 2, specificExperts: 1 })],
      ['MMoE', () => new MMoE({ tasks: 3, vocabSizes: vocab, embDim: 2, experts: 2, expertHidden: [4], towerHidden: [3], fm: true, dropout: 0, gateBias: false, weightInit: 'he_normal', embInit: 'he_normal', dtype: 'float64' })],
      ['SharedBottom', () => new SharedBottom({ tasks: 3, vocabSizes: vocab, embDim: 2, bottomHidden: [4, 3], towerHidden: [3], fm: true, dropout: 0, weightInit: 'he_normal', embInit: 'he_normal', dtype: 'float64' })],
    ];
    for (const [name, make] of models) {
      const m = make(), b = batchOf(5, 3, 11);
      const expected = plainGrad(m as PLE, b, [1, 1, 1]);
      const step = new BalancedStep(m, createBalancer('ew', { reduction: 'sum' }), { mode: 'rep', perTaskAlways: true, maxBatch: 5 });
      const res = step.run(b, ctx());
      expect(res.d, name).toBe(5 * m.repWidth);
      expectClose(m.store.grads, expected);
      const blocks = step.repBlocks(5);
      if (name === 'SharedBottom') expect(blocks).toEqual([{ name: 'rep', offset: 0, width: m.repWidth }]);
      else expect(blocks.map((x) => x.offset)).toEqual(m.repLayout.map((l) => 5 * l.offset));
      // Task t's row: task t's gradient w.r.t. each segment, from a separate detached pass.
      const G = Float64Array.from(step.rows(res.d));
      for (let t = 0; t < 3; t++) {
        m.store.zeroGrad();
        const rep = m.bottom(b, { train: true }).detach();
        rep.requiresGrad = true;
        const losses = new MultiTaskBCE(3).losses([0, 1, 2].map((u) => m.head(u, rep)), b.labels, 5);
        backward(losses[t]!);
        for (const blk of blocks) {
          const col = blk.name === 'rep' ? 0 : m.repLayout.find((l) => l.name === blk.name)!.offset;
          for (let r = 0; r < 5; r++) {
            for (let j = 0; j < blk.width; j++) {
              expect(Math.abs(G[t * res.d + blk.offset + r * blk.width + j]! - rep.grad!.data[r * m.repWidth + col + j]!), name).toBeLessThan(1e-12);
            }
          }
        }
      }
    }
  });

  it('refuses a balancer that is param-only, and whole-model scope', () => {
    expect(() => new BalancedStep(tiny(), createBalancer('dbmtl'), { mode: 'rep' })).toThrow(/dbmtl.*'param'/);
    expect(() => new BalancedStep(tiny(), createBalancer('gradcraft'), { mode: 'rep', scope: 'whole-model' })).toThrow(/whole-model/);
  });
});

describe('BalancedStep, guards and diagnostics', () => {
  it('a NaN loss stops the step naming the step and the task', () => {
    const m = tiny(), b = batchOf(4, 3, 8);
    b.labels[1] = NaN; // row 0, task 1
    const step = new BalancedStep(m, createBalancer('gradcraft'));
    let err: unknown;
    try {
      step.run(b, ctx(17));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).task).toBe(1);
    expect((err as NonFiniteError).message).toMatch(/step 17.*task 1/);
  });

  it('a non-finite gradient in backward is a NonFiniteError with the task and the typed cause', () => {
    const x = fromArray([2, 0], [2], { dtype: 'float64', requiresGrad: true });
    let err: unknown;
    try {
      backwardInto(17, { task: 2 }, sum(log(x)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect([e.step, e.task, e.where]).toEqual([17, 2, 'backward']);
    expect(e.cause).toBeInstanceOf(NonFiniteGradientError);
    expect((e.cause as NonFiniteGradientError).op).toBe('log');
    expect(e.message).toMatch(/^step 17: backward of task 2's loss: backward: the gradient of op 'log'/);
  });

  it("a balancer's non-finite input is a NonFiniteError with the balancer's typed task; other input errors pass through", () => {
    const G = Float64Array.of(1, 2, 3, 4, NaN, 6);
    let err: unknown;
    try {
      guardBalancer(4, () => createBalancer('mgda').combine(G, 3, { step: 4, rng: new Rng(1) }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    const e = err as NonFiniteError;
    expect([e.step, e.task, e.where]).toEqual([4, 2, 'balancer']);
    expect(e.cause).toBeInstanceOf(BalancerInputError);
    expect(() => guardBalancer(4, () => createBalancer('mgda').combine(new Float64Array(7), 3, { step: 4, rng: new Rng(1) }))).toThrow(BalancerInputError);
  });

  it('scope and reduction are typed fields: the options, else the balancer\'s own, else shared / sum', () => {
    const m = tiny();
    const own = new BalancedStep(m, createBalancer('gradcraft', { scope: 'whole-model' }));
    expect([own.scope, own.reduction]).toEqual(['whole-model', 'mean']);
    const given = new BalancedStep(m, createBalancer('gradcraft', { scope: 'whole-model' }), { scope: 'shared', reduction: 'sum' });
    expect([given.scope, given.reduction]).toEqual(['shared', 'sum']);
    const none = new BalancedStep(m, createBalancer('mgda'));
    expect([none.scope, none.reduction]).toEqual(['shared', 'sum']);
  });

  it('diagnostics every k steps, also for loss-kind methods', () => {
    const m = tiny(), rng = new Rng(1);
    const step = new BalancedStep(m, createBalancer('uc'), { diagnosticsEvery: 2 });
    const seen: boolean[] = [];
    for (let s = 0; s < 4; s++) {
      const r = step.run(batchOf(6, 3, s), { step: s, rng });
      seen.push(r.diagnostics !== null);
      if (r.diagnostics) {
        expect(r.diagnostics.normsBefore).toHaveLength(3);
        expect(r.diagnostics.cosine).toHaveLength(3);
        expect(r.diagnostics.weights).toHaveLength(3);
      }
    }
    expect(seen).toEqual([true, false, true, false]);
  });
});

describe('BalancedStep.run with gradsZeroed (after the optimizer\'s step with zeroGrad)', () => {
  for (const [mode, method] of [['param', 'gradcraft'], ['rep', 'multibalance'], ['param', 'ew']] as const) {
    it(`${mode} mode, ${method}: the values of run + step() + its own zeroGrad, step after step, and no zeroGrad of its own`, () => {
      const ma = tiny(), mb = tiny();
      const sa = new BalancedStep(ma, createBalancer(method), { mode }), sb = new BalancedStep(mb, createBalancer(method), { mode });
      const oa = new Adam(ma.store, { lr: 0.05 }), ob = new Adam(mb.store, { lr: 0.05 });
      const zeroGrad = vi.spyOn(mb.store, 'zeroGrad');
      for (let i = 0; i < 5; i++) {
        const b = batchOf(6, 3, 10 + i);
        sa.run(b, ctx(i));
        oa.step();
        zeroGrad.mockClear();
        sb.run(b, { ...ctx(i), gradsZeroed: i > 0 });
        expect(zeroGrad).toHaveBeenCalledTimes(i > 0 ? 0 : 1);
        ob.step({ zeroGrad: true });
        expect(Array.from(mb.store.values)).toEqual(Array.from(ma.store.values));
      }
      zeroGrad.mockRestore();
    });
  }
});
