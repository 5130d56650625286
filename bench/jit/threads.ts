/**
 * CPU time per OS thread of a process (Linux: /proc/<pid>/task/<tid>/schedstat, nanoseconds
 * on a CPU and waiting for one), grouped as the warm-up bench reports it: the main thread, the kernel threads (the
 * threads the backend started: known by which threads appeared while it started), and the rest
 * (Node's and V8's own: the optimizing compiler, the collector's helpers, libuv).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** A thread's schedstat: nanoseconds on a CPU, and waiting on a run queue for one. */
export interface Sched {
  cpu: number;
  wait: number;
}

/**
 * Per thread id of process `pid` (this one by default), its schedstat (Linux:
 * /proc/<pid>/task/<tid>/schedstat), or null where /proc does not give it (not Linux, or the
 * process has ended).
 */
export function threadSched(pid: number | 'self' = 'self'): Map<number, Sched> | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Map<number, Sched>();
  for (const t of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ');
      const cpu = Number(f[0]), wait = Number(f[1]);
      if (Number.isFinite(cpu) && Number.isFinite(wait)) out.set(Number(t), { cpu, wait });
    } catch {
      // A thread that ended between the listing and the read has no time left to count.
    }
  }
  return out.size > 0 ? out : null;
}

/** Nanoseconds on a CPU per thread id of this process, or null where /proc does not give them (not Linux). */
export function threadCpuNs(): Map<number, number> | null {
  const s = threadSched();
  return s === null ? null : new Map([...s].map(([tid, x]) => [tid, x.cpu]));
}

/** Milliseconds of CPU per group between two readings. */
export interface CpuSplit {
  main: number;
  kernel: number;
  other: number;
}

/**
 * The CPU that each group used from `from` to `to` (threads that started in between count from
 * zero). `main`: the process's own id; `kernel`: the ids in `kernelTids`; the rest is `other`.
 */
export function splitCpu(from: Map<number, number>, to: Map<number, number>, mainTid: number, kernelTids: ReadonlySet<number>): CpuSplit {
  const s: CpuSplit = { main: 0, kernel: 0, other: 0 };
  for (const [tid, ns] of to) {
    const ms = (ns - (from.get(tid) ?? 0)) / 1e6;
    if (tid === mainTid) s.main += ms;
    else if (kernelTids.has(tid)) s.kernel += ms;
    else s.other += ms;
  }
  return s;
}

/** The ids present in `after` and not in `before`: the threads started in between. */
export function newThreads(before: ReadonlyMap<number, unknown>, after: ReadonlyMap<number, unknown>): Set<number> {
  const s = new Set<number>();
  for (const tid of after.keys()) if (!before.has(tid)) s.add(tid);
  return s;
}

/**
 * The threads that `start` (a backend starting) made appear: its kernel threads. Empty where
 * /proc gives nothing.
 */
export function threadsStartedBy(start: () => void): Set<number> {
  const before = threadSched();
  start();
  const after = threadSched();
  return before && after ? newThreads(before, after) : new Set<number>();
}
