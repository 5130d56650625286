import { describe, expect, it } from 'vitest';
import { Profiler, formatReport, install, timedBackend, wrapMethod } from '../../src/profile/index.ts';
import { createJsBackend } from '../../src/tensor/backends/js.ts';
import { createModel } from '../../src/nn/models/presets.ts';
import { MultiTaskBCE, weightedSum } from '../../src/nn/losses.ts';
import { Adam } from '../../src/nn/optim/adam.ts';
import { backward } from '../../src/autograd/backward.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';

/** A clock that advances only when told: bookkeeping without wall-clock assertions. */
function fakeClock(): { now: () => number; tick: (ms: number) => void } {
  let t = 0;
  return { now: () => t, tick: (ms) => void (t += ms) };
}

describe('Profiler bookkeeping', () => {
  it('splits inclusive time into self time per family and totals per phase', () => {
    const c = fakeClock();
    const p = new Profiler({ now: c.now });
    p.enable();
    p.phase('forward', () => {
      c.tick(1); // phase's own JS
      p.scope('linear.fwd', () => {
        c.tick(2);
        p.scope('kernel.matmul.NN', () => c.tick(5));
        c.tick(3);
      });
    });
    p.scope('kernel.matmul.TN', () => c.tick(7), 'backward'); // opens the backward phase itself
    c.tick(4); // nothing open: unattributed
    p.step();
    const r = p.report();
    expect(r.steps).toBe(1);
    expect(r.wallMs).toBe(22);
    expect(r.phases).toEqual([{ phase: 'forward', ms: 11 }, { phase: 'backward', ms: 7 }]);
    expect(r.unattributedMs).toBe(4);
    const get = (phase: string, family: string) => r.families.find((f) => f.phase === phase && f.family === family);
    expect(get('forward', '(js)')?.ms).toBe(1);
    expect(get('forward', 'linear.fwd')?.ms).toBe(5);
    expect(get('forward', 'kernel.matmul.NN')?.ms).toBe(5);
    expect(get('backward', 'kernel.matmul.TN')?.ms).toBe(7);
    // Families of a phase add up to the phase.
    for (const ph of r.phases) {
      const sum = r.families.filter((f) => f.phase === ph.phase).reduce((s, f) => s + f.ms, 0);
      expect(sum).toBeCloseTo(ph.ms, 12);
    }
    expect(formatReport(r)).toContain('kernel.matmul.NN');
  });

  it('setClock times scopes by another clock, only while disabled; formatReport names the clock', () => {
    const wall = fakeClock(), other = fakeClock();
    const p = new Profiler({ now: wall.now });
    p.setClock(other.now);
    p.enable();
    expect(() => p.setClock(wall.now)).toThrow(/setClock\(\) while enabled/);
    p.scope('kernel.a', () => { wall.tick(10); other.tick(3); }, 'forward');
    p.step();
    const r = p.report();
    expect(r.phases).toEqual([{ phase: 'forward', ms: 3 }]);
    expect(formatReport(r, { clock: 'worker idle' })).toMatch(/^profile: 1 step\(s\), 3\.00 ms\/step worker idle\n/);
    expect(formatReport(r)).toMatch(/ms\/step wall\n/);
    p.disable();
    p.setClock(wall.now);
    p.enable();
    p.scope('kernel.a', () => { wall.tick(10); other.tick(3); }, 'forward');
    p.step();
    expect(p.report().phases).toEqual([{ phase: 'forward', ms: 10 }]);
  });

  it('a phase argument inside an open phase is ignored (the caller decides the phase)', () => {
    const c = fakeClock();
    const p = new Profiler({ now: c.now });
    p.enable();
    p.phase('balancer', () => p.scope('model.fwd', () => c.tick(3), 'forward'));
    p.step();
    const r = p.report();
    expect(r.phases).toEqual([{ phase: 'balancer', ms: 3 }]);
    expect(r.families).toEqual([{ phase: 'balancer', family: 'model.fwd', ms: 3, calls: 1 }, { phase: 'balancer', family: '(js)', ms: 0, calls: 1 }]);
  });

  it('skips warm-up steps, averages per step, counts calls per step', () => {
    const c = fakeClock();
    const p = new Profiler({ now: c.now });
    p.enable({ skipSteps: 1 });
    for (let s = 0; s < 3; s++) {
      const ms = s === 0 ? 100 : 10;
      p.phase('optimizer', () => {
        p.scope('adam', () => c.tick(ms / 2));
        p.scope('adam', () => c.tick(ms / 2));
      });
      p.step();
    }
    const r = p.report();
    expect(r.steps).toBe(2);
    expect(r.wallMs).toBe(10);
    expect(r.byFamily).toEqual([{ family: 'adam', ms: 10, calls: 2 }, { family: '(js)', ms: 0, calls: 1 }]);
  });

  it('pause / resume keeps what was recorded and leaves the paused time out of the step', () => {
    const c = fakeClock();
    const p = new Profiler({ now: c.now });
    p.enable();
    p.phase('forward', () => c.tick(2));
    p.step();
    p.pause();
    p.phase('forward', () => c.tick(100));
    c.tick(50);
    p.resume();
    p.phase('forward', () => c.tick(4));
    p.step();
    const r = p.report();
    expect(r.steps).toBe(2);
    expect(r.wallMs).toBe(3);
    expect(r.phases).toEqual([{ phase: 'forward', ms: 3 }]);
  });

  it('ends scopes on throw, refuses an unmatched end, and records nothing while disabled', () => {
    const c = fakeClock();
    const p = new Profiler({ now: c.now });
    p.scope('x', () => c.tick(1));
    p.enable();
    expect(() => p.scope('boom', () => {
      c.tick(2);
      throw new Error('inner');
    }, 'forward')).toThrow('inner');
    expect(p.currentPhase()).toBeNull();
    expect(() => p.end()).toThrow(/without a matching begin/);
    p.step();
    expect(p.report().phases).toEqual([{ phase: 'forward', ms: 2 }]);
    p.disable();
    p.scope('y', () => c.tick(5));
    expect(p.report().byFamily.map((f) => f.family)).toEqual(['boom']);
  });
});

describe('instrumentation', () => {
  it('wrapMethod times a method and its undo restores the original', () => {
    const c = fakeClock();
    const p = new Profiler({ now: c.now });
    const obj = { f(x: number) { c.tick(x); return x * 2; } };
    const orig = obj.f;
    const undo = wrapMethod(p, obj, 'f', (a) => `f${String(a[0])}`, 'forward');
    p.enable();
    expect(obj.f(3)).toBe(6);
    p.step();
    expect(p.report().families).toEqual([{ phase: 'forward', family: 'f3', ms: 3, calls: 1 }]);
    undo();
    expect(obj.f).toBe(orig);
  });

  it('backend kernels are counted by family (matmul by transpose form) and results are unchanged', () => {
    const p = new Profiler();
    const js = createJsBackend();
    const before = { ...js };
    const be = timedBackend(p, js);
    p.enable();
    const a = Float32Array.from([1, 2, 3, 4]), b = Float32Array.from([5, 6, 7, 8]), out = new Float32Array(4);
    be.matmul(a, b, out, 2, 2, 2, false, false, false);
    be.matmul(a, b, out, 2, 2, 2, true, false, true);
    be.unary('relu', a, out, 4);
    p.step();
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    const calls = Object.fromEntries(p.report().byFamily.map((f) => [f.family, f.calls]));
    expect(calls).toEqual({ 'kernel.matmul.NN': 1, 'kernel.matmul.TN': 1, 'kernel.unary.relu': 1 });
    // The backend under it is untouched; the rest of its members read through.
    expect({ ...js }).toEqual(before);
    expect(be.name).toBe('js');
    expect(be.threads).toBe(1);
  });

  it('with matmulShapes, a Linear\'s kernels and its pairs by rows x in x out (a pair by its first call), a stack by rows x in > outs', () => {
    const p = new Profiler();
    const be = timedBackend(p, createJsBackend(), { matmulShapes: true });
    p.enable();
    const x = new Float32Array(3 * 2).fill(1), w = new Float32Array(2 * 4).fill(1), y = new Float32Array(3 * 4), y2 = new Float32Array(3 * 4);
    be.linearForward(x, w, null, y, 3, 2, 4, false);
    const call = (out: Float32Array) => ({ x, w, b: null, y: out, rows: 3, k: 2, n: 4, relu: true });
    be.linearForwardPair(call(y), call(y2));
    // A stack by its first stack: rows x in, then each layer's out.
    const y3 = new Float32Array(3 * 4), w2 = new Float32Array(4 * 5).fill(1), y4 = new Float32Array(3 * 5);
    be.linearStackForward([call(y3), { x: y3, w: w2, b: null, y: y4, rows: 3, k: 4, n: 5, relu: false }], null);
    p.step();
    const calls = Object.fromEntries(p.report().byFamily.map((f) => [f.family, f.calls]));
    expect(calls).toEqual({ 'kernel.linearForward 3x2x4': 1, 'kernel.linearForwardPair 3x2x4': 1, 'kernel.linearStackForward 3x2>4>5': 1 });
    expect(Array.from(y2)).toEqual(Array(12).fill(2));
    expect(Array.from(y4)).toEqual(Array(15).fill(8));
  });

  it('install times the kernels of the backend getBackend() returns, and its undo puts the backend back', () => {
    const plain = setBackend('js');
    const p = new Profiler();
    const undo = install(p);
    const timed = getBackend();
    expect(timed).not.toBe(plain);
    expect(getBackend()).toBe(timed);
    p.enable();
    timed.dot(Float32Array.from([1, 2]), Float32Array.from([3, 4]), 2);
    p.step();
    expect(p.report().byFamily.map((f) => f.family)).toEqual(['kernel.dot']);
    undo();
    expect(getBackend()).toBe(plain);
  });

  it('install covers a training step: forward, backward and optimizer phases, the same numbers as without it', () => {
    setBackend('js');
    const run = (profiled: boolean): { loss: number; values: Float32Array; phases: string[]; families: string[] } => {
      const model = createModel('ple-lite', { fields: 3, vocab: 50, tasks: 2, seed: 3 });
      const opt = new Adam(model.store, { lr: 1e-2 });
      const bce = new MultiTaskBCE(2);
      const p = new Profiler();
      const undo = profiled ? install(p) : () => {};
      if (profiled) p.enable();
      const B = 8, cat = Int32Array.from({ length: B * 3 }, (_, i) => 1 + ((i * 7) % 49));
      const labels = Float32Array.from({ length: B * 2 }, (_, i) => i % 3 === 0 ? 1 : 0);
      let loss = 0;
      for (let s = 0; s < 2; s++) {
        model.store.zeroGrad();
        const l = weightedSum(bce.losses(model.forward({ size: B, cat }, { train: true }), labels, B));
        loss = l.item();
        backward(l);
        opt.step();
      }
      undo();
      const r = p.report();
      return { loss, values: Float32Array.from(model.store.values), phases: r.phases.map((x) => x.phase), families: r.byFamily.map((f) => f.family) };
    };
    const plain = run(false), prof = run(true);
    expect(prof.loss).toBe(plain.loss);
    expect(prof.values).toEqual(plain.values);
    expect(prof.phases).toEqual(expect.arrayContaining(['forward', 'backward', 'optimizer']));
    expect(prof.families).toEqual(expect.arrayContaining(['kernel.linearForward', 'kernel.linearReluBackward', 'linear_relu.bwd', 'embedding.fwd', 'optimizer.step']));
  });
});
