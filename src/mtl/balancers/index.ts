/**
 * The registry: one entry per balancer id. Adding a balancer is one file in this folder and one
 * line here; the property harness in test/mtl picks it up from this table.
 *
 * From outside the repository (or without editing it): one file with the balancer and one
 * `registerBalancer(id, entry)` line. Child processes (sweeps, `experiment --workers N`) start
 * fresh, so name that file in TrainConfig `plugins` (or `--plugin <path>`): it is imported in
 * every process before the method id is looked up (src/train/plugins.ts).
 */
import type { Balancer, Certifier } from '../balancer.ts';
import { BalancerOptionError } from '../balancer.ts';
import type { OptionsSpec } from './common.ts';
import { CAGrad, cagradOptions, certifyCagrad } from './cagrad.ts';
import { DBMTL, dbmtlOptions } from './dbmtl.ts';
import { DWA, dwaOptions } from './dwa.ts';
import { EW, ewOptions } from './ew.ts';
import { GradCraft, gradcraftOptions } from './gradcraft.ts';
import { GradCraftExact, certifyGradcraftExact, gradcraftExactOptions } from './gradcraft-exact.ts';
import { GradDrop, graddropOptions } from './graddrop.ts';
import { GradVac, gradvacOptions } from './gradvac.ts';
import { IMTL, certifyImtl, imtlOptions } from './imtl.ts';
import { certifyMgda, MGDA, mgdaOptions } from './mgda.ts';
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
  /**
   * For a balancer that solves an optimisation problem: its certificate check (see
   * `Certifier`). The property harness runs it on every registered entry that has one.
   */
  certify?: Certifier;
  /**
   * The method trains one task at a time (Single): the trainer trains one single-task model
   * per task, with the `task` option 0 (its only task), and combines their test metrics.
   */
  perTask?: true;
}

export const balancers = {
  single: { summary: 'one task only (weight 1 on `task`)', options: singleOptions, create: (o) => new Single(o), perTask: true },
  ew: { summary: 'equal weights 1/T', options: ewOptions, create: (o) => new EW(o) },
  uc: { summary: 'uncertainty weighting (Kendall et al. 2018)', options: ucOptions, create: (o) => new UC(o) },
  dwa: { summary: 'dynamic weight average (Liu et al. 2019)', options: dwaOptions, create: (o) => new DWA(o) },
  mgda: { summary: 'min-norm point of the convex hull (Sener and Koltun 2018)', options: mgdaOptions, create: (o) => new MGDA(o), certify: certifyMgda },
  pcgrad: { summary: 'projecting conflicting gradients (Yu et al. 2020)', options: pcgradOptions, create: (o) => new PCGrad(o) },
  'pcgrad+': { summary: 'GradCraft eq. 5 magnitude step, then PCGrad', options: pcgradPlusOptions, create: (o) => new PCGradPlus(o) },
  gradvac: { summary: 'gradient vaccine (Wang et al. 2021)', options: gradvacOptions, create: (o) => new GradVac(o) },
  cagrad: { summary: 'conflict-averse gradient descent (Liu et al. 2021)', options: cagradOptions, create: (o) => new CAGrad(o), certify: certifyCagrad },
  imtl: { summary: 'impartial MTL: IMTL-G / IMTL-L / hybrid (Liu et al. 2021)', options: imtlOptions, create: (o) => new IMTL(o), certify: certifyImtl },
  dbmtl: { summary: 'dual-balancing MTL (Lin et al. 2023)', options: dbmtlOptions, create: (o) => new DBMTL(o) },
  gradcraft: { summary: 'GradCraft (Bai et al. 2024): eq. 5 magnitude + eq. 6-9 global projection', options: gradcraftOptions, create: (o) => new GradCraft(o) },
  'gradcraft-exact': { summary: 'GradCraft with non-negative multipliers against every task (NNLS)', options: gradcraftExactOptions, create: (o) => new GradCraftExact(o), certify: certifyGradcraftExact },
  multibalance: { summary: 'MultiBalance (He et al. 2024), Algorithm 3', options: multibalanceOptions, create: (o) => new MultiBalance(o) },
  graddrop: { summary: 'gradient sign dropout (Chen et al. 2020)', options: graddropOptions, create: (o) => new GradDrop(o) },
  moco: { summary: 'MoCo (Fernando et al. 2023)', options: mocoOptions, create: (o) => new MoCo(o) },
} satisfies Record<string, BalancerEntry>;

export type BalancerId = keyof typeof balancers;
export const balancerIds = Object.keys(balancers) as BalancerId[];
const builtinIds: ReadonlySet<string> = new Set(balancerIds);

/** A factory alone (no summary, no option table), or a full entry. */
export type BalancerFactory = (options?: Record<string, unknown>) => Balancer;

const ID_RE = /^[a-z0-9][a-z0-9+._-]*$/i;
const KINDS = ['gradient', 'loss', 'both'];

/**
 * Adds a balancer to this process's registry: `createBalancer(id)`, TrainConfig `method`,
 * `mtlkit train / balance / experiment` then accept the id. `entry` is a factory or
 * `{summary, options, create}`. Checked here, with errors that say what is wrong: the id (letters,
 * digits and + . _ -, starting with a letter or digit; not taken: a duplicate id is an error,
 * built-in or not), the entry's shape, and one instance made with no options (it must have that
 * id, a known kind, a non-empty modes list among 'param' / 'rep', and combine / lastInfo /
 * reset / getState / setState; a loss-kind balancer needs lossWeights). Returns the entry.
 */
export function registerBalancer(id: string, entry: BalancerEntry | BalancerFactory): BalancerEntry {
  const where = `registerBalancer(${JSON.stringify(id)})`;
  if (typeof id !== 'string' || !ID_RE.test(id)) {
    throw new BalancerOptionError(`${where}: the id must be a non-empty string of letters, digits and + . _ - starting with a letter or digit`);
  }
  if (Object.prototype.hasOwnProperty.call(balancers, id)) {
    throw new BalancerOptionError(`${where}: the id '${id}' is already registered (${builtinIds.has(id) ? 'a built-in balancer' : 'by an earlier registerBalancer; a plugin imported twice under two paths?'}); pick another id`);
  }
  const e: BalancerEntry = typeof entry === 'function' ? { summary: '', options: {}, create: entry } : entry;
  if (e === null || typeof e !== 'object' || typeof e.create !== 'function') {
    throw new BalancerOptionError(`${where}: the entry must be a factory (options) => Balancer or {summary, options, create}`);
  }
  if (typeof e.summary !== 'string') throw new BalancerOptionError(`${where}: entry.summary must be a string`);
  if (e.options === null || typeof e.options !== 'object' || Array.isArray(e.options)) throw new BalancerOptionError(`${where}: entry.options must be an options table (an object; {} for none)`);
  let b: Balancer;
  try {
    b = e.create({});
  } catch (err) {
    throw new BalancerOptionError(`${where}: create({}) threw: ${(err as Error).message} (every option needs a default)`);
  }
  const missing = ['combine', 'lastInfo', 'reset', 'getState', 'setState'].filter((m) => typeof (b as unknown as Record<string, unknown>)?.[m] !== 'function');
  if (!b || missing.length) throw new BalancerOptionError(`${where}: create({}) must return a Balancer (src/mtl/balancer.ts); missing ${missing.join(', ')}`);
  if (b.id !== id) throw new BalancerOptionError(`${where}: the balancer's id is ${JSON.stringify(b.id)}; it must equal the registered id`);
  if (!KINDS.includes(b.kind)) throw new BalancerOptionError(`${where}: kind must be one of ${KINDS.join(', ')}, got ${JSON.stringify(b.kind)}`);
  if (!Array.isArray(b.modes) || b.modes.length === 0 || b.modes.some((m) => m !== 'param' && m !== 'rep')) {
    throw new BalancerOptionError(`${where}: modes must be a non-empty list of 'param' / 'rep', got ${JSON.stringify(b.modes)}`);
  }
  if (b.kind === 'loss' && typeof b.lossWeights !== 'function') throw new BalancerOptionError(`${where}: a 'loss' balancer needs lossWeights(losses, ctx)`);
  (balancers as Record<string, BalancerEntry>)[id] = e;
  (balancerIds as string[]).push(id);
  return e;
}

/** Removes a balancer added by `registerBalancer` (tests, notebooks); built-ins cannot be removed. */
export function unregisterBalancer(id: string): boolean {
  if (builtinIds.has(id)) throw new BalancerOptionError(`unregisterBalancer: '${id}' is built in`);
  if (!Object.prototype.hasOwnProperty.call(balancers, id)) return false;
  delete (balancers as Record<string, BalancerEntry>)[id];
  (balancerIds as string[]).splice((balancerIds as string[]).indexOf(id), 1);
  return true;
}

/** Whether `id` names a per-task method (BalancerEntry.perTask); false for unknown ids. */
export function isPerTask(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(balancers, id) && (balancers as Record<string, BalancerEntry>)[id]!.perTask === true;
}

/** Create a balancer by id; unknown ids and unknown option names are errors that list the valid ones. */
export function createBalancer(id: string, options: Record<string, unknown> = {}): Balancer {
  const entry = (balancers as Record<string, BalancerEntry>)[id];
  if (!entry || !Object.prototype.hasOwnProperty.call(balancers, id)) {
    throw new BalancerOptionError(`unknown balancer '${id}'; valid ids: ${balancerIds.join(', ')}`);
  }
  return entry.create(options);
}
