import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeDataset, generateSynthetic, durationBucket } from '../../src/data/index.ts';
import { contextLoadings, sparseRate, SyntheticDialError } from '../../src/data/synthetic-dial.ts';
import type { SyntheticOptions } from '../../src/data/synthetic.ts';
import { CONFLICT_DIAL } from '../../src/train/conflict-curve.ts';

describe('generateSynthetic', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = generateSynthetic({ rows: 3000, users: 200, items: 400, seed: 11 });
    const b = generateSynthetic({ rows: 3000, users: 200, items: 400, seed: 11 });
    const c = generateSynthetic({ rows: 3000, users: 200, items: 400, seed: 12 });
    expect(a.cat).toEqual(b.cat);
    expect(a.labels).toEqual(b.labels);
    expect(a.dense).toEqual(b.dense);
    expect(a.users).toEqual(b.users);
    expect(a.cat).not.toEqual(c.cat);
  });

  it('has the documented layout, id ranges and positive rates', () => {
    const ds = generateSynthetic({ rows: 20_000, users: 500, items: 2000 });
    expect(ds.taskNames).toEqual(['ev', 'lv', 'cv', 'like', 'follow', 'forward']);
    expect(ds.fields.map((f) => f.name)).toEqual([
      'user_id', 'item_id', 'author_id', 'device', 'user_age', 'user_gender', 'item_category', 'duration_bucket',
    ]);
    expect(ds.cat.length).toBe(20_000 * 8);
    expect(ds.labels.length).toBe(20_000 * 6);
    expect(ds.dense.length).toBe(20_000 * 2);
    for (let r = 0; r < ds.rows; r++) expect(ds.users![r]).toBe(ds.cat[r * 8]);
    const rates = describeDataset(ds).positiveRates;
    expect(rates.ev).toBeCloseTo(0.5, 2);
    expect(rates.lv).toBeCloseTo(0.25, 2);
    expect(rates.cv).toBeCloseTo(0.3, 2);
    expect(rates.like).toBeCloseTo(0.035, 3);
    expect(rates.follow).toBeCloseTo(0.007, 3);
    expect(rates.forward).toBeCloseTo(0.012, 3);
    // LV (top 25% of watch time) implies EV (top 50%).
    for (let r = 0; r < ds.rows; r++) if (ds.labels[r * 6 + 1] === 1) expect(ds.labels[r * 6]).toBe(1);
    // Id 0 is reserved: the generator never emits it.
    expect(ds.cat.every((v) => v > 0)).toBe(true);
  });

  it('honours the knobs: tasks, rates, no dense', () => {
    const ds = generateSynthetic({ rows: 5000, users: 100, items: 300, tasks: ['like', 'cv'], positiveRates: { like: 0.1 }, dense: false });
    expect(ds.taskNames).toEqual(['like', 'cv']);
    expect(ds.denseNames).toEqual([]);
    expect(describeDataset(ds).positiveRates.like).toBeCloseTo(0.1, 2);
    expect(generateSynthetic({ rows: 100, users: 10, items: 10, tasks: 2 }).taskNames).toEqual(['ev', 'lv']);
    expect(() => generateSynthetic({ rows: 0 })).toThrow(/rows/);
    expect(() => generateSynthetic({ rows: 10, positiveRates: { ev: 1 } })).toThrow(/positive rate of ev/);
  });

  it('buckets durations by the documented edges', () => {
    expect(durationBucket(1)).toBe(1);
    expect(durationBucket(7)).toBe(1);
    expect(durationBucket(7.5)).toBe(2);
    expect(durationBucket(500)).toBe(8);
  });
});

describe('generateSynthetic dials', () => {
  // Hashes of the data the generator gave before the dials existed (commit 3b7818f): options
  // that leave the dials unset must keep every byte.
  const hash = (o: Parameters<typeof generateSynthetic>[0]): string => {
    const d = generateSynthetic(o);
    const h = createHash('sha256');
    for (const a of [d.cat, d.dense, d.labels, d.users!]) h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    h.update(d.name);
    return h.digest('hex').slice(0, 16);
  };

  it('leaves the data byte-identical when the dials are unset', () => {
    expect(hash({ rows: 4000, users: 300, items: 800 })).toBe('7aadb7c5ac5d4a38');
    expect(hash({ rows: 4000, users: 300, items: 800, conflict: 2, noise: 0.5, seed: 7 })).toBe('e3e5a2f8d7b3f08b');
    expect(hash({ rows: 3000, users: 100, items: 300, tasks: ['like', 'cv'], positiveRates: { like: 0.1 }, dense: false })).toBe('e097d93ccef738d5');
    // sparsity 1 and context 0 are the identity.
    const a = generateSynthetic({ rows: 4000, users: 300, items: 800 });
    const b = generateSynthetic({ rows: 4000, users: 300, items: 800, sparsity: 1, context: 0 });
    expect(b.labels).toEqual(a.labels);
  });

  it('gives context loadings with the asked pairwise correlation, and refuses an impossible one', () => {
    for (const rho of [1, 0.5, 0, -0.2]) {
      const v = contextLoadings(rho);
      for (let s = 0; s < 6; s++) {
        for (let t = 0; t < 6; t++) {
          let d = 0;
          for (let j = 0; j < 6; j++) d += v[s * 6 + j]! * v[t * 6 + j]!;
          expect(d).toBeCloseTo(s === t ? 1 : rho, 12);
        }
      }
    }
    expect(() => contextLoadings(-0.5)).toThrow(SyntheticDialError);
    expect(() => generateSynthetic({ rows: 100, users: 10, items: 10, context: 0.5, contextCorrelation: -0.3 })).toThrow(/contextCorrelation/);
    expect(() => generateSynthetic({ rows: 100, users: 10, items: 10, context: 1.5 })).toThrow(/context/);
    expect(() => generateSynthetic({ rows: 100, users: 10, items: 10, sparsity: -1 })).toThrow(/sparsity/);
  });

  it('makes the correlation of the task labels follow rho, monotone', () => {
    const corr = (dial: SyntheticOptions): number => {
      const ds = generateSynthetic({ rows: 20_000, users: 300, items: 800, sparsity: 0, seed: 3, ...dial });
      // Mean phi coefficient over the 15 task pairs (every rate is 0.5 at sparsity 0).
      let s = 0, n = 0;
      for (let a = 0; a < 6; a++) {
        for (let b = a + 1; b < 6; b++) {
          let both = 0;
          for (let r = 0; r < ds.rows; r++) both += ds.labels[r * 6 + a]! * ds.labels[r * 6 + b]!;
          s += (both / ds.rows - 0.25) / 0.25;
          n++;
        }
      }
      return s / n;
    };
    const cs = [1, 0.5, 0, -0.2].map((rho) => corr({ context: 0.8, contextCorrelation: rho }));
    for (let i = 1; i < cs.length; i++) expect(cs[i]!).toBeLessThan(cs[i - 1]! - 0.05);
    expect(cs[0]!).toBeGreaterThan(0.5);
    expect(cs[3]!).toBeLessThan(0);
    // At the conflict dial's settings the latent correlation of two tasks' scores is
    // (1 - w) + w rho (agreement 1 makes the world's part common); median splits turn a latent
    // correlation c into the phi coefficient (2 / pi) asin(c).
    for (const rho of [1, -0.2]) {
      const w = CONFLICT_DIAL.context;
      expect(corr({ ...CONFLICT_DIAL, contextCorrelation: rho })).toBeCloseTo((2 / Math.PI) * Math.asin(1 - w + w * rho), 1.5);
    }
  });

  it('moves the positive rates with sparsity: 0 balanced, 2 sparser', () => {
    const rates = (s: number) => describeDataset(generateSynthetic({ rows: 20_000, users: 300, items: 800, sparsity: s })).positiveRates;
    const r0 = rates(0), r2 = rates(2);
    for (const t of ['ev', 'lv', 'cv', 'like', 'follow', 'forward']) expect(r0[t]).toBeCloseTo(0.5, 2);
    expect(r2.follow).toBeCloseTo(0.5 * (0.007 / 0.5) ** 2, 4);
    expect(r2.lv).toBeCloseTo(0.125, 2);
    expect(sparseRate(0.007, 1)).toBe(0.007);
  });

  it('draws the context for all six tasks, so a task subset keeps its labels', () => {
    const o = { rows: 3000, users: 100, items: 300, context: 0.6, contextCorrelation: 0.3 };
    const all = generateSynthetic(o);
    const sub = generateSynthetic({ ...o, tasks: ['like'] });
    for (let r = 0; r < 3000; r++) expect(sub.labels[r]).toBe(all.labels[r * 6 + 3]);
  });
});
