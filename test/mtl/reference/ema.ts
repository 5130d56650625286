/**
 * The methods with a state per coordinate or per task norm: DB-MTL (Lin et al. 2023),
 * MoCo (Fernando et al. 2023), MultiBalance (He et al. 2024, Algorithm 3).
 */
import type { RefFactory } from './types.ts';
import { axpy, dot, nrm, scaled, simplexProject, zeros, type Rows } from './vec.ts';

/**
 * DB-MTL: ghat_t <- beta_k ghat_t + (1 - beta_k) g_t / (L_t + 1e-8), beta_k = beta / k^sigma;
 * d = sum_t (target / |ghat_t|) ghat_t, target the max (or median, mean, min) of the non-zero
 * norms; a zero buffer row adds nothing.
 */
export const dbmtlRef: RefFactory = (o) => {
  let buf: Rows | null = null, k = 0;
  return {
    step(G, ctx) {
      const T = G.length, logLoss = (o.logLoss ?? true) as boolean;
      k++;
      const beta = ((o.beta as number) ?? 0.9) / k ** ((o.betaSigma as number) ?? 0);
      if (!buf) buf = G.map((g) => zeros(g.length));
      buf = buf.map((b, t) => {
        const inv = logLoss ? 1 / (ctx.losses![t] + 1e-8) : 1;
        return b.map((v, j) => beta * v + (1 - beta) * inv * G[t][j]);
      });
      const n = buf.map(nrm), live = n.filter((x) => x > 0).sort((a, b) => a - b);
      const tg = (o.target as string) ?? 'max';
      const h = live.length >> 1;
      const target = live.length === 0 ? 0 : tg === 'max' ? live[live.length - 1] : tg === 'min' ? live[0]
        : tg === 'mean' ? live.reduce((a, b) => a + b, 0) / live.length
        : live.length % 2 ? live[h] : (live[h - 1] + live[h]) / 2;
      const d = zeros(G[0].length);
      let scale = 0;
      buf.forEach((b, t) => { if (n[t] > 0) { axpy(d, target / n[t], b); scale += target; } });
      return { d, scale };
    },
  };
};

/**
 * MoCo: y_t <- y_t - beta_k (y_t - h_t), h_t = g_t (or g_t L_t / |g_t|);
 * lambda <- Proj_simplex(lambda - gamma_k (Y^T Y + rho I) lambda); d = sum_t lambda_t y_t.
 */
export const mocoRef: RefFactory = (o) => {
  let y: Rows | null = null, lambda: Float64Array | null = null, k = 0;
  return {
    step(G, ctx) {
      const T = G.length;
      k++;
      const beta = ((o.beta as number) ?? 0.5) / k ** ((o.betaSigma as number) ?? 0.5);
      const gamma = ((o.gamma as number) ?? 0.1) / k ** ((o.gammaSigma as number) ?? 0.5);
      const rho = (o.rho as number) ?? 0;
      if (!y) { y = G.map((g) => zeros(g.length)); lambda = new Float64Array(T).fill(1 / T); }
      y = y.map((yt, t) => {
        const n = nrm(G[t]);
        const s = o.normalize === 'loss' ? (n > 0 ? ctx.losses![t] / n : 0) : 1;
        return yt.map((v, j) => v - beta * (v - s * G[t][j]));
      });
      const Y = y, l = lambda!;
      lambda = simplexProject(l.map((li, i) => li - gamma * (Y.reduce((a, yj, j) => a + dot(Y[i], yj) * l[j], 0) + rho * li)));
      const d = zeros(G[0].length);
      let scale = 0;
      // lambda lives on the simplex, so its rounding is absolute: the yardstick is sum_t |y_t|.
      Y.forEach((yt, t) => { axpy(d, lambda![t], yt); scale += nrm(yt); });
      return { d, scale };
    },
  };
};

/**
 * MultiBalance: u_m <- (1 - gamma) u_m + gamma |g_m| (u starts at the first norm), v_m = g_m / u_m,
 * lambda <- Proj_simplex(lambda - beta delta), delta = V^T V x ('gradient') or
 * cos(v_m, V x) ('cosine'), x = lambda + rho lambda0; d = sum_m lambda_m v_m (updated lambda).
 */
export const multibalanceRef: RefFactory = (o) => {
  let u: number[] | null = null, lambda: Float64Array | null = null;
  return {
    step(G) {
      const T = G.length, gamma = (o.gamma as number) ?? 0.1, beta = (o.beta as number) ?? 1, rho = (o.rho as number) ?? 0.1;
      const raw = (o.lambda0 as number[] | null) ?? new Array(T).fill(1);
      const l0 = raw.map((x) => x / raw.reduce((a, b) => a + b, 0));
      const n = G.map(nrm);
      if (!u) { u = [...n]; lambda = Float64Array.from(l0); } else u = u.map((um, m) => (um > 0 ? (1 - gamma) * um + gamma * n[m] : n[m]));
      const V = G.map((g, m) => (u![m] > 0 ? scaled(g, 1 / u![m]) : zeros(g.length)));
      const Vx = zeros(G[0].length);
      V.forEach((v, m) => axpy(Vx, lambda![m] + rho * l0[m], v));
      const delta = V.map((v) => {
        const ip = dot(v, Vx);
        if (o.form === 'gradient') return ip;
        const den = nrm(v) * nrm(Vx);
        return den > 0 ? ip / den : 0;
      });
      if (beta !== 0) lambda = simplexProject(lambda!.map((l, m) => l - beta * delta[m]));
      const d = zeros(G[0].length);
      let scale = 0;
      V.forEach((v, m) => { axpy(d, lambda![m], v); scale += nrm(v); });
      return { d, scale };
    },
  };
};
