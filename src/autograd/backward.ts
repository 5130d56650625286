import type { Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import { reduceInto } from '../tensor/reduce.ts';
import { formatShape, shapesEqual } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { GradNode, GradSink } from './node.ts';
import { gradBuffers } from './pool.ts';

/**
 * Reverse-mode sweep from `root`: visits only the nodes reachable from root, in reverse
 * topological order, and accumulates into leaves' `grad` (and retained non-leaves' `grad`).
 * The graph is kept, so several roots of one forward pass can each call backward in turn,
 * each adding only its own gradients. Without `upstream` the root must have one element.
 */
export function backward(root: Tensor, upstream?: Tensor): void {
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
    checkUpstream(root, upstream, '');
    seed = upstream;
  }
  sweep([root], [seed.data]);
}

/**
 * One reverse sweep from several roots at once, root i seeded with upstreams[i] (its shape):
 * the same result as backward(roots[i], upstreams[i]) for each i in turn, but every node
 * reachable from several roots runs once, on the sum of what reaches it. Rep mode sends the
 * combined gradient into the representation's segments this way (the bottom runs once).
 * Roots that do not require grad are skipped (no gradient can flow from them).
 */
export function backwardMany(roots: readonly Tensor[], upstreams: readonly Tensor[]): void {
  if (roots.length !== upstreams.length) throw new Error(`backwardMany: ${roots.length} roots but ${upstreams.length} upstream gradients; pass one per root`);
  const rs: Tensor[] = [], seeds: Storage[] = [];
  roots.forEach((r, i) => {
    checkUpstream(r, upstreams[i]!, ` ${i}`);
    if (!r.requiresGrad) return;
    if (rs.includes(r)) throw new Error(`backwardMany: root ${i} appears twice; add its upstream gradients first`);
    rs.push(r);
    seeds.push(upstreams[i]!.data);
  });
  if (rs.length === 0) {
    throw new Error('backwardMany: no root requires grad; make sure the forward pass did not run inside noGrad');
  }
  sweep(rs, seeds);
}

function checkUpstream(root: Tensor, upstream: Tensor, which: string): void {
  if (!shapesEqual(upstream.shape, root.shape)) {
    throw new Error(`backward: upstream gradient${which} shape ${formatShape(upstream.shape)} does not match root${which} shape ${formatShape(root.shape)}`);
  }
  assertFinite(upstream.data, `the upstream gradient${which} passed to backward`, 'pass a finite upstream gradient');
}

function sweep(roots: readonly Tensor[], seeds: readonly Storage[]): void {
  const pending = new Map<Tensor, Storage>();
  const inner: Tensor[] = [];
  roots.forEach((r, i) => {
    if (r.isLeaf) {
      accumulate(leafGrad(r), seeds[i]!);
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
  const sink = new Sink(pending);
  for (let n = order.length - 1; n >= 0; n--) {
    const t = order[n];
    const g = pending.get(t);
    if (g === undefined) continue; // no gradient flowed here from these roots
    pending.delete(t);
    if (t.retainsGrad) accumulate(leafGrad(t), g);
    const node = t.node as GradNode;
    sink.begin(node);
    node.backward(new Tensor(g, t.shape), sink);
    sink.finish();
    // t's gradient is complete and consumed: its buffer serves the nodes still to run (and the
    // next pass). A backward closure must not keep `g` past its call (see BackwardFn).
    gradBuffers.give(g);
  }
  // (On an exception the pass's buffers are simply left to the garbage collector.)
  gradBuffers.endPass();
}

/**
 * Non-leaf tensors reachable from the roots that require grad, inputs before outputs (a root
 * that is another root's input comes before it, so its gradient is complete when it runs).
 */
function topoOrder(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    // Iterative DFS (deep graphs must not overflow the call stack): [tensor, next input index].
    const stack: [Tensor, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const inputs = (top[0].node as GradNode).inputs;
      if (top[1] < inputs.length) {
        const x = inputs[top[1]++];
        if (x.requiresGrad && x.node !== null && !seen.has(x)) {
          seen.add(x);
          stack.push([x, 0]);
        }
      } else {
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

function accumulate(dst: Storage, src: Storage): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}

/** The GradSink of one node's backward; checks what it wrote for NaN / Inf afterwards. */
class Sink implements GradSink {
  private node: GradNode | null = null;
  private touched: [number, Storage][] = [];

  constructor(private readonly pending: Map<Tensor, Storage>) {}

  begin(node: GradNode): void {
    this.node = node;
    this.touched.length = 0;
  }

  finish(): void {
    for (const [i, buf] of this.touched) this.check(i, buf);
    this.touched.length = 0;
  }

  needs(i: number): boolean {
    return this.input(i).requiresGrad;
  }

  buffer(i: number): Storage {
    const x = this.input(i);
    if (!x.requiresGrad) throw new Error(`backward of '${this.node!.op}': input ${i} does not require grad; check grads.needs(${i}) first`);
    let buf: Storage | undefined;
    if (x.isLeaf) buf = leafGrad(x);
    else {
      buf = this.pending.get(x);
      if (buf === undefined) {
        buf = gradBuffers.take(x.dtype, x.size);
        this.pending.set(x, buf);
      }
    }
    if (!this.touched.some(([j]) => j === i)) this.touched.push([i, buf]);
    return buf;
  }

  add(i: number, g: Tensor): void {
    if (!this.needs(i)) return;
    const x = this.input(i);
    reduceInto(g.data, g.shape, this.buffer(i), x.shape);
  }

  addRows(i: number, idx: Int32Array, src: Storage, rows: number, width: number): void {
    if (!this.needs(i)) return;
    const x = this.input(i);
    assertFinite(src.subarray(0, rows * width), this.what(i), FIX);
    let buf: Storage;
    if (x.isLeaf) buf = leafGrad(x);
    else {
      const p = this.pending.get(x);
      buf = p ?? gradBuffers.take(x.dtype, x.size);
      if (p === undefined) this.pending.set(x, buf);
    }
    getBackend().scatterAddRows(buf, idx, src, rows, width);
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
    assertFinite(buf, this.what(i), FIX);
  }
}

const FIX =
  'check the inputs of that op for values outside its domain (log or sqrt of values <= 0, division by 0, ' +
  'exp overflow), or lower the learning rate if values grew over training';

function assertFinite(x: Storage, what: string, fix: string): void {
  if (allFinite(x)) return;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      throw new Error(`backward: ${what} is not finite (${v} at element ${i}); ${fix}`);
    }
  }
}

/** Below this many elements a plain loop is as fast as a kernel call. */
const FAST_CHECK_MIN = 4096;

/**
 * Whether every element is finite. Large buffers in the wasm backend's memory ask its SIMD
 * dot kernel for sum x_i^2: every term is >= 0, so the sum is finite exactly when every x_i is,
 * unless finite squares overflow (|x| > ~1e19 in float32 lanes), which the exact loop then
 * settles. About 20x faster than the loop, which ran after every node on every buffer it wrote.
 */
export function allFinite(x: Storage): boolean {
  const n = x.length;
  if (n >= FAST_CHECK_MIN && typeof SharedArrayBuffer !== 'undefined' && x.buffer instanceof SharedArrayBuffer) {
    const be = getBackend();
    if (be.fastFiniteCheck && Number.isFinite(be.dot(x, x, n))) return true;
  }
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) return false;
  }
  return true;
}
