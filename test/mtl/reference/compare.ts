/**
 * Runs one balancer and its reference side by side over cases and measures the error of each
 * step: |d_lib - d_ref| relative to the reference's sum of summand norms, or the reference's
 * own membership test where the answer is a set.
 */
import { createBalancer } from '../../../src/mtl/index.ts';
import type { Case } from './cases.ts';
import { references } from './index.ts';
import { Rng } from './rng.ts';

export interface StepResult {
  family: string;
  options: Record<string, unknown>;
  step: number;
  T: number;
  d: number;
  err: number;
  /** The reference's condition estimate of this step (1 when well-posed). */
  cond: number;
  /** The reference's answer hinges on a decision within rounding of its threshold. */
  borderline?: boolean;
  what: string;
}

export function runSequence(id: string, options: Record<string, unknown>, seq: Case[]): StepResult[] {
  const out: StepResult[] = [];
  const ref = references[id](options);
  let b: ReturnType<typeof createBalancer>;
  try {
    b = createBalancer(id, options);
  } catch (e) {
    const c = seq[0];
    return [{ family: c.family, options, step: c.step, T: c.G.length, d: c.G[0].length, cond: 1, err: Infinity, what: `threw: ${(e as Error).message}` }];
  }
  for (const c of seq) {
    const T = c.G.length, d = c.G[0].length;
    const G = new Float64Array(T * d);
    c.G.forEach((g, t) => G.set(g, t * d));
    const base = { family: c.family, options, step: c.step, T, d, cond: 1 };
    const r = ref.step(c.G.map((g) => Float64Array.from(g)), { losses: c.losses, step: c.step, epoch: c.epoch, rng: new Rng(c.seed) });
    let lib: Float64Array;
    try {
      lib = b.combine(G, T, { losses: c.losses, step: c.step, epoch: c.epoch, rng: new Rng(c.seed) });
    } catch (e) {
      out.push({ ...base, err: Infinity, what: `threw: ${(e as Error).message}` });
      return out;
    }
    const info = b.lastInfo();
    if (r.infeasible) {
      // No solution exists: the library must say so instead of returning a silent answer.
      const said = (info?.notes.length ?? 0) > 0;
      out.push({ ...base, err: said ? 0 : Infinity, what: said ? 'infeasible, noted' : 'infeasible, no note' });
      return out;
    }
    let err: number;
    if (r.accept) err = r.accept(lib, info?.weights ?? null);
    else {
      let s = 0;
      for (let k = 0; k < d; k++) s += (lib[k] - r.d![k]) ** 2;
      err = r.scale > 0 ? Math.sqrt(s) / r.scale : Math.sqrt(s) === 0 ? 0 : Infinity;
    }
    out.push({ ...base, cond: r.cond ?? 1, ...(r.borderline ? { borderline: true } : {}), err: Number.isNaN(err) ? Infinity : err, what: r.accept ? 'set' : 'point' });
  }
  return out;
}
