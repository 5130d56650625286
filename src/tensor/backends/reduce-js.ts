import type { Storage } from '../backend.ts';

/** out[o, i] = sum_l x[o, l, i]. The inner axis stays the inner loop so reads are contiguous. */
export function sumAxisJs(x: Storage, out: Storage, outer: number, len: number, inner: number): void {
  out.fill(0, 0, outer * inner);
  for (let o = 0; o < outer; o++) {
    const oo = o * inner;
    if (inner === 1) {
      let s = 0;
      const xo = o * len;
      for (let l = 0; l < len; l++) s += x[xo + l];
      out[oo] = s;
      continue;
    }
    for (let l = 0; l < len; l++) {
      const xo = (o * len + l) * inner;
      for (let i = 0; i < inner; i++) out[oo + i] += x[xo + i];
    }
  }
}

/** out[o, i] = max_l x[o, l, i]; argmax (optional) gets the first l attaining it. */
export function maxAxisJs(
  x: Storage, out: Storage, argmax: Int32Array | null, outer: number, len: number, inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    const oo = o * inner;
    const x0 = o * len * inner;
    for (let i = 0; i < inner; i++) {
      out[oo + i] = x[x0 + i];
      if (argmax) argmax[oo + i] = 0;
    }
    for (let l = 1; l < len; l++) {
      const xo = x0 + l * inner;
      for (let i = 0; i < inner; i++) {
        const v = x[xo + i];
        // `!(v <= cur)` also lets a NaN win, and a NaN, once it has won, keeps the slot (a
        // later number would beat it, since every comparison with NaN is false): NaNs
        // propagate instead of hiding, with argmax at the first NaN (as NumPy and PyTorch do).
        const cur = out[oo + i];
        if (cur === cur && !(v <= cur)) {
          out[oo + i] = v;
          if (argmax) argmax[oo + i] = l;
        }
      }
    }
  }
}

/** Coordinates per block of the Gram loop: the T rows' blocks stay in cache across the pairs. */
const GRAM_BLOCK = 2048;

/**
 * out = G Gᵀ (T x T) for G stored T x d, accumulated in float64; symmetric, so the upper
 * triangle is computed and mirrored. Blocked over coordinates, four Gram columns per pass (one
 * load of a row of G feeds four products). Also the balancers' loop for small G (mtl/linalg.ts).
 */
export function gramJs(g: Storage, out: Float64Array, t: number, d: number): void {
  out.fill(0, 0, t * t);
  for (let k0 = 0; k0 < d; k0 += GRAM_BLOCK) {
    const k1 = Math.min(d, k0 + GRAM_BLOCK);
    for (let i = 0; i < t; i++) {
      const oi = i * d;
      let j = i;
      for (; j + 3 < t; j += 4) {
        const oa = j * d, ob = oa + d, oc = ob + d, od = oc + d;
        let sa = 0, sb = 0, sc = 0, sd = 0;
        for (let k = k0; k < k1; k++) {
          const x = g[oi + k];
          sa += x * g[oa + k];
          sb += x * g[ob + k];
          sc += x * g[oc + k];
          sd += x * g[od + k];
        }
        out[i * t + j] += sa;
        out[i * t + j + 1] += sb;
        out[i * t + j + 2] += sc;
        out[i * t + j + 3] += sd;
      }
      for (; j < t; j++) {
        const oj = j * d;
        let s = 0;
        for (let k = k0; k < k1; k++) s += g[oi + k] * g[oj + k];
        out[i * t + j] += s;
      }
    }
  }
  for (let i = 0; i < t; i++) for (let j = 0; j < i; j++) out[i * t + j] = out[j * t + i];
}

/** sum_i a[i] b[i] in float64, four partial sums to shorten the dependency chain. */
export function dotJs(a: Storage, b: Storage, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = n - (n % 4);
  let i = 0;
  for (; i < n4; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + s2 + s3;
}

export function gatherRowsJs(table: Storage, idx: Int32Array, out: Storage, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const src = idx[r] * width;
    out.set(table.subarray(src, src + width), r * width);
  }
}

export function scatterAddRowsJs(table: Storage, idx: Int32Array, src: Storage, rows: number, width: number): void {
  for (let r = 0; r < rows; r++) {
    const to = idx[r] * width, so = r * width;
    for (let j = 0; j < width; j++) table[to + j] += src[so + j];
  }
}
