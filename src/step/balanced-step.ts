/**
 * The balanced training step: per-task gradients in param or rep mode, the balancer, and the
 * combined gradient written back into the store's flat gradient buffer. What is left for the
 * caller is L2 (`addL2Grad`) and one optimizer step. docs/training.md has the data flow.
 *
 * Param mode (GradCraft, and every parameter-gradient method):
 *   one forward; then for each task t: point the shared group's gradient sink at row t of a
 *   preallocated T x d matrix G (`store.redirectShared`, no copy) and backward L_t, which visits
 *   only what L_t reaches. Row t is the compact touched-rows view of the shared group:
 *   [dense shared params | touched rows of each shared table]. Task-specific groups are not
 *   redirected: task t's group accumulates its own task's gradient in the flat buffer (no other
 *   loss reaches it). Then d = combine(G) is scattered into the shared slice.
 * Rep mode (MultiBalance, section 4.1):
 *   the representation comes as its segments (`model.bottomSegments`: for PLE the embeddings
 *   and each shared expert's output, each [B, w_s], as the bottom computed them; a model
 *   without segments gives `[bottom(batch)]`). Head t runs on leaf copies of the segments that
 *   share their data (no copy), and each copy's gradient sink is its block of row t of G, so
 *   row t is segment-major: [segment 0's B x w_0 block | segment 1's B x w_1 block | ...]
 *   (`repBlocks` gives the offsets). ONE backward of the summed losses fills the T rows (and
 *   each task's group) with no slicing or scattering; combine; then ONE multi-root backward
 *   (`backwardMany`) sends each block of d into its segment and on through the bottom. One
 *   copy reused by all heads would sum the T gradients in its sink, so T copies it is.
 * Loss-kind balancers (EW, UC, DWA, Single, IMTL-L): w = lossWeights(losses), one backward of
 *   sum_t w_t L_t, in either mode. On a diagnostics step they go through the per-task path
 *   instead (rows of the raw losses, combined = sum_t w_t g_t, task groups scaled by w_t): the
 *   same update up to float rounding, plus the T gradients to diagnose.
 * 'both' (IMTL hybrid): per-task gradients of the raw L_t and ctx.losses go to combine, which
 *   applies its own loss weights to the rows (imtl.ts; calling lossWeights too would advance
 *   its state twice); task t's group is then scaled by the loss weight the balancer reports.
 *
 * Conventions. Per-task losses are BCE means over the batch. The gradient path gives task t's
 * group the gradient of L_t itself (weight 1, as the GradCraft code does), whatever the
 * balancer's reduction; the shared block gets combine(G). So EW as a combine with reduction
 * 'sum' reproduces the gradient of sum_t L_t exactly, and EW's default ('mean', the loss path)
 * is the gradient of (1/T) sum_t L_t everywhere.
 *
 * scope 'whole-model' (the official GradCraft code, docs/papers-vs-code.md): the rows are
 * whole-model vectors [shared compact view | task 0's group | ... | task T-1's group], where
 * task t's row is zero in every other task's block; the combined vector's shared part goes to
 * the shared slice and its task blocks to the task groups, multiplied by T when the balancer's
 * reduction is 'mean' (the code's "mean on shared coordinates, sum on the others"). Param mode
 * only. Task groups enter as whole ranges (our models have no task-specific tables).
 *
 * Per-coordinate state (`balancer.perCoordinateState`: dbmtl, moco) in param mode: the compact
 * view's length and row order follow the rows each batch touches, which an EMA per coordinate
 * cannot follow, so every row of every shared table is touched (in row order) before forward:
 * G's rows are then the whole shared group in one fixed layout. Exact, O(shared table size).
 *
 * Buffers: G and the combined vector are allocated once, from the active backend (the wasm
 * backend's kernels then read and write G's rows in place instead of copying them in and out
 * on every matmul); they grow (never shrink) only when a batch touches more shared rows than
 * any batch before, so a run settles after a few steps.
 */
import { backward, backwardMany } from '../autograd/backward.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import { add, mul } from '../autograd/ops/arithmetic.ts';
import type { ModelBatch, MultiTaskModel } from '../nn/models/model.ts';
import type { Parameter } from '../nn/parameter.ts';
import { MultiTaskBCE } from '../nn/losses.ts';
import type { Storage } from '../tensor/backend.ts';
import type { Rng } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Balancer, BalancerInfo, GradientMode } from '../mtl/balancer.ts';
import { BalancerInputError } from '../mtl/balancer.ts';
import { diagnose, type Diagnostics } from '../mtl/diagnostics.ts';
import { weightedRowSum } from '../mtl/linalg.ts';

export type Scope = 'shared' | 'whole-model';

export interface BalancedStepOptions {
  /** Default 'param'. */
  mode?: GradientMode;
  /** Default: the balancer's own `scope` option when it has one, else 'shared'. */
  scope?: Scope;
  /** Largest batch expected (rep mode sizes G from it; it grows if exceeded). Default 256. */
  maxBatch?: number;
  /** Diagnose every k-th step (step % k === 0); 0 = never. Default 0. */
  diagnosticsEvery?: number;
  /** Force the per-task gradient path for loss-kind balancers too (tests, studies). */
  perTaskAlways?: boolean;
}

/** A training batch: what the model reads plus row-major [size x T] labels. */
export type TrainBatch = ModelBatch & { labels: Float32Array };

export interface StepContext {
  /** Global step index, 0-based. */
  step: number;
  epoch?: number;
  /** The run's generator; balancers fork from it and never advance it. */
  rng: Rng;
}

export interface StepOutcome {
  /** Per-task loss values of this step (a reused buffer: copy what you keep). */
  losses: Float64Array;
  /** Loss weights used (loss and both kinds), else null (reused buffer). */
  lossWeights: Float64Array | null;
  /** Length of the balanced vector this step (0 on the plain loss path). */
  d: number;
  /** Diagnostics when this was a sampled step. */
  diagnostics: Diagnostics | null;
  /** Which path ran. */
  path: 'per-task' | 'loss';
}

/**
 * A NaN or Inf in a loss or gradient, with where it happened. `task` is the task index whose
 * loss or backward failed, or null when the failing pass involved every task.
 */
export class NonFiniteError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly task: number | null,
    readonly where: 'loss' | 'backward' | 'balancer' | 'update',
  ) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

export class BalancedStep {
  readonly mode: GradientMode;
  readonly scope: Scope;
  readonly tasks: number;
  private readonly bce: MultiTaskBCE;
  private G: Storage;
  private out: Storage;
  private readonly lossBuf: Float64Array;
  private readonly weightBuf: Float64Array;
  private readonly ones: Float64Array;
  private readonly diagEvery: number;
  private readonly perTaskAlways: boolean;
  /** Whole-model: each task group's flat range, in task order. */
  private readonly taskRanges: { offset: number; length: number }[];
  private readonly taskTotal: number;
  /**
   * Param mode with a balancer that keeps per-coordinate state (`perCoordinateState`: dbmtl,
   * moco): every row of every shared table is marked touched, in row order, before the forward
   * pass, so the compact view is the whole shared group in a layout that never changes.
   */
  readonly fixedLayout: boolean;
  private readonly sharedTables: Parameter[];

  constructor(readonly model: MultiTaskModel, readonly balancer: Balancer, opts: BalancedStepOptions = {}) {
    this.tasks = model.tasks;
    this.mode = opts.mode ?? 'param';
    const own = balancer.options.scope;
    this.scope = opts.scope ?? (own === 'whole-model' ? 'whole-model' : 'shared');
    if (this.mode !== 'param' && this.mode !== 'rep') throw new Error(`BalancedStep: mode must be 'param' or 'rep', got ${String(this.mode)}`);
    if (this.scope !== 'shared' && this.scope !== 'whole-model') throw new Error(`BalancedStep: scope must be 'shared' or 'whole-model', got ${String(this.scope)}`);
    if (this.scope === 'whole-model' && this.mode === 'rep') {
      throw new Error("BalancedStep: scope 'whole-model' crafts parameter gradients and needs mode 'param' (rep mode balances the shared representation)");
    }
    if (balancer.kind !== 'loss' && !balancer.modes.includes(this.mode)) {
      throw new Error(`BalancedStep: balancer '${balancer.id}' runs in mode ${balancer.modes.map((m) => `'${m}'`).join(' / ')}, not '${this.mode}' (see its doc comment for why)`);
    }
    this.bce = new MultiTaskBCE(this.tasks);
    this.lossBuf = new Float64Array(this.tasks);
    this.weightBuf = new Float64Array(this.tasks);
    this.ones = new Float64Array(this.tasks).fill(1);
    this.diagEvery = opts.diagnosticsEvery ?? 0;
    this.perTaskAlways = opts.perTaskAlways ?? false;
    const store = model.store;
    this.taskRanges = Array.from({ length: this.tasks }, (_, t) => store.range(t));
    this.taskTotal = this.taskRanges.reduce((a, r) => a + r.length, 0);
    // Initial capacity: rep mode knows d = B x width; param mode starts from the dense shared
    // part plus a guess for touched rows and grows once if needed.
    const maxBatch = opts.maxBatch ?? 256;
    // Param mode: a batch touches at most min(rows, B) rows of a per-field table (a table shared
    // by several fields may need more: G then grows once).
    const v = store.sharedView();
    this.fixedLayout = this.mode === 'param' && balancer.kind !== 'loss' && balancer.perCoordinateState === true;
    this.sharedTables = store.sparseParams.filter((p) => p.group === 'shared');
    const rowsBound = v.segments.reduce((a, s) => a + (this.fixedLayout ? s.param.rows : Math.min(s.param.rows, maxBatch)) * s.width, 0);
    const d0 = this.mode === 'rep'
      ? maxBatch * model.repWidth
      : v.denseLength + rowsBound + (this.scope === 'whole-model' ? this.taskTotal : 0);
    this.G = this.alloc(this.tasks * d0);
    this.out = this.alloc(d0);
  }

  /** The current T x d capacity (for tests that check no per-step growth). */
  get capacity(): number {
    return this.out.length;
  }

  private alloc(n: number): Storage {
    return getBackend().alloc(this.model.store.dtype, n);
  }

  private ensure(d: number): void {
    if (d <= this.out.length) return;
    const n = Math.ceil(d * 1.25);
    this.G = this.alloc(this.tasks * n);
    this.out = this.alloc(n);
  }

  /** G's rows of the last per-task step (length T x d; valid until the next step). */
  rows(d: number): Storage {
    return this.G.subarray(0, this.tasks * d);
  }

  /** The combined vector of the last per-task step. */
  combined(d: number): Storage {
    return this.out.subarray(0, d);
  }

  /**
   * zeroGrad, forward in training mode, per-task BCE, gradients by the balancer, written back.
   * After it, `store.grads` holds the step's gradient: add L2 and step the optimizer.
   */
  run(batch: TrainBatch, ctx: StepContext): StepOutcome {
    const { model, balancer } = this;
    const store = model.store, T = this.tasks;
    store.zeroGrad();
    if (this.fixedLayout) this.touchAllSharedRows();
    let segs: Tensor[] | null = null;
    let copies: Tensor[][] | null = null;
    let logits: Tensor[];
    const kind = balancer.kind;
    const diagnoseNow = this.diagEvery > 0 && ctx.step % this.diagEvery === 0;
    const perTask = kind !== 'loss' || diagnoseNow || this.perTaskAlways;
    if (this.mode === 'rep' && perTask) {
      const seg = model.bottomSegments && model.headSegments;
      const parts = seg ? model.bottomSegments!(batch, { train: true }) : [model.bottom(batch, { train: true })];
      segs = parts;
      copies = Array.from({ length: T }, () => parts.map((p) => new Tensor(p.data, p.shape, true)));
      logits = copies.map((c, t) => (seg ? model.headSegments!(t, c, { train: true }) : model.head(t, c[0]!, { train: true })));
    } else {
      logits = model.forward(batch, { train: true });
    }
    const losses = this.bce.losses(logits, batch.labels, batch.size);
    const lv = this.lossBuf;
    for (let t = 0; t < T; t++) {
      lv[t] = losses[t]!.item();
      if (!Number.isFinite(lv[t])) {
        throw new NonFiniteError(`step ${ctx.step}: the loss of task ${t} is ${lv[t]} (forward pass)`, ctx.step, t, 'loss');
      }
    }
    const bctx = { step: ctx.step, epoch: ctx.epoch, rng: ctx.rng, losses: lv, diagnostics: diagnoseNow };
    let w: Float64Array | null = null;
    if (kind === 'loss') {
      w = this.weightBuf;
      w.set(guard(() => balancer.lossWeights!(lv, bctx), ctx.step));
    }

    if (!perTask) {
      backwardChecked(weighted(losses, w!), ctx.step, null);
      return { losses: lv, lossWeights: w, d: 0, diagnostics: null, path: 'loss' };
    }

    // Per-task rows of the raw losses L_t.
    const blocks = segs ? this.blocks(segs) : null;
    const d = this.mode === 'rep' ? this.collectRep(segs!, blocks!, copies!, losses, ctx.step) : this.collectParam(losses, ctx.step);
    const G = this.G.subarray(0, T * d), out = this.out.subarray(0, d);
    let info: BalancerInfo | null = null;
    if (kind === 'loss') {
      // The loss path's update by linearity: shared sum_t w_t g_t; task t's group w_t grad L_t.
      weightedRowSum(G, T, d, w!, out);
      for (let t = 0; t < T; t++) if (w![t] !== 1) scaleGroup(store, t, w![t]!);
      info = { weights: Float64Array.from(w!), taskCoefs: null, lossWeights: Float64Array.from(w!), conflictSets: null, notes: [] };
    } else {
      guard(() => balancer.combine(G, T, bctx, out), ctx.step);
      const lw = kind === 'both' ? balancer.lastInfo()?.lossWeights ?? null : null;
      if (lw) {
        w = this.weightBuf;
        w.set(lw);
        for (let t = 0; t < T; t++) if (w[t] !== 1) scaleGroup(store, t, w[t]!);
      }
    }
    const diagnostics = diagnoseNow ? diagnose(G, T, out, info ? { lastInfo: () => info } as unknown as Balancer : balancer) : null;
    if (this.mode === 'rep') {
      const ups = blocks!.map((b, i) => new Tensor(out.subarray(b, b + segs![i]!.size), segs![i]!.shape));
      backwardChecked(segs!, ctx.step, null, ups);
    } else {
      this.writeBack(out, kind === 'loss');
    }
    return { losses: lv, lossWeights: w, d, diagnostics, path: 'per-task' };
  }

  /**
   * The fixed coordinate layout: touching rows 0..n-1 of each shared table before forward
   * makes the touched-rows view [dense | table 1 rows 0..n-1 | ...] every step (forward's own
   * touches are then no-ops). O(table rows); zeroGrad, L2 and the lazy optimizer then visit
   * every row too, which is what an update that is nonzero on every row needs.
   */
  private touchAllSharedRows(): void {
    const store = this.model.store;
    for (const p of this.sharedTables) {
      for (let r = 0; r < p.rows; r++) store.touchRow(p, r);
    }
  }

  /** Param mode: row t of G = task t's gradient of the shared block (or whole model). */
  private collectParam(losses: Tensor[], step: number): number {
    const store = this.model.store, T = this.tasks;
    const v = store.sharedView();
    const ds = v.length;
    const whole = this.scope === 'whole-model';
    const d = whole ? ds + this.taskTotal : ds;
    this.ensure(d);
    const G = this.G;
    for (let t = 0; t < T; t++) {
      const row = G.subarray(t * d, t * d + ds);
      row.fill(0);
      store.redirectShared(row);
      try {
        backwardChecked(losses[t]!, step, t);
      } finally {
        store.redirectShared(null);
      }
    }
    if (whole) {
      // Task blocks: row t holds task t's group gradient in block t, zeros elsewhere.
      const grads = store.grads;
      for (let t = 0; t < T; t++) {
        let off = t * d + ds;
        for (let u = 0; u < T; u++) {
          const r = this.taskRanges[u]!;
          if (u === t) G.set(grads.subarray(r.offset, r.offset + r.length), off);
          else G.fill(0, off, off + r.length);
          off += r.length;
        }
      }
    }
    return d;
  }

  /** Rep mode: one backward through the heads fills the T rows (segment-major, see the top). */
  private collectRep(segs: Tensor[], blocks: number[], copies: Tensor[][], losses: Tensor[], step: number): number {
    const T = this.tasks;
    const d = blocks[blocks.length - 1]! + segs[segs.length - 1]!.size;
    this.ensure(d);
    for (let t = 0; t < T; t++) {
      const row = this.G.subarray(t * d, (t + 1) * d);
      row.fill(0);
      segs.forEach((s, i) => {
        copies[t]![i]!.grad = new Tensor(row.subarray(blocks[i]!, blocks[i]! + s.size), s.shape);
      });
    }
    backwardChecked(weighted(losses, this.ones), step, null);
    return d;
  }

  /** Start of each segment's block in a rep-mode row. */
  private blocks(segs: readonly Tensor[]): number[] {
    const out: number[] = [];
    let off = 0;
    for (const s of segs) {
      out.push(off);
      off += s.size;
    }
    return out;
  }

  /**
   * Rep mode: where each `repLayout` segment's block starts in a row of G for a batch of
   * `batch` rows (row t = [segment 0's batch x w_0 values, row-major | segment 1's | ...]).
   * A model without `bottomSegments` has one block: the [batch, repWidth] rep, row-major.
   */
  repBlocks(batch: number): { name: string; offset: number; width: number }[] {
    const m = this.model;
    if (!(m.bottomSegments && m.headSegments)) return [{ name: 'rep', offset: 0, width: m.repWidth }];
    return m.repLayout.map((s) => ({ name: s.name, offset: batch * s.offset, width: s.width }));
  }

  /** Writes the combined vector back (shared slice; whole-model: task groups too). */
  private writeBack(out: Storage, lossKind: boolean): void {
    const store = this.model.store, T = this.tasks;
    store.scatterShared(out);
    if (this.scope !== 'whole-model' || lossKind) return;
    const ds = out.length - this.taskTotal;
    const factor = this.balancer.options.reduction === 'mean' ? T : 1;
    const grads = store.grads;
    let off = ds;
    for (let t = 0; t < T; t++) {
      const r = this.taskRanges[t]!;
      for (let i = 0; i < r.length; i++) grads[r.offset + i] = factor * out[off + i]!;
      off += r.length;
    }
  }
}

/** sum_t w_t L_t, skipping zero weights (Single's other tasks cost nothing). */
function weighted(losses: Tensor[], w: ArrayLike<number>): Tensor {
  let total: Tensor | null = null;
  for (let t = 0; t < losses.length; t++) {
    const wt = w[t]!;
    if (wt === 0) continue;
    const term = wt === 1 ? losses[t]! : mul(losses[t]!, wt);
    total = total === null ? term : add(total, term);
  }
  // Every weight zero: a zero loss that still reaches the graph (so backward is well-defined).
  return total ?? mul(losses[0]!, 0);
}

function scaleGroup(store: MultiTaskModel['store'], t: number, s: number): void {
  const g = store.grads;
  store.forEachRun((a, b) => {
    for (let i = a; i < b; i++) g[i] *= s;
  }, { group: t });
}

function backwardChecked(root: Tensor | Tensor[], step: number, task: number | null, upstream?: Tensor[]): void {
  try {
    if (Array.isArray(root)) backwardMany(root, upstream!);
    else backward(root);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/not finite/.test(msg)) {
      const who = task === null ? (upstream ? 'the combined representation gradient' : 'the summed loss') : `task ${task}'s loss`;
      throw new NonFiniteError(`step ${step}: backward of ${who}: ${msg}`, step, task, 'backward');
    }
    throw err;
  }
}

function guard<R>(fn: () => R, step: number): R {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BalancerInputError && /finite/.test(err.message)) {
      const m = /task (\d+)/.exec(err.message);
      throw new NonFiniteError(`step ${step}: ${err.message}`, step, m ? Number(m[1]) : null, 'balancer');
    }
    throw err;
  }
}
