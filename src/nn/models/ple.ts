import type { DType, Storage } from '../../tensor/backend.ts';
import { Rng } from '../../tensor/rng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { concat, reshape, slice } from '../../autograd/ops/layout.ts';
import { Module, Scratch } from '../module.ts';
import type { InitSpec } from '../init.ts';
import type { Group } from '../parameter.ts';
import { ParameterStore } from '../store.ts';
import { Embedding } from '../layers/embedding.ts';
import { FM } from '../layers/fm.ts';
import { Gate, mixture } from '../layers/gate.ts';
import { Linear } from '../layers/linear.ts';
import { MLP } from '../layers/mlp.ts';
import type { ModelBatch, MultiTaskModel, RepSegment, RunOptions } from './model.ts';

export interface PLEConfig {
  tasks: number;
  /** Per-field vocabulary sizes (row 0 of each field is the unknown row). */
  vocabSizes: readonly number[];
  embDim: number;
  /** Dense numeric features per row, concatenated to the embeddings (default 0). */
  denseWidth?: number;
  levels: number;
  sharedExperts: number;
  specificExperts: number;
  /** Expert MLP widths after the input, e.g. [256, 128, 64]; ReLU + dropout after each. */
  expertHidden: readonly number[];
  /** Tower MLP widths, e.g. [32, 16]; then a Linear to the logit. */
  towerHidden: readonly number[];
  /** Add FM's second-order scalar to every tower's input (the GradCraft "DeepFM" expert). */
  fm: boolean;
  dropout: number;
  gateBias: boolean;
  /** Expert and tower MLP weights (and gates / logits unless given below). */
  weightInit: InitSpec;
  /** Expert and tower MLP biases (default zeros). */
  biasInit?: InitSpec;
  /** Gate weights (default weightInit). */
  gateInit?: InitSpec;
  /** Each tower's final Linear(-> 1) weight (default weightInit); its bias (the scalar bias) starts at 0. */
  logitInit?: InitSpec;
  embInit: InitSpec;
  tableLayout?: 'per-field' | 'shared';
  seed?: number;
  dtype?: DType;
  name?: string;
}

interface Level {
  shared: MLP[];
  /** specific[t][j]: task t's j-th expert. */
  specific: MLP[][];
  taskGates: Gate[];
  /** Gate of the shared path (every level but the last). */
  sharedGate: Gate | null;
  mixT: Scratch[];
  mixS: Scratch;
}

/**
 * PLE (Tang et al., RecSys 2020): L levels of Customized Gate Control. At level l, task t's
 * experts read x_t, the shared experts read x_s; task t's gate mixes [its experts, shared
 * experts] into the next x_t, and (below the last level) the shared gate mixes every expert of
 * the level into the next x_s. At level 1, x_t = x_s = the embeddings (and dense features).
 * Towers read the last level's task outputs (with FM's scalar in front when `fm`).
 *
 * Groups: the last level's task experts and gates and the towers belong to their task.
 * Everything below the last level is 'shared' (a lower level's task experts feed the shared
 * gate, so every task's loss reaches them), as are the last level's shared experts, the
 * embeddings and FM.
 *
 * Shared representation (rep mode), the cut between shared and task parameters:
 *   L = 1: [ embeddings (+ dense) | FM scalar | shared expert outputs ]
 *   L > 1: [ x_1 | ... | x_T (task inputs to the last level) | FM | last-level shared experts ]
 * MMoE is the case L = 1, specificExperts = 0.
 */
export class PLE extends Module implements MultiTaskModel {
  readonly tasks: number;
  readonly cfg: Required<Omit<PLEConfig, 'name' | 'biasInit' | 'gateInit' | 'logitInit'>> & Pick<PLEConfig, 'biasInit' | 'gateInit' | 'logitInit'>;
  readonly emb: Embedding;
  readonly fmLayer: FM | null;
  readonly levels: Level[] = [];
  /** The first level's experts, which all read the model's input x0 (MLP.forwardAhead's group). */
  private readonly firstExperts: MLP[];
  /** The first level's gates, which read x0 too: their softmax runs beside the experts' first kernels. */
  private readonly firstGates: Gate[];
  readonly towers: MLP[] = [];
  readonly logits: Linear[] = [];
  readonly repLayout: RepSegment[] = [];
  readonly repWidth: number;
  readonly inputWidth: number;
  private readonly denseBuf = new Scratch();

  constructor(config: PLEConfig) {
    const cfg = { denseWidth: 0, tableLayout: 'per-field' as const, seed: 0, dtype: 'float32' as const, ...config };
    const store = new ParameterStore({ tasks: cfg.tasks, dtype: cfg.dtype });
    super(store, config.name ?? 'ple');
    this.cfg = cfg;
    this.tasks = cfg.tasks;
    const T = cfg.tasks, L = cfg.levels, ms = cfg.sharedExperts, mt = cfg.specificExperts;
    if (!(L >= 1) || ms < 0 || mt < 0 || ms + mt < 1) throw new Error(`${this.name}: need levels >= 1 and at least one expert per gate (shared ${ms}, specific ${mt})`);
    if (L > 1 && ms < 1) throw new Error(`${this.name}: multi-level PLE needs at least one shared expert per level`);
    if (cfg.expertHidden.length === 0) throw new Error(`${this.name}: expertHidden must name at least one width`);
    const rng = new Rng(cfg.seed).fork('dropout');
    const F = cfg.vocabSizes.length, k = cfg.embDim;
    this.emb = this.child(new Embedding(store, `${this.name}.emb`, { vocabSizes: cfg.vocabSizes, dim: k, layout: cfg.tableLayout, init: cfg.embInit }));
    this.fmLayer = cfg.fm ? this.child(new FM(store, `${this.name}.fm`, { fields: F, dim: k })) : null;
    this.inputWidth = F * k + cfg.denseWidth;
    const out = cfg.expertHidden[cfg.expertHidden.length - 1]!;
    const expert = (name: string, inW: number, group: Group): MLP =>
      this.child(new MLP(store, name, [inW, ...cfg.expertHidden], { group, init: cfg.weightInit, biasInit: cfg.biasInit, dropout: cfg.dropout, rng }));
    for (let l = 0; l < L; l++) {
      const last = l === L - 1, inW = l === 0 ? this.inputWidth : out;
      const tg = (t: number): Group => (last ? t : 'shared');
      const name = `${this.name}.l${l}`;
      this.levels.push({
        shared: Array.from({ length: ms }, (_, j) => expert(`${name}.shared${j}`, inW, 'shared')),
        specific: Array.from({ length: T }, (_, t) => Array.from({ length: mt }, (_, j) => expert(`${name}.task${t}.expert${j}`, inW, tg(t)))),
        taskGates: Array.from({ length: T }, (_, t) => this.child(new Gate(store, `${name}.task${t}.gate`, inW, mt + ms, { group: tg(t), init: cfg.gateInit ?? cfg.weightInit, bias: cfg.gateBias }))),
        sharedGate: last ? null : this.child(new Gate(store, `${name}.sharedGate`, inW, T * mt + ms, { group: 'shared', init: cfg.gateInit ?? cfg.weightInit, bias: cfg.gateBias })),
        mixT: Array.from({ length: T }, () => new Scratch()),
        mixS: new Scratch(),
      });
    }
    this.firstExperts = [...this.levels[0]!.shared, ...this.levels[0]!.specific.flat()];
    const first = this.levels[0]!;
    this.firstGates = first.sharedGate ? [...first.taskGates, first.sharedGate] : [...first.taskGates];
    const towerIn = out + (cfg.fm ? 1 : 0);
    for (let t = 0; t < T; t++) {
      const tower = cfg.towerHidden.length
        ? this.child(new MLP(store, `${this.name}.tower${t}`, [towerIn, ...cfg.towerHidden], { group: t, init: cfg.weightInit, biasInit: cfg.biasInit, dropout: cfg.dropout, rng }))
        : null;
      if (tower) this.towers.push(tower);
      this.logits.push(this.child(new Linear(store, `${this.name}.tower${t}.logit`, tower ? tower.outFeatures : towerIn, 1, { group: t, init: cfg.logitInit ?? cfg.weightInit })));
    }
    // Representation layout.
    let off = 0;
    const seg = (name: string, width: number): void => {
      this.repLayout.push({ name, offset: off, width });
      off += width;
    };
    if (L === 1) seg('input', this.inputWidth);
    else for (let t = 0; t < T; t++) seg(`x${t}`, out);
    if (cfg.fm) seg('fm', 1);
    for (let j = 0; j < ms; j++) seg(`shared${j}`, out);
    this.repWidth = off;
    store.allocate(cfg.seed);
  }

  /** The input whose first-level experts bottomSegments ran ahead (expertsAhead), for headSegments. */
  private aheadInput: Storage | null = null;

  /** The model's input x0 = [embeddings | dense]. */
  private input(batch: ModelBatch): { x0: Tensor; e: Tensor } {
    const e = this.emb.forward(batch.cat, batch.size);
    const D = this.cfg.denseWidth;
    if (D === 0) return { x0: e, e };
    if (!batch.dense || batch.dense.length < batch.size * D) throw new Error(`${this.name}: the batch needs dense [${batch.size} x ${D}]`);
    const buf: Storage = this.denseBuf.get(batch.size * D, this.dtype);
    buf.set(batch.dense.subarray(0, batch.size * D));
    return { x0: concat([e, new Tensor(buf, [batch.size, D])], 1), e };
  }

  /** The bottom as separate tensors (no concatenation): task inputs, FM, shared experts. */
  /**
   * `ahead`: the caller runs the heads on x0 (forward) or on copies that share its data
   * (bottomSegments / headSegments with expertsAhead), so the first level's experts, which all
   * read x0, run their kernels two stacks at a time first (MLP.forwardAhead); `computed` then
   * tells which expert forwards only record their ops.
   */
  private parts(batch: ModelBatch, opts: RunOptions, ahead = false): { xs: Tensor[]; fm: Tensor | null; shared: Tensor[]; computed: boolean } {
    this.train(opts.train ?? false);
    const { x0, e } = this.input(batch);
    const fm = this.fmLayer ? this.fmLayer.forward(e) : null;
    const T = this.tasks, L = this.levels.length;
    // The first gates' logits and softmax run beside the experts' first pair, and with them
    // the embedding's deferred marking of the rows it read.
    const runAhead = ahead && MLP.runsAhead(this.firstExperts);
    let computed = false;
    if (runAhead) {
      const gates = Gate.ahead(this.firstGates, x0), store = this.store;
      computed = MLP.forwardAhead(this.firstExperts, x0, () => {
        gates();
        store.flushTouches();
      });
    }
    let xt: Tensor[] = [x0], xs = x0;
    for (let l = 0; l < L - 1; l++) {
      const lv = this.levels[l]!;
      const S = lv.shared.map((m) => m.forward(xs, computed && l === 0));
      const spec = lv.specific.map((ex, t) => ex.map((m) => m.forward(xt.length === 1 ? xt[0]! : xt[t]!, computed && l === 0)));
      const nextT = spec.map((own, t) => mixture(lv.taskGates[t]!.forward(xt.length === 1 ? xt[0]! : xt[t]!, computed && l === 0), [...own, ...S], lv.mixT[t]!));
      xs = mixture(lv.sharedGate!.forward(xs, computed && l === 0), [...spec.flat(), ...S], lv.mixS);
      xt = nextT;
    }
    const shared = this.levels[L - 1]!.shared.map((m) => m.forward(xs, computed && L === 1));
    void T;
    return { xs: xt, fm, shared, computed: computed && L === 1 };
  }

  /** `computed`: the task's experts already ran their kernels on x (parts' `ahead`). */
  private headFromParts(t: number, x: Tensor, fm: Tensor | null, shared: Tensor[], computed = false): Tensor {
    return this.headOutput(t, this.towerInput(t, x, fm, shared, computed));
  }

  /** Task t's tower input: its experts and the shared ones mixed by its gate, [FM |] mixture. */
  private towerInput(t: number, x: Tensor, fm: Tensor | null, shared: Tensor[], computed: boolean): Tensor {
    const lv = this.levels[this.levels.length - 1]!;
    const own = lv.specific[t]!.map((m) => m.forward(x, computed));
    const w = lv.taskGates[t]!.forward(x, computed);
    const mixed = mixture(w, [...own, ...shared], lv.mixT[t]!);
    return fm ? concat([fm, mixed], 1) : mixed;
  }

  /** Task t's logits [batch] from its tower input. `towerComputed`: MLP.forwardAhead ran its tower, and its logit layer after it, on h. */
  private headOutput(t: number, h: Tensor, towerComputed = false): Tensor {
    if (this.towers.length) h = this.towers[t]!.forward(h, towerComputed);
    const z = this.logits[t]!.forward(h, towerComputed);
    return reshape(z, [z.shape[0]!]);
  }

  forward(batch: ModelBatch, opts: RunOptions = {}): Tensor[] {
    const { xs, fm, shared, computed } = this.parts(batch, opts, true);
    const hs = Array.from({ length: this.tasks }, (_, t) => this.towerInput(t, xs.length === 1 ? xs[0]! : xs[t]!, fm, shared, computed));
    // Every task's tower input first, then the towers' kernels, each with its logit layer, two
    // tasks at a time (a thread each), then each tower records: the graph, and so the backward, of one task at a time.
    const towersAhead = MLP.forwardAhead(this.towers, hs, undefined, this.logits);
    return hs.map((h, t) => this.headOutput(t, h, towersAhead));
  }

  bottom(batch: ModelBatch, opts: RunOptions = {}): Tensor {
    return concat(this.bottomSegments(batch, opts), 1);
  }

  /** The representation's segments in `repLayout` order: [input] or [x_1 .. x_T], [fm], shared experts. */
  bottomSegments(batch: ModelBatch, opts: RunOptions = {}): Tensor[] {
    const { xs, fm, shared, computed } = this.parts(batch, opts, opts.expertsAhead === true);
    this.aheadInput = computed ? xs[0]!.data : null;
    return [...xs, ...(fm ? [fm] : []), ...shared];
  }

  head(t: number, rep: Tensor, opts: RunOptions = {}): Tensor {
    if (rep.rank !== 2 || rep.shape[1] !== this.repWidth) throw new Error(`${this.name}.head: rep must be [batch, ${this.repWidth}], got [${rep.shape.join(', ')}]`);
    return this.headSegments(t, this.repLayout.map((s) => slice(rep, 1, s.offset, s.offset + s.width)), opts);
  }

  headSegments(t: number, segments: readonly Tensor[], opts: RunOptions = {}): Tensor {
    const lay = this.repLayout;
    if (segments.length !== lay.length) throw new Error(`${this.name}.headSegments: expected ${lay.length} segments (${lay.map((s) => s.name).join(', ')}), got ${segments.length}`);
    segments.forEach((x, i) => {
      if (x.rank !== 2 || x.shape[1] !== lay[i]!.width || x.shape[0] !== segments[0]!.shape[0]) {
        throw new Error(`${this.name}.headSegments: segment '${lay[i]!.name}' must be [batch, ${lay[i]!.width}], got [${x.shape.join(', ')}]`);
      }
    });
    if (opts.train !== undefined) this.train(opts.train);
    const T = this.levels.length === 1 ? 1 : this.tasks;
    const x = segments[this.levels.length === 1 ? 0 : t]!;
    const fm = this.fmLayer ? segments[T]! : null;
    const shared = segments.slice(T + (this.fmLayer ? 1 : 0));
    // Rep mode's heads read copies of the bottom's input that share its data.
    const computed = opts.expertsAhead === true && this.aheadInput !== null && x.data === this.aheadInput;
    return this.headFromParts(t, x, fm, shared, computed);
  }
}

/** MMoE (Ma et al., KDD 2018): E shared experts, one softmax gate per task; PLE with L = 1 and no task experts. */
export class MMoE extends PLE {
  constructor(cfg: Omit<PLEConfig, 'levels' | 'sharedExperts' | 'specificExperts'> & { experts: number }) {
    super({ ...cfg, levels: 1, sharedExperts: cfg.experts, specificExperts: 0, name: cfg.name ?? 'mmoe' });
  }
}
