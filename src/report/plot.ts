/**
 * What a plot builder returns (plots.ts and the pure builders it gathers): the SVG, with the
 * chart specs that draw it interactively where it has them, or the reason it was skipped. Pure:
 * the playground's Reports panel builds the same plots from a dropped folder.
 */
import type { ChartSpec } from './chart-specs.ts';
import type { DiagnosticsRecord } from './types.ts';

export type Plot =
  | { file: string; caption: string; svg: string; charts?: ChartSpec[] }
  /** `missing`: run files the plot looked for and was not given (the Reports panel names them). */
  | { file: string; caption: string; skipped: string; missing?: string[] };

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * An experiment's run folders as its plots read them: a row's run_dir (as experiment.json has
 * it) -> that run's diagnostics, or null when the folder has no diagnostics.jsonl (or is not
 * there). Node reads the folders (plots.ts); the Reports panel looks in the dropped files.
 */
export type RunLookup = (runDir: string) => { diagnostics: DiagnosticsRecord[] | null } | null;
