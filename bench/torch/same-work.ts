/**
 * The same-work check of the PyTorch race, before any update, on one batch: both sides must
 * compute, within float32 rounding,
 *   - the per-task losses;
 *   - the summed-loss gradient of every parameter (EW's step);
 *   - each task's gradient of the shared parameters (the rows of param mode's T x d matrix);
 *   - param mode's full gradient after GradCraft's combine (shared: combined; task groups:
 *     their own loss's gradient), and rep mode's after MultiBalance's (the combined
 *     representation gradient sent back through the bottom).
 * Tolerance, per parameter tensor, normwise: max |torch - mtlkit| / max |mtlkit|. Both sides
 * are float32 with different summation orders (batch sums of 2048 terms, BLAS blocking):
 * that puts about sqrt(2048) * 6e-8 = 3e-6 on a gradient; 1e-4 leaves room for the combines'
 * small solves, while any real difference (a missing term, a wrong layout) is O(1).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backward } from '../../src/autograd/backward.ts';
import type { TrainBatch } from '../../src/step/balanced-step.ts';
import { mtlGrads, type MtlSide } from './mtl-side.ts';
import type { TorchPeer } from './peer.ts';

export const TOL = { lossRel: 1e-5, gradRel: 1e-4 };

export interface Diff {
  what: string;
  maxAbs: number;
  /** max |a - b| / max |b| over the tensor (normwise relative). */
  rel: number;
}

export interface SameWork {
  pass: boolean;
  worst: Record<'loss' | 'sumGrad' | 'taskGrad' | 'gradcraft' | 'multibalance', Diff>;
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
function worstOver(s: MtlSide, label: string, theirs: Float32Array, ours: ArrayLike<number>, sharedOnly = false): Diff {
  let w: Diff = { what: '', maxAbs: 0, rel: 0 };
  for (const p of s.model.store.layout()) {
    if (sharedOnly && p.group !== 'shared') continue;
    const d = diff(`${label}${p.name}`, theirs, ours, p.offset, p.offset + p.shape.reduce((a, b) => a * b, 1));
    if (d.rel > w.rel || !w.what) w = d;
  }
  return w;
}

const readF32 = (dir: string, name: string): Float32Array => {
  const b = readFileSync(join(dir, name));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

/** Runs the check on batch `bi` (written to `dir` by writeExchange); leaves both sides as they were. */
export async function sameWork(s: MtlSide, peer: TorchPeer, dir: string, batches: TrainBatch[], bi = 0): Promise<SameWork> {
  const st = s.model.store, b = batches[bi]!, T = s.model.tasks;
  const theirLosses = (await peer.send({ cmd: 'check', batch: bi })).losses as number[];

  st.zeroGrad();
  const lossT = s.bce.losses(s.model.forward(b, { train: true }), b.labels, b.size);
  const ours = lossT.map((l) => l.item());
  mtlGrads(s, 'ew', b);
  const worst = {
    loss: diff('per-task losses', theirLosses, ours),
    sumGrad: worstOver(s, '', readF32(dir, 'torch.sum.f32'), st.grads),
  } as SameWork['worst'];
  let tw: Diff = { what: '', maxAbs: 0, rel: 0 };
  for (let t = 0; t < T; t++) {
    st.zeroGrad();
    backward(s.bce.losses(s.model.forward(b, { train: true }), b.labels, b.size)[t]!);
    const d = worstOver(s, `task ${t}: `, readF32(dir, `torch.task${t}.f32`), st.grads, true);
    if (d.rel > tw.rel || !tw.what) tw = d;
  }
  worst.taskGrad = tw;
  mtlGrads(s, 'param', b);
  worst.gradcraft = worstOver(s, '', readF32(dir, 'torch.param.f32'), st.grads);
  mtlGrads(s, 'rep', b);
  worst.multibalance = worstOver(s, '', readF32(dir, 'torch.rep.f32'), st.grads);
  st.zeroGrad();
  s.param.balancer.reset();
  s.rep.balancer.reset();

  const pass = worst.loss.rel <= TOL.lossRel && (['sumGrad', 'taskGrad', 'gradcraft', 'multibalance'] as const).every((k) => worst[k].rel <= TOL.gradRel);
  const f = (d: Diff): string => `max abs ${d.maxAbs.toExponential(2)}, rel ${d.rel.toExponential(2)}${d.what && d.what !== 'per-task losses' ? ` (worst: ${d.what})` : ''}`;
  const lines = [
    `  losses mtlkit [${ours.map((x) => x.toFixed(6)).join(', ')}]`,
    `  losses:                  ${f(worst.loss)}  tol rel ${TOL.lossRel}`,
    `  summed-loss grads:       ${f(worst.sumGrad)}  tol rel ${TOL.gradRel} (per tensor: max|diff| / max|mtlkit|)`,
    `  per-task shared grads:   ${f(worst.taskGrad)}  tol rel ${TOL.gradRel}`,
    `  param mode, GradCraft:   ${f(worst.gradcraft)}  tol rel ${TOL.gradRel}`,
    `  rep mode, MultiBalance:  ${f(worst.multibalance)}  tol rel ${TOL.gradRel}`,
  ];
  return { pass, worst, lines };
}
