import { describe, expect, it } from 'vitest';
import { kinkFreeRows, subBatch } from '../../bench/tfjs/kink-free.ts';
import { createModel } from '../../src/nn/models/presets.ts';
import { setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';

describe('compare-tfjs kink-free check rows', () => {
  const F = 4, V = 50, T = 6, B = 96;
  const rng = new Rng(3);
  const cat = Int32Array.from({ length: B * F }, () => rng.int(1, V));
  const labels = Float32Array.from({ length: B * T }, () => (rng.bernoulli(0.3) ? 1 : 0));
  const batch = { size: B, cat, labels };

  it('keeps the rows whose every ReLU pre-activation keeps delta of its absolute terms from 0', () => {
    setBackend('wasm');
    const m32 = createModel('ple-lite', { fields: F, vocab: V, tasks: T, seed: 5 });
    const m64 = createModel('ple-lite', { fields: F, vocab: V, tasks: T, seed: 5, dtype: 'float64' });
    m64.store.values.set(m32.store.values);
    expect(() => kinkFreeRows(m32, batch, 1e-4)).toThrow(/must be float64/);
    const all = kinkFreeRows(m64, batch, 0);
    // 7 experts 256-128-64 and 6 towers 32-16 with ReLU (the towers' last layer has none).
    expect(all.units).toBe(7 * (256 + 128 + 64) + 6 * (32 + 16));
    expect(all.rows).toEqual(Array.from({ length: B }, (_, r) => r));
    const some = kinkFreeRows(m64, batch, 1e-4);
    expect(some.rows.length).toBeGreaterThan(0);
    expect(some.rows.length).toBeLessThan(B);
    expect(some.minMargin).toBe(all.minMargin);
    expect(some.minMargin).toBeLessThan(1e-4);
    // A row is kept at delta exactly when its margin is >= delta: monotone in delta.
    const fewer = kinkFreeRows(m64, batch, 1e-3);
    expect(fewer.rows.every((r) => some.rows.includes(r))).toBe(true);
    expect(kinkFreeRows(m64, batch, Infinity).rows).toEqual([]);
  });

  it('subBatch takes the rows of ids and labels in order', () => {
    const s = subBatch(batch, [2, 5, 95]);
    expect(s.size).toBe(3);
    expect(Array.from(s.cat)).toEqual([...cat.subarray(8, 12), ...cat.subarray(20, 24), ...cat.subarray(380, 384)]);
    expect(Array.from(s.labels)).toEqual([...labels.subarray(12, 18), ...labels.subarray(30, 36), ...labels.subarray(570, 576)]);
  });
});
