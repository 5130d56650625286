/** The presets, runnable by name (`mtlkit experiment <preset>`). One file each; one line here. */
import { ConfigError } from '../train/config.ts';
import { conflict } from './conflict.ts';
import { multibalance } from './multibalance.ts';
import { findings } from './findings.ts';
import { epsilon, tau } from './sweeps.ts';
import { table2 } from './table2.ts';
import { table3 } from './table3.ts';
import { tasks } from './tasks.ts';
import { EXPERIMENT_PRESETS, type ExperimentPreset } from './folder-contract.ts';
import type { PresetDef } from './types.ts';

export const presets: Record<ExperimentPreset, PresetDef> = { table2, table3, tau, epsilon, tasks, multibalance, findings, conflict };

export const presetNames: readonly ExperimentPreset[] = EXPERIMENT_PRESETS;

export function getPreset(name: string): PresetDef {
  if (!Object.prototype.hasOwnProperty.call(presets, name)) {
    throw new ConfigError(`unknown experiment preset '${name}'; presets: ${presetNames.join(', ')}`);
  }
  return presets[name as ExperimentPreset];
}
