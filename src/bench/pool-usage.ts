import { getBackend } from '../tensor/backends/registry.ts';
import type { WasmBackend } from '../tensor/backends/wasm.ts';

/** The kernel threads' share of a benchmark's timed steps, per step (bench step prints it). */
export interface PoolUsage {
  dispatches_per_step: number;
  /** Time the main thread waited for workers after finishing its own share of a job. */
  wait_ms_per_step: number;
  /** Jobs the main thread took back from workers that had not woken by then. */
  withdrawn_per_step: number;
  /** Kernel threads besides the main one. */
  workers: number;
  /** Milliseconds the workers spent inside jobs, per worker: a step's time less this is how long each sat idle on average. */
  busy_ms_per_step: number;
}

/**
 * Starts counting the active backend's kernel-thread jobs; the returned function gives the
 * usage per step since then, or null where the backend has no kernel threads.
 */
export function countPoolUsage(): (steps: number) => PoolUsage | null {
  const be = getBackend() as Partial<WasmBackend>;
  const read = typeof be.poolStats === 'function' ? () => be.poolStats!() : () => null;
  const from = read();
  return (steps) => {
    const to = read();
    if (from === null || to === null || steps <= 0) return null;
    return {
      dispatches_per_step: (to.dispatches - from.dispatches) / steps,
      wait_ms_per_step: (to.waitedMs - from.waitedMs) / steps,
      withdrawn_per_step: (to.withdrawn - from.withdrawn) / steps,
      workers: to.workers,
      busy_ms_per_step: (to.busyMs - from.busyMs) / to.workers / steps,
    };
  };
}

/**
 * A clock (milliseconds) that runs only while the active backend's kernel threads sit idle: the
 * wall clock less the workers' time inside jobs, per worker. A profiler timed by it shows, for
 * each phase and op, how long the workers waited during it (bench step --profile --idle). Null
 * where the backend has no kernel threads. `wall`: the clock it subtracts from (injectable for tests).
 */
export function workersIdleClock(wall: () => number = () => performance.now()): (() => number) | null {
  const be = getBackend() as Partial<WasmBackend>;
  if (typeof be.poolStats !== 'function' || typeof be.poolBusyMs !== 'function') return null;
  const first = be.poolStats();
  if (first === null || first.workers === 0) return null;
  const busy = be.poolBusyMs.bind(be), workers = first.workers;
  return () => wall() - (busy() ?? 0) / workers;
}
