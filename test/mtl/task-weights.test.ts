import { describe, expect, it } from 'vitest';
import { createBalancer, diagnose, MoCo, MultiBalance, Rng } from '../../src/index.ts';
import { diagnosticsRecord } from '../../src/train/run-folder.ts';

const G = (s: number) => Float64Array.from([3 * s, 0, 1, 0.5 * s, -1, 2, 0, 0.2, 4]); // T = 3, d = 3

describe("lastInfo().taskWeights: a method's own task weights where they are not the row weights", () => {
  it('MultiBalance: taskWeights = lambda (on the simplex), weights = lambda_m / u_m, norms after = lambda_m |g_m| / u_m', () => {
    const mb = createBalancer('multibalance') as MultiBalance;
    for (let step = 0; step < 5; step++) {
      const g = G(1 + step);
      const out = mb.combine(g, 3, { step, rng: new Rng(1) });
      const info = mb.lastInfo()!;
      const lambda = Array.from(info.taskWeights!);
      expect(lambda).toEqual(Array.from(mb.weights()));
      expect(lambda.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const u = (mb.getState().u as number[]);
      for (let m = 0; m < 3; m++) expect(info.weights![m]).toBeCloseTo(lambda[m]! / u[m]!, 12);
      const dg = diagnose(g, 3, out, mb.lastInfo());
      expect(dg.taskWeights).toEqual(lambda);
      const n = [0, 1, 2].map((t) => Math.hypot(g[3 * t]!, g[3 * t + 1]!, g[3 * t + 2]!));
      for (let m = 0; m < 3; m++) expect(dg.normsAfter![m]).toBeCloseTo((lambda[m]! * n[m]!) / u[m]!, 12);
      const rec = diagnosticsRecord(step, 0, [1, 1, 1], dg);
      expect(rec.task_weights).toEqual(lambda);
      expect(rec.weights).toEqual(Array.from(info.weights!));
    }
  });

  it('MoCo reports its lambda; methods whose weights are the row weights report none', () => {
    const moco = createBalancer('moco') as MoCo;
    moco.combine(G(1), 3, { step: 0, rng: new Rng(1) });
    expect(Array.from(moco.lastInfo()!.taskWeights!)).toEqual(Array.from(moco.weights()));
    const mgda = createBalancer('mgda');
    const out = mgda.combine(G(1), 3, { step: 0, rng: new Rng(1) });
    expect(mgda.lastInfo()!.taskWeights ?? null).toBeNull();
    expect(diagnose(G(1), 3, out, mgda.lastInfo()).taskWeights).toBeNull();
  });
});
