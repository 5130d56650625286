/**
 * The papers' numbers the findings compare with, cited by table and figure.
 *
 * GradCraft (KDD'24), Table 2, Wechat: AV-A, RI-A (%), AV-G, RI-G (%) per method. GradCraft's
 * own column is its Table 3 row (Wechat): the same model, and above every second-best value
 * that Table 2 underlines. Kuaishou is not used: one dataset keeps one reference per claim.
 */
export interface AvRi {
  av_a: number;
  ri_a: number;
  av_g: number;
  ri_g: number;
}

export const GRADCRAFT_TABLE2_WECHAT: Record<string, AvRi> = {
  single: { av_a: 0.8361, ri_a: 0, av_g: 0.677, ri_g: 0 },
  ew: { av_a: 0.8369, ri_a: 0.091, av_g: 0.6798, ri_g: 0.413 },
  uc: { av_a: 0.8358, ri_a: -0.038, av_g: 0.6824, ri_g: 0.791 },
  dwa: { av_a: 0.8367, ri_a: 0.078, av_g: 0.6809, ri_g: 0.559 },
  mgda: { av_a: 0.8309, ri_a: -0.639, av_g: 0.6718, ri_g: -0.809 },
  pcgrad: { av_a: 0.8371, ri_a: 0.118, av_g: 0.683, ri_g: 0.887 },
  'pcgrad+': { av_a: 0.8373, ri_a: 0.135, av_g: 0.6802, ri_g: 0.472 },
  gradvac: { av_a: 0.8366, ri_a: 0.065, av_g: 0.679, ri_g: 0.288 },
  cagrad: { av_a: 0.8369, ri_a: 0.099, av_g: 0.6815, ri_g: 0.653 },
  imtl: { av_a: 0.8367, ri_a: 0.056, av_g: 0.681, ri_g: 0.589 },
  dbmtl: { av_a: 0.835, ri_a: -0.129, av_g: 0.6796, ri_g: 0.38 },
  gradcraft: { av_a: 0.8385, ri_a: 0.278, av_g: 0.6842, ri_g: 1.056 },
};

/** GradCraft Table 3 (Wechat): the ablations. */
export const GRADCRAFT_TABLE3_WECHAT: Record<string, AvRi> = {
  gradcraft: { av_a: 0.8385, ri_a: 0.278, av_g: 0.6842, ri_g: 1.056 },
  'gradcraft-fix-epsilon': { av_a: 0.8382, ri_a: 0.25, av_g: 0.6837, ri_g: 0.981 },
  'gradcraft-fix-tau': { av_a: 0.8365, ri_a: 0.039, av_g: 0.6798, ri_g: 0.392 },
  'gradcraft-ori': { av_a: 0.837, ri_a: 0.113, av_g: 0.6835, ri_g: 0.959 },
  'gradcraft-local': { av_a: 0.8371, ri_a: 0.118, av_g: 0.683, ri_g: 0.887 },
};

/** GradCraft section 4.4.1 on Figures 2-3 and 4.4.2 on Figure 4 (the figures' values are not tabulated). */
export const GRADCRAFT_FIGURES = {
  tauStable: [0, 0.3] as [number, number],
  epsilonStable: [1e-12, 1e-9] as [number, number],
  tauText: 'stable for τ in [0, 0.3], best at 0.1, worse when larger (Figure 2)',
  epsilonText: 'stable for ϵ in [1e-12, 1e-9], best at 1e-10, worse when larger (Figure 3)',
  tasksText: 'gap widens with T, similar at T = 2 (Figure 4)',
  gcTasksText: "GradCraft's RI rises with T (Figure 4)",
};

/** MultiBalance Table 2: throughput (QPS) drop against EW, in percent (interaction module for MGDA, MoCo). */
export const MULTIBALANCE_TABLE2_QPS_DROP = { mgda: 82.353, moco: 82.524, multibalance: 0.42, significant: 5 };

/** MultiBalance Table 3: average NE gain over EW (%), Feeds model A / Feeds model B / Ads; null = loss explosion (NEX). */
export const MULTIBALANCE_TABLE3_NE: Record<string, [number | null, number, number]> = {
  'uc-rep': [0.291, 0.488, -0.081],
  'pcgrad-rep': [0.2, 0.213, -0.159],
  'gradvac-rep': [null, 0.175, -0.014],
  'graddrop-rep': [-0.092, 0.362, -0.077],
  'dbmtl-median': [0.39, 0.522, -0.056],
  'imtl-g-rep': [-0.273, 0.11, -0.063],
  'multibalance-noema-rep': [0.476, -0.122, -0.091],
  'multibalance-rep': [0.476, 0.738, 0.015],
};
