/**
 * Minimum-norm least squares x = A^+ b for a small square A, by one-sided Jacobi SVD.
 * Singular values at or below `tol` are dropped: the caller scales A's columns so that its
 * entries are O(1) and its rounding noise O(1e-16), which makes an absolute tolerance meaningful.
 */
export function pinvSolve(A: number[][], b: number[], tol: number): { x: number[]; rank: number } {
  const n = b.length;
  const U = A.map((r) => [...r]);
  const V = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let a = 0, bb = 0, g = 0;
        for (let i = 0; i < n; i++) { a += U[i][p] ** 2; bb += U[i][q] ** 2; g += U[i][p] * U[i][q]; }
        if (Math.abs(g) <= 1e-17 * Math.sqrt(a * bb)) continue;
        off = Math.max(off, Math.abs(g) / Math.sqrt(a * bb));
        const zeta = (bb - a) / (2 * g);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t), sn = cs * t;
        for (const M of [U, V]) {
          for (let i = 0; i < n; i++) {
            const x = M[i][p], y = M[i][q];
            M[i][p] = cs * x - sn * y;
            M[i][q] = sn * x + cs * y;
          }
        }
      }
    }
    if (off <= 1e-16) break;
  }
  const x = new Array(n).fill(0);
  let rank = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += U[i][j] ** 2;
    const sigma = Math.sqrt(s);
    if (!(sigma > tol)) continue;
    rank++;
    let ub = 0;
    for (let i = 0; i < n; i++) ub += (U[i][j] / sigma) * b[i];
    for (let i = 0; i < n; i++) x[i] += (V[i][j] * ub) / sigma;
  }
  return { x, rank };
}
