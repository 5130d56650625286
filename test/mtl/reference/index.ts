/** The reference implementations by balancer id. Nothing here imports src/mtl. */
import { cagradRef } from './cagrad.ts';
import { dbmtlRef, mocoRef, multibalanceRef } from './ema.ts';
import { gradcraftExactRef, gradcraftRef } from './gradcraft.ts';
import { graddropRef } from './graddrop.ts';
import { imtlRef } from './imtl.ts';
import { mgdaRef } from './mgda.ts';
import { gradvacRef, pcgradPlusRef, pcgradRef } from './projections.ts';
import type { RefFactory } from './types.ts';
import { dwa, ew, single, uc } from './weightings.ts';

export type { RefCtx, RefFactory, RefOut, Reference } from './types.ts';

export const references: Record<string, RefFactory> = {
  single, ew, uc, dwa,
  mgda: mgdaRef,
  pcgrad: pcgradRef,
  'pcgrad+': pcgradPlusRef,
  gradvac: gradvacRef,
  cagrad: cagradRef,
  imtl: imtlRef,
  dbmtl: dbmtlRef,
  gradcraft: gradcraftRef,
  'gradcraft-exact': gradcraftExactRef,
  multibalance: multibalanceRef,
  graddrop: graddropRef,
  moco: mocoRef,
};
