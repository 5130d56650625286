/**
 * The profiled step loop the bench races share: `warmup + steps` calls of `step`, the profiler
 * counting only the last `steps`, paused across an event-loop turn between steps (so the wasm
 * heap's finalizers run outside the measured time, as a trainer's await lets them), then the
 * report of that mode.
 */
import { formatReport, profile, type ProfileReport } from '../src/profile/index.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function profileSteps(label: string, warmup: number, steps: number, top: number, step: (i: number) => void): Promise<void> {
  const report = await profiledSteps(warmup, steps, step);
  console.log(`\n== ${label}`);
  console.log(formatReport(report, { top }));
}

/** The same loop, its report returned instead of printed (the profiler disabled after). */
export async function profiledSteps(warmup: number, steps: number, step: (i: number) => void): Promise<ProfileReport> {
  profile.enable({ skipSteps: warmup });
  try {
    for (let i = 0; i < warmup + steps; i++) {
      step(i);
      profile.step();
      profile.pause();
      await tick();
      profile.resume();
    }
    return profile.report();
  } finally {
    profile.disable();
  }
}
