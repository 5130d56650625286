import type { Tensor } from '../../tensor/tensor.ts';
import type { Rng } from '../../tensor/rng.ts';
import { dropout, type DropoutBuffers } from '../../autograd/ops/dropout.ts';
import { Module, Scratch } from '../module.ts';
import type { ParameterStore } from '../store.ts';

/**
 * Inverted dropout as a layer: autograd's `dropout` (its one random stream) on the layer's own
 * seeded generator, with the mask, output and bits in buffers reused every step.
 */
export class Dropout extends Module {
  readonly rng: Rng;
  private readonly buffers: DropoutBuffers;

  constructor(store: ParameterStore, name: string, readonly p: number, rng: Rng) {
    super(store, name);
    if (!(p >= 0 && p < 1)) throw new Error(`${name}: dropout probability must be in [0, 1), got ${p}`);
    this.rng = rng;
    this.buffers = reusedBuffers(this);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.rng, this.training, this.buffers);
  }
}

function reusedBuffers(layer: Module): DropoutBuffers {
  const mask = new Scratch(), out = new Scratch(), bits = new Scratch();
  let words32: Uint32Array | null = null;
  return {
    // The mask in the store's dtype, as the layer always kept it.
    mask: (n) => mask.get(n, layer.dtype),
    out: (n, dtype) => out.get(n, dtype),
    bits: (words) => {
      const f = bits.get(words, 'float32');
      if (words32 === null || words32.buffer !== f.buffer || words32.byteOffset !== f.byteOffset || words32.length !== words) {
        words32 = new Uint32Array(f.buffer, f.byteOffset, words);
      }
      return words32;
    },
  };
}
