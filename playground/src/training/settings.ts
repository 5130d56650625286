/**
 * The Training panel's settings: what the form shows and the URL keeps (a link opens the same
 * run setup), and the RunConfig the Worker gets from them.
 */
import { balancerIds } from '../../../src/core.ts';
import { DEFAULT_RUN, MODELS, SYNTHETIC_SMALL, type CsvData, type RunConfig } from '../worker/config.ts';
import { ENGINES, type Engine } from '../worker/protocol.ts';

export const DATA_KINDS = ['synthetic', 'census', 'csv'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface TrainingSettings {
  model: RunConfig['model'];
  method: string;
  mode: 'param' | 'rep';
  engine: Engine;
  lr: number;
  batchSize: number;
  steps: number;
  seed: number;
  data: DataKind;
  rows: number;
  users: number;
  items: number;
  conflict: number;
  noise: number;
  dataSeed: number;
}

export const DEFAULT_SETTINGS: TrainingSettings = {
  model: DEFAULT_RUN.model, method: DEFAULT_RUN.method, mode: DEFAULT_RUN.mode, engine: 'wasm', lr: DEFAULT_RUN.lr,
  batchSize: DEFAULT_RUN.batchSize, steps: 300, seed: DEFAULT_RUN.seed, data: 'synthetic', rows: SYNTHETIC_SMALL.rows,
  users: SYNTHETIC_SMALL.users, items: SYNTHETIC_SMALL.items, conflict: SYNTHETIC_SMALL.conflict, noise: SYNTHETIC_SMALL.noise,
  dataSeed: SYNTHETIC_SMALL.seed,
};

/** Settings from the URL: known keys of the right type are taken, anything else keeps its default. */
export function settingsFrom(saved: Record<string, unknown> | undefined): TrainingSettings {
  const s: TrainingSettings = { ...DEFAULT_SETTINGS };
  if (!saved) return s;
  const out = s as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved)) {
    if (!(k in DEFAULT_SETTINGS) || typeof v !== typeof out[k]) continue;
    out[k] = v;
  }
  if (!MODELS.includes(s.model)) s.model = DEFAULT_SETTINGS.model;
  if (!(balancerIds as readonly string[]).includes(s.method)) s.method = DEFAULT_SETTINGS.method;
  if (!ENGINES.includes(s.engine)) s.engine = DEFAULT_SETTINGS.engine;
  if (!DATA_KINDS.includes(s.data)) s.data = DEFAULT_SETTINGS.data;
  if (s.mode !== 'param' && s.mode !== 'rep') s.mode = DEFAULT_SETTINGS.mode;
  return s;
}

/** The Worker's RunConfig; `csv` is the dropped file and schema when the data is 'csv'. */
export function runConfig(s: TrainingSettings, csv: CsvData | null): RunConfig {
  const data: RunConfig['data'] = s.data === 'synthetic'
    ? { kind: 'synthetic', rows: s.rows, users: s.users, items: s.items, conflict: s.conflict, noise: s.noise, seed: s.dataSeed }
    : s.data === 'census' ? { kind: 'census' } : csv ?? (() => { throw new Error('no CSV yet: drop a CSV file and its schema JSON on the drop zone (or pick them with the file button)'); })();
  return { ...DEFAULT_RUN, model: s.model, method: s.method, mode: s.mode, lr: s.lr, batchSize: s.batchSize, seed: s.seed, maxSteps: s.steps, data };
}
