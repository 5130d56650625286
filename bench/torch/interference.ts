/**
 * What else ran while one of our timed steps ran (Linux, from /proc's schedstat): the other
 * side's process on a CPU (the sides take turns, so this should be nothing), our own threads
 * besides the main and kernel threads (Node's and V8's: the optimizing compiler, the collector's
 * helpers) on a CPU, and our main and kernel threads waiting on a run queue for a CPU. On one
 * thread the second vCPU takes Node's and V8's work; on two, every millisecond of it, and every
 * millisecond ours wait, comes out of the step: the race prints them beside its thread scaling.
 */
import { median } from '../../src/tensor/timing.ts';
import { threadSched, type Sched } from '../jit/threads.ts';

/** Milliseconds during one step. */
export interface StepInterference {
  /** Every thread of the other side's process, on a CPU. */
  theirCpu: number;
  /** Our threads other than the main and kernel threads, on a CPU. */
  ownOtherCpu: number;
  /** Our main and kernel threads, waiting on a run queue for a CPU. */
  ownWait: number;
}

const ms = (ns: number): number => ns / 1e6;

/**
 * From two readings of each process (a thread started in between counts from zero; one that
 * ended in between is not counted): what ran during the step. `work`: the ids of our main and
 * kernel threads.
 */
export function interference(oursFrom: ReadonlyMap<number, Sched>, oursTo: ReadonlyMap<number, Sched>,
  theirsFrom: ReadonlyMap<number, Sched>, theirsTo: ReadonlyMap<number, Sched>, work: ReadonlySet<number>): StepInterference {
  const r: StepInterference = { theirCpu: 0, ownOtherCpu: 0, ownWait: 0 };
  for (const [tid, s] of theirsTo) r.theirCpu += ms(s.cpu - (theirsFrom.get(tid)?.cpu ?? 0));
  for (const [tid, s] of oursTo) {
    const from = oursFrom.get(tid);
    if (work.has(tid)) r.ownWait += ms(s.wait - (from?.wait ?? 0));
    else r.ownOtherCpu += ms(s.cpu - (from?.cpu ?? 0));
  }
  return r;
}

/** The medians of each field over steps, or null where there are none. */
export function medianInterference(steps: readonly StepInterference[]): StepInterference | null {
  if (steps.length === 0) return null;
  return {
    theirCpu: median(steps.map((s) => s.theirCpu)),
    ownOtherCpu: median(steps.map((s) => s.ownOtherCpu)),
    ownWait: median(steps.map((s) => s.ownWait)),
  };
}

/**
 * Reads both processes around a step: `begin()` just before it, `end()` just after (the reads
 * are outside the timed span). `end()` gives null where /proc gave nothing (not Linux).
 */
export class InterferenceProbe {
  private oursFrom: Map<number, Sched> | null = null;
  private theirsFrom: Map<number, Sched> | null = null;

  /** `theirPid`: the other side's process; `work`: our main and kernel threads' ids. */
  constructor(private readonly theirPid: number, private readonly work: ReadonlySet<number>) {}

  begin(): void {
    this.theirsFrom = threadSched(this.theirPid);
    this.oursFrom = threadSched();
  }

  end(): StepInterference | null {
    const oursTo = threadSched(), theirsTo = threadSched(this.theirPid);
    const a = this.oursFrom, b = this.theirsFrom;
    this.oursFrom = this.theirsFrom = null;
    if (a === null || b === null || oursTo === null || theirsTo === null) return null;
    return interference(a, oursTo, b, theirsTo, this.work);
  }
}

/** One line: the medians, as the race prints them. */
export function formatInterference(s: StepInterference): string {
  return `PyTorch's process on a CPU ${s.theirCpu.toFixed(2)} ms, Node's and V8's own threads ${s.ownOtherCpu.toFixed(2)} ms, ` +
    `our main and kernel threads waiting for a CPU ${s.ownWait.toFixed(2)} ms`;
}
