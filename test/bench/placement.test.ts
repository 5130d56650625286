/**
 * The placement probe's reading of bench/native/cross-core.c (bench/native/placement.ts): its
 * line parsed, and two vCPUs called sharing a cache only when every probe says so.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { familiesByPlacement, parseCrossCore, PlacementProbe, SHARED_AT, sharedCache } from '../../bench/native/placement.ts';

describe('bench placement probe', () => {
  it('reads the three rates of a cross-core line', () => {
    const line = '1024 KB written on CPU 0: read on CPU 0 75.8 GB/s, on CPU 1 28.4 GB/s, on CPU 1 after a 256 MB flush 21.2 GB/s\n';
    expect(parseCrossCore(line)).toEqual({ own: 75.8, other: 28.4, flushed: 21.2 });
    expect(parseCrossCore('cross-core: sched_setaffinity failed')).toBeNull();
  });

  it('shares a cache only where every probe finds the other CPU at SHARED_AT of the writer\'s rate or more', () => {
    const near = { own: 76, other: 74, flushed: 30 }, far = { own: 76, other: 28, flushed: 21 };
    const edge = { own: 100, other: 100 * SHARED_AT, flushed: 30 };
    expect(sharedCache([near, near])).toBe(true);
    expect(sharedCache([near, far])).toBe(false);
    expect(sharedCache([edge])).toBe(true);
    expect(sharedCache([{ ...edge, other: edge.other - 0.01 }])).toBe(false);
    expect(sharedCache([])).toBe(false);
  });

  it('each op family\'s mean over the rounds sharing a cache and those apart, the largest growth first; null without both', () => {
    const r = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));
    const rounds = [r({ gather: 0.3, pair: 28, bce: 0.5 }), r({ gather: 1.5, pair: 30, bce: 0.5 }), r({ gather: 0.2, pair: 29 }), r({ gather: 1.3, pair: 31, bce: 0.4, zero: 0.1 })];
    const got = familiesByPlacement(rounds, [true, false, true, false])!;
    expect(got.map((f) => f.family)).toEqual(['pair', 'gather', 'bce', 'zero']);
    expect(got[0]!.shared).toBeCloseTo(28.5, 12);
    expect(got[0]!.apart).toBeCloseTo(30.5, 12);
    expect(got[1]!.apart - got[1]!.shared).toBeCloseTo(1.15, 12);
    // A family missing from a round counts 0 there.
    expect(got[2]!.shared).toBeCloseTo(0.25, 12);
    expect(got[2]!.apart).toBeCloseTo(0.45, 12);
    expect(got[3]).toEqual({ family: 'zero', shared: 0, apart: 0.05 });
    expect(familiesByPlacement(rounds, [true, true, true, true])).toBeNull();
    expect(familiesByPlacement(rounds, [false, false, false, false])).toBeNull();
    expect(() => familiesByPlacement(rounds, [true, false])).toThrow(/4 rounds but 2 placements/);
  });

  it.runIf(process.platform !== 'win32')('a probe that fails says why and is not run again; one that reads gives the rates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtlkit-placement-test-'));
    try {
      const script = (name: string, body: string): string => {
        const f = join(dir, name);
        writeFileSync(f, `#!/bin/sh\n${body}\n`);
        chmodSync(f, 0o755);
        return f;
      };
      const good = new PlacementProbe(script('good', 'echo "1024 KB written on CPU 0: read on CPU 0 70.0 GB/s, on CPU 1 68.0 GB/s, on CPU 1 after a 256 MB flush 30.0 GB/s"'), '');
      expect(good.probe()).toEqual({ own: 70, other: 68, flushed: 30 });
      expect(good.why).toBe('');
      const marker = join(dir, 'ran');
      const bad = new PlacementProbe(script('bad', `echo x >> ${marker}; echo "Illegal instruction" >&2; exit 132`), '');
      expect(bad.probe()).toBeNull();
      expect(bad.why).toMatch(/cross-core 1024 failed .*Illegal instruction/);
      expect(bad.probe()).toBeNull();
      expect(readFileSync(marker, 'utf8')).toBe('x\n');
      expect(new PlacementProbe(null, '--no-placement').probe()).toBeNull();
      expect(new PlacementProbe(null, '--no-placement').why).toBe('--no-placement');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
