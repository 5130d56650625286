import { Tensor } from '../../tensor/tensor.ts';
import { Rng } from '../../tensor/rng.ts';
import { record } from '../../autograd/node.ts';
import { Module, Scratch } from '../module.ts';
import type { ParameterStore } from '../store.ts';

/**
 * Inverted dropout: in training each element is kept with probability 1 - p and scaled by
 * 1 / (1 - p); in eval it is the identity. Masks come from the layer's own seeded stream.
 */
export class Dropout extends Module {
  private readonly mask = new Scratch();
  private readonly out = new Scratch();
  readonly rng: Rng;

  constructor(store: ParameterStore, name: string, readonly p: number, rng: Rng) {
    super(store, name);
    if (!(p >= 0 && p < 1)) throw new Error(`${name}: dropout probability must be in [0, 1), got ${p}`);
    this.rng = rng;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const n = x.size, keep = 1 - this.p, scale = 1 / keep;
    const m = this.mask.get(n, this.dtype), y = this.out.get(n, x.dtype), xd = x.data;
    // 16 random bits per element, two elements per draw: keep-probability resolution 2^-16
    // (1 - p = 0.8 is kept with probability 52429 / 65536 = 0.80000305).
    const rng = this.rng, thr = Math.round(keep * 65536);
    for (let i = 0; i < n; i += 2) {
      const r = rng.nextU32();
      const m0 = (r & 0xffff) < thr ? scale : 0;
      m[i] = m0;
      y[i] = xd[i]! * m0;
      if (i + 1 < n) {
        const m1 = r >>> 16 < thr ? scale : 0;
        m[i + 1] = m1;
        y[i + 1] = xd[i + 1]! * m1;
      }
    }
    return record('dropout', [x], new Tensor(y, x.shape), (g, grads) => {
      const dx = grads.buffer(0), gd = g.data;
      for (let i = 0; i < n; i++) dx[i] += gd[i]! * m[i]!;
    });
  }
}
