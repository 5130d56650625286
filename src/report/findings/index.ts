/** Findings: the papers' claims as tests over seeds, from a `findings` experiment's rows (docs/experiments.md "Findings"). */
export { CLAIM_GROUPS, T2_ARMS, T3_ARMS, MB_ARMS, FINDINGS_TAU, FINDINGS_EPSILON, FINDINGS_T, tauArm, epsilonArm, taskArm, type ClaimGroup } from '../../experiments/findings-arms.ts';
export { findingsClaims, ArmIndex, STABILITY_MARGIN, type ClaimDef, type Unit } from './claims.ts';
export { evaluateFindings, evaluateClaim, BOOTSTRAP_SEED, type Finding } from './evaluate.ts';
export { findingsTable, oursText } from './table.ts';
export { findingsViews } from './views.ts';
export { verdictOf, ruleText, type Rule, type Verdict, type VerdictResult } from './verdict.ts';
export * as paperNumbers from './paper.ts';
