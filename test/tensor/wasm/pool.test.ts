/**
 * The kernel workers' protocol (src/tensor/wasm/pool.ts, worker.mjs). A polling worker can
 * see a job and finish it before the main thread has called Atomics.notify for it; the late
 * notify then wakes the worker with no new job. Running the old job again would count it done a
 * second time (so the next dispatch could return before the worker had run it) and, for a
 * native matmul part, run a part of a call already closed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadKernelBytes } from '../../../src/tensor/wasm/load.ts';
import { WorkerPool } from '../../../src/tensor/wasm/pool.ts';

const SEQ = 0, DONE = 1;
const pools: WorkerPool[] = [];
afterAll(() => { for (const p of pools) p.close(); });

/** Blocks this thread for `ms` (the workers run meanwhile). */
const pause = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

describe('WorkerPool', () => {
  for (const spinMicros of [0, 300]) {
    it(`a notify that comes after the job is done wakes no second run (spinMicros ${spinMicros})`, () => {
      const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
      const module = new WebAssembly.Module(loadKernelBytes('shared'));
      const pool = new WorkerPool(module, memory, ['heapBase'], 2, { spinMicros });
      pools.push(pool);
      const ctl = (pool as unknown as { ctl: Int32Array }).ctl;
      for (let round = 0; round < 20; round++) {
        expect(pool.run([['heapBase'], ['heapBase']], () => {})).toHaveLength(2);
        expect(Atomics.load(ctl, DONE)).toBe(2);
        // What a main thread preempted between bumping SEQ and notifying does, late.
        Atomics.notify(ctl, SEQ);
        pause(2);
        expect(Atomics.load(ctl, DONE)).toBe(2);
      }
    });
  }
});
