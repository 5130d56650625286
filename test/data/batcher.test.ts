import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Batcher, generateSynthetic, sequentialBatches, splitDataset, splitIndices } from '../../src/data/index.ts';

const ds = generateSynthetic({ rows: 1037, users: 50, items: 80, seed: 3 });

function collect(b: Batcher, batches: number): number[][] {
  const out: number[][] = [];
  while (out.length < batches) {
    const x = b.next();
    if (x) out.push(Array.from(x.index));
  }
  return out;
}

describe('Batcher', () => {
  it('visits every row once per epoch, reshuffled each epoch, with the last partial batch kept', () => {
    const b = new Batcher(ds, { batchSize: 100, seed: 1 });
    expect(b.batchesPerEpoch).toBe(11);
    const e0: number[] = [];
    for (const x of b.epochBatches()) e0.push(x.size);
    expect(e0).toEqual([...Array(10).fill(100), 37]);
    const b2 = new Batcher(ds, { batchSize: 100, seed: 1 });
    const first = collect(b2, 11).flat();
    expect([...first].sort((x, y) => x - y)).toEqual([...Array(ds.rows).keys()]);
    const second = collect(b2, 11).flat();
    expect(second).not.toEqual(first);
    expect(b2.epoch).toBe(1);
  });

  it("drops the partial batch with lastBatch 'drop'", () => {
    const b = new Batcher(ds, { batchSize: 100, seed: 1, lastBatch: 'drop' });
    expect([...b.epochBatches()].length).toBe(10);
  });

  it('fills batches with the rows named by index and reuses its buffers', () => {
    const b = new Batcher(ds, { batchSize: 64, seed: 9 });
    const x = b.next()!;
    const cat = x.cat;
    const F = ds.fields.length, T = ds.taskNames.length, D = ds.denseNames.length;
    for (let i = 0; i < x.size; i++) {
      const r = x.index[i];
      expect(Array.from(x.cat.subarray(i * F, i * F + F))).toEqual(Array.from(ds.cat.subarray(r * F, r * F + F)));
      expect(Array.from(x.labels.subarray(i * T, i * T + T))).toEqual(Array.from(ds.labels.subarray(r * T, r * T + T)));
      expect(Array.from(x.dense.subarray(i * D, i * D + D))).toEqual(Array.from(ds.dense.subarray(r * D, r * D + D)));
      expect(x.users![i]).toBe(ds.users![r]);
    }
    expect(b.next()!.cat).toBe(cat);
  });

  it('is deterministic per seed and resumes exactly from a saved state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 40 }), fc.integer(), fc.boolean(), (B, k, seed, drop) => {
        const opts = { batchSize: B, seed, lastBatch: drop ? ('drop' as const) : ('keep' as const) };
        const a = new Batcher(ds, opts);
        collect(a, k);
        const saved = JSON.parse(JSON.stringify(a.state()));
        const rest = collect(a, 12);
        const c = new Batcher(ds, opts);
        c.setState(saved);
        expect(collect(c, 12)).toEqual(rest);
        expect(collect(new Batcher(ds, opts), k + 12).slice(k)).toEqual(rest);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a state from a different setup', () => {
    const s = new Batcher(ds, { batchSize: 10 }).state();
    expect(() => new Batcher(ds, { batchSize: 11 }).setState(s)).toThrow(/batchSize=10/);
  });

  it('sequentialBatches yields all rows in order', () => {
    const idx: number[] = [];
    for (const b of sequentialBatches(ds, 256)) idx.push(...b.index);
    expect(idx).toEqual([...Array(ds.rows).keys()]);
  });
});

describe('split', () => {
  it('is a seeded 8:1:1 partition', () => {
    const s = splitIndices(1000, { seed: 4 });
    expect([s.train.length, s.valid.length, s.test.length]).toEqual([800, 100, 100]);
    const all = [...s.train, ...s.valid, ...s.test].sort((a, b) => a - b);
    expect(all).toEqual([...Array(1000).keys()]);
    expect(splitIndices(1000, { seed: 4 }).valid).toEqual(s.valid);
    expect(splitIndices(1000, { seed: 5 }).valid).not.toEqual(s.valid);
    const d = splitDataset(ds, { seed: 4 });
    expect(d.train.rows + d.valid.rows + d.test.rows).toBe(ds.rows);
    expect(d.train.fields).toEqual(ds.fields);
  });
});
