import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backward, pairPlan, record, type BackwardPair, type GradNode, type GradSink, type PlanStep } from '../../src/autograd/index.ts';
import { PlanCache, topoOrder } from '../../src/autograd/backward.ts';
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

/**
 * Checks the plan against its rules by running it: a node's part (its additions into some of
 * its inputs) runs once (a) every writer of its gradient has added into it and (b) for each of
 * those inputs, the writer before it has added there; two parts of one step never add into one
 * buffer; every node adds into each of its inputs exactly once. Returns the split nodes.
 */
function checkPlan(order: readonly Tensor[], plan: readonly PlanStep[]): number {
  const N = order.length;
  const at = (p: number): GradNode => order[N - 1 - p]!.node as GradNode;
  const writers = new Map<Tensor, number[]>();
  for (let p = 0; p < N; p++) for (const x of at(p).inputs) if (x.requiresGrad) writers.set(x, [...(writers.get(x) ?? []), p]);
  const wanted = (p: number): number[] => at(p).inputs.flatMap((x, j) => (x.requiresGrad ? [j] : []));
  const added = new Set<string>(); // `${node}:${input}` once the node has added into that input
  const addedInto = (w: number, x: Tensor): boolean => at(w).inputs.every((y, j) => y !== x || added.has(`${w}:${j}`));
  let splits = 0;
  const runPart = (p: number, inputs: readonly number[]): void => {
    for (const w of writers.get(order[N - 1 - p]!) ?? []) expect(addedInto(w, order[N - 1 - p]!), `node ${p} runs before ${w}, a writer of its gradient`).toBe(true);
    for (const j of inputs) {
      const x = at(p).inputs[j]!, ws = writers.get(x)!, i = ws.indexOf(p);
      expect(added.has(`${p}:${j}`), `node ${p} adds into its input ${j} twice`).toBe(false);
      if (i > 0) expect(addedInto(ws[i - 1]!, x), `node ${p} adds into a buffer before ${ws[i - 1]} did`).toBe(true);
    }
  };
  const mark = (p: number, inputs: readonly number[]): void => inputs.forEach((j) => added.add(`${p}:${j}`));
  const pairOf = (p: number, q: number, early: readonly number[]): void => {
    expect(at(p).pair!.key).toBe(at(q).pair!.key);
    for (const j of early) expect(at(p).inputs.includes(at(q).inputs[j]!), 'a pair adding into one buffer').toBe(false);
    runPart(p, wanted(p));
    runPart(q, early);
    mark(p, wanted(p));
    mark(q, early);
  };
  for (const step of plan) {
    if (typeof step === 'number') {
      runPart(step, wanted(step));
      mark(step, wanted(step));
    } else if ('rest' in step) {
      expect(step.inputs.length).toBeGreaterThan(0);
      runPart(step.rest, step.inputs);
      mark(step.rest, step.inputs);
    } else if ('early' in step) {
      expect(step.early.length).toBeGreaterThan(0);
      pairOf(step.pair[0], step.pair[1], step.early);
      splits++;
    } else {
      pairOf(step[0], step[1], wanted(step[1]));
    }
  }
  for (let p = 0; p < N; p++) for (const j of wanted(p)) expect(added.has(`${p}:${j}`), `node ${p} never adds into its input ${j}`).toBe(true);
  return splits;
}

describe('pairPlan and the paired sweep', () => {
  it('random graphs: a valid plan, and the same bits with and without pairs', () => {
    let withPairs = 0, withSplits = 0;
    fc.assert(fc.property(spec, (s) => {
      const { root } = build(s, []);
      const order = topoOrder([root]);
      const plan = pairPlan(order);
      const splits = plan === null ? 0 : checkPlan(order, plan);
      const plain = gradsOf(s, false), paired = gradsOf(s, true);
      plain.grads.forEach((g, i) => {
        expect(Buffer.from(paired.grads[i]!.buffer).equals(Buffer.from(g.buffer)), `leaf ${i}`).toBe(true);
      });
      // A split node's backward runs twice, each time adding into its part of the inputs.
      expect(paired.log.filter((x) => x !== 'pair').length).toBe(plain.log.length + splits);
      if (paired.log.includes('pair')) withPairs++;
      if (splits > 0) withSplits++;
    }), { numRuns: 300 });
    // The property is not met by running no pair, or no split one.
    expect(withPairs).toBeGreaterThan(30);
    expect(withSplits).toBeGreaterThan(10);
  });

  it('the sweep\'s plan cache: a graph of the same shape (new tensors) gets the plan made for the first; any other shape its own', () => {
    // A small cache over many random graphs: every answer is pairPlan's for that graph, hits
    // and evictions included, so no shape that pairPlan would plan differently is taken for another.
    const cache = new PlanCache(4);
    let hits = 0;
    const seen: Spec[] = [];
    fc.assert(fc.property(spec, fc.nat(), (fresh, pick) => {
      // Half the time a graph seen before, rebuilt from new tensors.
      const s = seen.length > 0 && pick % 2 === 0 ? seen[pick % seen.length]! : fresh;
      if (s === fresh) seen.push(fresh);
      const first = topoOrder([build(s, []).root]);
      const want = pairPlan(first);
      const order = topoOrder([build(s, []).root]);
      const got = cache.get(order);
      expect(got).toEqual(want);
      if (cache.get(topoOrder([build(s, []).root])) === got) hits++;
    }), { numRuns: 300 });
    expect(hits).toBeGreaterThan(250);
    // One graph rewired: the same keys and sizes, one input moved, its own plan.
    const log: string[] = [];
    const x = new Tensor(new Float32Array(W), [W], true), w = new Tensor(new Float32Array(W), [W], true);
    const graph = (shareX: boolean): Tensor[] => {
      const a = comb([x], [1], 'k', log, 'a'), b = comb([shareX ? x : w], [1], 'k', log, 'b');
      return topoOrder([comb([a, b], [1, 1], null, log, 'root')]);
    };
    const own = new PlanCache(8);
    const apart = own.get(graph(false)), shared = own.get(graph(true));
    expect(apart).toEqual(pairPlan(graph(false)));
    expect(shared).toEqual(pairPlan(graph(true)));
    expect(shared).not.toEqual(apart);
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

  it('two bottoms sharing an input split: the second\'s own gradients beside the first, its shared one in its place', () => {
    // Two experts' first layers: each adds into x (a gate's addition between them) and into its
    // own weight; the second's weight gradient runs in the pair, its x gradient after the gate's.
    const log: string[] = [];
    const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [W], true);
    const wa = new Tensor(Float32Array.from([0.5, 0.25, 2, 1]), [W], true), wb = new Tensor(Float32Array.from([3, 0.75, 1.5, 0.125]), [W], true);
    const chain = (tag: string, w: Tensor): Tensor => comb([comb([x, w], [0.3, 1.7], 'bottom', log, `${tag}0`)], [0.7], 'top', log, `${tag}1`);
    const a = chain('a', wa), b = chain('b', wb);
    const ga = comb([x], [0.11], null, log, 'ga');
    const sa = comb([comb([a], [0.9], null, log, 'ha'), ga], [1, 1], null, log, 'sa');
    const sb = comb([comb([b], [0.8], null, log, 'hb'), comb([x], [0.13], null, log, 'gb')], [1, 1], null, log, 'sb');
    const root = comb([sb, sa], [1, 1], null, log, 'root');
    const order = topoOrder([root]);
    const plan = pairPlan(order)!;
    expect(checkPlan(order, plan)).toBe(1);
    const split = plan.find((s) => typeof s === 'object' && 'early' in s) as { pair: readonly [number, number]; early: readonly number[] };
    const rest = plan.find((s) => typeof s === 'object' && 'rest' in s) as { rest: number; inputs: readonly number[] };
    expect(split.early).toEqual([1]); // the weight
    expect(rest).toEqual({ rest: split.pair[1], inputs: [0] }); // x, in its own place
    const grads = (pairs: boolean): Float32Array[] => {
      for (const t of [x, wa, wb]) t.grad = null;
      log.length = 0;
      backward(root, new Tensor(new Float32Array(W).fill(1), [W]), { pairs });
      return [x, wa, wb].map((t) => Float32Array.from(t.grad!.data));
    };
    const plain = grads(false), paired = grads(true);
    const seq = log.join(' ');
    expect(seq).toContain('pair a0 b0');
    // b0 runs again for x after gb, the writer of x before it in the plain sweep.
    expect(seq).toMatch(/pair a0 b0 .*gb b0$/);
    paired.forEach((g, i) => expect(Buffer.from(g.buffer).equals(Buffer.from(plain[i]!.buffer)), `gradient ${i}`).toBe(true));
  });

  it('a split node\'s part sees needs() of its own inputs only, and a buffer outside it is refused', () => {
    const x = new Tensor(Float32Array.from([1, 2, 3, 4]), [W], true);
    const ws = [0, 1].map((i) => new Tensor(Float32Array.from([1, 2, 3, 4].map((v) => v + i)), [W], true));
    const seen: string[] = [];
    // Two nodes with one pair key and input x in common: the plan splits the second.
    const probe = (w: Tensor, name: string, careless: boolean): Tensor => {
      const bwd = (_: Tensor, grads: GradSink): void => {
        seen.push(`${name} ${grads.needs(0)} ${grads.needs(1)}`);
        if (careless || grads.needs(0)) grads.buffer(0);
        if (grads.needs(1)) grads.buffer(1);
      };
      type Part = { g: Tensor; grads: GradSink; run: typeof bwd };
      const pair: BackwardPair<Part> = { key: 'probe', prepare: (g, grads) => ({ g, grads, run: bwd }), run: (a, b) => { a.run(a.g, a.grads); b.run(b.g, b.grads); } };
      return record('probe', [x, w], new Tensor(new Float32Array(W), [W]), bwd, pair);
    };
    const run = (careless: boolean): void => {
      seen.length = 0;
      const root = comb([probe(ws[0]!, 'p', careless), probe(ws[1]!, 'q', false)], [1, 1], null, [], 'root');
      backward(root, new Tensor(new Float32Array(W).fill(1), [W]), { pairs: true });
    };
    // The sweep meets q first: q whole beside p's weight, then p's x.
    run(false);
    expect(seen).toEqual(['q true true', 'p false true', 'p true false']);
    expect(() => run(true)).toThrow(/backward of 'probe': input 0's gradient runs in another part of this node's backward \(the sweep split it\); check grads\.needs\(0\) first/);
  });

  it('no two nodes with one key: no plan (the plain sweep runs)', () => {
    const log: string[] = [];
    const x = new Tensor(new Float32Array(W).fill(1), [W], true);
    const y = comb([comb([x], [2], 'k', log, 'a')], [3], null, log, 'b');
    expect(pairPlan(topoOrder([y]))).toBeNull();
  });
});
