import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backward, pairPlan, record, type BackwardPair, type GradNode, type GradSink, type PlanStep } from '../../src/autograd/index.ts';
import { topoOrder } from '../../src/autograd/backward.ts';
import { Tensor } from '../../src/tensor/index.ts';

/**
 * The sweep's pairing (pairPlan): every node once, each after what it waits for (its gradient's
 * writers, and the writer before it of each buffer it adds into), two nodes of a pair adding into
 * different buffers and neither waiting on the other; and a backward with pairs gives the bits
 * of one without, where every addition's order shows in the result (float32, weights that round).
 */

const W = 4; // elements per tensor

/** y = sum_i c_i x_i; backward dx_i += c_i g (the order of additions into dx_i shows in its bits). */
function comb(inputs: Tensor[], cs: number[], key: string | null, log: string[], name: string): Tensor {
  const y = new Tensor(new Float32Array(W), [W]);
  for (let j = 0; j < W; j++) {
    let s = 0;
    inputs.forEach((x, i) => { s += cs[i]! * x.data[j]!; });
    y.data[j] = s;
  }
  const bwd = (g: Tensor, grads: GradSink): void => {
    log.push(name);
    inputs.forEach((_, i) => {
      if (!grads.needs(i)) return;
      const dx = grads.buffer(i);
      for (let j = 0; j < W; j++) dx[j] = Math.fround(dx[j]! + Math.fround(cs[i]! * g.data[j]!));
    });
  };
  if (key === null) return record('comb', inputs, y, bwd);
  // Each part carries its own node's backward; the pair runs the two in turn, marked in the log.
  type Part = { g: Tensor; grads: GradSink; run: typeof bwd };
  const pair: BackwardPair<Part> = {
    key,
    prepare: (g, grads) => ({ g, grads, run: bwd }),
    run: (a, b) => {
      log.push('pair');
      a.run(a.g, a.grads);
      b.run(b.g, b.grads);
    },
  };
  return record('comb', inputs, y, bwd, pair);
}

interface Spec {
  leaves: number;
  nodes: { inputs: number[]; cs: number[]; key: number }[];
}

/** A random graph: leaves, then nodes over earlier tensors, some with one of two pair keys. */
const spec: fc.Arbitrary<Spec> = fc.integer({ min: 1, max: 3 }).chain((leaves) =>
  fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 })),
    { minLength: 2, maxLength: 14 })
    .map((raw) => ({
      leaves,
      nodes: raw.map(([ins, cs, key], i) => ({ inputs: [...new Set(ins.map((x) => x % (leaves + i)))], cs, key })),
    })));

function build(s: Spec, log: string[]): { leaves: Tensor[]; root: Tensor } {
  const leaves = Array.from({ length: s.leaves }, (_, i) => new Tensor(Float32Array.from({ length: W }, (_, j) => 0.1 + i + j * 0.37), [W], true));
  const all: Tensor[] = [...leaves];
  s.nodes.forEach((n, i) => all.push(comb(n.inputs.map((x) => all[x]!), n.cs, n.key === 0 ? null : `k${n.key}`, log, `n${i}`)));
  // The root sums every node, so each reaches it.
  const root = comb(all.slice(s.leaves), all.slice(s.leaves).map((_, i) => 1 + i / 7), null, log, 'root');
  return { leaves, root };
}

function gradsOf(s: Spec, pairs: boolean): { grads: Float32Array[]; log: string[] } {
  const log: string[] = [];
  const { leaves, root } = build(s, log);
  backward(root, new Tensor(new Float32Array(W).fill(1), [W]), { pairs });
  return { grads: leaves.map((l) => (l.grad ? Float32Array.from(l.grad.data) : new Float32Array(0))), log };
}

/** Checks the plan against its rules by running it. */
function checkPlan(order: readonly Tensor[], plan: readonly PlanStep[]): void {
  const N = order.length;
  const at = (p: number): GradNode => order[N - 1 - p]!.node as GradNode;
  const writers = new Map<Tensor, number[]>();
  for (let p = 0; p < N; p++) for (const x of at(p).inputs) if (x.requiresGrad) writers.set(x, [...(writers.get(x) ?? []), p]);
  const done = new Set<number>();
  const ready = (p: number): void => {
    for (const w of writers.get(order[N - 1 - p]!) ?? []) expect(done.has(w), `node ${p} runs before ${w}, a writer of its gradient`).toBe(true);
    for (const x of at(p).inputs) {
      const ws = writers.get(x) ?? [], i = ws.indexOf(p);
      if (i > 0) expect(done.has(ws[i - 1]!), `node ${p} adds into a buffer before ${ws[i - 1]} did`).toBe(true);
    }
  };
  for (const step of plan) {
    const ps = typeof step === 'number' ? [step] : [...step];
    for (const p of ps) {
      expect(done.has(p), `node ${p} twice`).toBe(false);
      ready(p);
    }
    if (ps.length === 2) {
      expect(at(ps[0]!).pair!.key).toBe(at(ps[1]!).pair!.key);
      for (const x of at(ps[1]!).inputs) expect(at(ps[0]!).inputs.includes(x), 'a pair adding into one buffer').toBe(false);
    }
    for (const p of ps) done.add(p);
  }
  expect(done.size).toBe(N);
}

describe('pairPlan and the paired sweep', () => {
  it('random graphs: a valid plan, and the same bits with and without pairs', () => {
    let withPairs = 0;
    fc.assert(fc.property(spec, (s) => {
      const { root } = build(s, []);
      const order = topoOrder([root]);
      const plan = pairPlan(order);
      if (plan !== null) checkPlan(order, plan);
      const plain = gradsOf(s, false), paired = gradsOf(s, true);
      plain.grads.forEach((g, i) => {
        expect(Buffer.from(paired.grads[i]!.buffer).equals(Buffer.from(g.buffer)), `leaf ${i}`).toBe(true);
      });
      expect(paired.log.filter((x) => x !== 'pair').length).toBe(plain.log.length);
      if (paired.log.includes('pair')) withPairs++;
    }), { numRuns: 300 });
    expect(withPairs).toBeGreaterThan(30); // the property is not met by running no pair
  });

  it('two chains pair layer by layer; the next one\'s head runs first; a shared buffer with a writer between does not pair', () => {
    // Like two experts of the EW step: task b's head (hb) feeds chain b; chain a's bottom and a
    // gate (ga) add into x's gradient in turn, then chain b's bottom.
    const log: string[] = [];
    const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [W], true);
    const chain = (tag: string): Tensor => comb([comb([comb([x], [0.3], 'bottom', log, `${tag}0`)], [0.7], 'mid', log, `${tag}1`)], [1.3], 'top', log, `${tag}2`);
    const a = chain('a'), b = chain('b');
    const ha = comb([a], [0.9], null, log, 'ha');
    const ga = comb([x], [0.11], null, log, 'ga');
    const sa = comb([ha, ga], [1, 1], null, log, 'sa');
    const hb = comb([b], [0.8], null, log, 'hb');
    const gb = comb([x], [0.13], null, log, 'gb');
    const sb = comb([hb, gb], [1, 1], null, log, 'sb');
    const root = comb([sb, sa], [1, 1], null, log, 'root');
    backward(root, new Tensor(new Float32Array(W).fill(1), [W]), { pairs: true });
    const paired = log.join(' ');
    expect(paired).toContain('pair a2 b2');
    expect(paired).toContain('pair a1 b1');
    expect(paired).not.toContain('pair a0');
    expect(paired.indexOf('hb')).toBeLessThan(paired.indexOf('pair a2 b2'));
    const withPairs = Float32Array.from(x.grad!.data);
    x.grad = null;
    log.length = 0;
    backward(root, new Tensor(new Float32Array(W).fill(1), [W]), { pairs: false });
    expect(log).not.toContain('pair');
    expect(Buffer.from(x.grad!.data.buffer).equals(Buffer.from(withPairs.buffer))).toBe(true);
  });

  it('no two nodes with one key: no plan (the plain sweep runs)', () => {
    const log: string[] = [];
    const x = new Tensor(new Float32Array(W).fill(1), [W], true);
    const y = comb([comb([x], [2], 'k', log, 'a')], [3], null, log, 'b');
    expect(pairPlan(topoOrder([y]))).toBeNull();
  });
});
