import { describe, expect, it, vi } from 'vitest';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { backward } from '../../src/autograd/backward.ts';
import { noGrad } from '../../src/autograd/mode.ts';
import { MMoE, PLE, type PLEConfig } from '../../src/nn/models/ple.ts';
import { SharedBottom } from '../../src/nn/models/shared-bottom.ts';
import type { ModelBatch, MultiTaskModel } from '../../src/nn/models/model.ts';
import { MultiTaskBCE, weightedSum } from '../../src/nn/losses.ts';
import { createModel } from '../../src/nn/models/presets.ts';
import { MLP } from '../../src/nn/layers/mlp.ts';
import { Gate } from '../../src/nn/layers/gate.ts';
import { Linear } from '../../src/nn/layers/linear.ts';
import { Embedding } from '../../src/nn/layers/embedding.ts';
import { activeBackendName, getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Adam } from '../../src/nn/optim/index.ts';
import { flatGradcheck, randomIds, auc } from './helpers.ts';

const vocab = [5, 4, 6];

function tinyPLE(over: Partial<PLEConfig> = {}): PLE {
  return new PLE({
    tasks: 2, vocabSizes: vocab, embDim: 2, levels: 1, sharedExperts: 1, specificExperts: 1, expertHidden: [4, 3], towerHidden: [3],
    fm: true, dropout: 0, gateBias: true, weightInit: 'he_normal', embInit: { kind: 'normal', std: 0.5 }, seed: 11, dtype: 'float64', ...over,
  });
}

function batchOf(B: number, seed = 1, denseWidth = 0): ModelBatch & { labels: Float32Array } {
  const rng = new Rng(seed);
  return {
    size: B, cat: randomIds(rng, B, vocab),
    dense: Float32Array.from({ length: B * denseWidth }, () => rng.normal()),
    labels: Float32Array.from({ length: B * 2 }, () => (rng.bernoulli(0.4) ? 1 : 0)),
  };
}

/** sum_t (t + 1) * BCE_t, so a mix-up between tasks changes the gradient. */
function lossOf(model: MultiTaskModel, batch: ReturnType<typeof batchOf>, viaRep = false): Tensor {
  const bce = new MultiTaskBCE(model.tasks);
  const logits = viaRep
    ? (() => {
      const rep = model.bottom(batch);
      return Array.from({ length: model.tasks }, (_, t) => model.head(t, rep));
    })()
    : model.forward(batch);
  return weightedSum(bce.losses(logits, batch.labels, batch.size), logits.map((_, t) => t + 1));
}

const models: [string, () => MultiTaskModel, number][] = [
  ['PLE 1 level', () => tinyPLE(), 0],
  ['PLE 2 levels, 2 shared + 2 specific, dense input, shared table', () => tinyPLE({ levels: 2, sharedExperts: 2, specificExperts: 2, denseWidth: 2, tableLayout: 'shared' }), 2],
  ['MMoE', () => new MMoE({ tasks: 2, vocabSizes: vocab, embDim: 2, experts: 3, expertHidden: [4], towerHidden: [3], fm: false, dropout: 0, gateBias: false, weightInit: 'he_normal', embInit: 'he_normal', dtype: 'float64' }), 0],
  ['SharedBottom', () => new SharedBottom({ tasks: 2, vocabSizes: vocab, embDim: 2, bottomHidden: [4, 3], towerHidden: [3], fm: true, dropout: 0, weightInit: 'he_normal', embInit: 'he_normal', dtype: 'float64' }), 0],
];

describe('models', () => {
  for (const [name, make, dense] of models) {
    it(`${name}: gradcheck through the flat buffers, forward == head(bottom)`, () => {
      const m = make();
      // Nonzero biases: with zero biases a row whose previous ReLU layer is dead sits exactly
      // on the ReLU kink (z = 0), where finite differences see half a slope.
      const r = new Rng(17);
      for (const p of m.store.params) if (p.name.endsWith('bias')) for (let i = 0; i < p.size; i++) p.value[i] = r.normal(0, 0.3);
      const batch = batchOf(4, 3, dense);
      const res = flatGradcheck(m.store, () => lossOf(m, batch));
      expect(res.maxError, res.where).toBeLessThan(1e-6);
      const a = noGrad(() => lossOf(m, batch).item()), b = noGrad(() => lossOf(m, batch, true).item());
      expect(b).toBeCloseTo(a, 12);
      // Gradients through the rep path equal the direct path.
      m.store.zeroGrad();
      backward(lossOf(m, batch));
      const direct = Float64Array.from(m.store.grads);
      m.store.zeroGrad();
      backward(lossOf(m, batch, true));
      for (let i = 0; i < direct.length; i++) expect(m.store.grads[i]).toBeCloseTo(direct[i]!, 12);
      // The unconcatenated cut: the segments are the rep's columns, and the heads agree.
      if (m.bottomSegments && m.headSegments) {
        const rep = noGrad(() => m.bottom(batch)), segs = noGrad(() => m.bottomSegments!(batch));
        expect(segs.map((x) => x.shape[1])).toEqual(m.repLayout.map((l) => l.width));
        m.repLayout.forEach((l, i) => {
          for (let r = 0; r < 4; r++) for (let j = 0; j < l.width; j++) expect(segs[i]!.data[r * l.width + j]).toBe(rep.data[r * m.repWidth + l.offset + j]);
        });
        for (let t = 0; t < m.tasks; t++) {
          const viaSegs = noGrad(() => m.headSegments!(t, segs)).data, viaRep = noGrad(() => m.head(t, rep)).data;
          expect(Array.from(viaSegs)).toEqual(Array.from(viaRep));
        }
        expect(() => m.headSegments!(0, segs.slice(1))).toThrow(/expected \d+ segments/);
      }
    });
  }

  it('forward (and the rep cut with expertsAhead) runs the first level\'s experts two at a time, their gates\' softmax beside them, and forward the towers with their logits two tasks at a time: the bits of one at a time in values and gradients (1 and 2 levels, MMoE, wasm and js)', () => {
    const before = activeBackendName();
    const cases: [string, () => MultiTaskModel, number, number][] = [
      // [name, model, linearStackForward calls: pairs of first-level expert stacks (their two
      // layers in one call), then the two tasks' one-layer towers as one pair; first-level gates]
      ['PLE 1 level, 2 shared experts', () => tinyPLE({ sharedExperts: 2, dtype: 'float32', expertHidden: [40, 24], embDim: 8 }), 2 + 1, 2],
      ['PLE 2 levels', () => tinyPLE({ levels: 2, sharedExperts: 2, specificExperts: 1, dtype: 'float32', expertHidden: [40, 24], embDim: 8 }), 2 + 1, 3],
      ['MMoE, 3 experts', () => new MMoE({ tasks: 2, vocabSizes: vocab, embDim: 8, experts: 3, expertHidden: [40, 24], towerHidden: [3], fm: false, dropout: 0, gateBias: false, weightInit: 'he_normal', embInit: 'he_normal', dtype: 'float32' }), 2 + 1, 2],
    ];
    try {
      for (const backend of ['wasm', 'js'] as const) {
        setBackend(backend);
        for (const [name, make, calls, gates] of cases) {
          const run = (ahead: boolean): { loss: number; grads: Float32Array; rows: number[][] } => {
            const m = make();
            const off = ahead ? null : vi.spyOn(MLP, 'forwardAhead').mockReturnValue(false);
            try {
              const batch = batchOf(300, 5);
              const loss = lossOf(m, batch);
              backward(loss);
              const rows = m.store.sparseParams.map((p) => Array.from(m.store.touched(p)));
              return { loss: loss.item(), grads: Float32Array.from(m.store.grads), rows };
            } finally {
              off?.mockRestore();
            }
          };
          const plain = run(false);
          const spy = vi.spyOn(getBackend(), 'linearStackForward');
          const soft = vi.spyOn(Gate.prototype, 'softmaxAhead');
          const touch = vi.spyOn(Embedding.prototype, 'touchNow');
          const logits = vi.spyOn(Linear, 'forwardPair');
          const paired = run(true);
          expect(spy, `${backend} ${name}`).toHaveBeenCalledTimes(calls);
          // The towers' pair carries each task's logit layer last (one column): the heads too run
          // on the kernel threads' blocks of rows, with the bits of the narrow forward alone.
          const towers = spy.mock.calls[calls - 1]!;
          expect([towers[0].at(-1)!.n, towers[1]?.at(-1)?.n], `${backend} ${name}: the logits in the towers' stacks`).toEqual([1, 1]);
          expect(spy.mock.calls.map((c) => typeof c[2]), `${backend} ${name}: the gates' softmax beside the first pair`).toEqual(['function', ...Array<string>(calls - 1).fill('undefined')]);
          expect(soft, `${backend} ${name}`).toHaveBeenCalledTimes(gates);
          // The embedding's deferred touches ran beside the first pair too (inside its call).
          const order = spy.mock.invocationCallOrder;
          expect(touch.mock.invocationCallOrder, `${backend} ${name}: the touches beside the first pair`).toHaveLength(1);
          expect(touch.mock.invocationCallOrder[0]! > order[0]! && touch.mock.invocationCallOrder[0]! < order[1]!, `${backend} ${name}`).toBe(true);
          // So did the gates' logits: one narrow matmul each, no other kernel.
          expect(logits.mock.invocationCallOrder.map((o) => o > order[0]! && o < order[1]!), `${backend} ${name}: the gates' logits beside the first pair`).toEqual(Array<boolean>(gates).fill(true));
          logits.mockRestore();
          spy.mockRestore();
          soft.mockRestore();
          touch.mockRestore();
          expect(paired.rows, `${backend} ${name}: touched rows`).toEqual(plain.rows);
          expect(Object.is(paired.loss, plain.loss), `${backend} ${name}: loss`).toBe(true);
          expect(Buffer.from(paired.grads.buffer).equals(Buffer.from(plain.grads.buffer)), `${backend} ${name}: gradients`).toBe(true);
        }
        // Rep mode's cut: the heads on copies of the segments that share their data, with
        // expertsAhead on both calls: the task experts ran with the shared ones.
        const viaSegments = (ahead: boolean): { loss: number; grads: Float32Array; pairs: number } => {
          const m = tinyPLE({ dtype: 'float32', expertHidden: [40, 24], embDim: 8 });
          const spy = vi.spyOn(getBackend(), 'linearStackForward');
          try {
            const batch = batchOf(300, 6), run = { train: true, expertsAhead: ahead };
            const segs = m.bottomSegments(batch, run);
            const logits = Array.from({ length: m.tasks }, (_, t) => m.headSegments(t, segs.map((x) => new Tensor(x.data, x.shape, true)), run));
            const loss = weightedSum(new MultiTaskBCE(m.tasks).losses(logits, batch.labels, batch.size), logits.map((_, t) => t + 1));
            backward(loss);
            return { loss: loss.item(), grads: Float32Array.from(m.store.grads), pairs: spy.mock.calls.length };
          } finally {
            spy.mockRestore();
          }
        };
        const soft = vi.spyOn(Gate.prototype, 'softmaxAhead');
        const [off, on] = [viaSegments(false), viaSegments(true)];
        expect([off.pairs, on.pairs], backend).toEqual([0, 2]);
        expect(soft, `${backend}: rep cut's gates ahead`).toHaveBeenCalledTimes(2);
        soft.mockRestore();
        expect(Object.is(on.loss, off.loss) && Buffer.from(on.grads.buffer).equals(Buffer.from(off.grads.buffer)), `${backend}: rep cut`).toBe(true);
      }
    } finally {
      setBackend(before);
    }
  });

  it('PLE group bookkeeping: task t alone fills its group and shared, others stay exactly zero', () => {
    for (const m of [tinyPLE(), tinyPLE({ levels: 2, tasks: 3 })]) {
      const s = m.store;
      const r = new Rng(3);
      for (const p of s.params) if (p.name.endsWith('bias')) for (let i = 0; i < p.size; i++) p.value[i] = r.normal(0, 0.3);
      const batch = batchOf(6, 5);
      batch.labels = Float32Array.from({ length: 6 * m.tasks }, () => (r.bernoulli(0.5) ? 1 : 0));
      for (let t = 0; t < m.tasks; t++) {
        s.zeroGrad();
        const logits = m.forward(batch, { train: true });
        backward(new MultiTaskBCE(m.tasks).losses(logits, batch.labels, 6)[t]!);
        for (let u = 0; u < m.tasks; u++) {
          const g = s.taskGrad(u);
          let nz = 0;
          for (let i = 0; i < g.length; i++) if (g[i] !== 0) nz++;
          if (u === t) expect(nz, `levels ${m.levels.length} task ${t}`).toBeGreaterThan(g.length / 4);
          else expect(nz).toBe(0);
        }
        expect(s.gradSqNorm('shared')).toBeGreaterThan(0);
        // With one level every shared parameter gets every task's gradient. (With more, a
        // lower level's task-t gate is in the shared bottom but only task t reaches it.)
        if (m.levels.length === 1) for (const p of s.groupParams('shared')) expect(p.grad.some((x) => x !== 0), p.name).toBe(true);
      }
    }
  });

  it('rep mode: T heads on detached copies give per-task rep gradients; combining them and one backward through the bottom equals the summed loss', () => {
    const m = tinyPLE();
    const s = m.store;
    const batch = batchOf(5, 8);
    s.zeroGrad();
    backward(lossOf(m, batch));
    const expected = Float64Array.from(s.grads);
    s.zeroGrad();
    const rep = m.bottom(batch);
    const d = rep.size;
    const G = new Float64Array(m.tasks * d);
    const bce = new MultiTaskBCE(m.tasks);
    const logits = Array.from({ length: m.tasks }, (_, t) => {
      const copy = Tensor.fromStorage(rep.data, rep.shape, { requiresGrad: true });
      copy.grad = Tensor.fromStorage(G.subarray(t * d, (t + 1) * d), rep.shape);
      return m.head(t, copy);
    });
    backward(weightedSum(bce.losses(logits, batch.labels, 5), [1, 2]));
    const combined = new Float64Array(d);
    for (let t = 0; t < m.tasks; t++) for (let i = 0; i < d; i++) combined[i] += G[t * d + i]!;
    backward(rep, new Tensor(combined, rep.shape));
    for (let i = 0; i < expected.length; i++) expect(s.grads[i]).toBeCloseTo(expected[i]!, 12);
  });

  it('param mode, sharedInto: task t shared gradient lands in row t of a T x d matrix, equal to the dense one', () => {
    const m = tinyPLE();
    const s = m.store;
    const batch = batchOf(5, 9);
    const bce = new MultiTaskBCE(2);
    const rows: Float64Array[] = [];
    for (let t = 0; t < 2; t++) {
      s.zeroGrad();
      backward(bce.losses(m.forward(batch), batch.labels, 5)[t]!);
      const v = s.sharedView();
      const out = new Float64Array(v.length);
      s.gatherShared(out);
      rows.push(out);
    }
    s.zeroGrad();
    const losses = bce.losses(m.forward(batch), batch.labels, 5);
    const v = s.sharedView();
    const G = new Float64Array(2 * v.length);
    for (let t = 0; t < 2; t++) {
      backward(losses[t]!, undefined, { into: s.sharedInto(G.subarray(t * v.length, (t + 1) * v.length)) });
    }
    expect(s.sharedGrad().every((x) => x === 0)).toBe(true);
    for (let t = 0; t < 2; t++) {
      for (let i = 0; i < v.length; i++) expect(G[t * v.length + i]).toBeCloseTo(rows[t]![i]!, 14);
    }
  });

  it('presets build with the documented sizes', () => {
    const lite = createModel('ple-lite', { fields: 20, vocab: 10_000 });
    expect(lite.store.size).toBe(4_082_886);
    expect(lite.repWidth).toBe(320 + 64);
    const paper = createModel('ple-paper', { fields: 3, vocab: 10 });
    expect(paper.repWidth).toBe(48 + 1 + 64);
    expect(paper.tasks).toBe(6);
  });
});

describe('learning', () => {
  it('a small PLE learns a two-task problem whose labels depend on feature interactions', () => {
    // Labels: task 0 from <u[id0], v[id1]>, task 1 from <u'[id2], v'[id3]> plus a shared
    // term of task 0's interaction: no single field predicts either label.
    const F = 4, V = 12, rank = 3;
    const gen = new Rng(2024);
    const lat = Array.from({ length: 4 }, () => Array.from({ length: V * rank }, () => gen.normal()));
    const inter = (a: number[], b: number[], i: number, j: number): number => {
      let s = 0;
      for (let r = 0; r < rank; r++) s += a[i * rank + r]! * b[j * rank + r]!;
      return s;
    };
    const make = (n: number, rng: Rng) => {
      const cat = new Int32Array(n * F), labels = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < F; f++) cat[i * F + f] = rng.int(1, V);
        const z0 = 1.5 * inter(lat[0]!, lat[1]!, cat[i * F]!, cat[i * F + 1]!);
        const z1 = 1.5 * inter(lat[2]!, lat[3]!, cat[i * F + 2]!, cat[i * F + 3]!) + 0.5 * z0;
        labels[i * 2] = rng.bernoulli(1 / (1 + Math.exp(-z0))) ? 1 : 0;
        labels[i * 2 + 1] = rng.bernoulli(1 / (1 + Math.exp(-z1))) ? 1 : 0;
      }
      return { size: n, cat, labels };
    };
    const m = new PLE({
      tasks: 2, vocabSizes: Array(F).fill(V), embDim: 8, levels: 1, sharedExperts: 1, specificExperts: 1, expertHidden: [32, 16], towerHidden: [8],
      fm: true, dropout: 0, gateBias: false, weightInit: 'glorot_uniform', embInit: { kind: 'normal', std: 0.1 }, seed: 1,
    });
    const opt = new Adam(m.store, { lr: 0.01 });
    const bce = new MultiTaskBCE(2);
    const rng = new Rng(7);
    const STEPS = 300, B = 128;
    for (let step = 0; step < STEPS; step++) {
      const b = make(B, rng);
      m.store.zeroGrad();
      backward(weightedSum(bce.losses(m.forward(b, { train: true }), b.labels, B)));
      opt.step();
    }
    const test = make(4000, new Rng(99));
    const logits = noGrad(() => m.forward(test));
    for (let t = 0; t < 2; t++) {
      const y = Array.from({ length: 4000 }, (_, i) => test.labels[i * 2 + t]!);
      const a = auc(logits[t]!.data, y);
      // The Bayes-optimal AUC of these labels is about 0.85-0.9; 0.75 leaves room.
      expect(a, `task ${t} AUC`).toBeGreaterThan(0.75);
    }
  });
});
