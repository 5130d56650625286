import type { DType, Storage } from '../../tensor/backend.ts';
import { Rng } from '../../tensor/rng.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { concat, reshape } from '../../autograd/ops/layout.ts';
import { Module, Scratch } from '../module.ts';
import type { InitSpec } from '../init.ts';
import { ParameterStore } from '../store.ts';
import { Embedding } from '../layers/embedding.ts';
import { FM } from '../layers/fm.ts';
import { Linear } from '../layers/linear.ts';
import { MLP } from '../layers/mlp.ts';
import type { ModelBatch, MultiTaskModel, RepSegment, RunOptions } from './model.ts';

export interface SharedBottomConfig {
  tasks: number;
  vocabSizes: readonly number[];
  embDim: number;
  denseWidth?: number;
  bottomHidden: readonly number[];
  towerHidden: readonly number[];
  fm?: boolean;
  dropout: number;
  /** Bottom and tower MLP weights (and the logits unless given below). */
  weightInit: InitSpec;
  /** Bottom and tower MLP biases (default zeros). */
  biasInit?: InitSpec;
  /** Each tower's final Linear(-> 1) weight (default weightInit). */
  logitInit?: InitSpec;
  embInit: InitSpec;
  tableLayout?: 'per-field' | 'shared';
  seed?: number;
  dtype?: DType;
  name?: string;
}

/**
 * Shared-bottom (Caruana, 1997): one shared MLP over the embeddings, one tower per task.
 * Shared representation: the bottom MLP's output (with FM's scalar in front when `fm`), the
 * only thing the towers read.
 */
export class SharedBottom extends Module implements MultiTaskModel {
  readonly tasks: number;
  readonly emb: Embedding;
  readonly fmLayer: FM | null;
  readonly bottomMlp: MLP;
  readonly towers: MLP[] = [];
  readonly logits: Linear[] = [];
  readonly repLayout: RepSegment[];
  readonly repWidth: number;
  private readonly denseWidth: number;
  private readonly denseBuf = new Scratch();

  constructor(cfg: SharedBottomConfig) {
    const store = new ParameterStore({ tasks: cfg.tasks, dtype: cfg.dtype ?? 'float32' });
    super(store, cfg.name ?? 'sharedbottom');
    this.tasks = cfg.tasks;
    this.denseWidth = cfg.denseWidth ?? 0;
    const rng = new Rng(cfg.seed ?? 0).fork('dropout');
    const F = cfg.vocabSizes.length, k = cfg.embDim;
    this.emb = this.child(new Embedding(store, `${this.name}.emb`, { vocabSizes: cfg.vocabSizes, dim: k, layout: cfg.tableLayout, init: cfg.embInit }));
    this.fmLayer = cfg.fm ? this.child(new FM(store, `${this.name}.fm`, { fields: F, dim: k })) : null;
    this.bottomMlp = this.child(new MLP(store, `${this.name}.bottom`, [F * k + this.denseWidth, ...cfg.bottomHidden], { group: 'shared', init: cfg.weightInit, biasInit: cfg.biasInit, dropout: cfg.dropout, rng }));
    const fmW = cfg.fm ? 1 : 0;
    this.repWidth = this.bottomMlp.outFeatures + fmW;
    this.repLayout = [...(cfg.fm ? [{ name: 'fm', offset: 0, width: 1 }] : []), { name: 'bottom', offset: fmW, width: this.bottomMlp.outFeatures }];
    for (let t = 0; t < cfg.tasks; t++) {
      const tower = cfg.towerHidden.length
        ? this.child(new MLP(store, `${this.name}.tower${t}`, [this.repWidth, ...cfg.towerHidden], { group: t, init: cfg.weightInit, biasInit: cfg.biasInit, dropout: cfg.dropout, rng }))
        : null;
      if (tower) this.towers.push(tower);
      this.logits.push(this.child(new Linear(store, `${this.name}.tower${t}.logit`, tower ? tower.outFeatures : this.repWidth, 1, { group: t, init: cfg.logitInit ?? cfg.weightInit })));
    }
    store.allocate(cfg.seed ?? 0);
  }

  bottom(batch: ModelBatch, opts: RunOptions = {}): Tensor {
    this.train(opts.train ?? false);
    const e = this.emb.forward(batch.cat, batch.size);
    let x = e;
    if (this.denseWidth > 0) {
      const D = this.denseWidth;
      if (!batch.dense || batch.dense.length < batch.size * D) throw new Error(`${this.name}: the batch needs dense [${batch.size} x ${D}]`);
      const buf: Storage = this.denseBuf.get(batch.size * D, this.dtype);
      buf.set(batch.dense.subarray(0, batch.size * D));
      x = concat([e, new Tensor(buf, [batch.size, D])], 1);
    }
    const h = this.bottomMlp.forward(x);
    return this.fmLayer ? concat([this.fmLayer.forward(e), h], 1) : h;
  }

  head(t: number, rep: Tensor, opts: RunOptions = {}): Tensor {
    if (opts.train !== undefined) this.train(opts.train);
    const h = this.towers.length ? this.towers[t]!.forward(rep) : rep;
    const z = this.logits[t]!.forward(h);
    return reshape(z, [z.shape[0]!]);
  }

  forward(batch: ModelBatch, opts: RunOptions = {}): Tensor[] {
    const rep = this.bottom(batch, opts);
    return Array.from({ length: this.tasks }, (_, t) => this.head(t, rep));
  }
}
