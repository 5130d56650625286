import type { Backend } from '../backend.ts';
import { createJsBackend } from '../backends/js.ts';
import { Rng } from '../rng.ts';

/** How one backend's float32 matmul compares with the js twin's on a fixed seeded case. */
export interface ParityCheck {
  ok: boolean;
  /** "m x k x n". */
  shape: string;
  /** The largest |backend - js| over the output, and the bound it is held to there. */
  maxError: number;
  tolerance: number;
}

/** The shape doctor checks: odd sizes (no tile or SIMD multiple), k long enough to round. */
export const CHECK_SHAPE = { m: 37, k: 301, n: 19 } as const;

/** Seeded operands in (-1, 1) for the check. */
export function checkOperands(): { a: Float32Array; b: Float32Array } {
  const { m, k, n } = CHECK_SHAPE;
  const rng = new Rng(20240611);
  const a = new Float32Array(m * k), b = new Float32Array(k * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.next() * 2 - 1;
  for (let i = 0; i < b.length; i++) b[i] = rng.next() * 2 - 1;
  return { a, b };
}

/**
 * Compares `got` (C = A B, row-major m x n) with the js twin. Any two float32 summation
 * orders of a k-term dot product differ by at most 2 gamma_k sum|a_i b_i|, gamma_k ~ k 2^-24
 * (Higham 3.1): the same bound the backend parity suite uses, element by element.
 */
export function compareMatmul(got: ArrayLike<number>): ParityCheck {
  const { m, k, n } = CHECK_SHAPE;
  const { a, b } = checkOperands();
  const want = new Float32Array(m * n);
  createJsBackend().matmul(a, b, want, m, k, n, false, false, false);
  let maxError = 0, tolerance = 0, ok = got.length === m * n;
  for (let i = 0; ok && i < m; i++) {
    for (let j = 0; j < n; j++) {
      let mag = 0;
      for (let p = 0; p < k; p++) mag += Math.abs(a[i * k + p]! * b[p * n + j]!);
      const tol = 2 * (k + 2) * 2 ** -24 * mag;
      const err = Math.abs(got[i * n + j]! - want[i * n + j]!);
      if (!(err <= tol)) ok = false;
      if (!(err <= maxError)) { maxError = err; tolerance = tol; }
    }
  }
  return { ok, shape: `${m} x ${k} x ${n}`, maxError, tolerance };
}

/** The check on `be`'s own matmul. */
export function matmulParity(be: Backend): ParityCheck {
  const { m, k, n } = CHECK_SHAPE;
  const { a, b } = checkOperands();
  const c = new Float32Array(m * n);
  be.matmul(a, b, c, m, k, n, false, false, false);
  return compareMatmul(c);
}
