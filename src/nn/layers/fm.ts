import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../../autograd/node.ts';
import { Module, Scratch } from '../module.ts';
import type { ParameterStore } from '../store.ts';
import { Embedding } from './embedding.ts';
import type { Group } from '../parameter.ts';
import { add } from '../../autograd/ops/arithmetic.ts';
import { sum } from '../../autograd/ops/reduce.ts';

export interface FMOptions {
  fields: number;
  dim: number;
  /** Optional first-order part: one scalar weight per id (a width-1 embedding per field). */
  firstOrder?: { vocabSizes: readonly number[]; group?: Group } | null;
}

/**
 * Factorization machine (Rendle, 2010) over field embeddings e_f (f < F, width k):
 *   second order = sum_{f<g} <e_f, e_g> = 1/2 sum_j [ (sum_f e_fj)^2 - sum_f e_fj^2 ],  O(k F)
 *   d/de_fj = s_j - e_fj with s_j = sum_f e_fj.
 * Optional first order: sum_f w_{id_f}. Output [batch, 1].
 */
export class FM extends Module {
  readonly firstOrder: Embedding | null;
  private readonly out = new Scratch();
  private readonly sums = new Scratch();

  constructor(store: ParameterStore, name: string, readonly opts: FMOptions) {
    super(store, name);
    this.firstOrder = opts.firstOrder
      ? this.child(new Embedding(store, `${name}.linear`, { vocabSizes: opts.firstOrder.vocabSizes, dim: 1, group: opts.firstOrder.group, init: 'zeros' }))
      : null;
  }

  /** e: [batch, fields * dim]; ids only needed with the first-order part. */
  forward(e: Tensor, ids?: Int32Array): Tensor {
    const F = this.opts.fields, k = this.opts.dim, B = e.shape[0]!;
    if (e.rank !== 2 || e.shape[1] !== F * k) throw new Error(`${this.name}: expected embeddings [batch, ${F * k}], got [${e.shape.join(', ')}]`);
    const y = this.out.get(B, this.dtype), s = this.sums.get(B * k, this.dtype), ed = e.data;
    for (let b = 0; b < B; b++) {
      let sq = 0, tot = 0;
      const base = b * F * k;
      for (let j = 0; j < k; j++) {
        let sj = 0;
        for (let f = 0; f < F; f++) {
          const v = ed[base + f * k + j]!;
          sj += v;
          sq += v * v;
        }
        s[b * k + j] = sj;
        tot += sj * sj;
      }
      y[b] = 0.5 * (tot - sq);
    }
    const second = record('fm', [e], new Tensor(y, [B, 1]), (g, grads) => {
      const de = grads.buffer(0), gd = g.data;
      for (let b = 0; b < B; b++) {
        const gb = gd[b]!, base = b * F * k;
        for (let f = 0; f < F; f++) {
          for (let j = 0; j < k; j++) de[base + f * k + j] += gb * (s[b * k + j]! - ed[base + f * k + j]!);
        }
      }
    });
    if (!this.firstOrder) return second;
    if (!ids) throw new Error(`${this.name}: the first-order part needs the ids`);
    const lin = sum(this.firstOrder.forward(ids, B), 1, true);
    return add(second, lin);
  }
}
