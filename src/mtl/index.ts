/** Public API of mtlkit's multi-task balancing: the Balancer contract, registry, linear algebra, diagnostics. */
export type {
  Balancer, BalanceContext, BalancerInfo, BalancerKind, BalancerState, Certificate, CertificateCondition, Certifier, Grad, GradientMode, ProjectionStep,
} from './balancer.ts';
export { BalancerInputError, BalancerOptionError, BALANCER_INPUT_FAULTS, type BalancerInputFault } from './balancer.ts';
export {
  balancers, balancerIds, createBalancer, registerBalancer, unregisterBalancer, type BalancerEntry, type BalancerFactory, type BalancerId,
} from './balancers/index.ts';
export { BaseBalancer, resolveOptions, type NumRange, type OptionCheck, type OptionSpec, type OptionsSpec } from './balancers/common.ts';
export { diagnose, type Diagnostics } from './diagnostics.ts';
export * as linalg from './linalg.ts';
export { Single } from './balancers/single.ts';
export { EW } from './balancers/ew.ts';
export { UC } from './balancers/uc.ts';
export { DWA } from './balancers/dwa.ts';
export { MGDA } from './balancers/mgda.ts';
export { PCGrad } from './balancers/pcgrad.ts';
export { PCGradPlus } from './balancers/pcgrad-plus.ts';
export { GradVac } from './balancers/gradvac.ts';
export { CAGrad } from './balancers/cagrad.ts';
export { IMTL } from './balancers/imtl.ts';
export { DBMTL } from './balancers/dbmtl.ts';
export { GradCraft } from './balancers/gradcraft.ts';
export { GradCraftExact } from './balancers/gradcraft-exact.ts';
export { MultiBalance } from './balancers/multibalance.ts';
export { GradDrop } from './balancers/graddrop.ts';
export { MoCo } from './balancers/moco.ts';
