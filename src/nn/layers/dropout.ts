import { getBackend } from '../../tensor/backends/registry.ts';
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
  private readonly bits = new Scratch();
  private bitsU32: Uint32Array | null = null;
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
    // (1 - p = 0.8 is kept with probability 52429 / 65536 = 0.80000305). One bulk draw of the
    // bits (the same stream as nextU32 per pair) into backend memory, then one kernel for the
    // mask and the output: the per-element loop with a data-dependent branch cost 60 ms of a
    // ple-paper step.
    const draws = (n + 1) >> 1;
    const bits = this.rng.fillU32(this.bitsView(draws), draws);
    const be = getBackend();
    be.dropoutMask(bits, xd, y, m, n, Math.round(keep * 65536), scale);
    return record('dropout', [x], new Tensor(y, x.shape), (g, grads) => {
      be.mulAdd(grads.buffer(0), g.data, m, n);
    });
  }

  /** A Uint32Array of `words` over backend storage (so the kernel reads the bits in place). */
  private bitsView(words: number): Uint32Array {
    const f = this.bits.get(words, 'float32');
    if (this.bitsU32 === null || this.bitsU32.buffer !== f.buffer || this.bitsU32.byteOffset !== f.byteOffset || this.bitsU32.length !== words) {
      this.bitsU32 = new Uint32Array(f.buffer, f.byteOffset, words);
    }
    return this.bitsU32;
  }
}
