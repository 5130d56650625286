/**
 * The placement probe's reading of bench/native/cross-core.c (bench/native/placement.ts): its
 * line parsed, and two vCPUs called sharing a cache only when every probe says so.
 */
import { describe, expect, it } from 'vitest';
import { parseCrossCore, SHARED_AT, sharedCache } from '../../bench/native/placement.ts';

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
});
