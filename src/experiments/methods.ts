/**
 * The methods of the papers' tables, with their display labels and the balancer options that
 * make them what the paper ran.
 */
import type { TrainConfig } from '../train/index.ts';
import type { RowInfo, RunSpec } from './types.ts';

export interface MethodSpec {
  /** Balancer id (src/mtl/balancers). */
  method: string;
  label: string;
  methodOptions?: Record<string, unknown>;
  /** Gradient mode (default: the base config's, param). */
  mode?: 'param' | 'rep';
  /**
   * Its part in GradCraft's comparisons: the reference of RI-A / RI-G (Single), the method
   * under test (GradCraft), or, when absent, a baseline.
   */
  role?: 'reference' | 'subject';
}

/** GradCraft Table 2, in the paper's column order. */
export const TABLE2_METHODS: MethodSpec[] = [
  { method: 'single', label: 'Single', role: 'reference' },
  { method: 'ew', label: 'EW' },
  { method: 'uc', label: 'UC' },
  { method: 'dwa', label: 'DWA' },
  { method: 'mgda', label: 'MGDA' },
  { method: 'pcgrad', label: 'PCGrad' },
  { method: 'pcgrad+', label: 'PCGrad+' },
  { method: 'gradvac', label: 'GradVac' },
  { method: 'cagrad', label: 'CAGrad' },
  { method: 'imtl', label: 'IMTL' },
  { method: 'dbmtl', label: 'DBMTL' },
  { method: 'gradcraft', label: 'GradCraft', role: 'subject' },
];

/** Table 2's baselines: every method but the reference and the subject (Figure 4's candidates). */
export const TABLE2_BASELINES: MethodSpec[] = TABLE2_METHODS.filter((m) => m.role === undefined);

/** The method whose rows are the RI reference (Single). */
export const REFERENCE_METHOD: string = TABLE2_METHODS.find((m) => m.role === 'reference')!.method;

/** GradCraft Table 3: GradCraft and its ablations (Single is the RI reference). */
export const TABLE3_METHODS: MethodSpec[] = [
  { method: 'gradcraft', label: 'GradCraft' },
  { method: 'gradcraft', label: 'GradCraft-fix ϵ', methodOptions: { ablation: 'fix-epsilon' } },
  { method: 'gradcraft', label: 'GradCraft-fix τ', methodOptions: { ablation: 'fix-tau' } },
  { method: 'gradcraft', label: 'GradCraft-ori', methodOptions: { ablation: 'ori' } },
  { method: 'gradcraft', label: 'GradCraft-local', methodOptions: { ablation: 'local' } },
];

/** Row method id of a Table 3 variant, as the report fixtures spell them (gradcraft-fix-tau, ...). */
export function variantId(m: MethodSpec): string {
  const ab = m.methodOptions?.ablation;
  return typeof ab === 'string' && ab !== 'none' ? `${m.method}-${ab}` : m.method;
}

/** Folder-safe text of a value: 0.1 -> 0.1, 1e-10 -> 1e-10, {"a":1} -> a1. */
export function slug(v: unknown): string {
  const s = typeof v === 'number' ? (v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v)) : String(v);
  return s.replace(/[^A-Za-z0-9.+-]+/g, '_');
}

/** One run per seed of a method: id `<prefix><method>[-<label slug>]-s<seed>`. */
export function methodRuns(m: MethodSpec, seeds: number[], opts: { prefix?: string; idPart?: string; config?: Partial<TrainConfig>; row?: Partial<RowInfo>; rows?: boolean } = {}): RunSpec[] {
  const part = opts.idPart ?? variantId(m);
  return seeds.map((seed) => ({
    id: `${opts.prefix ?? ''}${slug(part)}-s${seed}`,
    config: {
      method: m.method,
      methodOptions: { ...(m.methodOptions ?? {}) },
      ...(m.mode ? { mode: m.mode } : {}),
      ...opts.config,
      seed,
    },
    rows: opts.rows === false ? [] : [{ method: variantId(m), label: m.label, param: null, ...opts.row }],
  }));
}
