import { Rng } from '../tensor/rng.ts';
import { formatShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { backward } from './backward.ts';
import { noGrad } from './mode.ts';

export interface GradcheckOptions {
  /** Finite-difference step (central differences in float64). */
  eps?: number;
  /** Largest acceptable error (see `GradcheckResult.maxError`). */
  tol?: number;
  /** Indices of the inputs to check (default: all). */
  wrt?: readonly number[];
  /** Seed of the random projection used when fn's output is not a scalar. */
  seed?: number;
}

export interface GradcheckWorst {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** max over checked elements of |analytic - numeric| / max(1, |analytic|, |numeric|). */
  maxError: number;
  worst: GradcheckWorst | null;
  /** One-line summary for logs and failing tests. */
  message: string;
}

/**
 * Compare autograd's gradient of `fn` with central finite differences, all in float64.
 * Inputs are copied to float64 leaves. A non-scalar output y is reduced as sum(y * R) with a
 * fixed random R, so every output element takes part. The error is relative for large
 * gradients and absolute for small ones (the denominator is at least 1).
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6, tol = opts.tol ?? 1e-5;
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const xs = inputs.map((t, i) => {
    const c = t.to('float64');
    const leaf = new Tensor(c === t ? Float64Array.from(t.data) : c.data, t.shape, wrt.includes(i));
    return leaf;
  });
  const out = fn(...xs);
  const rng = new Rng(opts.seed ?? 1234);
  const r = new Float64Array(out.size);
  for (let i = 0; i < r.length; i++) r[i] = out.size === 1 ? 1 : rng.uniform(0.5, 1.5) * (rng.bernoulli(0.5) ? 1 : -1);
  const objective = (): number => {
    const y = noGrad(() => fn(...xs));
    let s = 0;
    for (let i = 0; i < y.size; i++) s += y.data[i] * r[i];
    return s;
  };
  if (out.requiresGrad) backward(out, new Tensor(r, out.shape));

  let maxError = 0;
  let worst: GradcheckWorst | null = null;
  for (const i of wrt) {
    const x = xs[i];
    for (let j = 0; j < x.size; j++) {
      const v = x.data[j];
      x.data[j] = v + eps;
      const fp = objective();
      x.data[j] = v - eps;
      const fm = objective();
      x.data[j] = v;
      const numeric = (fp - fm) / (2 * eps);
      const analytic = x.grad ? x.grad.data[j] : 0;
      const err = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
      if (!(err <= maxError)) {
        maxError = err;
        worst = { input: i, index: j, analytic, numeric };
      }
    }
  }
  const ok = maxError <= tol;
  const where = worst
    ? `worst at input ${worst.input} ${formatShape(xs[worst.input].shape)} element ${worst.index}: analytic ${worst.analytic}, numeric ${worst.numeric}`
    : 'no elements checked';
  return { ok, maxError, worst, message: `gradcheck ${ok ? 'passed' : 'FAILED'}: max error ${maxError.toExponential(2)} (tol ${tol}); ${where}` };
}
