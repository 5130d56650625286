import { describe, expect, it } from 'vitest';
import { avA, avG, compareToSingle, evaluateTasks, riA, riG } from '../../src/metrics/index.ts';

describe("the paper's averages (eq. 12-15)", () => {
  it('AV and RI by hand', () => {
    expect(avA([0.7, 0.8, 0.9])).toBeCloseTo(0.8, 12);
    expect(avG([0.6, null])).toBeNull();
    expect(riA([0.77, 0.88], [0.7, 0.8])).toBeCloseTo(0.1, 12);
    expect(riG([0.7], [0.7])).toBe(0);
    expect(riA([0.7], [null])).toBeNull();
    expect(() => riA([0.7], [0.7, 0.8])).toThrow(/Single/);
  });

  it('evaluateTasks scores row-major rows x T columns and compares to Single', () => {
    const labels = Float32Array.from([1, 0, 0, 1, 1, 1, 0, 0]); // 4 rows x 2 tasks
    const preds = Float32Array.from([0.9, 0.2, 0.1, 0.8, 0.7, 0.6, 0.3, 0.1]);
    const users = Int32Array.from([1, 1, 2, 2]);
    const r = evaluateTasks({ taskNames: ['a', 'b'], labels, preds, users });
    expect(r.tasks.map((t) => t.auc)).toEqual([1, 1]);
    expect(r.tasks[0].positives).toBe(2);
    expect(r.avA).toBe(1);
    const single = evaluateTasks({ taskNames: ['b', 'a'], labels: Float32Array.from([0, 1, 1, 0, 1, 1, 0, 0]), preds: Float32Array.from([0.9, 0.2, 0.1, 0.8, 0.7, 0.6, 0.3, 0.1]), users });
    const c = compareToSingle(r, single);
    expect(c.riA).not.toBeNull();
    expect(() => compareToSingle(r, evaluateTasks({ taskNames: ['x', 'y'], labels, preds }))).toThrow(/no task "a"/);
  });
});
