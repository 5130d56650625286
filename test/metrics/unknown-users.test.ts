import { describe, expect, it } from 'vitest';
import { evaluateTasks, gauc } from '../../src/metrics/index.ts';

describe('rows without a known user are left out of GAUC, and counted', () => {
  it('gauc({exclude}) drops that id\'s rows instead of pooling them into one pseudo-user', () => {
    // Users 1 and 2 have AUC 1; the unknown id -1 would add a pseudo-user with AUC 0.
    const users = [1, 1, 2, 2, -1, -1];
    const labels = [1, 0, 1, 0, 1, 0];
    const preds = [0.9, 0.1, 0.8, 0.2, 0.1, 0.9];
    expect(gauc(users, labels, preds).gauc).toBeCloseTo(4 / 6, 12);
    const r = gauc(users, labels, preds, { exclude: -1 });
    expect(r).toEqual({ gauc: 1, usersUsed: 2, usersTotal: 2, rowsUsed: 4, rowsExcluded: 2 });
    expect(gauc(users, labels, preds, { exclude: 5 }).rowsExcluded).toBe(0);
  });

  it('evaluateTasks leaves out the Dataset\'s unknown user 0, and says how many tasks the mean AUC covers', () => {
    // 6 rows x 2 tasks; task b is all 0 (no AUC).
    const labels = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    const preds = Float32Array.from([0.9, 0.5, 0.1, 0.5, 0.8, 0.5, 0.2, 0.5, 0.1, 0.5, 0.9, 0.5]);
    const users = Int32Array.from([1, 1, 2, 2, 0, 0]);
    const r = evaluateTasks({ taskNames: ['a', 'b'], labels, preds, users });
    expect(r.tasks[0].gauc).toBe(1);
    expect(r.tasks[0].gaucRowsExcluded).toBe(2);
    expect(r.tasks[0].usersUsed).toBe(2);
    expect(r.tasks[1].auc).toBeNull();
    expect(r.avA).toBeNull();
    expect(r.meanAuc).toBe(r.tasks[0].auc);
    expect(r.meanAucTasks).toBe(1);
    const all = evaluateTasks({ taskNames: ['a'], labels: labels.filter((_, i) => i % 2 === 0), preds: preds.filter((_, i) => i % 2 === 0) });
    expect([all.meanAuc, all.meanAucTasks]).toEqual([all.avA, 1]);
  });
});
