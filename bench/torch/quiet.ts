/**
 * What each side of the race leaves running after its step. PyTorch's CPU build parallelises
 * with OpenMP, whose idle threads keep spinning for a while after each parallel region (GNU
 * OpenMP's default wait policy): on the two-core VM measured, about 9-11 ms of CPU in the
 * 10 ms after a two-thread step, almost none with OMP_WAIT_POLICY=PASSIVE (docs/speed.md). Interleaved step by step, that
 * spin would run on one of the two cores through the first milliseconds of our next step, and
 * our kernel threads' short poll (300 us) through the start of PyTorch's. So the race waits
 * `--gap` ms (sleeping) before each step of either side, and prints how long each side's
 * threads stayed busy after a step, measured (compare-torch.ts).
 */

/** Blocks this thread for `ms` without using the CPU. */
export function pause(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Yields to the event loop once: the wasm heap's finalizers recycle blocks there, as a trainer's await lets them. */
export function tick(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** What a process's threads used after a step: CPU ms in all, and until when (ms after it) they were busy. */
export interface BusyAfter {
  cpuMs: number;
  untilMs: number;
}

/**
 * From a process's CPU ms in consecutive slices of `sliceMs` after a step: the CPU used in
 * all, and the end of the last slice that used more than `floorMs` (0: none did), in ms after
 * the step.
 */
export function busyAfter(cpuMs: readonly number[], sliceMs: number, floorMs = 0.5): BusyAfter {
  let until = 0, cpu = 0;
  cpuMs.forEach((c, i) => {
    cpu += c;
    if (c > floorMs) until = (i + 1) * sliceMs;
  });
  return { cpuMs: cpu, untilMs: until };
}

/** This process's CPU ms (every thread's) in each `sliceMs` of `ms` after now, this thread asleep. */
export function cpuAfter(ms: number, sliceMs: number): number[] {
  const out: number[] = [];
  let last = process.cpuUsage();
  for (let t = 0; t < ms; t += sliceMs) {
    pause(sliceMs);
    const now = process.cpuUsage();
    out.push((now.user - last.user + now.system - last.system) / 1000);
    last = now;
  }
  return out;
}
