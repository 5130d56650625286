import type { Command } from 'commander';
import { registerBenchMatmul } from './bench-matmul.ts';
import { registerBenchStep } from './bench-step.ts';

/**
 * `mtlkit bench <what>`: a parent command whose subcommands are registered from their own
 * files. To add one, write `src/cli/commands/bench-<what>.ts` exporting
 * `(bench: Command) => void` and append it to `benchCommands` below (one import, one entry).
 */
export type RegisterBenchCommand = (bench: Command) => void;

export const benchCommands: RegisterBenchCommand[] = [
  registerBenchMatmul,
  registerBenchStep,
];

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('time kernels and training steps (see bench/ for the full scripts)');
  for (const register of benchCommands) register(bench);
}
