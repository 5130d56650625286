import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { auc, gauc } from '../../src/metrics/index.ts';

describe('gauc', () => {
  it('equals the hand-computed impression-weighted mean over users with both classes', () => {
    // user 7: labels 1,0,0 preds .9,.1,.5 -> AUC 1, 3 rows
    // user 3: labels 1,0,1,0 preds .2,.6,.7,.6 -> pairs (0.2:0.6 bad x2, 0.7:0.6 good x2) -> 0.5, 4 rows
    // user 9: labels 1,1 -> skipped (one class)
    // user 4: labels 0,1 preds .3,.3 -> tie -> 0.5, 2 rows
    const users = [7, 3, 7, 9, 3, 7, 3, 9, 3, 4, 4];
    const labels = [1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1];
    const preds = [0.9, 0.2, 0.1, 0.5, 0.6, 0.5, 0.7, 0.1, 0.6, 0.3, 0.3];
    const r = gauc(users, labels, preds);
    expect(r.usersUsed).toBe(3);
    expect(r.usersTotal).toBe(4);
    expect(r.rowsUsed).toBe(9);
    expect(r.gauc).toBeCloseTo((3 * 1 + 4 * 0.5 + 2 * 0.5) / 9, 12);
  });

  it('matches per-user auc averaged by brute force, for dense and sparse user ids', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 6 })), {
          maxLength: 80,
        }),
        fc.boolean(),
        (rows, sparse) => {
          const users = rows.map((r) => (sparse ? r[0] * 1e9 - 3.5 : r[0]));
          const y = rows.map((r) => r[1]);
          const p = rows.map((r) => r[2] / 6);
          let w = 0, s = 0, used = 0;
          for (const u of new Set(users)) {
            const idx = users.map((v, i) => (v === u ? i : -1)).filter((i) => i >= 0);
            const a = auc(idx.map((i) => y[i]), idx.map((i) => p[i]));
            if (a === null) continue;
            s += idx.length * a;
            w += idx.length;
            used++;
          }
          const r = gauc(users, y, p);
          expect(r.usersUsed).toBe(used);
          if (used === 0) expect(r.gauc).toBeNull();
          else expect(r.gauc).toBeCloseTo(s / w, 12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is null when no user has both classes', () => {
    expect(gauc([1, 2], [0, 1], [0.1, 0.2]).gauc).toBeNull();
  });
});
