/**
 * PLE-lite (issue 9) written by hand in TensorFlow.js, for bench/compare-tfjs.ts only (tfjs is
 * a devDependency; nothing under src/ imports it).
 *
 * The model is mtlkit's `ple-lite` preset: 20 fields x 10k ids, embedding 16 (input 320), one
 * shared expert and one expert per task (320 -> 256 -> 128 -> 64, ReLU), per task a softmax
 * gate (320 -> 2, no bias) mixing [own expert, shared expert], tower 64 -> 32 -> 16 (ReLU) ->
 * logit, BCE with logits per task (mean over the batch). Weights are copied from an mtlkit
 * store, parameter by parameter, in mtlkit's [in, out] layout; the 20 field tables become one
 * [20 * 10k, 16] variable (they are contiguous in mtlkit's store too) and ids are offset by
 * field * vocab, so the lookup is one gather.
 *
 * Two forms:
 * - 'stock': what a user writes: tf.matMul + tf.add + tf.relu, autodiff by tf.variableGrads.
 *   The one change a user is forced to make: tf.gather's gradient (UnsortedSegmentSum) is not
 *   registered on the wasm backend, so the lookup has the scatter-based gradient below in
 *   both forms (without it the stock form does not run on wasm at all).
 * - 'fast': every dense layer is one tf.customGrad op: forward tf.fused.matMul (bias + ReLU
 *   fused), backward with EXPLICIT transposes (tf.transpose, then a plain matMul): the wasm
 *   backend's matMul with transposeA / transposeB flags is many times slower than with
 *   none, and the stock gradient of matMul uses those flags.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerTfGradients } from './gradients.ts';

registerTfGradients();

export type TfForm = 'stock' | 'fast';

type CGF = Parameters<typeof tf.customGrad>[0];

/** Weights by mtlkit parameter name (e.g. 'ple.l0.shared0.0.weight'), [in, out] layout. */
export type WeightSource = (name: string) => { data: Float32Array; shape: number[] };

interface Dense {
  W: tf.Variable;
  b: tf.Variable | null;
  relu: boolean;
}

export interface TfPleConfig {
  tasks: number;
  fields: number;
  vocab: number;
  embDim: number;
  expertHidden: readonly number[];
  towerHidden: readonly number[];
}

export const PLE_LITE: TfPleConfig = { tasks: 6, fields: 20, vocab: 10_000, embDim: 16, expertHidden: [256, 128, 64], towerHidden: [32, 16] };

export class TfPleLite {
  readonly emb: tf.Variable;
  readonly shared: Dense[];
  readonly experts: Dense[][];
  readonly gates: Dense[];
  readonly towers: Dense[][];
  /** Variables by mtlkit name ('ple.emb' for the joined table). */
  readonly byName = new Map<string, tf.Variable>();
  readonly sharedVars: tf.Variable[] = [];
  readonly taskVars: tf.Variable[][] = [];
  form: TfForm;

  /**
   * tfjs variable names are process-global, so each instance prefixes its own (`prefix` +
   * mtlkit name); `mtlName` strips it.
   */
  constructor(readonly cfg: TfPleConfig, w: WeightSource, form: TfForm, readonly prefix = `${form}:`) {
    this.form = form;
    this.source = w;
    const F = cfg.fields, V = cfg.vocab, k = cfg.embDim;
    const table = new Float32Array(F * V * k);
    for (let f = 0; f < F; f++) table.set(w(`ple.emb.field${f}`).data, f * V * k);
    this.emb = this.variable('ple.emb', table, [F * V, k], -1);
    const mlp = (prefix: string, dims: number[], owner: number, reluLast: boolean): Dense[] =>
      dims.slice(1).map((_, i) => this.dense(`${prefix}.${i}`, owner, true, reluLast || i < dims.length - 2));
    const inW = F * k;
    this.shared = mlp('ple.l0.shared0', [inW, ...cfg.expertHidden], -1, true);
    this.experts = [];
    this.gates = [];
    this.towers = [];
    for (let t = 0; t < cfg.tasks; t++) {
      this.taskVars.push([]);
      this.experts.push(mlp(`ple.l0.task${t}.expert0`, [inW, ...cfg.expertHidden], t, true));
      this.gates.push(this.dense(`ple.l0.task${t}.gate.linear`, t, false, false));
      const tower = mlp(`ple.tower${t}`, [cfg.expertHidden[cfg.expertHidden.length - 1]!, ...cfg.towerHidden], t, true);
      tower.push(this.dense(`ple.tower${t}.logit`, t, true, false));
      this.towers.push(tower);
    }
  }

  private readonly source: WeightSource;

  private variable(name: string, data: Float32Array, shape: number[], owner: number): tf.Variable {
    const v = tf.variable(tf.tensor(data, shape, 'float32'), true, this.prefix + name);
    this.byName.set(name, v);
    (owner < 0 ? this.sharedVars : this.taskVars[owner]!).push(v);
    return v;
  }

  private dense(prefix: string, owner: number, bias: boolean, relu: boolean): Dense {
    const src = this.source;
    const W = src(`${prefix}.weight`);
    const Wv = this.variable(`${prefix}.weight`, W.data, W.shape, owner);
    let bv: tf.Variable | null = null;
    if (bias) {
      const b = src(`${prefix}.bias`);
      bv = this.variable(`${prefix}.bias`, b.data, b.shape, owner);
    }
    return { W: Wv, b: bv, relu };
  }

  /** Global row ids [B * F] (field f's id i -> row f * vocab + i; ids outside [1, vocab) -> 0). */
  rowIds(cat: Int32Array, batch: number): tf.Tensor1D {
    const F = this.cfg.fields, V = this.cfg.vocab, out = new Int32Array(batch * F);
    for (let i = 0, f = 0; i < out.length; i++) {
      const id = cat[i]!;
      out[i] = f * V + (id > 0 && id < V ? id : 0);
      if (++f === F) f = 0;
    }
    return tf.tensor1d(out, 'int32');
  }

  /** The embedding lookup with a scatter-based gradient (dense [rows, k] table gradient). */
  embed(ids: tf.Tensor1D, table: tf.Tensor, batch: number): tf.Tensor2D {
    const rows = table.shape[0]!, k = table.shape[1]!;
    const idx2 = tf.reshape(ids, [ids.shape[0], 1]);
    const op = tf.customGrad(((tbl: tf.Tensor) => ({
      value: tf.gather(tbl, ids),
      gradFunc: (dy: tf.Tensor) => tf.scatterND(idx2, dy as tf.Tensor2D, [rows, k]),
    })) as unknown as CGF);
    return tf.reshape(op(table), [batch, this.cfg.fields * k]);
  }

  layer(x: tf.Tensor2D, d: Dense, W: tf.Tensor = d.W, b: tf.Tensor | null = d.b): tf.Tensor2D {
    if (this.form === 'stock') {
      let y = tf.matMul(x, W as tf.Tensor2D);
      if (b) y = tf.add(y, b);
      return (d.relu ? tf.relu(y) : y) as tf.Tensor2D;
    }
    const relu = d.relu;
    if (b) {
      const op = tf.customGrad(((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor, save: tf.GradSaveFunc) => {
        const y = tf.fused.matMul({ a: xx as tf.Tensor2D, b: ww as tf.Tensor2D, bias: bb, activation: relu ? 'relu' : 'linear' });
        save([xx, ww, y]);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
            const g = (relu ? tf.mul(dy, tf.step(sy)) : dy) as tf.Tensor2D;
            return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g), tf.sum(g, 0)];
          },
        };
      }) as unknown as CGF);
      return op(x, W, b) as tf.Tensor2D;
    }
    const op = tf.customGrad(((xx: tf.Tensor, ww: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = relu ? tf.relu(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D)) : tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D);
      save([xx, ww, y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const g = (relu ? tf.mul(dy, tf.step(sy)) : dy) as tf.Tensor2D;
          return [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sx), g)];
        },
      };
    }) as unknown as CGF);
    return op(x, W) as tf.Tensor2D;
  }

  mlp(x: tf.Tensor2D, layers: Dense[]): tf.Tensor2D {
    let h = x;
    for (const d of layers) h = this.layer(h, d);
    return h;
  }

  /** Bottom: [embeddings, shared expert output]. */
  bottom(ids: tf.Tensor1D, batch: number): { e: tf.Tensor2D; s: tf.Tensor2D } {
    const e = this.embed(ids, this.emb, batch);
    return { e, s: this.mlp(e, this.shared) };
  }

  /** Task t's logits [B] from the bottom's outputs. */
  head(t: number, e: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor1D {
    const own = this.mlp(e, this.experts[t]!);
    const w = tf.softmax(this.layer(e, this.gates[t]!)) as tf.Tensor2D;
    const mixed = tf.add(tf.mul(own, tf.slice(w, [0, 0], [-1, 1])), tf.mul(s, tf.slice(w, [0, 1], [-1, 1]))) as tf.Tensor2D;
    const z = this.mlp(mixed, this.towers[t]!);
    return tf.reshape(z, [z.shape[0]]);
  }

  /** mean(max(z, 0) - z y + log(1 + exp(-|z|))), as mtlkit's bceWithLogits. */
  static bce(z: tf.Tensor1D, y: tf.Tensor1D): tf.Scalar {
    return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
  }

  /** Per-task losses of one forward. */
  losses(ids: tf.Tensor1D, labels: tf.Tensor1D[], batch: number): tf.Scalar[] {
    const { e, s } = this.bottom(ids, batch);
    return labels.map((y, t) => TfPleLite.bce(this.head(t, e, s), y));
  }

  /** Column t of row-major [B x T] labels, one tensor per task. */
  labelTensors(labels: Float32Array, batch: number): tf.Tensor1D[] {
    const T = this.cfg.tasks;
    return Array.from({ length: T }, (_, t) => {
      const y = new Float32Array(batch);
      for (let b = 0; b < batch; b++) y[b] = labels[b * T + t]!;
      return tf.tensor1d(y);
    });
  }

  mtlName(tfName: string): string {
    return tfName.startsWith(this.prefix) ? tfName.slice(this.prefix.length) : tfName;
  }

  allVars(): tf.Variable[] {
    return [...this.sharedVars, ...this.taskVars.flat()];
  }

  dispose(): void {
    for (const v of this.allVars()) v.dispose();
  }
}
