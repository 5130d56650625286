import { formatShape, normAxis, sizeOf, splitAt, stridesOf, type Shape } from './shape.ts';
import type { Storage } from './backend.ts';
import { Tensor } from './tensor.ts';

/**
 * Layout functions on plain tensors (no autograd): reshape is a view, the others copy into
 * fresh contiguous storage. src/autograd wraps each as a differentiable op of the same name.
 */

/** Resolve one -1 in `shape` against `size`. */
export function inferShape(shape: Shape, size: number, op = 'reshape'): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free !== -1) {
    if (out.indexOf(-1, free + 1) !== -1) throw new Error(`${op}: at most one -1 in ${formatShape(shape)}`);
    const known = out.reduce((p, d, i) => (i === free ? p : p * d), 1);
    if (known === 0 || size % known !== 0) {
      throw new Error(`${op}: cannot infer -1 in ${formatShape(shape)} for ${size} elements`);
    }
    out[free] = size / known;
  }
  if (sizeOf(out) !== size) {
    throw new Error(`${op}: cannot view ${size} elements as ${formatShape(shape)} (${sizeOf(out)} elements); sizes must match`);
  }
  return out;
}

/** A view with a new shape over the same data (one dimension may be -1). */
export function reshapeTo(t: Tensor, shape: Shape): Tensor {
  return new Tensor(t.data, inferShape(shape, t.size));
}

/** Axes permuted (default: reversed), copied to contiguous storage. */
export function transposeTo(t: Tensor, perm?: readonly number[]): Tensor {
  const rank = t.rank;
  const p = perm ? perm.map((a) => normAxis(a, rank, 'transpose')) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || new Set(p).size !== rank) {
    throw new Error(`transpose: permutation [${perm?.join(', ')}] is not a permutation of ${rank} axes`);
  }
  const outShape = p.map((a) => t.shape[a]);
  const out = Tensor.empty(outShape, t.dtype);
  if (out.size === 0) return out;
  const inStrides = stridesOf(t.shape);
  const st = p.map((a) => inStrides[a]); // input stride per output axis
  const src = t.data, dst = out.data;
  if (rank <= 1) {
    dst.set(src);
    return out;
  }
  const last = outShape[rank - 1], ls = st[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let o = 0; o < out.size; o += last) {
    for (let j = 0; j < last; j++) dst[o + j] = src[off + j * ls];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += st[d];
      if (idx[d] < outShape[d]) break;
      off -= st[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Elements start..end-1 along `axis` (a copy). */
export function sliceAlong(t: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis(axis, t.rank, 'slice');
  const len = t.shape[ax];
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > len || start > end) {
    throw new Error(`slice: range [${start}, ${end}) is invalid for axis ${ax} of size ${len} in shape ${formatShape(t.shape)}; need 0 <= start <= end <= ${len}`);
  }
  const shape = [...t.shape];
  shape[ax] = end - start;
  const out = Tensor.empty(shape, t.dtype);
  const [outer, , inner] = splitAt(t.shape, ax);
  const w = (end - start) * inner;
  copyBlocks(t.data, start * inner, len * inner, out.data, 0, w, outer, w);
  return out;
}

/**
 * dst[dOff + o * dStride + j] = src[sOff + o * sStride + j] for o < count, j < w. Narrow
 * blocks (a [B, 1] FM column, a [B, 64] expert output) copy by index: a `set(subarray)` per
 * block costs a typed-array header each, which for thousands of short rows costs more than the
 * copy itself (docs/speed.md).
 */
export function copyBlocks(src: Storage, sOff: number, sStride: number, dst: Storage, dOff: number, dStride: number, count: number, w: number): void {
  if (w >= 256) {
    for (let o = 0; o < count; o++) dst.set(src.subarray(sOff + o * sStride, sOff + o * sStride + w), dOff + o * dStride);
    return;
  }
  for (let o = 0; o < count; o++) {
    const a = sOff + o * sStride, b = dOff + o * dStride;
    for (let j = 0; j < w; j++) dst[b + j] = src[a + j]!;
  }
}

/** Join tensors along `axis`; all other dimensions must agree. */
export function concatAlong(ts: readonly Tensor[], axis: number): Tensor {
  if (ts.length === 0) throw new Error('concat: need at least one tensor');
  const rank = ts[0].rank;
  const ax = normAxis(axis, rank, 'concat');
  for (const t of ts) {
    const ok = t.rank === rank && t.shape.every((d, i) => i === ax || d === ts[0].shape[i]);
    if (!ok) {
      throw new Error(`concat: shapes ${formatShape(ts[0].shape)} and ${formatShape(t.shape)} differ outside axis ${ax}; all other dimensions must match`);
    }
  }
  const total = ts.reduce((s, t) => s + t.shape[ax], 0);
  const shape = [...ts[0].shape];
  shape[ax] = total;
  const dtype = ts.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  const out = Tensor.empty(shape, dtype);
  const [outer, , inner] = splitAt(shape, ax);
  let at = 0;
  for (const t of ts) {
    const w = t.shape[ax] * inner;
    copyBlocks(t.data, 0, w, out.data, at, total * inner, outer, w);
    at += w;
  }
  return out;
}

/** Join same-shaped tensors along a new axis. */
export function stackAlong(ts: readonly Tensor[], axis = 0): Tensor {
  if (ts.length === 0) throw new Error('stack: need at least one tensor');
  const ax = normAxis(axis, ts[0].rank + 1, 'stack');
  const expanded = ts.map((t) => {
    if (t.rank !== ts[0].rank || !t.shape.every((d, i) => d === ts[0].shape[i])) {
      throw new Error(`stack: shapes ${formatShape(ts[0].shape)} and ${formatShape(t.shape)} differ; stack needs equal shapes`);
    }
    const s = [...t.shape];
    s.splice(ax, 0, 1);
    return reshapeTo(t, s);
  });
  return concatAlong(expanded, ax);
}
