/** Public API of mtlkit's metrics: AUC, GAUC, NE, log loss and the GradCraft paper's averages. */
export { auc, correctPairs, sortRange } from './auc.ts';
export { gauc, denseIds, type GaucResult } from './gauc.ts';
export { logloss, ne, binaryEntropy, LOGLOSS_EPS } from './logloss.ts';
export { averageOverTasks, relativeImprovement, avA, avG, riA, riG } from './paper.ts';
export {
  evaluateTasks,
  compareToSingle,
  type EvaluateInput,
  type MultiTaskReport,
  type TaskMetrics,
} from './evaluate.ts';
