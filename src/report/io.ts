/**
 * Reading run and experiment folders. Errors name the file and what is wrong with it; a
 * torn last line of a .jsonl file (a run killed mid-write) is dropped with a warning rather
 * than failing the whole report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPERIMENT_PRESETS } from '../experiments/folder-contract.ts';
import { parseJsonl, ReportError } from './jsonl.ts';
import type { DiagnosticsRecord, EpochRecord, ExperimentJson, FinalJson } from './types.ts';

export { ReportError } from './jsonl.ts';

export type FolderKind = 'run' | 'experiment';

/** "experiment" if experiment.json exists, "run" if final.json or epochs.jsonl does, else null. */
export function detectFolder(dir: string): FolderKind | null {
  if (existsSync(join(dir, 'experiment.json'))) return 'experiment';
  if (existsSync(join(dir, 'final.json')) || existsSync(join(dir, 'epochs.jsonl'))) return 'run';
  return null;
}

export function readJson<T = unknown>(file: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ReportError(`cannot read ${file}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new ReportError(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Parsed lines of a JSON Lines file; `warnings` gets a line when a torn last line is dropped. */
export function readJsonl<T>(file: string, warnings: string[] = []): T[] {
  return parseJsonl<T>(readFileSync(file, 'utf8'), file, warnings);
}

/** Reads and checks experiment.json: preset, tasks and rows with method and test. */
export function readExperiment(dir: string): ExperimentJson {
  const file = join(dir, 'experiment.json');
  const exp = readJson<Partial<ExperimentJson>>(file);
  if (!exp || typeof exp !== 'object') throw new ReportError(`${file} must hold a JSON object`);
  if (!EXPERIMENT_PRESETS.includes(exp.preset as never)) throw new ReportError(`${file}: "preset" must be one of ${EXPERIMENT_PRESETS.join(', ')} (got ${JSON.stringify(exp.preset)})`);
  if (!Array.isArray(exp.tasks) || exp.tasks.some((t) => typeof t !== 'string')) throw new ReportError(`${file}: "tasks" must be an array of task names`);
  if (!Array.isArray(exp.rows)) throw new ReportError(`${file}: "rows" must be an array`);
  exp.rows.forEach((r, i) => {
    if (!r || typeof r.method !== 'string') throw new ReportError(`${file}: rows[${i}] has no "method"`);
    if (!r.test || typeof r.test !== 'object') throw new ReportError(`${file}: rows[${i}] (${r.method}) has no "test" metrics`);
  });
  return exp as ExperimentJson;
}

export interface RunData {
  dir: string;
  config: unknown;
  final: FinalJson | null;
  epochs: EpochRecord[] | null;
  diagnostics: DiagnosticsRecord[] | null;
  tasks: string[];
  warnings: string[];
}

/** Reads a run folder; only one of final.json / epochs.jsonl is required. */
export function readRun(dir: string): RunData {
  const warnings: string[] = [];
  const has = (f: string): boolean => existsSync(join(dir, f));
  if (!has('final.json') && !has('epochs.jsonl')) {
    throw new ReportError(`${dir} is not a run folder: missing final.json and epochs.jsonl`);
  }
  const final = has('final.json') ? readJson<FinalJson>(join(dir, 'final.json')) : null;
  const epochs = has('epochs.jsonl') ? readJsonl<EpochRecord>(join(dir, 'epochs.jsonl'), warnings) : null;
  const diagnostics = has('diagnostics.jsonl') ? readJsonl<DiagnosticsRecord>(join(dir, 'diagnostics.jsonl'), warnings) : null;
  const config = has('config.json') ? readJson(join(dir, 'config.json')) : (final?.config ?? null);
  let tasks: string[] = Array.isArray(final?.tasks) ? final!.tasks : [];
  if (tasks.length === 0) {
    const c = config as { tasks?: unknown } | null;
    if (c && Array.isArray(c.tasks) && c.tasks.every((t) => typeof t === 'string')) tasks = c.tasks as string[];
  }
  if (tasks.length === 0 && epochs?.[0]?.valid) tasks = Object.keys(epochs[0].valid);
  if (tasks.length === 0) {
    const T = epochs?.[0]?.train_loss?.length ?? diagnostics?.[0]?.norms_before?.length ?? 0;
    tasks = Array.from({ length: T }, (_, i) => `task ${i}`);
  }
  return { dir, config, final, epochs, diagnostics, tasks, warnings };
}
