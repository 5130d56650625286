/**
 * The profiled step loop the bench races share: `warmup + steps` calls of `step`, the profiler
 * counting only the last `steps`, paused across an event-loop turn between steps (so the wasm
 * heap's finalizers run outside the measured time, as a trainer's await lets them), then the
 * report of that mode.
 */
import { formatReport, profile } from '../src/profile/index.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function profileSteps(label: string, warmup: number, steps: number, top: number, step: (i: number) => void): Promise<void> {
  profile.enable({ skipSteps: warmup });
  for (let i = 0; i < warmup + steps; i++) {
    step(i);
    profile.step();
    profile.pause();
    await tick();
    profile.resume();
  }
  console.log(`\n== ${label}`);
  console.log(formatReport(profile.report(), { top }));
  profile.disable();
}
