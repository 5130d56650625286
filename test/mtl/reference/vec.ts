/** Plain float64 vector helpers for the reference implementations (rows are Float64Arrays). */

export type Vec = Float64Array;
export type Rows = Vec[];

export const dot = (a: Vec, b: Vec): number => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};

/** Euclidean norm without overflow or underflow for any finite entries. */
export const nrm = (a: Vec): number => {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]));
  if (m === 0) return 0;
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] / m) ** 2;
  return m * Math.sqrt(s);
};

export const zeros = (d: number): Vec => new Float64Array(d);

/** y += a x, in place. */
export const axpy = (y: Vec, a: number, x: Vec): Vec => {
  if (a !== 0) for (let k = 0; k < y.length; k++) y[k] += a * x[k];
  return y;
};

export const scaled = (x: Vec, a: number): Vec => x.map((v) => v * a);

/** sum_t w_t G_t, and the error scale sum_t |w_t| |G_t| of that sum. */
export function combine(G: Rows, w: ArrayLike<number>): { d: Vec; scale: number } {
  const d = zeros(G[0].length);
  let scale = 0;
  for (let t = 0; t < G.length; t++) {
    axpy(d, w[t], G[t]);
    scale += Math.abs(w[t]) * nrm(G[t]);
  }
  return { d, scale };
}

/** Euclidean projection onto the probability simplex (sort, then the threshold). */
export function simplexProject(v: ArrayLike<number>): Float64Array {
  // Shifting by a constant leaves the projection unchanged; shifting by the max keeps the
  // running sums below exact for entries of any size.
  const mx = Math.max(...Array.from(v));
  v = Float64Array.from(v, (x) => x - mx);
  const n = v.length;
  const u = Array.from(v).sort((a, b) => b - a);
  let css = 0, theta = 0;
  for (let k = 0; k < n; k++) {
    css += u[k];
    const th = (css - 1) / (k + 1);
    if (u[k] - th > 0) theta = th;
  }
  return Float64Array.from(v, (x) => Math.max(x - theta, 0));
}

/** Adam on a few scalars, as any autograd framework would step learnable loss weights. */
export class Adam {
  private m: Float64Array;
  private v: Float64Array;
  private t = 0;
  constructor(n: number, private lr: number, private b1 = 0.9, private b2 = 0.999, private eps = 1e-8) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(x: Float64Array, g: ArrayLike<number>): void {
    this.t++;
    for (let i = 0; i < x.length; i++) {
      this.m[i] = this.b1 * this.m[i] + (1 - this.b1) * g[i];
      this.v[i] = this.b2 * this.v[i] + (1 - this.b2) * g[i] * g[i];
      const mh = this.m[i] / (1 - this.b1 ** this.t), vh = this.v[i] / (1 - this.b2 ** this.t);
      x[i] -= (this.lr * mh) / (Math.sqrt(vh) + this.eps);
    }
  }
}
