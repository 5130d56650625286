/**
 * Loss weightings: single task, equal weights, uncertainty weighting (Kendall et al. 2018),
 * dynamic weight average (Liu et al. 2019). The update is sum_t w_t g_t.
 */
import type { RefFactory } from './types.ts';
import { Adam, combine } from './vec.ts';

export const single: RefFactory = (o) => ({
  step: (G) => combine(G, G.map((_, t) => (t === ((o.task as number) ?? 0) ? 1 : 0))),
});

export const ew: RefFactory = (o) => ({
  step: (G) => combine(G, G.map(() => (o.reduction === 'sum' ? 1 : 1 / G.length))),
});

/** L = sum_t exp(-s_t) L_t / 2 + s_t / 2; weights at the current s, then one Adam step on s. */
export const uc: RefFactory = (o) => {
  let s: Float64Array | null = null, adam: Adam | null = null;
  return {
    step(G, ctx) {
      const L = ctx.losses!;
      if (!s) { s = new Float64Array(G.length).fill((o.init as number) ?? 0); adam = new Adam(G.length, (o.lr as number) ?? 1e-3); }
      const w = Array.from(s, (si) => Math.exp(-si) / 2);
      adam!.step(s, w.map((wt, t) => -wt * L[t] + 0.5));
      return combine(G, w);
    },
  };
};

/**
 * w_t = S softmax_t(r_t / temp), r_t = Lbar_t(k-1) / Lbar_t(k-2), Lbar an epoch's mean loss;
 * S / T each until two epochs are complete. An epoch is ctx.epoch when given, else one step.
 */
export const dwa: RefFactory = (o) => {
  const done: number[][] = [];
  let cur: number[][] = [], key: number | null = null;
  return {
    step(G, ctx) {
      const T = G.length, k = ctx.epoch ?? ctx.step;
      if (key !== null && k !== key && cur.length) {
        done.push(cur[0].map((_, t) => cur.reduce((a, l) => a + l[t], 0) / cur.length));
        cur = [];
      }
      key = k;
      const S = (o.weightSum as number | null) ?? T, temp = (o.temperature as number) ?? 2;
      let w: number[];
      if (done.length < 2) w = new Array(T).fill(S / T);
      else {
        const [a, b] = done.slice(-2);
        const e = b.map((bt, t) => Math.exp(bt / a[t] / temp));
        const z = e.reduce((x, y) => x + y, 0);
        w = e.map((x) => (S * x) / z);
      }
      cur.push([...ctx.losses!]);
      return combine(G, w);
    },
  };
};
