/**
 * The same-work check of the PyTorch race, before any update, on one batch: both sides must
 * compute the same
 *   - per-task losses;
 *   - summed-loss gradient of every parameter (EW's step);
 *   - each task's gradient of the shared parameters (the rows of param mode's T x d matrix);
 *   - param mode's full gradient after GradCraft's combine (shared: combined; task groups:
 *     their own loss's gradient), and rep mode's after MultiBalance's (the combined
 *     representation gradient sent back through the bottom).
 * Tolerance, per parameter tensor, normwise: max |torch - mtlkit| / max |mtlkit|.
 *
 * The verdict comes from float64 copies of both models (the float32 weights, widened). In
 * float32 the two sides add in different orders, and that alone can move one pre-activation
 * across a ReLU's kink: a value of 2e-9 on one side is 0 on the other, so one sample's
 * gradient through that unit is on or off, and the embedding rows that sample touches differ
 * by O(1) of their few terms (seen with the native matmul: rel 5e-2 on an embedding table).
 * That is rounding, not different work, yet no float32 tolerance can tell the two apart. In
 * float64 the sums agree to about 1e-15, far below any pre-activation, so the masks agree and
 * any real difference (a missing term, a wrong layout, another combine) is still O(1). The
 * float32 comparison, the precision that is timed, is printed beside it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backward } from '../../src/autograd/backward.ts';
import type { TrainBatch } from '../../src/step/balanced-step.ts';
import { makeMtl, mtlGrads, type MtlSide } from './mtl-side.ts';
import type { TorchPeer } from './peer.ts';

/** float64: sums of 2048 products at 1e-16 each, the combines' small solves on top. */
export const TOL = { lossRel: 1e-12, gradRel: 1e-9 };
/** float32, informative: the summation-order noise (about sqrt(2048) 6e-8), with room. */
export const TOL32 = { lossRel: 1e-5, gradRel: 1e-4 };

export interface Diff {
  what: string;
  maxAbs: number;
  /** max |a - b| / max |b| over the tensor (normwise relative). */
  rel: number;
}

type Worst = Record<'loss' | 'sumGrad' | 'taskGrad' | 'gradcraft' | 'multibalance', Diff>;

export interface SameWork {
  /** The verdict: float64 within TOL. */
  pass: boolean;
  worst: Worst;
  /** The same comparison in float32 (informative; within TOL32 unless a kink flipped). */
  float32: { within: boolean; worst: Worst };
  lines: string[];
}

function diff(what: string, a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = b.length): Diff {
  let maxAbs = 0, ref = 0;
  for (let i = from; i < to; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
    ref = Math.max(ref, Math.abs(b[i]!));
  }
  return { what, maxAbs, rel: ref > 0 ? maxAbs / ref : maxAbs };
}

/** The worst tensor over mtlkit's layout (only the shared group with `sharedOnly`). */
function worstOver(s: MtlSide, label: string, theirs: ArrayLike<number>, ours: ArrayLike<number>, sharedOnly = false): Diff {
  let w: Diff = { what: '', maxAbs: 0, rel: 0 };
  for (const p of s.model.store.layout()) {
    if (sharedOnly && p.group !== 'shared') continue;
    const d = diff(`${label}${p.name}`, theirs, ours, p.offset, p.offset + p.shape.reduce((a, b) => a * b, 1));
    if (d.rel > w.rel || !w.what) w = d;
  }
  return w;
}

function readFloats(dir: string, name: string, wide: boolean): Float32Array | Float64Array {
  const b = readFileSync(join(dir, `${name}.${wide ? 'f64' : 'f32'}`));
  return wide ? new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
    : new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** One precision's comparison: `s` holds mtlkit's side in that precision. */
async function compare(s: MtlSide, peer: TorchPeer, dir: string, b: TrainBatch, bi: number): Promise<Worst> {
  const st = s.model.store, T = s.model.tasks, wide = st.dtype === 'float64';
  const theirLosses = (await peer.send({ cmd: 'check', batch: bi, dtype: st.dtype })).losses as number[];
  const read = (name: string): Float32Array | Float64Array => readFloats(dir, name, wide);
  // The gradients below are written here too, not only by mtlGrads: none is taken for zeros.
  s.gradsZeroed = false;
  st.zeroGrad();
  const ours = s.bce.losses(s.model.forward(b, { train: true }), b.labels, b.size).map((l) => l.item());
  mtlGrads(s, 'ew', b);
  const worst = { loss: diff('per-task losses', theirLosses, ours), sumGrad: worstOver(s, '', read('torch.sum'), st.grads) } as Worst;
  let tw: Diff = { what: '', maxAbs: 0, rel: 0 };
  for (let t = 0; t < T; t++) {
    st.zeroGrad();
    backward(s.bce.losses(s.model.forward(b, { train: true }), b.labels, b.size)[t]!);
    const d = worstOver(s, `task ${t}: `, read(`torch.task${t}`), st.grads, true);
    if (d.rel > tw.rel || !tw.what) tw = d;
  }
  worst.taskGrad = tw;
  mtlGrads(s, 'param', b);
  worst.gradcraft = worstOver(s, '', read('torch.param'), st.grads);
  mtlGrads(s, 'rep', b);
  worst.multibalance = worstOver(s, '', read('torch.rep'), st.grads);
  st.zeroGrad();
  s.param.balancer.reset();
  s.rep.balancer.reset();
  return worst;
}

const GRADS = ['sumGrad', 'taskGrad', 'gradcraft', 'multibalance'] as const;
const within = (w: Worst, tol: typeof TOL): boolean => w.loss.rel <= tol.lossRel && GRADS.every((k) => w[k].rel <= tol.gradRel);

function describe(w: Worst, tol: typeof TOL): string[] {
  const f = (d: Diff): string => `max abs ${d.maxAbs.toExponential(2)}, rel ${d.rel.toExponential(2)}${d.what && d.what !== 'per-task losses' ? ` (worst: ${d.what})` : ''}`;
  return [
    `    losses:                  ${f(w.loss)}  tol rel ${tol.lossRel}`,
    `    summed-loss grads:       ${f(w.sumGrad)}  tol rel ${tol.gradRel} (per tensor: max|diff| / max|mtlkit|)`,
    `    per-task shared grads:   ${f(w.taskGrad)}  tol rel ${tol.gradRel}`,
    `    param mode, GradCraft:   ${f(w.gradcraft)}  tol rel ${tol.gradRel}`,
    `    rep mode, MultiBalance:  ${f(w.multibalance)}  tol rel ${tol.gradRel}`,
  ];
}

/**
 * Runs the check on batch `bi` (written to `dir` by writeExchange): in float64 (the verdict),
 * on a float64 copy of `s`'s weights, then in float32 on `s` itself. Leaves both sides as they were.
 */
export async function sameWork(s: MtlSide, peer: TorchPeer, dir: string, batches: TrainBatch[], bi = 0): Promise<SameWork> {
  const b = batches[bi]!;
  const wide = makeMtl(s.shape, b.size, 'float64');
  wide.model.store.values.set(s.model.store.values);
  const worst = await compare(wide, peer, dir, b, bi);
  const narrow = await compare(s, peer, dir, b, bi);
  const pass = within(worst, TOL), narrowWithin = within(narrow, TOL32);
  const lines = [
    `  float64 (the verdict; the float32 weights widened on both sides): ${pass ? 'within' : 'OUTSIDE'} tolerance`,
    ...describe(worst, TOL),
    `  float32, as timed: ${narrowWithin ? 'within' : 'outside'} tolerance${narrowWithin ? '' : ' (rounding can move a ReLU input across 0 on one side and so switch one sample\'s gradient through it on or off; the float64 verdict tells that from different work)'}`,
    ...describe(narrow, TOL32),
  ];
  return { pass, worst, float32: { within: narrowWithin, worst: narrow }, lines };
}
