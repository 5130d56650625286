import { afterAll, describe, expect, it } from 'vitest';
import { countPoolUsage, workersIdleClock } from '../../src/bench/pool-usage.ts';
import { createWasmBackend } from '../../src/tensor/backends/wasm.ts';
import { activeBackendName, registerBackend, setBackend } from '../../src/tensor/backends/registry.ts';

describe('countPoolUsage', () => {
  const before = activeBackendName();
  const two = createWasmBackend({ threads: 2 });
  afterAll(() => {
    setBackend(before);
    two.close();
  });

  it('counts the kernel threads\' jobs per step on a backend that has them, and is null on one that does not', () => {
    registerBackend('wasm-two-threads-usage', () => two);
    setBackend('wasm-two-threads-usage');
    const usage = countPoolUsage();
    const n = 300 * 300, a = two.alloc('float32', n), c = two.alloc('float32', n);
    for (let i = 0; i < n; i++) a[i] = (i % 13) / 13;
    for (let i = 0; i < 4; i++) two.matmul(a, a, c, 300, 300, 300, false, false, false);
    const u = usage(2);
    if (two.poolStats() === null) {
      // No kernel threads here (one core, or workers that could not start): nothing to count.
      expect(u).toBeNull();
      return;
    }
    // One job per matmul (the native matmul's parts), two where the wasm matmul packs first.
    expect(u!.dispatches_per_step).toBeGreaterThanOrEqual(2);
    expect(u!.wait_ms_per_step).toBeGreaterThanOrEqual(0);
    expect(u!.withdrawn_per_step).toBeGreaterThanOrEqual(0);
    expect(u!.workers).toBe(1);
    expect(u!.busy_ms_per_step).toBeGreaterThanOrEqual(0);
    expect(usage(0)).toBeNull();
  });

  it('workersIdleClock: the wall clock less the workers\' time in jobs, null without kernel threads', () => {
    registerBackend('wasm-two-threads-usage', () => two);
    setBackend('wasm-two-threads-usage');
    // A wall clock that stands still: what the idle clock then reads is minus the busy time.
    const clock = workersIdleClock(() => 0);
    if (two.poolStats() === null) {
      expect(clock).toBeNull();
      return;
    }
    const n = 300 * 300, a = two.alloc('float32', n), c = two.alloc('float32', n);
    for (let i = 0; i < n; i++) a[i] = (i % 13) / 13;
    // No job runs between a kernel's return and the next one's post, so the busy time read next
    // to each clock reading is the one it subtracted (one worker on two threads).
    const b0 = two.poolBusyMs()!, c0 = clock!();
    for (let i = 0; i < 4; i++) two.matmul(a, a, c, 300, 300, 300, false, false, false);
    const c1 = clock!(), b1 = two.poolBusyMs()!;
    expect(b1).toBeGreaterThanOrEqual(b0);
    expect(c0 + b0).toBe(0);
    expect(c1 + b1).toBe(0);
    setBackend('js');
    expect(workersIdleClock()).toBeNull();
  });

  it('is null on a backend without kernel threads', () => {
    setBackend('js');
    expect(countPoolUsage()(1)).toBeNull();
  });
});
