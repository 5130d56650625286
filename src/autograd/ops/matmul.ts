import type { Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { formatShape } from '../../tensor/shape.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../node.ts';
import { promote } from './util.ts';

export interface MatmulOptions {
  /** Use aᵀ: a is stored k x m. */
  transA?: boolean;
  /** Use bᵀ: b is stored n x k. */
  transB?: boolean;
}

/**
 * C = op(a) · op(b) for 2-D operands, or batched over a leading axis ([B, m, k] · [B, k, n],
 * or [B, m, k] · [k, n]). Transposed operands are read in place, in forward and backward:
 * each of the four forms maps its two gradients onto two more in-place matmuls that
 * accumulate straight into the input gradients.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const tA = opts.transA ?? false, tB = opts.transB ?? false;
  if (a.rank === 3 && b.rank === 2 && !tA) {
    // A shared right operand: one big 2-D matmul over the flattened batch.
    const [bs, m, k] = a.shape;
    const flat = reshapeView(a, [bs * m, k]);
    const c = matmul(flat, b, opts);
    return reshapeView(c, [bs, m, c.shape[1]]);
  }
  const batched = a.rank === 3 && b.rank === 3;
  if (!batched && (a.rank !== 2 || b.rank !== 2)) {
    throw new Error(`matmul: expected 2-D operands (or 3-D batches) but got ${formatShape(a.shape)} and ${formatShape(b.shape)}; reshape them first`);
  }
  const nb = batched ? a.shape[0] : 1;
  if (batched && b.shape[0] !== nb) {
    throw new Error(`matmul: batch sizes differ in ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const ar = a.shape.slice(batched ? 1 : 0), br = b.shape.slice(batched ? 1 : 0);
  const m = tA ? ar[1] : ar[0], k = tA ? ar[0] : ar[1];
  const kb = tB ? br[1] : br[0], n = tB ? br[0] : br[1];
  if (k !== kb) {
    throw new Error(
      `matmul: inner dimensions differ: ${formatShape(a.shape)}${tA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${tB ? 'ᵀ' : ''} ` +
        `gives ${k} vs ${kb}; the contracted sizes must match`,
    );
  }
  const out = Tensor.empty(batched ? [nb, m, n] : [m, n], promote(a, b));
  const be = getBackend();
  const sa = m * k, sb = k * n, sc = m * n;
  const part = (s: Storage, i: number, len: number): Storage => (batched ? s.subarray(i * len, i * len + len) : s);
  for (let i = 0; i < nb; i++) {
    be.matmul(part(a.data, i, sa), part(b.data, i, sb), part(out.data, i, sc), m, k, n, tA, tB, false);
  }
  return record('matmul', [a, b], out, (g, grads) => {
    const needA = grads.needs(0), needB = grads.needs(1);
    const dA = needA ? grads.buffer(0) : null, dB = needB ? grads.buffer(1) : null;
    for (let i = 0; i < nb; i++) {
      const A = part(a.data, i, sa), B = part(b.data, i, sb), G = part(g.data, i, sc);
      if (dA) {
        const d = part(dA, i, sa);
        if (!tA && !tB) be.matmul(G, B, d, m, n, k, false, true, true); // dA = G Bᵀ
        else if (tA && !tB) be.matmul(B, G, d, k, n, m, false, true, true); // dA = B Gᵀ
        else if (!tA && tB) be.matmul(G, B, d, m, n, k, false, false, true); // dA = G B
        else be.matmul(B, G, d, k, n, m, true, true, true); // dA = Bᵀ Gᵀ
      }
      if (dB) {
        const d = part(dB, i, sb);
        if (!tA && !tB) be.matmul(A, G, d, k, m, n, true, false, true); // dB = Aᵀ G
        else if (tA && !tB) be.matmul(A, G, d, k, m, n, false, false, true); // dB = A G
        else if (!tA && tB) be.matmul(G, A, d, n, m, k, true, false, true); // dB = Gᵀ A
        else be.matmul(G, A, d, n, m, k, true, true, true); // dB = Gᵀ Aᵀ
      }
    }
  });
}

/** Differentiable view with a new shape (local to avoid an import cycle with layout ops). */
function reshapeView(t: Tensor, shape: number[]): Tensor {
  const out = new Tensor(t.data, shape);
  return record('reshape', [t], out, (g, grads) => grads.add(0, new Tensor(g.data, t.shape)));
}
