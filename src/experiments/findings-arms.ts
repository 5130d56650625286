/**
 * The arms of the `findings` preset: each run backs one experiment.json row whose
 * `param.arm` names it. The preset (findings.ts) plans one run per arm and seed; the
 * report's claims (src/report/findings/claims.ts) find their rows by arm, so the two agree on these names only.
 */

import { REFERENCE_METHOD, TABLE2_METHODS } from './methods.ts';

/** The arm whose rows are the RI reference (Single's; a Table 2 arm is its method id). */
export const REFERENCE_ARM = REFERENCE_METHOD;

/** GradCraft Table 2's methods, default configs (the arm is the method id). */
export const T2_ARMS: readonly string[] = TABLE2_METHODS.map((m) => m.method);

/** GradCraft Table 3's ablations (GradCraft itself is the `gradcraft` arm). */
export const T3_ARMS = ['gradcraft-fix-epsilon', 'gradcraft-fix-tau', 'gradcraft-ori', 'gradcraft-local'] as const;

/** Figure 2 and 3 grids; the defaults (tau 0.1, epsilon 1e-10) are the `gradcraft` arm. */
export const FINDINGS_TAU = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
export const FINDINGS_EPSILON = [0, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7];
export const DEFAULT_TAU = 0.1;
export const DEFAULT_EPSILON = 1e-10;

export const tauArm = (v: number): string => (v === DEFAULT_TAU ? 'gradcraft' : `gradcraft-tau${v}`);
export const epsilonArm = (v: number): string => (v === DEFAULT_EPSILON ? 'gradcraft' : `gradcraft-epsilon${v === 0 ? '0' : v.toExponential()}`);

/** Figure 4: T = 2 and 4 subsets (T = 6 is every task: the Table 2 arms). */
export const FINDINGS_T = [2, 4] as const;
export const taskArm = (T: number, who: 'gradcraft' | 'baseline'): string => `T${T}-${who}`;

/** MultiBalance Tables 2-3 (EW and MGDA (param) are Table 2's `ew` and `mgda` arms). */
export const MB_ARMS = ['moco', 'multibalance-rep', 'uc-rep', 'pcgrad-rep', 'gradvac-rep', 'graddrop-rep', 'dbmtl-median', 'imtl-g-rep', 'multibalance-noema-rep'] as const;

/** The claim groups, in the findings table's order; `--claims` selects among them. */
export const CLAIM_GROUPS = ['table2', 'table3', 'tau', 'epsilon', 'tasks', 'mb-qps', 'mb-ne'] as const;
export type ClaimGroup = (typeof CLAIM_GROUPS)[number];
