/**
 * The benches `mtlkit bench` and the scripts in bench/ share: the plain step and the balanced
 * step of a model preset on random batches, and the plain i-k-j matmul every GFLOP/s figure is
 * compared with. Tooling beside train: nothing below imports it.
 */
export { benchStep, type StepBenchOptions, type StepBenchResult } from './step.ts';
export { BalancedBench, benchBalancedStep, type BalancedBenchOptions, type BalancedBenchResult } from './balanced-step.ts';
export { countPoolUsage, workersIdleClock, type PoolUsage } from './pool-usage.ts';
export { ikjMatmul } from './ikj-matmul.ts';
