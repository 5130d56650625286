import { describe, expect, it } from 'vitest';
import { ParameterStore } from '../../src/nn/store.ts';
import { Adagrad, Adam, SGD } from '../../src/nn/optim/index.ts';

/** A store with one dense [2] weight and one sparse [3, 2] table, values set by hand. */
function small(): ParameterStore {
  const s = new ParameterStore({ tasks: 1, dtype: 'float64' });
  s.declare('w', [2], { group: 'shared', init: { kind: 'constant', value: 1 } });
  s.declare('e', [3, 2], { group: 'shared', init: { kind: 'constant', value: 0.5 }, sparse: true });
  return s.allocate();
}

function setGrads(s: ParameterStore, w: number[], row: number | null, e: number[]): void {
  s.zeroGrad();
  s.get('w').grad.set(w);
  if (row !== null) {
    const p = s.get('e');
    s.touchRow(p, row);
    s.rowGrad(p, row).set(e);
  }
}

describe('optimizers vs hand computation', () => {
  it('SGD with momentum (PyTorch form)', () => {
    const s = small();
    const o = new SGD(s, { lr: 0.1, momentum: 0.9 });
    setGrads(s, [1, -2], 1, [0.5, 0.5]);
    o.step();
    // v = g; w = 1 - 0.1 g
    expect(Array.from(s.get('w').value)).toEqual([1 - 0.1, 1 + 0.2]);
    setGrads(s, [1, 0], null, []);
    o.step();
    // v = 0.9*1 + 1 = 1.9 -> w0 = 0.9 - 0.19; v1 = 0.9*-2 = -1.8 -> w1 = 1.2 + 0.18
    expect(s.get('w').value[0]).toBeCloseTo(0.71, 14);
    expect(s.get('w').value[1]).toBeCloseTo(1.38, 14);
    // Lazy: row 1 was not touched in step 2, so it kept its value and velocity.
    expect(s.get('e').value[2]).toBeCloseTo(0.5 - 0.05, 14);
  });

  it('SGD lazy off decays momentum of untouched rows', () => {
    const s = small();
    const o = new SGD(s, { lr: 0.1, momentum: 0.9, lazy: false });
    setGrads(s, [0, 0], 1, [1, 1]);
    o.step();
    setGrads(s, [0, 0], null, []);
    o.step();
    expect(s.get('e').value[2]).toBeCloseTo(0.5 - 0.1 - 0.09, 14);
  });

  it('Adam, bias-corrected', () => {
    const s = small();
    const o = new Adam(s, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const g1 = [0.3, -0.2], g2 = [0.1, 0.4];
    setGrads(s, g1, 0, [1, 2]);
    o.step();
    setGrads(s, g2, null, []);
    o.step();
    for (let i = 0; i < 2; i++) {
      let m = 0, v = 0, w = 1;
      [g1[i]!, g2[i]!].forEach((g, k) => {
        const t = k + 1;
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        w -= (0.01 * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
      });
      expect(s.get('w').value[i]).toBeCloseTo(w, 12);
    }
    // First step moves each coordinate by about lr in the sign's direction.
    // Lazy: row 0 updated once (step 1) only.
    expect(s.get('e').value[0]).toBeCloseTo(0.5 - 0.01, 6);
  });

  it('Adam lazy off keeps updating untouched rows from their moments', () => {
    const s = small();
    const o = new Adam(s, { lr: 0.01, lazy: false });
    setGrads(s, [0, 0], 0, [1, 1]);
    o.step();
    setGrads(s, [0, 0], null, []);
    o.step();
    const m = 0.9 * 0.1, v = 0.999 * 0.001;
    const w = 0.5 - 0.01 / (1 + 1e-8) - (0.01 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    expect(s.get('e').value[0]).toBeCloseTo(w, 12);
  });

  it('Adagrad', () => {
    const s = small();
    const o = new Adagrad(s, { lr: 0.1 });
    setGrads(s, [2, 0], null, []);
    o.step();
    setGrads(s, [1, 0], null, []);
    o.step();
    expect(s.get('w').value[0]).toBeCloseTo(1 - (0.1 * 2) / (2 + 1e-10) - (0.1 * 1) / (Math.sqrt(5) + 1e-10), 14);
    expect(s.get('w').value[1]).toBe(1);
  });
});
