import { backward } from '../../src/autograd/backward.ts';
import { noGrad } from '../../src/autograd/mode.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { ParameterStore } from '../../src/nn/store.ts';

/**
 * Gradcheck through the flat buffers: analytic = the store's flat gradient buffer (and the
 * extra leaves' grads) after one backward; numeric = central differences on the store's flat
 * value buffer (and the leaves' data). Float64 store expected. A non-scalar output is reduced
 * with fixed random weights. `before` runs before every evaluation (e.g. to reset dropout rngs).
 */
export function flatGradcheck(
  store: ParameterStore, fn: () => Tensor, opts: { leaves?: Tensor[]; eps?: number; before?: () => void; maxChecks?: number; seed?: number } = {},
): { maxError: number; checked: number; where: string } {
  const eps = opts.eps ?? 1e-6, leaves = opts.leaves ?? [];
  const before = opts.before ?? (() => {});
  store.zeroGrad();
  for (const l of leaves) l.grad = Tensor.fromStorage(new Float64Array(l.size), l.shape);
  before();
  const out = fn();
  const rng = new Rng(opts.seed ?? 99);
  const r = new Float64Array(out.size).map(() => rng.uniform(0.5, 1.5) * (rng.bernoulli(0.5) ? 1 : -1));
  backward(out, new Tensor(r, out.shape));
  const objective = (): number => {
    before();
    const y = noGrad(fn);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i]! * r[i]!;
    return s;
  };
  const targets: [string, Float32Array | Float64Array, Float32Array | Float64Array][] = [
    ['store', store.values, Float64Array.from(store.grads)],
    ...leaves.map((l, i) => [`leaf${i}`, l.data, Float64Array.from(l.grad!.data)] as [string, Float32Array | Float64Array, Float64Array]),
  ];
  let maxError = 0, checked = 0, where = '';
  for (const [name, data, grad] of targets) {
    const n = data.length;
    const stride = opts.maxChecks && n > opts.maxChecks ? Math.ceil(n / opts.maxChecks) : 1;
    for (let j = 0; j < n; j += stride) {
      const v = data[j]!;
      data[j] = v + eps;
      const fp = objective();
      data[j] = v - eps;
      const fm = objective();
      data[j] = v;
      const numeric = (fp - fm) / (2 * eps);
      const err = Math.abs(grad[j]! - numeric) / Math.max(1, Math.abs(grad[j]!), Math.abs(numeric));
      checked++;
      if (err > maxError) {
        maxError = err;
        where = `${name}[${j}] analytic ${grad[j]} numeric ${numeric}`;
      }
    }
  }
  return { maxError, checked, where };
}

/** AUC by rank with average ranks for ties (Mann-Whitney). */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankPos = 0, pos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]!]! > 0.5) {
      rankPos += avg;
      pos++;
    }
    i = j + 1;
  }
  const neg = n - pos;
  return pos === 0 || neg === 0 ? 0.5 : (rankPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function randomIds(rng: Rng, batch: number, vocab: readonly number[], unknownRate = 0.1): Int32Array {
  const F = vocab.length, ids = new Int32Array(batch * F);
  for (let b = 0; b < batch; b++) for (let f = 0; f < F; f++) {
    const u = rng.next();
    // Some ids are 0, some out of range: both map to the unknown row.
    ids[b * F + f] = u < unknownRate / 2 ? 0 : u < unknownRate ? vocab[f]! + 3 : rng.int(1, vocab[f]!);
  }
  return ids;
}
