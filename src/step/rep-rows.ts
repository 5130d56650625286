import type { Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import { backwardInto, backwardManyInto } from './errors.ts';
import type { RowSource } from './row-source.ts';
import { weightedLoss } from './task-losses.ts';
import type { TrainBatch } from './types.ts';

/**
 * Rep mode (MultiBalance, section 4.1). The representation comes as its segments
 * (`model.bottomSegments`: for PLE the embeddings and each shared expert's output, each
 * [B, w_s], as the bottom computed them; a model without segments gives `[bottom(batch)]`).
 * Head t runs on leaf copies of the segments that share their data (no copy), and the one
 * backward of the summed losses sends each copy's gradient into its block of row t of G, so row
 * t is segment-major: [segment 0's B x w_0 block | segment 1's | ...] (`repBlocks`). One copy
 * shared by all heads would sum the T gradients, so T copies it is. Write-back is ONE
 * multi-root backward (`backwardMany`) of the combined vector's blocks through the bottom.
 */
export class RepRows implements RowSource {
  private segs: Tensor[] = [];
  private copies: Tensor[][] = [];
  private readonly ones: Float64Array;

  constructor(private readonly model: MultiTaskModel) {
    this.ones = new Float64Array(model.tasks).fill(1);
  }

  forward(batch: TrainBatch): Tensor[] {
    const m = this.model, seg = m.bottomSegments && m.headSegments;
    // Every head runs right after the bottom: the heads' experts may run with the bottom's.
    const run = { train: true, expertsAhead: true };
    const parts = seg ? m.bottomSegments!(batch, run) : [m.bottom(batch, { train: true })];
    this.segs = parts;
    this.copies = Array.from({ length: m.tasks }, () => parts.map((p) => new Tensor(p.data, p.shape, true)));
    return this.copies.map((c, t) => (seg ? m.headSegments!(t, c, run) : m.head(t, c[0]!, { train: true })));
  }

  width(): number {
    let d = 0;
    for (const s of this.segs) d += s.size;
    return d;
  }

  collect(losses: Tensor[], G: Storage, d: number, step: number): void {
    const blocks = new Map<Tensor, Storage>();
    this.copies.forEach((copy, t) => {
      let off = t * d;
      copy.forEach((c) => {
        blocks.set(c, G.subarray(off, off + c.size));
        off += c.size;
      });
    });
    // G is not zeroed first: the sweep writes each block's first gradient whole (a Linear's
    // input gradient) or zeroes it before adding, and names the blocks it wrote.
    const written = new Set<Tensor>();
    backwardInto(step, 'summed loss', weightedLoss(losses, this.ones), { dense: (leaf) => blocks.get(leaf) ?? null, rows: () => null, written });
    for (const [c, block] of blocks) if (!written.has(c)) getBackend().zero(block, 0, block.length);
  }

  writeBack(out: Storage, step: number): void {
    let off = 0;
    const ups = this.segs.map((s) => {
      const u = new Tensor(out.subarray(off, off + s.size), s.shape);
      off += s.size;
      return u;
    });
    backwardManyInto(step, this.segs, ups);
  }
}

/**
 * Where each `repLayout` segment's block starts in a rep-mode row of G for a batch of `batch`
 * rows. A model without `bottomSegments` has one block: the [batch, repWidth] rep, row-major.
 */
export function repBlocks(model: MultiTaskModel, batch: number): { name: string; offset: number; width: number }[] {
  if (!(model.bottomSegments && model.headSegments)) return [{ name: 'rep', offset: 0, width: model.repWidth }];
  return model.repLayout.map((s) => ({ name: s.name, offset: batch * s.offset, width: s.width }));
}
