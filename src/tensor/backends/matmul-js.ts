import type { Storage } from '../backend.ts';

/**
 * The js backend's matmul: C (m x n) = op(A) (m x k) · op(B) (k x n), or += when `accumulate`.
 *
 * Why this shape: in JavaScript the cost of a matmul is dominated by loads and stores of C,
 * not by multiplies. The plain i-k-j loop loads and stores one C element per multiply-add;
 * here each pass over a C row strip updates 4 rows from 4 rows of B at once (16 multiply-adds
 * per 4 loads + 4 stores of C), and the A·Bᵀ form keeps a 4 x 4 tile of C in registers.
 * Every inner loop walks memory contiguously; transposed operands are read in place.
 */
export function matmulJs(
  a: Storage, b: Storage, c: Storage,
  m: number, k: number, n: number,
  transA: boolean, transB: boolean, accumulate: boolean,
): void {
  if (m === 0 || n === 0) return;
  // Monomorphic copies per element type: V8 optimises a loop body for the element kinds it
  // has seen, and one that sees both Float32Array and Float64Array is the slower polymorphic one.
  const all32 = a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array;
  const all64 = a instanceof Float64Array && b instanceof Float64Array && c instanceof Float64Array;
  const k32 = all32 ? f32 : all64 ? f64 : mixed;
  if (!transB) {
    if (!accumulate) c.fill(0, 0, m * n);
    if (k === 0) return;
    // A stored m x k: element (i, p) at i*k + p; transposed (k x m): p*m + i.
    const rs = transA ? 1 : k; // stride between rows i of op(A)
    const ps = transA ? m : 1; // stride between p of op(A)
    k32.ikj(a, b, c, m, k, n, rs, ps);
    return;
  }
  if (!transA) {
    k32.dot(a, b, c, m, k, n, accumulate);
    return;
  }
  // Aᵀ·Bᵀ: rare (no backward needs it); kept simple but still contiguous in B.
  if (!accumulate) c.fill(0, 0, m * n);
  for (let j = 0; j < n; j++) {
    const bo = j * k;
    for (let p = 0; p < k; p++) {
      const bv = b[bo + p];
      if (bv === 0) continue;
      const ao = p * m;
      for (let i = 0; i < m; i++) c[i * n + j] += a[ao + i] * bv;
    }
  }
}

/** op(B) = B (k x n): i-k-j over 4 rows of C and 4 values of p at a time. */
function ikjBlocked(
  a: Storage, b: Storage, c: Storage, m: number, k: number, n: number, rs: number, ps: number,
): void {
  const m4 = m - (m % 4);
  const k4 = k - (k % 4);
  for (let i = 0; i < m4; i += 4) {
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    const r0 = i * rs, r1 = r0 + rs, r2 = r1 + rs, r3 = r2 + rs;
    let p = 0;
    for (; p < k4; p += 4) {
      const p0 = p * ps, p1 = p0 + ps, p2 = p1 + ps, p3 = p2 + ps;
      const a00 = a[r0 + p0], a01 = a[r0 + p1], a02 = a[r0 + p2], a03 = a[r0 + p3];
      const a10 = a[r1 + p0], a11 = a[r1 + p1], a12 = a[r1 + p2], a13 = a[r1 + p3];
      const a20 = a[r2 + p0], a21 = a[r2 + p1], a22 = a[r2 + p2], a23 = a[r2 + p3];
      const a30 = a[r3 + p0], a31 = a[r3 + p1], a32 = a[r3 + p2], a33 = a[r3 + p3];
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) {
        const x0 = b[b0 + j], x1 = b[b1 + j], x2 = b[b2 + j], x3 = b[b3 + j];
        c[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
        c[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
        c[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
        c[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
      }
    }
    for (; p < k; p++) {
      const pp = p * ps;
      const a0 = a[r0 + pp], a1 = a[r1 + pp], a2 = a[r2 + pp], a3 = a[r3 + pp];
      const bo = p * n;
      for (let j = 0; j < n; j++) {
        const x = b[bo + j];
        c[c0 + j] += a0 * x;
        c[c1 + j] += a1 * x;
        c[c2 + j] += a2 * x;
        c[c3 + j] += a3 * x;
      }
    }
  }
  for (let i = m4; i < m; i++) {
    const co = i * n, ro = i * rs;
    let p = 0;
    for (; p < k4; p += 4) {
      const a0 = a[ro + p * ps], a1 = a[ro + (p + 1) * ps], a2 = a[ro + (p + 2) * ps], a3 = a[ro + (p + 3) * ps];
      const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
      for (let j = 0; j < n; j++) c[co + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
    for (; p < k; p++) {
      const av = a[ro + p * ps], bo = p * n;
      for (let j = 0; j < n; j++) c[co + j] += av * b[bo + j];
    }
  }
}

/** A·Bᵀ (B stored n x k): C[i, j] = A[i, :] · B[j, :], a 4 x 4 tile of C in registers. */
function dotTiles(
  a: Storage, b: Storage, c: Storage, m: number, k: number, n: number, accumulate: boolean,
): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
        const y0 = b[b0 + p], y1 = b[b1 + p], y2 = b[b2 + p], y3 = b[b3 + p];
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const c0 = i * n + j, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
      if (accumulate) {
        c[c0] += s00; c[c0 + 1] += s01; c[c0 + 2] += s02; c[c0 + 3] += s03;
        c[c1] += s10; c[c1 + 1] += s11; c[c1 + 2] += s12; c[c1 + 3] += s13;
        c[c2] += s20; c[c2 + 1] += s21; c[c2 + 2] += s22; c[c2 + 3] += s23;
        c[c3] += s30; c[c3 + 1] += s31; c[c3 + 2] += s32; c[c3 + 3] += s33;
      } else {
        c[c0] = s00; c[c0 + 1] = s01; c[c0 + 2] = s02; c[c0 + 3] = s03;
        c[c1] = s10; c[c1 + 1] = s11; c[c1 + 2] = s12; c[c1 + 3] = s13;
        c[c2] = s20; c[c2 + 1] = s21; c[c2 + 2] = s22; c[c2 + 3] = s23;
        c[c3] = s30; c[c3 + 1] = s31; c[c3 + 2] = s32; c[c3 + 3] = s33;
      }
    }
  }
  // Edges (rows past m4, columns past n4): one dot product per cell.
  for (let i = 0; i < m; i++) {
    for (let j = i < m4 ? n4 : 0; j < n; j++) {
      const ao = i * k, bo = j * k, ci = i * n + j;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ao + p] * b[bo + p];
      c[ci] = accumulate ? c[ci] + s : s;
    }
  }
}

/**
 * Fresh copies of the kernels, each with its own type feedback (a copy made with `new Function`
 * is a distinct function to V8; closures from one literal would share feedback).
 */
function specialise(Elem: Float32ArrayConstructor | Float64ArrayConstructor): { ikj: typeof ikjBlocked; dot: typeof dotTiles } {
  const copy = <F>(f: F): F => new Function(`return (${String(f)})`)() as F;
  try {
    const k = { ikj: copy(ikjBlocked), dot: copy(dotTiles) };
    // A transformed build (coverage instrumentation) may leave free names in the source:
    // try each copy once, and keep the originals if a copy cannot run on its own.
    const one = new Elem(1); // the copy's own element type, so its feedback stays monomorphic
    k.ikj(one, one, one, 1, 1, 1, 1, 1);
    k.dot(one, one, one, 1, 1, 1, false);
    return k;
  } catch {
    return { ikj: ikjBlocked, dot: dotTiles };
  }
}
const f32 = specialise(Float32Array);
const f64 = specialise(Float64Array);
const mixed = specialise(Float64Array);
