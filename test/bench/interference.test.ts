/**
 * What else ran during one of our timed steps (bench/torch/interference.ts), as the PyTorch race
 * reports it: the other side's CPU, our Node and V8 threads' CPU, our main and kernel threads'
 * wait for a CPU. The race itself runs in `npm run bench -- compare-torch`.
 */
import { describe, expect, it } from 'vitest';
import { threadSched, type Sched } from '../../bench/jit/threads.ts';
import { formatInterference, interference, InterferenceProbe, medianInterference } from '../../bench/torch/interference.ts';

const at = (cpuMs: number, waitMs: number): Sched => ({ cpu: cpuMs * 1e6, wait: waitMs * 1e6 });

describe('bench compare-torch: what ran during our steps', () => {
  it('splits two readings of each process: theirs all counted, ours into other threads\' CPU and the work threads\' wait', () => {
    const oursFrom = new Map([[10, at(100, 5)], [11, at(90, 2)], [12, at(3, 1)]]);
    // 13 started during the step: it counts from zero. 12 is a Node / V8 thread.
    const oursTo = new Map([[10, at(160, 6)], [11, at(150, 4.5)], [12, at(4.25, 9)], [13, at(0.5, 0.25)]]);
    const theirsFrom = new Map([[50, at(7, 0)], [51, at(1, 0)]]);
    // 52 started during the step; 51 ended (not counted).
    const theirsTo = new Map([[50, at(7.5, 3)], [52, at(0.25, 0)]]);
    const r = interference(oursFrom, oursTo, theirsFrom, theirsTo, new Set([10, 11]));
    expect(r.theirCpu).toBeCloseTo(0.75, 12);
    expect(r.ownOtherCpu).toBeCloseTo(1.25 + 0.5, 12);
    // The work threads' waits only (12's wait of 8 ms is not ours to report).
    expect(r.ownWait).toBeCloseTo(1 + 2.5, 12);
  });

  it('medians per field over steps; none without steps; the line the race prints', () => {
    expect(medianInterference([])).toBeNull();
    const m = medianInterference([
      { theirCpu: 0, ownOtherCpu: 3, ownWait: 1 },
      { theirCpu: 2, ownOtherCpu: 1, ownWait: 9 },
      { theirCpu: 0, ownOtherCpu: 2, ownWait: 4 },
    ]);
    expect(m).toEqual({ theirCpu: 0, ownOtherCpu: 2, ownWait: 4 });
    expect(formatInterference(m!)).toBe("PyTorch's process on a CPU 0.00 ms, Node's and V8's own threads 2.00 ms, our main and kernel threads waiting for a CPU 4.00 ms");
  });

  it.runIf(process.platform === 'linux')('reads any process\'s threads from /proc; a process that is not there reads as null', () => {
    const self = threadSched();
    expect(self).not.toBeNull();
    const main = self!.get(process.pid);
    expect(main).toBeDefined();
    expect(main!.cpu).toBeGreaterThan(0);
    expect(main!.wait).toBeGreaterThanOrEqual(0);
    expect(threadSched(process.pid)!.has(process.pid)).toBe(true);
    // Linux's pid_max is at most 2^22: no process has this id.
    expect(threadSched(2 ** 23)).toBeNull();
  });

  it.runIf(process.platform === 'linux')('the probe: nothing before begin(); around a step, its figures read both processes', () => {
    const probe = new InterferenceProbe(process.pid, new Set([process.pid]));
    expect(probe.end()).toBeNull();
    probe.begin();
    // Work until this process's CPU reading moves (a bounded wait, not a timing: the kernel
    // updates a running thread's figure at its own moments).
    const total = (): number => [...threadSched()!.values()].reduce((s, t) => s + t.cpu, 0);
    const start = total();
    let x = 0, round = 0;
    do for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    while (++round < 1000 && total() === start);
    const r = probe.end();
    expect(x).toBeGreaterThan(0);
    expect(r).not.toBeNull();
    // "Theirs" is this process here: it ran the loop. Every figure is a span of time, never negative.
    expect(r!.theirCpu).toBeGreaterThan(0);
    expect(r!.ownOtherCpu).toBeGreaterThanOrEqual(0);
    expect(r!.ownWait).toBeGreaterThanOrEqual(0);
    // One reading serves one step.
    expect(probe.end()).toBeNull();
  });
});
