/**
 * Where a training step's time goes. One process-wide profiler (`profile`) plus `install`,
 * which times, from outside, the kernels of the backend `getBackend()` returns, the layers, the
 * model, the losses' graph and the optimizer (nothing in the engine knows about it):
 *
 *     import { profile, installProfiler, formatReport } from '../profile/index.ts';
 *     const undo = installProfiler();        // wrappers call straight through while disabled
 *     profile.enable({ skipSteps: warmup }); // optimizer.step() marks each step's end
 *     ... train ...
 *     console.log(formatReport(profile.report()));
 *     undo();
 *
 * Loops written by hand can add their own phases: `profile.phase('balancer', () => ...)`.
 */
import { install, type InstallOptions } from './instrument.ts';
import { Profiler } from './profiler.ts';

export { Profiler, formatReport, type FamilyRow, type ProfileReport, type ProfilerOptions } from './profiler.ts';
export { install, instrumentGraph, timedBackend, wrapMethod, type InstallOptions } from './instrument.ts';

/** The process-wide profiler that `installProfiler` hooks up. */
export const profile = new Profiler();

export function installProfiler(opts: InstallOptions = {}): () => void {
  return install(profile, opts);
}
