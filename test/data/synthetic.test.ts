import { describe, expect, it } from 'vitest';
import { describeDataset, generateSynthetic, durationBucket } from '../../src/data/index.ts';

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
