import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backward } from '../../src/autograd/backward.ts';
import { createBalancer } from '../../src/mtl/balancers/index.ts';
import { MultiTaskBCE, weightedSum } from '../../src/nn/losses.ts';
import { PLE } from '../../src/nn/models/ple.ts';
import { BalancedStep } from '../../src/step/balanced-step.ts';
import { activeBackendName, getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { randomIds } from './helpers.ts';

/**
 * The sweep runs two experts' (and two towers') ReLU layers as one linearReluBackwardPair where
 * that keeps every buffer's order of additions: PLE's gradients, in EW and through the balanced
 * step's rep and param modes, are the bits of the plain sweep, on wasm (the native pair where
 * the addon loads) and on js (the pair one call after the other).
 */
const vocab = [7, 5, 9, 4];
const tasks = 4;

function ple(): PLE {
  return new PLE({
    tasks, vocabSizes: vocab, embDim: 8, levels: 1, sharedExperts: 1, specificExperts: 1, expertHidden: [48, 24], towerHidden: [12, 6],
    fm: false, dropout: 0, gateBias: false, weightInit: 'he_normal', embInit: { kind: 'normal', std: 0.5 }, seed: 5, dtype: 'float32',
  });
}

function batchOf(B: number) {
  const rng = new Rng(3);
  return { size: B, cat: randomIds(rng, B, vocab), labels: Float32Array.from({ length: B * tasks }, () => (rng.bernoulli(0.4) ? 1 : 0)) };
}

const before = activeBackendName();
afterEach(() => setBackend(before));

const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('paired backward of PLE', () => {
  it('EW: the plain sweep\'s gradients bit for bit, experts\' and towers\' layers paired (wasm and js)', () => {
    for (const name of ['wasm', 'js'] as const) {
      setBackend(name);
      const run = (pairs: boolean): { grads: Float32Array; calls: number; splits: number } => {
        const m = ple(), b = batchOf(300);
        const spy = vi.spyOn(getBackend(), 'linearReluBackwardPair');
        try {
          const logits = m.forward(b, { train: true });
          backward(weightedSum(new MultiTaskBCE(tasks).losses(logits, b.labels, b.size), logits.map((_, t) => t + 1)), undefined, { pairs });
          const splits = spy.mock.calls.filter(([first, second]) => first.dx !== null && second.dx === null && second.dw !== null).length;
          return { grads: Float32Array.from(m.store.grads), calls: spy.mock.calls.length, splits };
        } finally {
          spy.mockRestore();
        }
      };
      const plain = run(false), paired = run(true);
      expect(plain.calls).toBe(0);
      // The four task experts' second layers in two pairs; their first layers in two split pairs
      // (both add into the shared input's gradient, a gate's addition between them: the second
      // layer's dW and db run beside the first's whole backward, its dx after the gate's, as in
      // the plain sweep); the towers' two layers in two pairs each.
      expect(paired.calls, name).toBe(8);
      expect(paired.splits, name).toBe(2);
      expect(same(paired.grads, plain.grads), `${name}: gradients`).toBe(true);
    }
  });

  // One core: the wasm backend has one kernel thread and the sweep never pairs (js covers the pairing above).
  it.skipIf(availableParallelism() < 2)('balanced step, rep and param mode on wasm: two threads (pairs) give one thread\'s bits (no pairs)', () => {
    setBackend('wasm');
    const be = getBackend();
    expect(be.maxThreads, 'the wasm backend has a second kernel thread').toBeGreaterThan(1);
    const threads = be.threads;
    try {
      for (const [method, mode] of [['multibalance', 'rep'], ['gradcraft', 'param']] as const) {
        const run = (n: number): { grads: Float32Array; calls: number } => {
          be.setThreads(n);
          const m = ple(), b = batchOf(300);
          const spy = vi.spyOn(be, 'linearReluBackwardPair');
          try {
            new BalancedStep(m, createBalancer(method), { mode }).run(b, { step: 0, epoch: 0, rng: new Rng(9) });
            return { grads: Float32Array.from(m.store.grads), calls: spy.mock.calls.length };
          } finally {
            spy.mockRestore();
          }
        };
        const one = run(1), two = run(2);
        expect(one.calls).toBe(0);
        if (mode === 'rep') expect(two.calls, 'rep mode pairs the heads\' layers').toBeGreaterThan(0);
        expect(same(two.grads, one.grads), `${method} ${mode}: gradients`).toBe(true);
      }
    } finally {
      be.setThreads(threads);
    }
  });
});
