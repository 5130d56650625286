/**
 * The findings experiment seen as the other presets' experiments: its rows remapped to the
 * shapes table2, table3, the tau / epsilon sweeps, the tasks study and the MultiBalance tables
 * read, so the findings report shows those tables (and their plots) from the same runs.
 */
import type { ExperimentJson, ExperimentPreset, ExperimentRow } from '../types.ts';
import { DEFAULT_EPSILON, DEFAULT_TAU, FINDINGS_T, MB_ARMS, REFERENCE_ARM, T2_ARMS, T3_ARMS } from '../../experiments/findings-arms.ts';

const armOf = (r: ExperimentRow): string | null => (typeof r.param?.arm === 'string' ? r.param.arm : null);

function view(exp: ExperimentJson, preset: ExperimentPreset, pick: (r: ExperimentRow, arm: string) => ExperimentRow[] | null): ExperimentJson {
  const rows: ExperimentRow[] = [];
  for (const r of exp.rows) {
    const arm = armOf(r);
    if (arm === null) continue;
    const got = pick(r, arm);
    if (got) rows.push(...got);
  }
  return { ...exp, preset, rows };
}

const T2 = new Set<string>(T2_ARMS);
const T3 = new Set<string>([REFERENCE_ARM, 'gradcraft', ...T3_ARMS]);
const MB = new Set<string>(MB_ARMS);

export function findingsViews(exp: ExperimentJson): ExperimentJson[] {
  const plain = (r: ExperimentRow): ExperimentRow => ({ ...r, param: null });
  const withParam = (r: ExperimentRow, p: Record<string, unknown>): ExperimentRow => ({ ...r, param: p });
  const baselineMethod = exp.rows.find((r) => armOf(r) === `T${FINDINGS_T[0]}-baseline`)?.method;
  const sweep = (name: 'tau' | 'epsilon', def: number) => (r: ExperimentRow, arm: string): ExperimentRow[] | null => {
    if (arm === REFERENCE_ARM) return [plain(r)];
    if (arm === 'gradcraft') return [withParam(r, { [name]: def })];
    const v = r.param?.[name];
    return typeof v === 'number' && arm.startsWith(`gradcraft-${name}`) ? [withParam(r, { [name]: v })] : null;
  };
  const views = [
    view(exp, 'table2', (r, arm) => (T2.has(arm) ? [plain(r)] : null)),
    view(exp, 'table3', (r, arm) => (T3.has(arm) ? [plain(r)] : null)),
    view(exp, 'tau', sweep('tau', DEFAULT_TAU)),
    view(exp, 'epsilon', sweep('epsilon', DEFAULT_EPSILON)),
    view(exp, 'tasks', (r, arm) => {
      if (arm === REFERENCE_ARM) return [plain(r)];
      if (arm === 'gradcraft' || arm === baselineMethod) return baselineMethod ? [withParam(r, { T: exp.tasks.length })] : null;
      return /^T\d+-/.test(arm) ? [withParam(r, { T: (r.tasks ?? exp.tasks).length })] : null;
    }),
    view(exp, 'multibalance', (r, arm) => {
      if (arm === 'ew') return [plain(r)];
      if (arm === 'mgda') return [{ ...r, label: 'MGDA (param)', param: { mode: 'param' } }];
      if (arm === 'moco') return [{ ...r, label: 'MoCo (param)', param: { mode: 'param' } }];
      if (arm === 'multibalance-rep') return [{ ...r, label: 'MultiBalance (rep)', param: { mode: 'rep' } }, { ...r, label: 'MultiBalance', param: null }];
      return MB.has(arm) ? [plain(r)] : null;
    }),
  ];
  // A view needs more than its reference rows to say anything.
  return views.filter((v) => v.rows.some((r) => ![REFERENCE_ARM, 'ew'].includes(armOf(r) ?? '')));
}
