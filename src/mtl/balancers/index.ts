/**
 * The registry: one entry per balancer id. Adding a balancer is one file in this folder and one
 * line here; the property harness in test/mtl picks it up from this table.
 */
import type { Balancer } from '../balancer.ts';
import { BalancerOptionError } from '../balancer.ts';
import type { OptionsSpec } from './common.ts';
import { CAGrad, cagradOptions } from './cagrad.ts';
import { DBMTL, dbmtlOptions } from './dbmtl.ts';
import { DWA, dwaOptions } from './dwa.ts';
import { EW, ewOptions } from './ew.ts';
import { GradCraft, gradcraftOptions } from './gradcraft.ts';
import { GradCraftExact, gradcraftExactOptions } from './gradcraft-exact.ts';
import { GradDrop, graddropOptions } from './graddrop.ts';
import { GradVac, gradvacOptions } from './gradvac.ts';
import { IMTL, imtlOptions } from './imtl.ts';
import { MGDA, mgdaOptions } from './mgda.ts';
import { MoCo, mocoOptions } from './moco.ts';
import { MultiBalance, multibalanceOptions } from './multibalance.ts';
import { PCGrad, pcgradOptions } from './pcgrad.ts';
import { PCGradPlus, pcgradPlusOptions } from './pcgrad-plus.ts';
import { Single, singleOptions } from './single.ts';
import { UC, ucOptions } from './uc.ts';

export interface BalancerEntry {
  /** One line for help texts and docs. */
  summary: string;
  options: OptionsSpec;
  create: (options?: Record<string, unknown>) => Balancer;
}

export const balancers = {
  single: { summary: 'one task only (weight 1 on `task`)', options: singleOptions, create: (o) => new Single(o) },
  ew: { summary: 'equal weights 1/T', options: ewOptions, create: (o) => new EW(o) },
  uc: { summary: 'uncertainty weighting (Kendall et al. 2018)', options: ucOptions, create: (o) => new UC(o) },
  dwa: { summary: 'dynamic weight average (Liu et al. 2019)', options: dwaOptions, create: (o) => new DWA(o) },
  mgda: { summary: 'min-norm point of the convex hull (Sener and Koltun 2018)', options: mgdaOptions, create: (o) => new MGDA(o) },
  pcgrad: { summary: 'projecting conflicting gradients (Yu et al. 2020)', options: pcgradOptions, create: (o) => new PCGrad(o) },
  'pcgrad+': { summary: 'GradCraft eq. 5 magnitude step, then PCGrad', options: pcgradPlusOptions, create: (o) => new PCGradPlus(o) },
  gradvac: { summary: 'gradient vaccine (Wang et al. 2021)', options: gradvacOptions, create: (o) => new GradVac(o) },
  cagrad: { summary: 'conflict-averse gradient descent (Liu et al. 2021)', options: cagradOptions, create: (o) => new CAGrad(o) },
  imtl: { summary: 'impartial MTL: IMTL-G / IMTL-L / hybrid (Liu et al. 2021)', options: imtlOptions, create: (o) => new IMTL(o) },
  dbmtl: { summary: 'dual-balancing MTL (Lin et al. 2023)', options: dbmtlOptions, create: (o) => new DBMTL(o) },
  gradcraft: { summary: 'GradCraft (Bai et al. 2024): eq. 5 magnitude + eq. 6-9 global projection', options: gradcraftOptions, create: (o) => new GradCraft(o) },
  'gradcraft-exact': { summary: 'GradCraft with non-negative multipliers against every task (NNLS)', options: gradcraftExactOptions, create: (o) => new GradCraftExact(o) },
  multibalance: { summary: 'MultiBalance (He et al. 2024), Algorithm 3', options: multibalanceOptions, create: (o) => new MultiBalance(o) },
  graddrop: { summary: 'gradient sign dropout (Chen et al. 2020)', options: graddropOptions, create: (o) => new GradDrop(o) },
  moco: { summary: 'MoCo (Fernando et al. 2023)', options: mocoOptions, create: (o) => new MoCo(o) },
} satisfies Record<string, BalancerEntry>;

export type BalancerId = keyof typeof balancers;
export const balancerIds = Object.keys(balancers) as BalancerId[];

/** Create a balancer by id; unknown ids and unknown option names are errors that list the valid ones. */
export function createBalancer(id: string, options: Record<string, unknown> = {}): Balancer {
  const entry = (balancers as Record<string, BalancerEntry>)[id];
  if (!entry || !Object.prototype.hasOwnProperty.call(balancers, id)) {
    throw new BalancerOptionError(`unknown balancer '${id}'; valid ids: ${balancerIds.join(', ')}`);
  }
  return entry.create(options);
}
