/**
 * Shared machinery of the balancers: option resolution (unknown names are errors), shape and
 * finiteness checks, the reused T x T scratch, the info record, a scalar Adam for the learnable
 * loss weights, and the magnitude step of GradCraft's eq. 5 (used by three balancers).
 */
import {
  BalancerInputError, BalancerOptionError,
  type Balancer, type BalanceContext, type BalancerInfo, type BalancerKind, type BalancerState, type Grad, type GradientMode, type ProjectionStep,
} from '../balancer.ts';
import { gram } from '../linalg.ts';
import { allFinite } from '../../tensor/finite.ts';
import type { Rng } from '../../tensor/rng.ts';

/** The numbers an `isNum` check accepts. */
export interface NumRange { lo: number; hi: number; int: boolean; openLo: boolean }

/**
 * A validator returning an error message or null. Those made by `isNum` and `oneOf` also say
 * what they accept (`range`, `choices`), so a form can be built from the spec (the playground's
 * option controls) without a second copy of it.
 */
export type OptionCheck = ((v: unknown) => string | null) & { readonly range?: NumRange; readonly choices?: readonly unknown[] };

/** One option: its default and a validator returning an error message or null. */
export interface OptionSpec<V = unknown> {
  default: V;
  check?: OptionCheck;
  doc: string;
}
export type OptionsSpec = Record<string, OptionSpec>;

export const isNum = (lo = -Infinity, hi = Infinity, { int = false, openLo = false } = {}): OptionCheck =>
  Object.assign(
    (v: unknown): string | null =>
      typeof v === 'number' && Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi && (!int || Number.isInteger(v))
        ? null
        : `must be a${int ? 'n integer' : ' finite number'} in ${openLo ? '(' : '['}${lo}, ${hi}]`,
    { range: { lo, hi, int, openLo } },
  );
export const oneOf = (...vals: readonly unknown[]): OptionCheck => Object.assign(
  (v: unknown): string | null => (vals.includes(v) ? null : `must be one of ${vals.map((x) => JSON.stringify(x)).join(', ')}`),
  { choices: vals },
);

/** Fill defaults; unknown names and invalid values throw, naming the balancer and valid names. */
export function resolveOptions(id: string, spec: OptionsSpec, given: Record<string, unknown> = {}): Record<string, unknown> {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new BalancerOptionError(`${id}: options must be an object`);
  }
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in spec)) {
      const valid = Object.keys(spec);
      throw new BalancerOptionError(
        `${id}: unknown option '${name}'; valid options: ${valid.length ? valid.join(', ') : '(none)'}`,
      );
    }
  }
  for (const [name, s] of Object.entries(spec)) {
    const v = name in given && given[name] !== undefined ? given[name] : s.default;
    if (name in given && s.check) {
      const err = s.check(v);
      if (err) throw new BalancerOptionError(`${id}: option '${name}' ${err}, got ${JSON.stringify(v)}`);
    }
    out[name] = v;
  }
  return out;
}

/** Rows d = G.length / T, or a clear error. */
export function rowLength(id: string, G: Grad, T: number): number {
  if (!Number.isInteger(T) || T < 1) throw new BalancerInputError(`${id}: T must be a positive integer, got ${T}`);
  if (!(G instanceof Float32Array || G instanceof Float64Array)) {
    throw new BalancerInputError(`${id}: G must be a Float32Array or Float64Array`);
  }
  if (G.length % T !== 0 || G.length === 0) {
    throw new BalancerInputError(`${id}: G has ${G.length} entries, not a positive multiple of T=${T}`);
  }
  return G.length / T;
}

/** Throw naming the first non-finite entry of G (task, coordinate, value). */
export function throwNonFinite(id: string, G: Grad, T: number, d: number): never {
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < d; k++) {
      const v = G[t * d + k];
      if (!Number.isFinite(v)) {
        throw new BalancerInputError(
          `${id}: G[task ${t}, coord ${k}] = ${v}; gradients must be finite (skip this step, or lower the learning rate / check the loss)`,
          { fault: 'non-finite', task: t },
        );
      }
    }
  }
  throw new Error(`${id}: produced a non-finite value from finite gradients (overflow); please report this input`);
}

/** Losses from the context, checked: length T, finite, and > 0 when `positive`. */
export function requireLosses(id: string, ctx: BalanceContext, T: number, positive = false): Float64Array {
  const L = ctx.losses;
  if (!L) throw new BalancerInputError(`${id}: needs the per-task losses in ctx.losses (T=${T})`);
  if (L.length !== T) throw new BalancerInputError(`${id}: ctx.losses has ${L.length} entries, expected T=${T}`);
  const out = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const v = Number(L[t]);
    if (!Number.isFinite(v)) throw new BalancerInputError(`${id}: loss of task ${t} is ${v}; losses must be finite`, { fault: 'non-finite', task: t });
    if (positive && !(v > 0)) throw new BalancerInputError(`${id}: loss of task ${t} is ${v}; this method needs losses > 0`, { fault: 'domain', task: t });
    out[t] = v;
  }
  return out;
}

export function allocLike<A extends Grad>(G: A, n: number): A {
  return (G instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)) as A;
}

/** The stream of a randomised balancer for one step: never advances the caller's generator. */
export function stepRng(id: string, ctx: BalanceContext): Rng {
  return ctx.rng.fork(`${id}:${ctx.step}`);
}

/**
 * Base class: shape checks, output allocation, the final finiteness guard, a reused Gram
 * buffer and info record. Subclasses implement `run` and their state.
 */
export abstract class BaseBalancer implements Balancer {
  abstract readonly id: string;
  abstract readonly kind: BalancerKind;
  abstract readonly modes: readonly GradientMode[];
  readonly options: Readonly<Record<string, unknown>>;
  /** Whether ctx.losses must be given to `combine`. */
  readonly needsLosses: boolean = false;
  /** Whether state is kept per coordinate of G across steps (dbmtl, moco): see `Balancer`. */
  readonly perCoordinateState: boolean = false;
  protected K = new Float64Array(0);
  protected info: BalancerInfo | null = null;
  protected T = 0;

  constructor(options: Record<string, unknown>) {
    this.options = Object.freeze({ ...options });
  }

  combine<A extends Grad>(G: A, T: number, ctx: BalanceContext, out?: A): A {
    const d = rowLength(this.id, G, T);
    if (!ctx || !ctx.rng) throw new BalancerInputError(`${this.id}: ctx with an rng is required`);
    if (out === undefined) out = allocLike(G, d);
    else if (out.length !== d || out.constructor !== G.constructor) {
      throw new BalancerInputError(`${this.id}: out must be a ${G.constructor.name} of length d=${d}, got ${out.constructor.name}(${out.length})`);
    }
    this.prepare(T, ctx);
    this.run(G, T, d, ctx, out);
    if (!allFinite(out)) throwNonFinite(this.id, G, T, d);
    return out;
  }

  protected prepare(T: number, ctx: BalanceContext): void {
    if (this.K.length !== T * T) this.K = new Float64Array(T * T);
    if (!this.info || this.T !== T) {
      this.info = { weights: null, taskCoefs: null, lossWeights: null, conflictSets: null, notes: [] };
    }
    this.T = T;
    const info = this.info;
    info.notes = [];
    info.conflictSets = ctx.diagnostics ? [] : null;
  }

  protected abstract run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void;

  /** Gram matrix of G into this.K, with the finiteness check on its diagonal. */
  protected gramChecked(G: Grad, T: number, d: number): Float64Array {
    gram(G, this.K, T, d);
    for (let t = 0; t < T; t++) if (!Number.isFinite(this.K[t * T + t])) throwNonFinite(this.id, G, T, d);
    return this.K;
  }

  /** A reused Float64Array field of the info record. */
  protected infoArray(field: 'weights' | 'taskCoefs' | 'lossWeights' | 'taskWeights', n: number): Float64Array {
    const info = this.info!;
    let a = info[field];
    if (!a || a.length !== n) { a = new Float64Array(n); info[field] = a; }
    return a;
  }

  /**
   * Fresh BalancerInfo.projectionOrder and projectionSteps when diagnostics are on (conflict
   * sets recorded), else null: what a randomised projection method fills in as it goes.
   */
  protected projectionTrace(): ProjectionTrace | null {
    const info = this.info!;
    info.projectionOrder = info.conflictSets ? [] : null;
    info.projectionSteps = info.conflictSets ? [] : null;
    return info.conflictSets ? { orders: info.projectionOrder!, steps: info.projectionSteps! } : null;
  }

  protected note(ctx: BalanceContext, msg: string): void {
    if (this.info && this.info.notes.length < 32) this.info.notes.push(msg);
  }

  lastInfo(): BalancerInfo | null {
    return this.info;
  }

  reset(): void {}

  getState(): BalancerState {
    return { id: this.id, version: 1 };
  }

  setState(state: BalancerState): void {
    checkState(this.id, state);
  }
}

export function checkState(id: string, state: BalancerState): void {
  if (!state || state.id !== id) {
    throw new BalancerInputError(`${id}: setState got state of '${state?.id}', expected '${id}'`);
  }
  if (state.version !== 1) throw new BalancerInputError(`${id}: unsupported state version ${state.version}`);
}

export function numArray(id: string, v: unknown, name: string, n?: number): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' && x !== null) || (n !== undefined && v.length !== n)) {
    throw new BalancerInputError(`${id}: state field '${name}' must be an array of ${n ?? 'some'} numbers`);
  }
  return v.map((x) => (x === null ? NaN : x));
}

/**
 * Adam on a few scalars (the learnable loss-weight parameters of UC and IMTL-L), so that they
 * train like model parameters without going through the autograd engine.
 */
export class ScalarAdam {
  m: Float64Array;
  v: Float64Array;
  t = 0;
  constructor(readonly n: number, readonly lr: number, readonly b1 = 0.9, readonly b2 = 0.999, readonly eps = 1e-8) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(params: Float64Array, grad: Float64Array): void {
    this.t++;
    const c1 = 1 - Math.pow(this.b1, this.t), c2 = 1 - Math.pow(this.b2, this.t);
    for (let i = 0; i < this.n; i++) {
      this.m[i] = this.b1 * this.m[i] + (1 - this.b1) * grad[i];
      this.v[i] = this.b2 * this.v[i] + (1 - this.b2) * grad[i] * grad[i];
      params[i] -= (this.lr * (this.m[i] / c1)) / (Math.sqrt(this.v[i] / c2) + this.eps);
    }
  }
  reset(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.t = 0;
  }
  getState(): { m: number[]; v: number[]; t: number } {
    return { m: Array.from(this.m), v: Array.from(this.v), t: this.t };
  }
  setState(id: string, s: unknown): void {
    const o = s as { m: unknown; v: unknown; t: unknown };
    this.m.set(numArray(id, o?.m, 'adam.m', this.n));
    this.v.set(numArray(id, o?.v, 'adam.v', this.n));
    this.t = Number(o.t) || 0;
  }
}

/**
 * GradCraft eq. 5 as per-task factors f: g^_i = f_i g_i with
 * f_i = tau * max_j m_j / m_i + (1 - tau), m the norms (or their EMA). A zero-norm task keeps
 * f = 1: its row stays zero, it cannot be scaled up to the maximum (there is no direction).
 * Then max_i |g^_i| / min_i |g^_i| <= 1 / tau over the non-zero tasks.
 */
export function magnitudeFactors(mags: ArrayLike<number>, T: number, tau: number, f: Float64Array): void {
  let mx = 0;
  for (let t = 0; t < T; t++) mx = Math.max(mx, mags[t]);
  for (let t = 0; t < T; t++) f[t] = mags[t] > 0 ? (tau * mx) / mags[t] + (1 - tau) : 1;
}

/** Khat = diag(f) K diag(f). */
export function scaleGram(K: ArrayLike<number>, T: number, f: ArrayLike<number>, out: Float64Array): void {
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) out[i * T + j] = f[i] * K[i * T + j] * f[j];
}

/** Where a randomised projection method records its draws and steps (BalancerInfo's fields). */
export interface ProjectionTrace {
  orders: number[][];
  steps: ProjectionStep[][];
}

/**
 * Coefficients over the original rows for steps recorded in a scaled basis (ghat_j = f_j g_j):
 * pcgrad+ and gradcraft 'local' project the adjusted gradients.
 */
export function scaleSteps(steps: ProjectionStep[][] | null | undefined, f: ArrayLike<number>): void {
  for (const task of steps ?? []) for (const s of task) for (let j = 0; j < s.coefs.length; j++) s.coefs[j] *= f[j];
}

/**
 * PCGrad in coefficient space: C (T x T, row i = the coefficients of task i's projected
 * gradient over the ORIGINAL rows) from the Gram matrix K. Each task visits the others in a
 * random order and removes its component along g_j when <g_i^pc, g_j> < 0
 * (Yu et al. 2020, Algorithm 1). Zero rows are never projected on. `trace`, when given,
 * receives each task's drawn order and the projections it made.
 *
 * selfProjection: the official code (and the copies in GradCraft's code and LibMTL) loops over
 * ALL tasks of the shuffled order, i itself included, so g_i^pc is also projected onto the
 * original g_i once it has turned against it. The paper's Algorithm 1 skips j = i (default).
 * The draws are the same either way: one permutation of T per task.
 */
export function pcgradCoefs(
  K: ArrayLike<number>, T: number, rng: Rng, C: Float64Array, conflictSets: number[][] | null, selfProjection = false,
  trace: ProjectionTrace | null = null,
): void {
  C.fill(0, 0, T * T);
  for (let i = 0; i < T; i++) C[i * T + i] = 1;
  for (let i = 0; i < T; i++) {
    const order = rng.permutation(T);
    const steps: ProjectionStep[] = [];
    if (trace) { trace.orders.push(Array.from(order)); trace.steps.push(steps); }
    const set: number[] = [];
    for (let a = 0; a < T; a++) {
      const j = order[a];
      if (j === i && !selfProjection) continue;
      const kjj = K[j * T + j];
      if (!(kjj > 0)) continue;
      let ip = 0;
      for (let k = 0; k < T; k++) ip += C[i * T + k] * K[k * T + j];
      if (ip < 0) {
        C[i * T + j] -= ip / kjj;
        if (j !== i) set.push(j);
        if (trace) steps.push({ onto: j, coefs: Array.from(C.subarray(i * T, i * T + T)) });
      }
    }
    if (conflictSets) conflictSets.push(set);
  }
}

/**
 * Row weights of the combined update from the per-task coefficients C (T x T, crafted
 * gradient i = sum_j C[i, j] G_j): w_j = scale * sum_i C[i, j], so that sum_i g~_i * scale is
 * one weighted sum of G's rows (scale 1 sums the crafted gradients, 1 / T averages them).
 */
export function coefWeights(C: ArrayLike<number>, T: number, scale: number, w: Float64Array): void {
  for (let j = 0; j < T; j++) {
    let s = 0;
    for (let i = 0; i < T; i++) s += C[i * T + j];
    w[j] = s * scale;
  }
}
