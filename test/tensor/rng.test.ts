import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/tensor/rng.ts';

describe('Rng (xoshiro128**)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const a = new Rng(seed), b = new Rng(seed), c = new Rng(seed + 1);
        const xa = Array.from({ length: 8 }, () => a.nextU32());
        const xb = Array.from({ length: 8 }, () => b.nextU32());
        const xc = Array.from({ length: 8 }, () => c.nextU32());
        expect(xa).toEqual(xb);
        expect(xa).not.toEqual(xc);
      }),
    );
  });

  it('fillU32 continues the nextU32 stream exactly (any count, then single draws again)', () => {
    const a = new Rng(123), b = new Rng(123);
    for (const count of [0, 1, 7, 1000]) {
      const buf = new Uint32Array(count + 3);
      b.fillU32(buf, count);
      for (let i = 0; i < count; i++) expect(buf[i]).toBe(a.nextU32());
      expect(buf[count]).toBe(0); // past count: untouched
      expect(b.nextU32()).toBe(a.nextU32());
    }
    expect(() => b.fillU32(new Uint32Array(2), 3)).toThrow(/count 3 exceeds the buffer's 2/);
  });

  it('gives uniforms in [0,1) with the right mean and normals with the right moments', () => {
    const r = new Rng(5277);
    let s = 0, m = 0, v = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      const z = r.normal();
      m += z;
      v += z * z;
    }
    expect(s / n).toBeCloseTo(0.5, 2);
    expect(m / n).toBeCloseTo(0, 2);
    expect(v / n).toBeCloseTo(1, 1);
  });

  it('int stays in range and hits every value', () => {
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const k = r.int(-3, 4);
      expect(k).toBeGreaterThanOrEqual(-3);
      expect(k).toBeLessThan(4);
      seen.add(k);
    }
    expect(seen.size).toBe(7);
    expect(() => r.int(2, 2)).toThrow(/lo < hi/);
  });

  it('state round-trips and fork is reproducible without advancing the parent', () => {
    const r = new Rng(9);
    r.normal();
    const st = r.getState();
    const before = r.fork('dropout').nextU32();
    const x = r.nextU32();
    r.setState(JSON.parse(JSON.stringify(st)));
    expect(r.fork('dropout').nextU32()).toBe(before);
    expect(r.nextU32()).toBe(x);
    expect(r.fork('a').nextU32()).not.toBe(r.fork('b').nextU32());
  });
});
