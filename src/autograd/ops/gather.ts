import { getBackend } from '../../tensor/backends/registry.ts';
import { formatShape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';

/**
 * Embedding lookup: out[r, :] = table[ids[r], :]. The gradient is a scatter-add of the output
 * gradient into the rows used, so a step costs O(batch x width) whatever the vocabulary size,
 * and no table-sized temporary is ever made.
 */
export function gatherRows(table: Tensor, ids: Int32Array | readonly number[]): Tensor {
  if (table.rank !== 2) {
    throw new Error(`gatherRows: the table must be 2-D [rows, width] but has shape ${formatShape(table.shape)}; reshape it first`);
  }
  const [vocab, width] = table.shape;
  const idx = ids instanceof Int32Array ? ids : Int32Array.from(ids);
  for (let r = 0; r < idx.length; r++) {
    const id = ids[r];
    if (!(Number.isInteger(id) && id >= 0 && id < vocab)) {
      throw new Error(
        `gatherRows: index ${id} at position ${r} is out of range for a table of ${vocab} rows; ` +
          `ids must be integers in [0, ${vocab}); check the feature encoding or enlarge the vocabulary`,
      );
    }
  }
  const rows = idx.length;
  const out = Tensor.empty([rows, width], table.dtype);
  getBackend().gatherRows(table.data, idx, out.data, rows, width);
  return record('gatherRows', [table], out, (g, grads) => grads.addRows(0, idx, g.data, rows, width));
}
