/**
 * TrainConfig: everything a training run depends on, as plain JSON. `resolveConfig` fills the
 * defaults and validates; every error names the field (`config.lr: ...`). A run folder's
 * config.json is the resolved config, so `mtlkit train --config <run>/config.json` re-runs it.
 *
 * Field names are the ones the sweep runner varies (lr, batchSize, l2, method,
 * methodOptions.<name>, epochs, seed): a sweep never needs to know more of this schema.
 *
 * Seeds: `seed` (default 5277, the GradCraft code's) drives model initialisation, dropout,
 * batch order and the balancers' random streams. The data (synthetic world and the 8:1:1 split)
 * has its own seed, `data.seed` / `split.seed` (default 5277), so runs over several training
 * seeds see the same data.
 */
import { balancerIds } from '../mtl/balancers/index.ts';
import { pluginPath } from './plugins.ts';
import { PRESETS, type PresetName } from '../nn/models/presets.ts';
import { parseBackendRecord } from './backend-record.ts';
import { isPlainObject } from './json-checks.ts';

export type { SyntheticDataConfig, CsvDataConfig, DataConfig, ModelOptions, OptimizerId, TrainConfig } from './config-defaults.ts';
export { DEFAULT_CONFIG } from './config-defaults.ts';
import { DEFAULT_CONFIG, type CsvDataConfig, type DataConfig, type ModelOptions, type OptimizerId, type SyntheticDataConfig, type TrainConfig } from './config-defaults.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}


const TOP_FIELDS = Object.keys(DEFAULT_CONFIG) as (keyof TrainConfig)[];
/**
 * Keys a run folder's config.json carries besides the config: `backend`, the kernels the run
 * trained on (backend-record.ts). Accepted so that `--config <run>/config.json` re-runs it, and
 * not part of the resolved config: the backend is chosen by --backend / MTLKIT_BACKEND.
 */
const RECORD_FIELDS = ['backend'];
const SYNTH_FIELDS = ['kind', 'rows', 'users', 'items', 'authors', 'positiveRates', 'conflict', 'noise', 'userZipf', 'itemZipf', 'latentDim', 'dense', 'context', 'contextCorrelation', 'agreement', 'sparsity', 'seed'];
const CSV_FIELDS = ['kind', 'path', 'schema', 'minCount'];

function fail(field: string, msg: string, got: unknown): never {
  throw new ConfigError(`config.${field}: ${msg}, got ${JSON.stringify(got)}`);
}

function checkNumber(field: string, v: unknown, { min = -Infinity, max = Infinity, int = false, openMin = false } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (openMin ? v <= min : v < min) || v > max || (int && !Number.isInteger(v))) {
    const range = `${openMin ? '(' : '['}${min}, ${max}]`;
    fail(field, `must be a${int ? 'n integer' : ' finite number'} in ${range}`, v);
  }
  return v;
}

function unknownKeys(where: string, obj: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!known.includes(k)) throw new ConfigError(`config${where ? '.' + where : ''}: unknown field '${k}'; known fields: ${known.join(', ')}`);
  }
}

/** Defaults filled in and every field checked. Accepts a partial config (JSON from a file). */
export function resolveConfig(raw: unknown = {}): TrainConfig {
  if (!isPlainObject(raw)) throw new ConfigError(`config: must be a JSON object, got ${JSON.stringify(raw)}`);
  unknownKeys('', raw, [...TOP_FIELDS, ...RECORD_FIELDS]);
  if (raw.backend !== undefined && parseBackendRecord(raw.backend) === null) {
    throw new ConfigError(`config.backend: is the record of the backend a run trained on ({name, threads, fma}), got ${JSON.stringify(raw.backend)}; choose the backend with --backend or MTLKIT_BACKEND`);
  }
  const c = { ...DEFAULT_CONFIG, ...raw } as Record<string, unknown>;

  // data
  const data = c.data;
  if (!isPlainObject(data)) fail('data', "must be an object with kind 'synthetic' or 'csv'", data);
  let dataOut: DataConfig;
  if (data.kind === undefined || data.kind === 'synthetic') {
    unknownKeys('data', data, SYNTH_FIELDS);
    const d: SyntheticDataConfig = { ...data, kind: 'synthetic' } as SyntheticDataConfig;
    for (const k of ['rows', 'users', 'items', 'authors', 'latentDim'] as const) if (d[k] !== undefined) checkNumber(`data.${k}`, d[k], { min: 1, int: true });
    for (const k of ['conflict', 'noise', 'userZipf', 'itemZipf', 'sparsity'] as const) if (d[k] !== undefined) checkNumber(`data.${k}`, d[k], { min: 0 });
    for (const k of ['context', 'agreement'] as const) if (d[k] !== undefined) checkNumber(`data.${k}`, d[k], { min: 0, max: 1 });
    if (d.contextCorrelation !== undefined) checkNumber('data.contextCorrelation', d.contextCorrelation, { min: -0.2, max: 1 });
    if (d.seed !== undefined) checkNumber('data.seed', d.seed, { int: true });
    if (d.dense !== undefined && typeof d.dense !== 'boolean') fail('data.dense', 'must be true or false', d.dense);
    if (d.positiveRates !== undefined) {
      if (!isPlainObject(d.positiveRates)) fail('data.positiveRates', 'must be an object {task: rate}', d.positiveRates);
      for (const [k, v] of Object.entries(d.positiveRates)) checkNumber(`data.positiveRates.${k}`, v, { min: 0, max: 1, openMin: true });
    }
    dataOut = d;
  } else if (data.kind === 'csv') {
    unknownKeys('data', data, CSV_FIELDS);
    if (typeof data.path !== 'string' || data.path === '') fail('data.path', 'must be the path of a CSV file', data.path);
    if (typeof data.schema !== 'string' && !isPlainObject(data.schema)) fail('data.schema', 'must be a schema JSON path or a schema object', data.schema);
    if (data.minCount !== undefined) checkNumber('data.minCount', data.minCount, { min: 1, int: true });
    dataOut = { ...data } as unknown as CsvDataConfig;
  } else {
    fail('data.kind', "must be 'synthetic' or 'csv'", data.kind);
  }

  // split
  const split = isPlainObject(c.split) ? { ...DEFAULT_CONFIG.split, ...c.split } : fail('split', 'must be an object {ratios, seed}', c.split);
  unknownKeys('split', split, ['ratios', 'seed']);
  if (!Array.isArray(split.ratios) || split.ratios.length !== 3) fail('split.ratios', 'must be [train, valid, test]', split.ratios);
  split.ratios.forEach((r, i) => checkNumber(`split.ratios[${i}]`, r, { min: 0 }));
  if (!(split.ratios[1]! > 0 && split.ratios[0]! > 0)) fail('split.ratios', 'train and valid ratios must be positive', split.ratios);
  checkNumber('split.seed', split.seed, { int: true });

  // tasks
  let tasks: string[] | null = null;
  if (c.tasks !== null && c.tasks !== undefined) {
    const v = typeof c.tasks === 'string' ? (c.tasks as string).split(',').map((s) => s.trim()).filter(Boolean) : c.tasks;
    if (!Array.isArray(v) || v.length === 0 || v.some((t) => typeof t !== 'string' || t === '')) fail('tasks', 'must be a non-empty list of task names (or null for all)', c.tasks);
    if (new Set(v).size !== v.length) fail('tasks', 'names a task twice', c.tasks);
    tasks = [...(v as string[])];
  }

  if (typeof c.model !== 'string' || !PRESETS.includes(c.model as PresetName)) fail('model', `must be one of ${PRESETS.join(', ')}`, c.model);
  const mo = c.modelOptions;
  if (!isPlainObject(mo)) fail('modelOptions', 'must be an object', mo);
  unknownKeys('modelOptions', mo, ['dropout', 'tableLayout', 'init']);
  if (mo.dropout !== undefined) checkNumber('modelOptions.dropout', mo.dropout, { min: 0, max: 0.99 });
  if (mo.tableLayout !== undefined && mo.tableLayout !== 'per-field' && mo.tableLayout !== 'shared') fail('modelOptions.tableLayout', "must be 'per-field' or 'shared'", mo.tableLayout);
  if (mo.init !== undefined && mo.init !== 'code' && mo.init !== 'normal' && mo.init !== 'glorot') fail('modelOptions.init', "must be 'code', 'normal' or 'glorot'", mo.init);

  if (!Array.isArray(c.plugins) || c.plugins.some((p) => typeof p !== 'string' || p === '')) fail('plugins', 'must be a list of module paths', c.plugins);
  if (typeof c.method !== 'string' || !(balancerIds as string[]).includes(c.method)) {
    fail('method', `must be one of ${balancerIds.join(', ')} (a custom balancer: registerBalancer in a module named in config.plugins or --plugin)`, c.method);
  }
  if (!isPlainObject(c.methodOptions)) fail('methodOptions', 'must be an object of the balancer\'s options', c.methodOptions);
  if (c.mode !== 'param' && c.mode !== 'rep') fail('mode', "must be 'param' or 'rep'", c.mode);
  if (c.scope !== null && c.scope !== 'shared' && c.scope !== 'whole-model') fail('scope', "must be 'shared', 'whole-model' or null", c.scope);
  if (c.optimizer !== 'adam' && c.optimizer !== 'sgd' && c.optimizer !== 'adagrad') fail('optimizer', "must be 'adam', 'sgd' or 'adagrad'", c.optimizer);
  const oo = c.optimizerOptions;
  if (!isPlainObject(oo)) fail('optimizerOptions', 'must be an object', oo);
  if ('lr' in oo) throw new ConfigError('config.optimizerOptions.lr: give the learning rate as config.lr');
  for (const [k, v] of Object.entries(oo)) if (typeof v !== 'number' && typeof v !== 'boolean') fail(`optimizerOptions.${k}`, 'must be a number or a boolean', v);

  checkNumber('lr', c.lr, { min: 0, openMin: true });
  checkNumber('batchSize', c.batchSize, { min: 1, int: true });
  checkNumber('l2', c.l2, { min: 0 });
  checkNumber('epochs', c.epochs, { min: 1, int: true });
  checkNumber('patience', c.patience, { min: 1, int: true });
  checkNumber('minDelta', c.minDelta, { min: 0 });
  checkNumber('seed', c.seed, { int: true, min: 0, max: 2 ** 53 });
  checkNumber('evalBatchSize', c.evalBatchSize, { min: 1, int: true });
  checkNumber('diagnosticsEvery', c.diagnosticsEvery, { min: 0, int: true });
  if (c.outDir !== null && (typeof c.outDir !== 'string' || c.outDir === '')) fail('outDir', 'must be a folder path or null', c.outDir);
  if (typeof c.checkpoint !== 'boolean') fail('checkpoint', 'must be true or false', c.checkpoint);
  if (c.scope === 'whole-model' && c.mode === 'rep') throw new ConfigError("config.scope: 'whole-model' crafts parameter gradients; use mode 'param'");

  return {
    data: dataOut,
    split: { ratios: [...split.ratios] as [number, number, number], seed: split.seed },
    tasks,
    model: c.model as PresetName,
    modelOptions: { ...mo } as ModelOptions,
    method: c.method,
    methodOptions: { ...c.methodOptions },
    mode: c.mode,
    scope: c.scope as TrainConfig['scope'],
    optimizer: c.optimizer,
    optimizerOptions: { ...oo } as Record<string, number | boolean>,
    lr: c.lr as number,
    batchSize: c.batchSize as number,
    l2: c.l2 as number,
    epochs: c.epochs as number,
    patience: c.patience as number,
    minDelta: c.minDelta as number,
    seed: c.seed as number,
    evalBatchSize: c.evalBatchSize as number,
    diagnosticsEvery: c.diagnosticsEvery as number,
    outDir: c.outDir as string | null,
    checkpoint: c.checkpoint,
    plugins: (c.plugins as string[]).map((p) => pluginPath(p)),
  };
}
