import type { Storage } from './backend.ts';
import { getBackend } from './backends/registry.ts';
import { broadcastStrides, formatShape, normAxes, sizeOf, splitAt, stridesOf, type Shape } from './shape.ts';
import { Tensor } from './tensor.ts';

/** Sum over `axes` (all when undefined); keepdims keeps them as size 1. */
export function sumAxes(t: Tensor, axes?: number | readonly number[], keepdims = false): Tensor {
  const ax = normAxes(axes, t.rank, 'sum');
  let cur = t;
  const shape = [...t.shape];
  // One kernel call per axis, highest axis first, so earlier axes keep their positions.
  for (let i = ax.length - 1; i >= 0; i--) {
    const [outer, len, inner] = splitAt(shape, ax[i]);
    shape[ax[i]] = 1;
    const next = Tensor.empty(shape, t.dtype);
    getBackend().sumAxis(cur.data, next.data, outer, len, inner);
    cur = next;
  }
  if (cur === t) cur = t.clone();
  return new Tensor(cur.data, keepdims ? shape : shape.filter((_, i) => !ax.includes(i)));
}

/**
 * dst (shape dstShape) += src (shape srcShape) summed over the axes where dst broadcasts.
 * This is the backward of broadcasting: one pass, no temporaries.
 */
export function reduceInto(src: Storage, srcShape: Shape, dst: Storage, dstShape: Shape): void {
  const n = sizeOf(srcShape);
  if (n === 0) return;
  if (sizeOf(dstShape) === n) {
    for (let i = 0; i < n; i++) dst[i] += src[i];
    return;
  }
  if (dstShape.length > srcShape.length) {
    throw new Error(`reduce: cannot reduce ${formatShape(srcShape)} to the larger rank ${formatShape(dstShape)}`);
  }
  const st = broadcastStrides(dstShape, srcShape);
  const rank = srcShape.length;
  const last = srcShape[rank - 1], ls = st[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let o = 0; o < n; o += last) {
    if (ls === 0) {
      let s = 0;
      for (let j = 0; j < last; j++) s += src[o + j];
      dst[off] += s;
    } else {
      for (let j = 0; j < last; j++) dst[off + j] += src[o + j];
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < srcShape[d]) break;
      off -= st[d] * srcShape[d];
      idx[d] = 0;
    }
  }
}

/** dst (shape dstShape) += scale * src broadcast from srcShape: the backward of a reduction. */
export function expandInto(src: Storage, srcShape: Shape, dst: Storage, dstShape: Shape, scale = 1): void {
  const n = sizeOf(dstShape);
  if (n === 0) return;
  const st = broadcastStrides(srcShape, dstShape);
  const rank = dstShape.length;
  if (rank === 0) {
    dst[0] += scale * src[0];
    return;
  }
  const last = dstShape[rank - 1], ls = st[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let o = 0; o < n; o += last) {
    if (ls === 0) {
      const v = scale * src[off];
      for (let j = 0; j < last; j++) dst[o + j] += v;
    } else {
      for (let j = 0; j < last; j++) dst[o + j] += scale * src[off + j];
    }
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < dstShape[d]) break;
      off -= st[d] * dstShape[d];
      idx[d] = 0;
    }
  }
}

