/**
 * DB-MTL: dual-balancing multi-task learning (Lin et al., 2023).
 *
 * Loss-scale balancing: each task's gradient is that of log L_t, i.e. g_t / L_t (the trainer
 * passes the ordinary per-task gradients and ctx.losses; the division is done here, with
 * L_t + 1e-8 as the common implementation). Gradient-magnitude balancing: an EMA buffer
 *
 *   ghat_t <- beta_k ghat_t + (1 - beta_k) grad log L_t,   beta_k = beta / k^betaSigma,  ghat_0 = 0
 *   d = sum_t (target / |ghat_t|) ghat_t,   target = max_t |ghat_t|
 *
 * beta 0.9, betaSigma 0. MultiBalance's baseline uses the median norm as the target
 * (option target 'median'; 'mean' and 'min' also offered as in that paper's comparison).
 * A zero buffer row contributes nothing. The official GradCraft code's DBMTL is only the
 * max-norm scaling of unit gradients (no log loss, no EMA): target 'max', beta 0 and
 * logLoss false reproduce it up to that.
 *
 * Losses must be >= 0 (log L_t is undefined below 0, and the scaling 1 / L_t would flip the
 * task's gradient): a negative loss is a BalancerInputError naming the task and the value. A
 * loss of 0 has no log either, but training can produce one: a float32 BCE underflows to
 * exactly 0 once every row of a batch is predicted with a logit beyond about 100 in its
 * label's direction. So 0 (and any loss below 1e-8) is handled, not refused: the 1e-8 above
 * floors the divisor, so g_t is scaled by at most 1e8, and the step records a note saying
 * which task (`lastInfo().notes`, shown by `mtlkit balance`). In training g_t is then near 0
 * too (a saturated sigmoid), so the scaled gradient stays small; an arbitrary g_t with a zero
 * loss, as `mtlkit balance` accepts, is amplified 1e8 times, as the note says.
 *
 * Modes: param only. The EMA buffer averages coordinates across steps; in rep mode a row is a
 * batch of per-example representation gradients, a different set of examples each step (and the
 * last batch may be shorter), so a per-coordinate average means nothing there.
 *
 * Coordinates must be stable across steps, so `perCoordinateState` is true: in training
 * (BalancedStep) G's rows are the WHOLE shared group, every row of every shared embedding
 * table included, not the compact touched-rows view (whose length and row order change every
 * step). This is the method as written, exact, including the decayed EMA of the rows a batch
 * did not touch (they get an update too, and the lazy optimizer sees every row as touched);
 * the price is O(shared table size) time and 2 T x (shared size) floats of memory per step.
 * A row-keyed lazy buffer (decay untouched rows on their next touch, as LazyAdam) would scale
 * with the rows touched but is a different method; see docs/balancers.md.
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { BalancerInputError } from '../balancer.ts';
import { BaseBalancer, checkState, isNum, numArray, oneOf, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

/** Added to each loss before dividing (the reference implementations' epsilon). */
const LOSS_FLOOR = 1e-8;

export const dbmtlOptions: OptionsSpec = {
  beta: { default: 0.9, check: isNum(0, 1), doc: 'EMA rate of the gradient buffer' },
  betaSigma: { default: 0, check: isNum(0, 10), doc: 'decay exponent: beta_k = beta / k^betaSigma' },
  target: { default: 'max', check: oneOf('max', 'median', 'mean', 'min'), doc: "norm every task is scaled to: 'max' (DB-MTL) or 'median' (MultiBalance's baseline), 'mean', 'min'" },
  logLoss: { default: true, check: oneOf(true, false), doc: 'use gradients of log L_t (needs ctx.losses)' },
};

export class DBMTL extends BaseBalancer {
  readonly id = 'dbmtl';
  readonly kind = 'gradient' as const;
  readonly modes = ['param'] as const;
  /** Per-coordinate EMA: the training step gives G a fixed layout (see the doc comment). */
  override readonly perCoordinateState = true;
  override readonly needsLosses: boolean;
  private buf: Grad | null = null;
  private k = 0;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('dbmtl', dbmtlOptions, options));
    this.needsLosses = this.options.logLoss as boolean;
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    for (let i = 0; i < T * d; i++) if (!Number.isFinite(G[i])) throw new BalancerInputError(`dbmtl: G[task ${Math.floor(i / d)}, coord ${i % d}] = ${G[i]}; gradients must be finite`, { fault: 'non-finite', task: Math.floor(i / d) });
    const L = this.needsLosses ? requireLosses('dbmtl', ctx, T) : null;
    if (L) {
      for (let t = 0; t < T; t++) {
        if (L[t] < 0) throw new BalancerInputError(`dbmtl: loss of task ${t} is ${L[t]}; log-loss balancing needs losses >= 0 (a loss below 0 has no log and would flip the task's gradient), or use the option logLoss: false`, { fault: 'domain', task: t });
        if (L[t] < LOSS_FLOOR) this.note(ctx, `dbmtl: loss of task ${t} is ${L[t]}, below ${LOSS_FLOOR}: its log-gradient g / (L + ${LOSS_FLOOR}) scales g by up to 1 / ${LOSS_FLOOR}`);
      }
    }
    if (!this.buf || this.buf.length !== T * d || this.buf.constructor !== G.constructor) {
      if (this.buf && this.k > 0) {
        throw new BalancerInputError(`dbmtl: gradient shape changed from ${this.buf.length / T} to ${d} per task (the EMA buffer is per coordinate; use param mode, or reset())`);
      }
      this.buf = G instanceof Float64Array ? new Float64Array(T * d) : new Float32Array(T * d);
    }
    this.k++;
    const beta = (this.options.beta as number) / Math.pow(this.k, this.options.betaSigma as number);
    const buf = this.buf;
    const norms = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const inv = L ? 1 / (L[t] + LOSS_FLOOR) : 1;
      let s = 0;
      const o = t * d;
      for (let k = 0; k < d; k++) {
        const v = beta * buf[o + k] + (1 - beta) * inv * G[o + k];
        buf[o + k] = v;
        s += v * v;
      }
      norms[t] = Math.sqrt(s);
    }
    const live = Array.from(norms).filter((n) => n > 0).sort((a, b) => a - b);
    const tgt = this.options.target;
    let target = 0;
    if (live.length) {
      if (tgt === 'max') target = live[live.length - 1];
      else if (tgt === 'min') target = live[0];
      else if (tgt === 'mean') target = live.reduce((a, b) => a + b, 0) / live.length;
      else { const m = live.length >> 1; target = live.length % 2 ? live[m] : (live[m - 1] + live[m]) / 2; }
    }
    const alpha = new Float64Array(T);
    for (let t = 0; t < T; t++) alpha[t] = norms[t] > 0 ? target / norms[t] : 0;
    out.fill(0);
    for (let t = 0; t < T; t++) {
      const a = alpha[t];
      if (a === 0) continue;
      const o = t * d;
      for (let k = 0; k < d; k++) out[k] += a * buf[o + k];
    }
    // Weights relative to this step's rows are not defined (the buffer mixes steps).
    this.info!.weights = null;
  }

  override reset(): void {
    this.buf = null;
    this.k = 0;
  }

  override getState(): BalancerState {
    return {
      id: this.id, version: 1, k: this.k,
      dtype: this.buf instanceof Float32Array ? 'float32' : 'float64',
      buffer: this.buf ? Array.from(this.buf) : [],
    };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    const b = numArray(this.id, state.buffer ?? [], 'buffer');
    this.k = Number(state.k) || 0;
    this.buf = b.length ? (state.dtype === 'float32' ? Float32Array.from(b) : Float64Array.from(b)) : null;
  }
}
