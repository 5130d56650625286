/**
 * TensorFlow.js's own gradient rules for the kernels PLE-lite uses, registered by hand.
 *
 * Why: `@tensorflow/tfjs-core`'s CommonJS bundle (what Node loads) registers no gradients; the
 * `@tensorflow/tfjs` union package does it by importing `tfjs-core/dist/register_all_gradients`,
 * whose ES-module files Node cannot load directly (extensionless and directory imports). We
 * install only tfjs-core, so the rules below are ported from tfjs-core 4.22's
 * `src/gradients/<Kernel>_grad.ts` with the same math and the same ops, in particular
 * BatchMatMul's transposeA / transposeB matmuls (the slow path on wasm that the 'fast' form
 * avoids). Registering into tfjs's global gradient registry is what the union package does too.
 */
import * as tf from '@tensorflow/tfjs-core';

type T = tf.Tensor;
type Grads = Record<string, () => T>;
type Attrs = Record<string, unknown>;

const reduceTo = (dy: T, shape: number[], outShape: number[]): T => {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
};

const rules: { kernelName: string; inputsToSave?: string[]; outputsToSave?: boolean[]; saveAllInputs?: boolean; gradFunc: (dy: T, saved: T[], attrs: Attrs) => Grads }[] = [
  {
    kernelName: 'BatchMatMul', inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const ta = attrs.transposeA as boolean, tb = attrs.transposeB as boolean;
      if (!ta && !tb) return { a: () => tf.matMul(dy, b!, false, true), b: () => tf.matMul(a!, dy, true, false) };
      if (!ta && tb) return { a: () => tf.matMul(dy, b!, false, false), b: () => tf.matMul(dy, a!, true, false) };
      if (ta && !tb) return { a: () => tf.matMul(b!, dy, false, true), b: () => tf.matMul(a!, dy, false, false) };
      return { a: () => tf.matMul(b!, dy, true, true), b: () => tf.matMul(dy, a!, true, true) };
    },
  },
  {
    kernelName: 'Add', inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
      return { a: () => reduceTo(dy, a!.shape, out), b: () => reduceTo(dy, b!.shape, out) };
    },
  },
  {
    kernelName: 'Sub', inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
      return { a: () => reduceTo(dy, a!.shape, out), b: () => tf.neg(reduceTo(dy, b!.shape, out)) };
    },
  },
  {
    kernelName: 'Multiply', inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => {
      const out = tf.backend_util.assertAndGetBroadcastShape(a!.shape, b!.shape);
      return { a: () => reduceTo(tf.mul(dy, tf.cast(b!, 'float32')), a!.shape, out), b: () => reduceTo(tf.mul(dy, tf.cast(a!, 'float32')), b!.shape, out) };
    },
  },
  {
    kernelName: 'AddN', saveAllInputs: true,
    gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(dy)])),
  },
  { kernelName: 'Relu', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.cast(tf.step(x!), 'float32')) }) },
  {
    kernelName: 'Softmax', outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dim = attrs.dim as number;
      const dyTimesY = tf.mul(dy, y!);
      return { logits: () => tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y!)) };
    },
  },
  {
    kernelName: 'Slice', inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x!, attrs.begin as number[], attrs.size as number[]);
      const pads = x!.shape.map((n, i) => [begin[i]!, n - begin[i]! - size[i]!] as [number, number]);
      return { x: () => tf.pad(dy, pads) };
    },
  },
  { kernelName: 'Reshape', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x!.shape) }) },
  {
    kernelName: 'Mean', inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number[], x!.shape);
      const reduceSize = axes.reduce((s, a) => s * x!.shape[a]!, 1);
      const expanded = x!.shape.map((n, i) => (axes.includes(i) ? 1 : n));
      return { x: () => tf.div(tf.mul(tf.reshape(dy, expanded), tf.ones(x!.shape, 'float32')), reduceSize) };
    },
  },
  {
    kernelName: 'Sum', inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number[], x!.shape);
      const expanded = x!.shape.map((n, i) => (axes.includes(i) ? 1 : n));
      const d = tf.mul(tf.reshape(dy, expanded), tf.ones(x!.shape, 'float32'));
      return { x: () => d };
    },
  },
  { kernelName: 'Log1p', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.div(dy, tf.add(x!, 1)) }) },
  { kernelName: 'Exp', outputsToSave: [true], gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy, y!) }) },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  { kernelName: 'Abs', inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(tf.cast(x!, 'float32'), -1)) }) },
];

let done = false;

/** Register the rules (once per process); kernels that already have one keep theirs. */
export function registerTfGradients(): void {
  if (done) return;
  done = true;
  for (const r of rules) {
    if (tf.getGradient(r.kernelName) == null) tf.registerGradient(r as unknown as tf.GradConfig);
  }
}
