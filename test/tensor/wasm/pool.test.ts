/**
 * The kernel workers' protocol (src/tensor/wasm/pool.ts, worker.mjs). A polling worker can
 * see a job and finish it before the main thread has called Atomics.notify for it; the late
 * notify then wakes the worker with no new job. Running the old job again would count it done a
 * second time (so the next dispatch could return before the worker had run it) and, for a
 * native matmul part, run a part of a call already closed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadKernelBytes } from '../../../src/tensor/wasm/load.ts';
import { PoolBusyError, WorkerPool } from '../../../src/tensor/wasm/pool.ts';

const SEQ = 0, DONE = 1, NEXT = 5, CLAIM = 8;
const pools: WorkerPool[] = [];
afterAll(() => { for (const p of pools) p.close(); });

/** Blocks this thread for `ms` (the workers run meanwhile). */
const pause = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };

type Exports = { heapBase(): number; biasRelu32(...a: number[]): void; dot32(a: number, b: number, n: number): number };

/** A pool over fresh shared memory, and this thread's own instance of the kernels on it. */
function setup(spinMicros: number, workers = 2): { pool: WorkerPool; ctl: Int32Array; memory: WebAssembly.Memory; k: Exports } {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
  const module = new WebAssembly.Module(loadKernelBytes('shared'));
  const pool = new WorkerPool(module, memory, ['heapBase', 'biasRelu32', 'dot32'], workers, { spinMicros });
  pools.push(pool);
  const k = new WebAssembly.Instance(module, { env: { memory, abort: () => { throw new Error('abort'); } } }).exports as unknown as Exports;
  return { pool, ctl: (pool as unknown as { ctl: Int32Array }).ctl, memory, k };
}

/** biasRelu32's operands in the kernels' heap: y (rows x n, zeros) at a 64-byte line, then b (n ones). */
function biasRows(memory: WebAssembly.Memory, k: Exports, rows: number, n: number): { base: number; y: Float32Array; b: Float32Array } {
  const base = (k.heapBase() + 63) & ~63;
  const y = new Float32Array(memory.buffer, base, rows * n).fill(0);
  const b = new Float32Array(memory.buffer, base + rows * n * 4, n).fill(1);
  return { base, y, b };
}

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

  it('a job its worker has not woken for when this thread is done is taken back: run here or not at all, and never counted twice', () => {
    const { pool, ctl, memory, k } = setup(0);
    const base = (k.heapBase() + 63) & ~63;
    const f = new Float32Array(memory.buffer, base, 3 * 1024);
    for (let i = 0; i < f.length; i++) f[i] = (i % 7) - 3;
    const want = [0, 1, 2].map((r) => k.dot32(base + r * 4096, base + r * 4096, 1024));
    let taken = 0;
    for (let round = 0; round < 20; round++) {
      // Sleeping workers (no polling) and nothing to do here: this thread withdraws what it can.
      const here = (job: readonly [string, ...number[]]): number => {
        taken++;
        return k.dot32(...(job.slice(1) as [number, number, number]));
      };
      const before = taken;
      const got = pool.run([['dot32', base + 4096, base + 4096, 1024], ['dot32', base + 8192, base + 8192, 1024]], () => {}, here);
      expect(got).toEqual([want[1], want[2]]);
      pause(2);
      // A withdrawn worker that wakes later neither runs the job nor counts itself.
      expect(Atomics.load(ctl, DONE) + (taken - before)).toBe(2);
      // Slow here: the workers claim their jobs and run them.
      const slow = pool.run([['dot32', base + 4096, base + 4096, 1024], ['dot32', base + 8192, base + 8192, 1024]], () => pause(20), here);
      expect(slow).toEqual([want[1], want[2]]);
      expect(Atomics.load(ctl, DONE)).toBe(2);
    }
    expect(taken).toBeGreaterThan(0);
  });

  it('counts each worker\'s time inside the jobs it claimed, and none for a job taken back', () => {
    const { pool, memory, k } = setup(0);
    const base = (k.heapBase() + 63) & ~63;
    const n = 1 << 20;
    new Float32Array(memory.buffer, base, n).fill(0.5);
    let sawBusy = false;
    for (let round = 0; round < 20; round++) {
      let taken = 0;
      const here = (job: readonly [string, ...number[]]): number => {
        taken++;
        return k.dot32(...(job.slice(1) as [number, number, number]));
      };
      const from = pool.workersBusyMs();
      // Nothing to do here on even rounds (the sleeping workers' jobs are mostly taken back), a
      // pause on odd ones (they wake and claim them).
      pool.run([['dot32', base, base, n], ['dot32', base, base, n]], () => { if (round % 2) pause(20); }, here);
      const busy = pool.workersBusyMs() - from;
      if (taken === 2) {
        expect(busy).toBe(0);
      } else {
        expect(busy).toBeGreaterThan(0);
        sawBusy = true;
      }
    }
    expect(sawBusy).toBe(true);
  });

  it('counts the time of a job still in progress: a reader sees the worker busy while it runs one (the profiler reads it beside open calls)', () => {
    // One worker: with this thread, as many threads as a two-core machine has cores.
    const { pool, ctl, memory, k } = setup(0, 1);
    memory.grow(1024);
    const rows = 1 << 16, n = 256;
    const { base, b } = biasRows(memory, k, rows, n);
    let conclusive = 0;
    for (let round = 0; round < 10 && conclusive < 3; round++) {
      let inside = -1, wall = 0;
      pool.runChunks('biasRelu32', rows, 64, 4, () => [base, b.byteOffset, n, 0, 0, rows], k.biasRelu32, undefined, () => {
        // Once the worker has claimed the job: two readings, and whether it was in the job
        // throughout (no chunk asked for past the end, so it has not left).
        // (A bounded wait: a round whose worker has not claimed the job by then tells nothing.)
        const until = performance.now() + 5000;
        while (Atomics.load(ctl, CLAIM) === 0 && performance.now() < until) { /* the claim comes within microseconds */ }
        if (Atomics.load(ctl, CLAIM) === 0) return;
        const t0 = performance.now(), b0 = pool.workersBusyMs();
        pause(0.5);
        const b1 = pool.workersBusyMs(), t1 = performance.now();
        if (Atomics.load(ctl, NEXT) * 64 < rows) {
          inside = b1 - b0;
          wall = t1 - t0;
        }
      });
      if (inside < 0) continue;
      conclusive++;
      // The worker's time between the readings: more than none, at most the wall time.
      expect(inside).toBeGreaterThan(0);
      expect(inside).toBeLessThanOrEqual(wall + 1e-5);
    }
    expect(conclusive).toBeGreaterThan(0);
    // Done, the job's whole time is counted and stays put.
    const done = pool.workersBusyMs();
    pause(2);
    expect(pool.workersBusyMs()).toBe(done);
  });

  it('chunks of a dynamic job run exactly once whoever takes them, the workers asleep or awake', () => {
    for (const spinMicros of [0, 300]) {
      const { pool, memory, k } = setup(spinMicros);
      const rows = 257, n = 8;
      const { base, y, b } = biasRows(memory, k, rows, n);
      for (let round = 0; round < 10; round++) {
        // A slow chunk here lets the workers wake and take chunks too; a fast one lets this thread take them all.
        const slow = round % 2 === 0;
        const fn = (...a: number[]): void => {
          if (slow) pause(1);
          k.biasRelu32(...a);
        };
        pool.runChunks('biasRelu32', rows, 16, 4, () => [base, b.byteOffset, n, 0, 0, rows], fn);
        for (let i = 0; i < y.length; i++) if (y[i] !== round + 1) expect.fail(`spin ${spinMicros} round ${round}: y[${i}] = ${y[i]}`);
      }
    }
  });

  it('a dynamic job\'s `before` runs here once, first, while the workers take chunks; then this thread takes the rest; its error after every chunk', () => {
    const { pool, memory, k } = setup(300);
    const rows = 257, n = 8;
    const { base, y, b } = biasRows(memory, k, rows, n);
    const here: number[] = [];
    let calls = 0, seenBefore = -1;
    // Every chunk this thread takes, whenever: any taken before `before` shows in seenBefore.
    const fn = (...a: number[]): void => {
      here.push(a[4]!);
      k.biasRelu32(...a);
    };
    pool.runChunks('biasRelu32', rows, 16, 4, () => [base, b.byteOffset, n, 0, 0, rows], fn, undefined, () => {
      calls++;
      // This thread has taken no chunk yet; it waits (bounded) until a worker has run one.
      seenBefore = here.length;
      for (let waited = 0; waited < 5000 && !y.some((x) => x === 1); waited++) pause(1);
    });
    expect(calls).toBe(1);
    expect(seenBefore).toBe(0);
    for (let i = 0; i < y.length; i++) if (y[i] !== 1) expect.fail(`y[${i}] = ${y[i]}`);
    // A worker took chunks while `before` ran: this thread took the rest, fewer than all.
    expect(here.length).toBeLessThan(Math.ceil(rows / 16));
    const boom = new Error('before failed');
    expect(() => pool.runChunks('biasRelu32', rows, 16, 4, () => [base, b.byteOffset, n, 0, 0, rows], k.biasRelu32, undefined, () => { throw boom; })).toThrow(boom);
    for (let i = 0; i < y.length; i++) if (y[i] !== 2) expect.fail(`after the error: y[${i}] = ${y[i]}`);
  });

  it('a job posted from the work run beside another is refused before it writes a slot; the first job and the pool go on', () => {
    const { pool, memory, k } = setup(0);
    const rows = 64, n = 8;
    const { base, y, b } = biasRows(memory, k, rows, n);
    const job = ['biasRelu32', base, b.byteOffset, n, 0, 0, rows] as const;
    const nested: unknown[] = [];
    const results = pool.run([job, null], () => {
      for (const post of [
        () => pool.run([['heapBase'], null], () => {}),
        () => pool.runChunks('biasRelu32', rows, 16, 4, () => [base, b.byteOffset, n, 0, 0, rows], k.biasRelu32),
        () => pool.runNative(1, () => {}),
      ]) {
        try {
          post();
        } catch (e) {
          nested.push(e);
        }
      }
    }, (j) => { k.biasRelu32(...(j.slice(1) as number[])); return 0; });
    expect(results).toHaveLength(2);
    expect(nested).toHaveLength(3);
    for (const e of nested) expect(e).toBeInstanceOf(PoolBusyError);
    // The first job ran once (on its worker or taken back here), the refused ones not at all.
    expect(Array.from(new Set(y))).toEqual([1]);
    pool.runChunks('biasRelu32', rows, 16, 4, () => [base, b.byteOffset, n, 0, 0, rows], k.biasRelu32);
    expect(Array.from(new Set(y))).toEqual([2]);
  });
});
