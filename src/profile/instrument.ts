import { KERNEL_NAMES, type Backend, type KernelName } from '../tensor/backend.ts';
import { useBackendWrapper } from '../tensor/backends/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { BackwardPair, GradNode, GradSink } from '../autograd/node.ts';
import { PlanCache } from '../autograd/backward.ts';
import { Linear } from '../nn/layers/linear.ts';
import { Embedding } from '../nn/layers/embedding.ts';
import { Gate } from '../nn/layers/gate.ts';
import { MLP } from '../nn/layers/mlp.ts';
import { Dropout } from '../nn/layers/dropout.ts';
import { FM } from '../nn/layers/fm.ts';
import { PLE } from '../nn/models/ple.ts';
import { SharedBottom } from '../nn/models/shared-bottom.ts';
import { MultiTaskBCE } from '../nn/losses.ts';
import { Optimizer } from '../nn/optim/optimizer.ts';
import { ParameterStore } from '../nn/store.ts';
import type { Profiler } from './profiler.ts';

/**
 * Timing hooks installed from outside: no engine, layer or optimizer file knows about the
 * profiler. Kernels are timed through a wrapped backend that `getBackend()` hands out while
 * installed (no backend object changes); the rest are method wrappers (prototype methods of
 * layers / models / optimizer / store, and the `backward` closure of each graph node reachable
 * from a loss), and `install` returns the function that puts every original back. Wrappers
 * cost one clock read at each end; with the profiler disabled they call straight through.
 * Method names are typed against their class, so a renamed method is a compile error here
 * instead of a family that silently disappears.
 */
type AnyFn = (...args: never[]) => unknown;
type Undo = () => void;

/** Replace obj[key] by a timed wrapper; returns the undo. `name` may depend on the arguments. */
export function wrapMethod<O extends object>(
  prof: Profiler, obj: O, key: Extract<keyof O, string>, name: string | ((args: unknown[]) => string), phase?: string, after?: (result: unknown) => void,
): Undo {
  const rec = obj as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(obj, key);
  const orig = rec[key];
  if (typeof orig !== 'function') return () => {};
  const f = orig as AnyFn;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    if (!prof.enabled) return (f as (...a: unknown[]) => unknown).apply(this, args);
    prof.begin(typeof name === 'string' ? name : name(args), phase);
    let out: unknown;
    try {
      out = (f as (...a: unknown[]) => unknown).apply(this, args);
    } finally {
      prof.end();
    }
    if (after) after(out);
    return out;
  };
  rec[key] = wrapped;
  return () => {
    if (own) rec[key] = orig;
    else delete rec[key];
  };
}

/**
 * `be` with every kernel (KERNEL_NAMES) timed: `be` itself is untouched, everything else reads
 * through to it. Kernel families: matmul split by transpose form (TN, NT, NN; `matmulChecked`
 * counts as matmul; a Linear's own are `linearForward`, `linearBackward` and
 * `linearReluBackward`) and, with `matmulShapes`, by m x k x n (a Linear's kernels by rows x in
 * x out, a stack by rows x in > each layer's out); unary and binary by op.
 */
export function timedBackend(prof: Profiler, be: Backend, opts: { matmulShapes?: boolean } = {}): Backend {
  const timed = Object.create(be) as Backend;
  const form = (a: unknown[]): string => `${a[6] ? 'T' : 'N'}${a[7] ? 'T' : 'N'}`;
  // Where a Linear's kernels keep their sizes (rows x in x out), by shape too.
  const linearDims: Partial<Record<KernelName, number>> = { linearForward: 4, linearBackward: 5, linearReluBackward: 8 };
  // A pair of a Linear's calls by its first call's shape (the pairs the models make are of one shape).
  const pairCall = (a: unknown[]): string => {
    const c = a[0] as { rows: number; k: number; n: number };
    return `${c.rows}x${c.k}x${c.n}`;
  };
  // A stack by its first stack's layers: rows x in, then each layer's out.
  const stackCall = (a: unknown[]): string => {
    const layers = a[0] as ReadonlyArray<{ rows: number; k: number; n: number }>;
    return layers.length === 0 ? 'empty' : `${layers[0]!.rows}x${layers[0]!.k}${layers.map((c) => `>${c.n}`).join('')}`;
  };
  for (const k of KERNEL_NAMES) {
    const at = linearDims[k];
    wrapMethod(prof, timed, k, k === 'matmul' || k === 'matmulChecked'
      ? opts.matmulShapes ? (a) => `kernel.matmul.${form(a)} ${String(a[3])}x${String(a[4])}x${String(a[5])}` : (a) => `kernel.matmul.${form(a)}`
      : k === 'unary' || k === 'binary' ? (a) => `kernel.${k}.${String(a[0])}`
        : at !== undefined && opts.matmulShapes ? (a) => `kernel.${k} ${String(a[at])}x${String(a[at + 1])}x${String(a[at + 2])}`
          : (k === 'linearForwardPair' || k === 'linearReluBackwardPair') && opts.matmulShapes ? (a) => `kernel.${k} ${pairCall(a)}`
            : k === 'linearStackForward' && opts.matmulShapes ? (a) => `kernel.${k} ${stackCall(a)}` : `kernel.${k}`);
  }
  return timed;
}

const wrappedNodes = new WeakSet<object>();
let sinkPatched: { proto: Record<string, unknown>; undo: Undo } | null = null;

/**
 * Wrap the backward closure of every graph node reachable from the roots (once per node), so
 * backward time is attributed to `<op>.bwd` in phase 'backward' (or the caller's phase). The
 * first node run also patches the GradSink's `finish` (the NaN / Inf check of what the node
 * wrote) as `autograd.finiteCheck`.
 */
export function instrumentGraph(prof: Profiler, roots: readonly Tensor[]): void {
  const stack: Tensor[] = [...roots];
  const seen = new Set<Tensor>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const node = t.node as GradNode | null;
    if (!node) continue;
    if (!wrappedNodes.has(node)) {
      wrappedNodes.add(node);
      const orig = node.backward, fam = `${node.op}.bwd`;
      (node as { backward: GradNode['backward'] }).backward = (g: Tensor, sink: GradSink) => {
        if (!prof.enabled) return orig(g, sink);
        patchSink(prof, sink);
        prof.begin(fam, 'backward');
        try {
          orig(g, sink);
        } finally {
          prof.end();
        }
      };
      // Two nodes run as one pair (the sweep's pairPlan) count as one call of `<op>.bwd(pair)`.
      const pair = node.pair;
      if (pair !== undefined) {
        const famPair = `${node.op}.bwd(pair)`;
        (node as { pair: BackwardPair }).pair = {
          key: pair.key,
          prepare: (g, sink) => {
            if (prof.enabled) patchSink(prof, sink);
            return pair.prepare(g, sink);
          },
          run: (first, second) => {
            if (!prof.enabled) return pair.run(first, second);
            prof.begin(famPair, 'backward');
            try {
              pair.run(first, second);
            } finally {
              prof.end();
            }
          },
        };
      }
    }
    for (const x of node.inputs) if (x.node) stack.push(x);
  }
}

function patchSink(prof: Profiler, sink: GradSink): void {
  const proto = Object.getPrototypeOf(sink) as Record<string, unknown> | null;
  if (!proto || sinkPatched?.proto === proto) return;
  sinkPatched = { proto, undo: wrapMethod(prof, proto, 'finish', 'autograd.finiteCheck', 'backward') };
}

/** The model methods `install` times, and the family each is reported as. */
const MODEL_FAMILIES = {
  forward: 'model.fwd(mixture,concat)',
  bottom: 'model.bottom(concat)',
  head: 'model.head(mixture,slice)',
  bottomSegments: 'model.bottomSegments',
  headSegments: 'model.headSegments(mixture)',
} as const;
type ModelHook = keyof typeof MODEL_FAMILIES;

export interface InstallOptions {
  /** Also time this balancer's combine / lossWeights (phase 'balancer'). */
  balancer?: object;
  /** Optimizer.step() marks a step's end (default true). */
  markSteps?: boolean;
  /** Split matmul families by shape. */
  matmulShapes?: boolean;
}

/**
 * Everything at once: the kernels of whatever backend `getBackend()` returns (through
 * `timedBackend`); layer forwards; model forward / bottom /
 * head (phase 'forward'; their own time is the untracked JS ops: mixture, concat, slice);
 * per-task BCE (phase 'forward', and it instruments the graph of the losses it returns, so
 * their backward closures are timed); the optimizer's step (phase 'optimizer', then a step
 * mark); zeroGrad; the store's shared-view gather / scatter (phase 'balancer'); a balancer's
 * combine / lossWeights when given.
 */
export function install(prof: Profiler, opts: InstallOptions = {}): Undo {
  const undos: Undo[] = [];
  undos.push(useBackendWrapper((be) => timedBackend(prof, be, { matmulShapes: opts.matmulShapes })));
  const graph = (out: unknown): void => {
    if (!prof.enabled) return;
    if (Array.isArray(out)) instrumentGraph(prof, out as Tensor[]);
    else if (out && typeof out === 'object' && 'node' in out) instrumentGraph(prof, [out as Tensor]);
  };
  undos.push(wrapMethod(prof, Linear.prototype, 'forward', 'linear.fwd', 'forward'));
  undos.push(wrapMethod(prof, Embedding.prototype, 'forward', 'embedding.fwd', 'forward'));
  undos.push(wrapMethod(prof, Gate.prototype, 'forward', 'gate.fwd(softmax)', 'forward'));
  // A gate's softmax run ahead, beside the experts' first kernels (Gate.ahead).
  undos.push(wrapMethod(prof, Gate.prototype, 'softmaxAhead', 'gate.fwd(softmax)', 'forward'));
  undos.push(wrapMethod(prof, MLP.prototype, 'forward', 'mlp.fwd', 'forward'));
  undos.push(wrapMethod(prof, Dropout.prototype, 'forward', 'dropout.fwd', 'forward'));
  undos.push(wrapMethod(prof, FM.prototype, 'forward', 'fm.fwd', 'forward'));
  const model = <M extends object>(proto: M, keys: ReadonlyArray<Extract<keyof M, ModelHook>>): void => {
    for (const k of keys) undos.push(wrapMethod(prof, proto, k as Extract<keyof M, string> & ModelHook, MODEL_FAMILIES[k], 'forward', k === 'bottom' || k === 'bottomSegments' ? graph : undefined));
  };
  model(PLE.prototype, ['forward', 'bottom', 'head', 'bottomSegments', 'headSegments']);
  model(SharedBottom.prototype, ['forward', 'bottom', 'head']);
  undos.push(wrapMethod(prof, MultiTaskBCE.prototype, 'losses', 'bce.fwd', 'forward', graph));
  undos.push(wrapMethod(prof, ParameterStore.prototype, 'zeroGrad', 'store.zeroGrad', 'optimizer'));
  // The sweep's pairing of nodes on two or more threads (a graph's plan is made once, then found).
  undos.push(wrapMethod(prof, PlanCache.prototype, 'get', 'autograd.plan', 'backward'));
  for (const k of ['gatherShared', 'scatterShared'] as const) {
    undos.push(wrapMethod(prof, ParameterStore.prototype, k, `store.${k}`, 'balancer'));
  }
  const stepUndo = wrapMethod(prof, Optimizer.prototype, 'step', 'optimizer.step', 'optimizer', () => {
    if (opts.markSteps ?? true) prof.step();
  });
  undos.push(stepUndo);
  if (opts.balancer) {
    const balancer = opts.balancer as Record<string, unknown>;
    for (const k of ['combine', 'lossWeights']) undos.push(wrapMethod(prof, balancer, k, `balancer.${k}`, 'balancer'));
  }
  return () => {
    for (const u of undos.reverse()) u();
    sinkPatched?.undo();
    sinkPatched = null;
  };
}
