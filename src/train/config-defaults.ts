/**
 * A training run's configuration and its defaults, apart from the checks (config.ts), so that
 * code without Node (the playground's Worker, through src/core.ts) starts from the same values.
 */
import type { PresetName } from '../nn/models/presets.ts';
import type { CsvSchema } from '../data/schema.ts';
import type { SyntheticOptions } from '../data/synthetic.ts';

/**
 * The synthetic generator's options (src/data/synthetic.ts documents each and its default),
 * less `tasks`, which the config's own `tasks` selects; positive rates are keyed by task name.
 */
export type SyntheticDataConfig = { kind: 'synthetic'; positiveRates?: Record<string, number> } & Omit<SyntheticOptions, 'tasks' | 'positiveRates'>;

export interface CsvDataConfig {
  kind: 'csv';
  /** The CSV file. */
  path: string;
  /** A schema JSON file path, or the schema object itself (docs/data.md). */
  schema: string | CsvSchema;
  /** Categorical values seen fewer times map to the unknown id (default 1). */
  minCount?: number;
}

export type DataConfig = SyntheticDataConfig | CsvDataConfig;

export interface ModelOptions {
  /** Override the preset's dropout probability. */
  dropout?: number;
  /** Embedding tables: one per field (default) or one shared table. */
  tableLayout?: 'per-field' | 'shared';
  /** Layer init scheme: 'code' (the GradCraft code's; default except ple-lite), 'normal', 'glorot' (ple-lite's). */
  init?: 'code' | 'normal' | 'glorot';
}

export type OptimizerId = 'adam' | 'sgd' | 'adagrad';

export interface TrainConfig {
  data: DataConfig;
  /** Train / valid / test ratios and the split's seed (default [0.8, 0.1, 0.1], 5277). */
  split: { ratios: [number, number, number]; seed: number };
  /** Task names to train on (a subset of the data's, in this order); null = all. */
  tasks: string[] | null;
  model: PresetName;
  modelOptions: ModelOptions;
  /** A balancer id (mtlkit balance lists them); a per-task one (Single) trains one model per task. */
  method: string;
  methodOptions: Record<string, unknown>;
  /** 'param': per-task gradients of the shared parameters; 'rep': of the shared representation. */
  mode: 'param' | 'rep';
  /** 'shared' (the paper) or 'whole-model' (the GradCraft code); null = the balancer's option, else 'shared'. */
  scope: 'shared' | 'whole-model' | null;
  optimizer: OptimizerId;
  /** Extra optimizer options (beta1, beta2, eps, momentum, lazy, ...). */
  optimizerOptions: Record<string, number | boolean>;
  lr: number;
  batchSize: number;
  /** l2 * sum(w^2) over weight matrices and the touched embedding rows (docs/papers-vs-code.md). */
  l2: number;
  /** Epoch limit. */
  epochs: number;
  /** Epochs without an improvement of the mean validation AUC before stopping (paper 10). */
  patience: number;
  /** An improvement must exceed this (1e-5). */
  minDelta: number;
  seed: number;
  evalBatchSize: number;
  /** Record balancer diagnostics every k training steps (0 = never). */
  diagnosticsEvery: number;
  /** Run folder; null = runs/<method>-<mode>-s<seed>-<time>. */
  outDir: string | null;
  /** Write the per-epoch checkpoint (needed for --resume). */
  checkpoint: boolean;
  /**
   * Modules to import before `method` is looked up (custom balancers registered with
   * registerBalancer; src/train/plugins.ts). Stored absolute; relative ones are resolved against
   * the current directory here (the CLI first resolves a --config file's against its folder).
   */
  plugins: string[];
}

export const DEFAULT_CONFIG: TrainConfig = {
  data: { kind: 'synthetic' },
  split: { ratios: [0.8, 0.1, 0.1], seed: 5277 },
  tasks: null,
  model: 'ple-paper',
  modelOptions: {},
  method: 'ew',
  methodOptions: {},
  mode: 'param',
  scope: null,
  optimizer: 'adam',
  optimizerOptions: {},
  lr: 1e-3,
  batchSize: 2048,
  l2: 1e-6,
  epochs: 20,
  patience: 10,
  minDelta: 1e-5,
  seed: 5277,
  evalBatchSize: 8192,
  diagnosticsEvery: 10,
  outDir: null,
  checkpoint: true,
  plugins: [],
};
