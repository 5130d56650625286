import type { Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import { allFinite } from '../tensor/finite.ts';
import { reduceInto } from '../tensor/reduce.ts';
import { formatShape, shapesEqual } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { gradWindow, type GradResolver, type RowDestination } from './destination.ts';
import { NonFiniteGradientError } from './errors.ts';
import type { GradNode, GradSink } from './node.ts';
import { gradBuffers } from './pool.ts';

export interface BackwardOptions {
  /**
   * Where leaf gradients land in this call (default: each leaf's own `grad`). The balanced step
   * sends task t's shared-parameter gradients straight into row t of its T x d matrix this way.
   */
  into?: GradResolver;
  /**
   * Whether nodes whose op offers a BackwardPair (a ReLU Linear) run two at a time where that
   * keeps every gradient buffer's order of additions (default: when the backend splits kernels
   * across threads). The same bits either way; see pairPlan.
   */
  pairs?: boolean;
}

/**
 * Reverse-mode sweep from `root`: visits only the nodes reachable from root, in reverse
 * topological order, and accumulates into leaves' `grad` (and retained non-leaves' `grad`).
 * The graph is kept, so several roots of one forward pass can each call backward in turn,
 * each adding only its own gradients. Without `upstream` the root must have one element.
 */
export function backward(root: Tensor, upstream?: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(
      `backward: the root ${root} does not require grad; give some input requiresGrad: true ` +
        `and make sure the forward pass did not run inside noGrad`,
    );
  }
  let seed: Tensor;
  if (upstream === undefined) {
    if (root.size !== 1) {
      throw new Error(
        `backward: the root has shape ${formatShape(root.shape)}, not a scalar; reduce it first (sum, mean) ` +
          `or pass an upstream gradient of shape ${formatShape(root.shape)}`,
      );
    }
    seed = new Tensor(gradBuffers.take(root.dtype, 1), root.shape);
    seed.data[0] = 1;
  } else {
    checkUpstream(root, upstream, 0, '');
    seed = upstream;
  }
  sweep([root], [seed.data], opts.into ?? null, opts.pairs);
}

/**
 * One reverse sweep from several roots at once, root i seeded with upstreams[i] (its shape):
 * the same result as backward(roots[i], upstreams[i]) for each i in turn, but every node
 * reachable from several roots runs once, on the sum of what reaches it. Rep mode sends the
 * combined gradient into the representation's segments this way (the bottom runs once).
 * Roots that do not require grad are skipped (no gradient can flow from them).
 */
export function backwardMany(roots: readonly Tensor[], upstreams: readonly Tensor[], opts: BackwardOptions = {}): void {
  if (roots.length !== upstreams.length) throw new Error(`backwardMany: ${roots.length} roots but ${upstreams.length} upstream gradients; pass one per root`);
  const rs: Tensor[] = [], seeds: Storage[] = [];
  roots.forEach((r, i) => {
    checkUpstream(r, upstreams[i]!, i, ` ${i}`);
    if (!r.requiresGrad) return;
    if (rs.includes(r)) throw new Error(`backwardMany: root ${i} appears twice; add its upstream gradients first`);
    rs.push(r);
    seeds.push(upstreams[i]!.data);
  });
  if (rs.length === 0) {
    throw new Error('backwardMany: no root requires grad; make sure the forward pass did not run inside noGrad');
  }
  sweep(rs, seeds, opts.into ?? null, opts.pairs);
}

function checkUpstream(root: Tensor, upstream: Tensor, index: number, which: string): void {
  if (!shapesEqual(upstream.shape, root.shape)) {
    throw new Error(`backward: upstream gradient${which} shape ${formatShape(upstream.shape)} does not match root${which} shape ${formatShape(root.shape)}`);
  }
  assertFinite(upstream.data, `the upstream gradient${which} passed to backward`, 'pass a finite upstream gradient', null, index);
}

function sweep(roots: readonly Tensor[], seeds: readonly Storage[], into: GradResolver | null, pairs: boolean | undefined): void {
  const pending = new Map<Tensor, Storage>();
  const inner: Tensor[] = [];
  roots.forEach((r, i) => {
    if (r.isLeaf) {
      accumulate(leafGradIn(into, r), seeds[i]!);
      gradBuffers.give(seeds[i]!);
    } else {
      pending.set(r, seeds[i]!);
      inner.push(r);
    }
  });
  if (inner.length === 0) {
    gradBuffers.endPass();
    return;
  }
  const order = topoOrder(inner);
  const sink = new Sink(pending, into);
  const plan = pairs ?? getBackend().threads > 1 ? plans.get(order) : null;
  if (plan === null) {
    for (let n = order.length - 1; n >= 0; n--) runNode(order[n]!, pending, sink);
  } else {
    const other = new Sink(pending, into);
    const at = (p: number): Tensor => order[order.length - 1 - p]!;
    for (const step of plan) {
      if (typeof step === 'number') runNode(at(step), pending, sink);
      else if ('rest' in step) runNode(at(step.rest), pending, sink, step.inputs, 'rest');
      else if ('early' in step) runPair(at(step.pair[0]), at(step.pair[1]), pending, sink, other, step.early);
      else runPair(at(step[0]), at(step[1]), pending, sink, other);
    }
  }
  // (On an exception the pass's buffers are simply left to the garbage collector.)
  gradBuffers.endPass();
}

/**
 * Which of a node's backward runs (see pairPlan): all of it; of a split node, its gradients
 * into some inputs first ('early': its incoming gradient stays for the rest), or the rest.
 */
type Part = 'whole' | 'early' | 'rest';

/**
 * One node's backward on its complete gradient (nothing, when no gradient flowed to it), or a
 * part of it: its gradients into the inputs `only`.
 */
function runNode(t: Tensor, pending: Map<Tensor, Storage>, sink: Sink, only: readonly number[] | null = null, part: Part = 'whole'): void {
  const g = pending.get(t);
  if (g === undefined) return; // no gradient flowed here from these roots
  const last = part !== 'early';
  if (last) pending.delete(t);
  if (part !== 'rest' && t.retainsGrad) accumulate(leafGrad(t), g);
  const node = t.node as GradNode;
  sink.begin(node, g, only);
  node.backward(new Tensor(g, t.shape), sink);
  sink.finish();
  // t's gradient is complete and consumed: its buffer serves the nodes still to run (and the
  // next pass). A backward closure must not keep `g` past its call (see BackwardFn).
  if (last) gradBuffers.give(g);
}

/**
 * Two nodes with one BackwardPair key as one call (pairPlan chose them), each on its own sink;
 * with `early`, b runs only its gradients into those inputs (the early part of a split node).
 */
function runPair(a: Tensor, b: Tensor, pending: Map<Tensor, Storage>, sink: Sink, other: Sink, early: readonly number[] | null = null): void {
  const ga = pending.get(a), gb = pending.get(b);
  if (ga === undefined || gb === undefined) {
    runNode(a, pending, sink);
    runNode(b, pending, sink, early, early === null ? 'whole' : 'early');
    return;
  }
  const lastOfB = early === null;
  pending.delete(a);
  if (lastOfB) pending.delete(b);
  if (a.retainsGrad) accumulate(leafGrad(a), ga);
  if (b.retainsGrad) accumulate(leafGrad(b), gb);
  const na = a.node as GradNode, nb = b.node as GradNode, pair = na.pair!;
  sink.begin(na, ga);
  const pa = pair.prepare(new Tensor(ga, a.shape), sink);
  other.begin(nb, gb, early);
  const pb = nb.pair!.prepare(new Tensor(gb, b.shape), other);
  pair.run(pa, pb);
  sink.finish();
  other.finish();
  gradBuffers.give(ga);
  if (lastOfB) gradBuffers.give(gb);
}

/**
 * A plan step; numbers index the sweep's run order: one node; two run as one call; two as one
 * call where the second runs only its gradients into its inputs `early` (a split node); or the
 * rest of a split node, its gradients into `inputs`.
 */
export type PlanStep =
  | number
  | readonly [number, number]
  | { readonly pair: readonly [number, number]; readonly early: readonly number[] }
  | { readonly rest: number; readonly inputs: readonly number[] };

/** Nodes a pairing may pull ahead of its first node, at most (a bound on the search, not a rule). */
const PULL_MOST = 64;

/**
 * The sweep's order with nodes of one BackwardPair key run two at a time, or null when no two
 * nodes share a key. Index p is the p-th node of the plain sweep (reverse topological order).
 * A node may run once (a) every node that adds into its gradient has run, and (b) every node
 * before it in the plain sweep that adds into one of the buffers it adds into has run: then
 * each buffer receives the same additions in the same order, and every bit is as in the plain
 * sweep. Walking the plain order, a node with a pair key looks for the next node with that key
 * that adds into none of its buffers; when that one can be made ready by running nodes ahead
 * (its not-yet-run prerequisites, none of which waits on the first node), they run, then the
 * two together. Two experts' layers pair so: the next task's tower and mixture run first.
 *
 * Where the next node adds into one of the first's buffers, it is split: the first runs whole
 * with the second's gradients into its other inputs (those it shares with no buffer of the
 * first's, each ready by rule (b)), and the rest of the second runs in its own place. Two
 * experts' first layers both add into the shared input's gradient, with a gate's addition
 * between them; so the second layer's weight gradients run beside the first layer, and its
 * input gradient after the gate, as in the plain sweep.
 */
export function pairPlan(order: readonly Tensor[]): PlanStep[] | null {
  const N = order.length;
  const keys = new Map<string, number>();
  let twice = false;
  for (const t of order) {
    const k = (t.node as GradNode).pair?.key;
    if (k === undefined) continue;
    const c = (keys.get(k) ?? 0) + 1;
    keys.set(k, c);
    if (c === 2) twice = true;
  }
  if (!twice) return null;
  const at = (p: number): GradNode => order[N - 1 - p]!.node as GradNode;
  // Who adds into each gradient buffer, in run order: the nodes having that tensor as an input.
  const writers = new Map<Tensor, number[]>();
  for (let p = 0; p < N; p++) {
    for (const x of at(p).inputs) {
      if (!x.requiresGrad) continue;
      let ws = writers.get(x);
      if (ws === undefined) writers.set(x, (ws = []));
      if (ws[ws.length - 1] !== p) ws.push(p);
    }
  }
  const done = new Uint8Array(N);
  /** Split nodes whose first part has run, and the inputs of the rest. */
  const rests = new Map<number, number[]>();
  /** The nodes p waits for: (a) the writers of its gradient, (b) the writer before it of each of its buffers (of `inputs` only, when given). */
  const waitsFor = (p: number, out: number[], inputs: readonly number[] | null = null): void => {
    for (const w of writers.get(order[N - 1 - p]!) ?? []) out.push(w);
    at(p).inputs.forEach((x, j) => {
      if (!x.requiresGrad || (inputs !== null && !inputs.includes(j))) return;
      const ws = writers.get(x)!, i = ws.indexOf(p);
      if (i > 0) out.push(ws[i - 1]!);
    });
  };
  /** q's (or its part's) prerequisites not yet run, in run order; null when one of them is p or there are too many. */
  const ahead = (q: number, p: number, inputs: readonly number[] | null): number[] | null => {
    const seen = new Set<number>(), stack: number[] = [];
    waitsFor(q, stack, inputs);
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (done[r] || seen.has(r)) continue;
      if (r === p || seen.size === PULL_MOST) return null;
      seen.add(r);
      waitsFor(r, stack);
    }
    return [...seen].sort((x, y) => x - y);
  };
  /** q's inputs that want a gradient, those p also adds into (shared) and the others (own). */
  const inputsOf = (p: number, q: number): { own: number[]; shared: number[] } => {
    const own: number[] = [], shared: number[] = [];
    at(q).inputs.forEach((x, j) => {
      if (x.requiresGrad) (at(p).inputs.includes(x) ? shared : own).push(j);
    });
    return { own, shared };
  };
  const plan: PlanStep[] = [];
  const run = (r: number): void => {
    const rest = rests.get(r);
    plan.push(rest === undefined ? r : { rest: r, inputs: rest });
    done[r] = 1;
  };
  for (let p = 0; p < N; p++) {
    if (done[p]) continue;
    const key = rests.has(p) ? undefined : at(p).pair?.key;
    let q = -1;
    if (key !== undefined) for (let r = p + 1; r < N && q < 0; r++) if (!done[r] && !rests.has(r) && at(r).pair?.key === key) q = r;
    const { own, shared } = q >= 0 ? inputsOf(p, q) : { own: [], shared: [] };
    const split = shared.length > 0;
    const pulled = q >= 0 && own.length > 0 ? ahead(q, p, split ? own : null) : null;
    if (pulled === null) {
      run(p);
      continue;
    }
    for (const r of pulled) run(r);
    done[p] = 1;
    if (split) {
      plan.push({ pair: [p, q], early: own });
      rests.set(q, shared);
    } else {
      plan.push([p, q]);
      done[q] = 1;
    }
  }
  return plan;
}

/**
 * pairPlan's answers by the graph's shape: a training step records the same graph step after
 * step, and its plan costs more to make than the shape costs to read. The shape is all that
 * pairPlan reads: per node in sweep order its pair key, and per input whether it wants a
 * gradient and which tensor it is (a node's place in the order, else its first appearance).
 */
export class PlanCache {
  private readonly known = new Map<number, { shape: Int32Array; plan: PlanStep[] | null }[]>();
  private entries = 0;
  private readonly keyIds = new Map<string, number>();
  private readonly leaves = new Map<Tensor, number>();
  private scratch = new Int32Array(256);

  constructor(private readonly most: number) {}

  /** pairPlan(order) for topoOrder's latest order (its marks tell this pass's nodes). */
  get(order: readonly Tensor[]): PlanStep[] | null {
    const len = this.shapeOf(order), shape = this.scratch;
    let h = len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ shape[i]!, 0x9e3779b1) ^ (h >>> 15);
    const bucket = this.known.get(h);
    if (bucket !== undefined) {
      for (const e of bucket) if (same(e.shape, shape, len)) return e.plan;
    }
    const plan = pairPlan(order);
    // Shapes come and go with batch sizes and modes; past `most`, start over.
    if (this.entries >= this.most) {
      this.known.clear();
      this.entries = 0;
    }
    const entry = { shape: shape.slice(0, len), plan };
    if (bucket !== undefined && this.known.has(h)) bucket.push(entry);
    else this.known.set(h, [entry]);
    this.entries++;
    return plan;
  }

  /** Writes the shape of topoOrder's latest order into `scratch`; returns its length. */
  private shapeOf(order: readonly Tensor[]): number {
    const N = order.length, leaves = this.leaves;
    const pass = N > 0 ? (order[0]!.node as GradNode).mark : 0;
    // Its length: N, then per node its key, its input count and one entry per input.
    let len = 1;
    for (let i = 0; i < N; i++) len += 2 + (order[i]!.node as GradNode).inputs.length;
    if (this.scratch.length < len) this.scratch = new Int32Array(Math.max(len, 2 * this.scratch.length));
    const shape = this.scratch;
    let n = 0;
    shape[n++] = N;
    for (let i = 0; i < N; i++) {
      const node = order[i]!.node as GradNode, key = node.pair?.key;
      let id = -1;
      if (key !== undefined) {
        id = this.keyIds.get(key) ?? -1;
        if (id < 0) this.keyIds.set(key, (id = this.keyIds.size));
      }
      shape[n++] = id;
      shape[n++] = node.inputs.length;
      for (const x of node.inputs) {
        const xn = x.node as GradNode | null;
        if (!x.requiresGrad) shape[n++] = -1;
        else if (xn !== null && xn.mark === pass) shape[n++] = xn.at;
        else {
          // A leaf (parameters live on, so hashing them is cheap): numbered by first appearance.
          let at = leaves.get(x);
          if (at === undefined) leaves.set(x, (at = leaves.size));
          shape[n++] = N + at;
        }
      }
    }
    leaves.clear();
    return n;
  }
}

function same(a: Int32Array, b: Int32Array, len: number): boolean {
  if (a.length !== len) return false;
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
}

const plans = new PlanCache(64);
/** topoOrder's passes so far: each marks the nodes it reaches with its own number. */
let passes = 0;

/**
 * Non-leaf tensors reachable from the roots that require grad, inputs before outputs (a root
 * that is another root's input comes before it, so its gradient is complete when it runs).
 */
export function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  // This pass's mark on a node: reached (GradNode.mark); its place in the order goes to `at`.
  const pass = ++passes;
  const reached = (t: Tensor): boolean => (t.node as GradNode).mark === pass;
  for (const root of roots) {
    if (reached(root)) continue;
    (root.node as GradNode).mark = pass;
    // Iterative DFS (deep graphs must not overflow the call stack): [tensor, next input index].
    const stack: [Tensor, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const node = top[0].node as GradNode, inputs = node.inputs;
      if (top[1] < inputs.length) {
        const x = inputs[top[1]++];
        if (x.requiresGrad && x.node !== null && !reached(x)) {
          (x.node as GradNode).mark = pass;
          stack.push([x, 0]);
        }
      } else {
        node.at = order.length;
        order.push(top[0]);
        stack.pop();
      }
    }
  }
  return order;
}

function leafGrad(t: Tensor): Storage {
  if (t.grad === null) t.grad = Tensor.empty(t.shape, t.dtype);
  return t.grad.data;
}

/**
 * A leaf's gradient storage in this call, to add into: the resolver's answer, else its own
 * `grad`. An unzeroed resolver destination (`GradResolver.written`) is zeroed on first use.
 */
function leafGradIn(into: GradResolver | null, t: Tensor): Storage {
  const dest = into !== null ? into.dense(t) : null;
  if (dest === null) return leafGrad(t);
  const written = into!.written;
  if (written !== undefined && !written.has(t)) {
    getBackend().zero(dest, 0, dest.length);
    written.add(t);
  }
  return dest;
}

function accumulate(dst: Storage, src: Storage): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** The GradSink of one node's backward; checks what it wrote for NaN / Inf afterwards. */
class Sink implements GradSink {
  private node: GradNode | null = null;
  /** The node's incoming gradient: already checked where it was written. */
  private incoming: Storage | null = null;
  private touched: [number, Storage][] = [];
  /** The inputs this call writes (a part of a split node's backward), or null: all. */
  private only: readonly number[] | null = null;
  /** Inputs whose buffer the writing kernel found finite whole (finiteChecked). */
  private checkedWhole: number[] = [];

  constructor(private readonly pending: Map<Tensor, Storage>, private readonly into: GradResolver | null) {}

  begin(node: GradNode, incoming: Storage, only: readonly number[] | null = null): void {
    this.node = node;
    this.incoming = incoming;
    this.only = only;
    this.touched.length = 0;
    this.checkedWhole.length = 0;
  }

  finish(): void {
    for (const [i, buf] of this.touched) if (!this.checkedWhole.includes(i)) this.check(i, buf);
    this.touched.length = 0;
    this.checkedWhole.length = 0;
  }

  finiteChecked(i: number, count: number): void {
    const entry = this.touched.find(([j]) => j === i);
    if (entry !== undefined && entry[1].length === count && !this.checkedWhole.includes(i)) this.checkedWhole.push(i);
  }

  /** A new write to input i: its kernel's check no longer covers the buffer. */
  private rewritten(i: number): void {
    const at = this.checkedWhole.indexOf(i);
    if (at >= 0) this.checkedWhole.splice(at, 1);
  }

  needs(i: number): boolean {
    return this.input(i).requiresGrad && (this.only === null || this.only.includes(i));
  }

  buffer(i: number): Storage {
    const x = this.wanting(i);
    const buf = x.isLeaf ? leafGradIn(this.into, x) : this.pendingBuffer(x);
    if (!this.touched.some(([j]) => j === i)) this.touched.push([i, buf]);
    this.rewritten(i);
    return buf;
  }

  freshBuffer(i: number): Storage | null {
    this.rewritten(i);
    const x = this.wanting(i);
    if (x.isLeaf) {
      // An unzeroed resolver destination not yet written in this call: written whole here.
      const into = this.into;
      if (into === null || into.written === undefined || into.written.has(x)) return null;
      const dest = into.dense(x);
      if (dest === null) return null;
      into.written.add(x);
      if (!this.touched.some(([j]) => j === i)) this.touched.push([i, dest]);
      return dest;
    }
    if (this.pending.has(x)) return null;
    const buf = gradBuffers.take(x.dtype, x.size, false);
    this.pending.set(x, buf);
    if (!this.touched.some(([j]) => j === i)) this.touched.push([i, buf]);
    return buf;
  }

  add(i: number, g: Tensor): void {
    if (!this.needs(i)) return;
    const x = this.input(i);
    // The first gradient an input receives, at its own size, is copied in: no zeroing first.
    const n = x.size;
    const fresh = g.size === n ? this.freshBuffer(i) : null;
    if (fresh !== null) fresh.set(g.data.length === n ? g.data : g.data.subarray(0, n));
    else reduceInto(g.data, g.shape, this.buffer(i), x.shape);
  }

  addRows(i: number, idx: Int32Array, src: Storage, rows: number, width: number, tables = 1): void {
    let any = false;
    for (let f = 0; f < tables; f++) if (this.needs(i + f)) any = true;
    if (!any) return;
    // Rows are checked here, not in the (table-sized) destination; the incoming gradient passed
    // straight through (Embedding, gatherRows) was checked where it was written.
    if (src !== this.incoming) assertFinite(src.subarray(0, rows * width), this.what(i), FIX, this.node!.op, i);
    const dests = this.rowDests(i, tables);
    const one = dests[0]!;
    let same = one.buf !== null;
    for (let f = 1; f < tables && same; f++) same = dests[f]!.buf === one.buf;
    if (same && tables === 1 && one.base === 0 && one.slots === null) {
      getBackend().scatterAddRows(one.buf!, idx, src, rows, width);
      return;
    }
    if (same) {
      const at = memoOffsets(this.node!, i, dests, idx, rows, width, tables) ?? rowOffsets(dests, idx, rows, width, tables, this.node!.op, i, scratchOffsets(rows));
      getBackend().scatterAddAt(one.buf!, at, src, rows, width);
      return;
    }
    // Tables in different buffers (or some without a gradient): row by row.
    for (let r = 0, f = 0; r < rows; r++) {
      const d = dests[f]!;
      if (d.buf !== null) {
        const o = d.base + slotOf(d, idx[r]!, this.node!.op, i + f) * width;
        for (let j = 0; j < width; j++) d.buf[o + j] += src[r * width + j]!;
      }
      if (++f === tables) f = 0;
    }
  }

  /** Where each of inputs i .. i + tables - 1 takes its rows (buf null: it needs no gradient). */
  private rowDests(i: number, tables: number): RowTarget[] {
    for (let f = 0; f < tables; f++) {
      const d = (rowTargets[f] ??= { buf: null, base: 0, slots: null, version: undefined });
      const x = this.input(i + f);
      if (!x.requiresGrad) {
        d.buf = null;
        continue;
      }
      const r: RowDestination | null | undefined = x.isLeaf ? (this.into !== null ? this.into.rows(x) : null) ?? gradWindow(x) : null;
      if (r) {
        d.buf = r.buf;
        d.base = r.base;
        d.slots = r.slots;
        d.version = r.version;
      } else {
        d.buf = x.isLeaf ? leafGrad(x) : this.pendingBuffer(x);
        d.base = 0;
        d.slots = null;
        d.version = undefined;
      }
    }
    return rowTargets;
  }

  private pendingBuffer(x: Tensor): Storage {
    let buf = this.pending.get(x);
    if (buf === undefined) {
      buf = gradBuffers.take(x.dtype, x.size);
      this.pending.set(x, buf);
    }
    return buf;
  }

  /** Input i, which must want a gradient (a caller that writes one checked needs(i)). */
  private wanting(i: number): Tensor {
    const x = this.input(i);
    if (!x.requiresGrad) throw new Error(`backward of '${this.node!.op}': input ${i} does not require grad; check grads.needs(${i}) first`);
    if (this.only !== null && !this.only.includes(i)) {
      throw new Error(`backward of '${this.node!.op}': input ${i}'s gradient runs in another part of this node's backward (the sweep split it); check grads.needs(${i}) first`);
    }
    return x;
  }

  private input(i: number): Tensor {
    const x = this.node!.inputs[i];
    if (x === undefined) throw new Error(`backward of '${this.node!.op}': no input ${i} (the op has ${this.node!.inputs.length})`);
    return x;
  }

  private what(i: number): string {
    return `the gradient of op '${this.node!.op}' with respect to its input ${i} (shape ${formatShape(this.input(i).shape)})`;
  }

  private check(i: number, buf: Storage): void {
    assertFinite(buf, this.what(i), FIX, this.node!.op, i);
  }
}

/** One table's resolved row destination inside a sink call (reused: no allocation per call). */
interface RowTarget {
  buf: Storage | null;
  base: number;
  slots: Int32Array | null;
  version: number | undefined;
}
const rowTargets: RowTarget[] = [];
let offsets = new Int32Array(0);

/** Row offsets of one op input, with what they were computed from (see RowDestination.version). */
interface OffsetMemo {
  input: number;
  idx: Int32Array;
  rows: number;
  width: number;
  bases: Float64Array;
  slots: Int32Array[];
  versions: Float64Array;
  at: Int32Array;
}
const offsetMemos = new WeakMap<GradNode, OffsetMemo>();

function scratchOffsets(rows: number): Int32Array {
  if (offsets.length < rows) offsets = new Int32Array(rows);
  return offsets;
}

/**
 * The offsets of input i's rows, kept per node while every destination has a versioned slot map:
 * computed on the first call, reused while the same slot maps at the same versions and bases
 * receive the same index array. null: not memoizable here (the caller computes them each time).
 */
function memoOffsets(node: GradNode, i: number, dests: readonly RowTarget[], idx: Int32Array, rows: number, width: number, tables: number): Int32Array | null {
  for (let f = 0; f < tables; f++) if (dests[f]!.slots === null || dests[f]!.version === undefined) return null;
  let m = offsetMemos.get(node);
  if (m !== undefined && m.input === i && m.idx === idx && m.rows === rows && m.width === width && m.slots.length === tables) {
    let same = true;
    for (let f = 0; f < tables && same; f++) {
      const d = dests[f]!;
      same = d.slots === m.slots[f] && d.version === m.versions[f] && d.base === m.bases[f];
    }
    if (same) return m.at;
  }
  m = { input: i, idx, rows, width, bases: new Float64Array(tables), slots: [], versions: new Float64Array(tables), at: new Int32Array(rows) };
  for (let f = 0; f < tables; f++) {
    const d = dests[f]!;
    m.bases[f] = d.base;
    m.slots.push(d.slots!);
    m.versions[f] = d.version!;
  }
  rowOffsets(dests, idx, rows, width, tables, node.op, i, m.at);
  offsetMemos.set(node, m);
  return m.at;
}

/**
 * Element offsets of each src row in the one shared destination buffer. Table by table (row r
 * belongs to table r % tables), so one table's slot map stays in cache for all its rows.
 */
function rowOffsets(dests: readonly RowTarget[], idx: Int32Array, rows: number, width: number, tables: number, op: string, i: number, at: Int32Array): Int32Array {
  for (let f = 0; f < tables; f++) {
    const d = dests[f]!, base = d.base, slots = d.slots;
    if (slots === null) {
      for (let r = f; r < rows; r += tables) at[r] = base + idx[r]! * width;
      continue;
    }
    for (let r = f; r < rows; r += tables) {
      const s = slots[idx[r]!]! - 1;
      if (!(s >= 0)) noSlot(op, i + f, idx[r]!);
      at[r] = base + s * width;
    }
  }
  return at;
}

function slotOf(d: RowTarget, row: number, op: string, input: number): number {
  if (d.slots === null) return row;
  const s = d.slots[row]! - 1;
  if (!(s >= 0)) noSlot(op, input, row);
  return s;
}

function noSlot(op: string, input: number, row: number): never {
  throw new Error(`backward of '${op}': row ${row} of input ${input} receives a gradient but has no slot in the destination (rows must be touched in forward)`);
}

const FIX =
  'check the inputs of that op for values outside its domain (log or sqrt of values <= 0, division by 0, ' +
  'exp overflow), or lower the learning rate if values grew over training';

function assertFinite(x: Storage, what: string, fix: string, op: string | null, input: number): void {
  if (allFinite(x)) return;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      throw new NonFiniteGradientError(`backward: ${what} is not finite (${v} at element ${i}); ${fix}`, op, input, i, v);
    }
  }
}
