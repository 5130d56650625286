import type { Command } from 'commander';
import { registerBalance } from './balance.ts';
import { registerBench } from './bench.ts';
import { registerData } from './data.ts';
import { registerDoctor } from './doctor.ts';
import { registerExperiment } from './experiment.ts';
import { registerMetrics } from './metrics.ts';
import { registerReport } from './report.ts';
import { registerSweep } from './sweep.ts';
import { registerTrain } from './train.ts';
import { registerWorker } from './worker.ts';

/**
 * Every subcommand registers itself here: one import and one entry per command.
 * A register function adds its command (with --help and --json) to the program.
 */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerBalance,
  registerBench,
  registerData,
  registerDoctor,
  registerExperiment,
  registerMetrics,
  registerReport,
  registerSweep,
  registerTrain,
  registerWorker,
];
