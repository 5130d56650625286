/**
 * A dropped run or experiment folder, read from its files' text by the contract `mtlkit report`
 * reads (docs/reports.md): an experiment has experiment.json; a run has final.json or
 * epochs.jsonl (config.json and diagnostics.jsonl optional). A torn last line of a .jsonl file
 * is dropped with a warning, a bad line elsewhere is an error naming the file and line, as the
 * CLI's reader does.
 */
import { parseJsonl, ReportError, type DiagnosticsRecord, type EpochRecord, type ExperimentJson, type FinalJson } from '../../../src/core.ts';

/** Path inside the dropped folder (its top folder removed) -> text. */
export type FolderFiles = Map<string, string>;


export interface RunView {
  /** The folder, relative to what was dropped ('' for the top). */
  dir: string;
  config: Record<string, unknown> | null;
  final: FinalJson | null;
  epochs: EpochRecord[];
  diagnostics: DiagnosticsRecord[];
  tasks: string[];
  warnings: string[];
}

export type ReportFolder =
  | { kind: 'run'; name: string; run: RunView }
  | { kind: 'experiment'; name: string; experiment: ExperimentJson; runs: Map<string, RunView>; warnings: string[] };

function json<T>(files: FolderFiles, path: string): T {
  try {
    return JSON.parse(files.get(path)!) as T;
  } catch (e) {
    throw new ReportError(`${path} is not valid JSON (${(e as Error).message})`);
  }
}

function jsonl<T>(files: FolderFiles, path: string, warnings: string[]): T[] {
  const text = files.get(path);
  return text === undefined ? [] : parseJsonl<T>(text, path, warnings);
}

const join = (dir: string, f: string): string => (dir ? `${dir}/${f}` : f);

function isRun(files: FolderFiles, dir: string): boolean {
  return files.has(join(dir, 'final.json')) || files.has(join(dir, 'epochs.jsonl'));
}

/** The run in `dir` of the dropped files; its tasks from final.json, else config.json, else the first epoch. */
export function readRunView(files: FolderFiles, dir = ''): RunView {
  const warnings: string[] = [];
  const at = (f: string): string => join(dir, f);
  const final = files.has(at('final.json')) ? json<FinalJson>(files, at('final.json')) : null;
  const config = files.has(at('config.json')) ? json<Record<string, unknown>>(files, at('config.json')) : (final?.config as Record<string, unknown> | undefined) ?? null;
  const epochs = jsonl<EpochRecord>(files, at('epochs.jsonl'), warnings);
  const diagnostics = jsonl<DiagnosticsRecord>(files, at('diagnostics.jsonl'), warnings);
  let tasks: string[] = Array.isArray(final?.tasks) ? final!.tasks : [];
  if (!tasks.length && Array.isArray(config?.tasks) && config!.tasks.every((t) => typeof t === 'string')) tasks = config!.tasks as string[];
  if (!tasks.length && epochs[0]?.valid) tasks = Object.keys(epochs[0].valid);
  if (!tasks.length) {
    const T = epochs[0]?.train_loss?.length ?? diagnostics[0]?.norms_before?.length ?? 0;
    tasks = Array.from({ length: T }, (_, i) => `task ${i}`);
  }
  return { dir, config, final, epochs, diagnostics, tasks, warnings };
}

/** Reads what was dropped as a run or an experiment folder, or says what is missing. */
export function readReportFolder(name: string, files: FolderFiles): ReportFolder {
  if (files.has('experiment.json')) {
    const experiment = json<ExperimentJson>(files, 'experiment.json');
    if (!experiment || typeof experiment !== 'object' || !Array.isArray(experiment.rows) || !Array.isArray(experiment.tasks)) {
      throw new ReportError('experiment.json must hold an object with "preset", "tasks" and "rows"');
    }
    const runs = new Map<string, RunView>();
    const warnings: string[] = [];
    for (const r of experiment.rows) {
      const dir = r.run_dir?.replace(/^\.\//, '').replace(/\/$/, '');
      if (!dir || runs.has(dir) || !isRun(files, dir)) continue;
      const run = readRunView(files, dir);
      runs.set(dir, run);
      warnings.push(...run.warnings);
    }
    return { kind: 'experiment', name, experiment, runs, warnings };
  }
  if (isRun(files, '')) return { kind: 'run', name, run: readRunView(files) };
  throw new ReportError(`${name} is not a report folder: missing experiment.json (experiment) or final.json / epochs.jsonl (run)`);
}

/**
 * Paths as dropped ('run-7/final.json', or a zip's entries) -> the folder's name and its files
 * relative to it: one top folder shared by every path is the folder itself.
 */
export function normaliseFolder(entries: Iterable<[string, string]>, fallbackName: string): { name: string; files: FolderFiles } {
  const list = [...entries].map(([p, t]) => [p.replace(/^\/+/, ''), t] as [string, string]).filter(([p]) => !p.endsWith('/'));
  const tops = new Set(list.map(([p]) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '')));
  const top = tops.size === 1 && !tops.has('') ? [...tops][0]! : '';
  const files: FolderFiles = new Map(list.map(([p, t]) => [top ? p.slice(top.length + 1) : p, t]));
  return { name: top || fallbackName, files };
}
