/**
 * The placement probe's reading of bench/native/cross-core.c (bench/native/placement.ts): its
 * line parsed, and two vCPUs called sharing a cache only when every probe says so.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrossCore, PlacementProbe, SHARED_AT, sharedCache } from '../../bench/native/placement.ts';

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
