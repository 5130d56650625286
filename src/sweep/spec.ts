/**
 * Sweep specs: a base trainer config, a grid and/or a seeded random search over any of its fields
 * (dotted paths), how to pick the best trial, and how to run one. See docs/sweeps.md.
 *
 * Expansion order is deterministic: grid points in the order written (last field fastest), each
 * grid point crossed with the random samples in draw order; duplicate configs are dropped.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Rng } from '../tensor/rng.ts';
import { deepClone, isPlainObject, setPath, splitPath, type Json, type JsonObject } from './fields.ts';
import { trialId } from './trial-id.ts';

/** A value distribution for random search. A plain array means "pick one uniformly". */
export type Distribution =
  | Json[]
  | { uniform: [number, number]; digits?: number }
  | { logUniform: [number, number]; digits?: number }
  | { int: [number, number] };

export interface SelectSpec {
  /** Dotted path into the trial's result JSON, e.g. `valid.mean_auc`. */
  metric: string;
  mode: 'max' | 'min';
}

export interface SweepSpec {
  name: string;
  base: JsonObject;
  /** One grid, or a list of grids whose points are concatenated (for method-specific options). */
  grid: Record<string, Json[]>[];
  random?: { samples: number; seed: number; space: Record<string, Distribution> };
  select: SelectSpec;
  /** Command prefix; `--config <file> --json` is appended unless an argument contains `{config}`. */
  runner?: string[];
  retries?: number;
  timeoutSec?: number;
  workers?: number;
}

export interface Trial {
  id: string;
  /** Position in the expanded sweep: ties in selection go to the lower index. */
  index: number;
  config: JsonObject;
}

export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

const KNOWN_KEYS = new Set([
  'name', 'description', '$comment', 'base', 'grid', 'random', 'select', 'runner', 'retries', 'timeoutSec', 'workers',
]);

export const DEFAULT_SELECT: SelectSpec = { metric: 'valid.mean_auc', mode: 'max' };

/** Reads and validates a spec file; relative `./` and `../` runner arguments resolve against its folder. */
export function loadSpec(path: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpecError(`cannot read sweep spec ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SpecError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseSpec(raw, { source: path, baseDir: dirname(resolve(path)) });
}

export function parseSpec(raw: unknown, opts: { source?: string; baseDir?: string } = {}): SweepSpec {
  const src = opts.source ?? 'sweep spec';
  const fail = (field: string, msg: string): never => {
    throw new SpecError(`${src}: "${field}" ${msg}`);
  };
  if (!isPlainObject(raw)) throw new SpecError(`${src}: must be a JSON object`);
  for (const k of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(k)) fail(k, `is not a sweep spec field (known: ${[...KNOWN_KEYS].filter((x) => x[0] !== '$').join(', ')})`);
  }

  const name = raw.name ?? 'sweep';
  if (typeof name !== 'string' || !/^[\w.-]+$/.test(name)) fail('name', 'must be a string of letters, digits, "_", "-" or "."');

  const base = raw.base ?? {};
  if (!isPlainObject(base)) fail('base', 'must be an object (the trainer config every trial starts from)');

  const grids: Record<string, Json[]>[] = [];
  if (raw.grid !== undefined) {
    const list = Array.isArray(raw.grid) ? raw.grid : [raw.grid];
    if (list.length === 0) fail('grid', 'must not be an empty list');
    list.forEach((g, gi) => {
      const where = Array.isArray(raw.grid) ? `grid[${gi}]` : 'grid';
      if (!isPlainObject(g)) fail(where, 'must be an object mapping field paths to lists of values');
      const grid: Record<string, Json[]> = {};
      for (const [field, values] of Object.entries(g as JsonObject)) {
        checkPath(field, `${where}.${field}`, src);
        if (!Array.isArray(values) || values.length === 0) {
          fail(`${where}.${field}`, `must be a non-empty array of values, got ${JSON.stringify(values)}`);
        }
        grid[field] = values as Json[];
      }
      grids.push(grid);
    });
  }

  let random: SweepSpec['random'];
  if (raw.random !== undefined) {
    const r = raw.random;
    if (!isPlainObject(r)) fail('random', 'must be an object {samples, seed, space}');
    const rr = r as JsonObject;
    for (const k of Object.keys(rr)) if (!['samples', 'seed', 'space'].includes(k)) fail(`random.${k}`, 'is not a field of random (samples, seed, space)');
    if (!Number.isInteger(rr.samples) || (rr.samples as number) < 1) fail('random.samples', `must be a positive integer, got ${JSON.stringify(rr.samples)}`);
    const seed = rr.seed ?? 0;
    if (!Number.isInteger(seed)) fail('random.seed', `must be an integer, got ${JSON.stringify(seed)}`);
    if (!isPlainObject(rr.space) || Object.keys(rr.space).length === 0) fail('random.space', 'must be a non-empty object mapping field paths to distributions');
    const space: Record<string, Distribution> = {};
    for (const [field, d] of Object.entries(rr.space as JsonObject)) {
      const where = `random.space.${field}`;
      checkPath(field, where, src);
      for (const g of grids) if (field in g) fail(where, 'is also a grid field: vary a field in the grid or in the random space, not both');
      space[field] = checkDistribution(d, where, fail);
    }
    random = { samples: rr.samples as number, seed: seed as number, space };
  }

  let select = DEFAULT_SELECT;
  if (raw.select !== undefined) {
    const s = raw.select;
    if (!isPlainObject(s)) fail('select', 'must be an object {metric, mode}');
    const ss = s as JsonObject;
    for (const k of Object.keys(ss)) if (k !== 'metric' && k !== 'mode') fail(`select.${k}`, 'is not a field of select (metric, mode)');
    const metric = ss.metric ?? DEFAULT_SELECT.metric;
    if (typeof metric !== 'string') fail('select.metric', 'must be a dotted path into the result JSON, e.g. "valid.mean_auc"');
    checkPath(metric as string, 'select.metric', src);
    const mode = ss.mode ?? 'max';
    if (mode !== 'max' && mode !== 'min') fail('select.mode', `must be "max" or "min", got ${JSON.stringify(mode)}`);
    select = { metric: metric as string, mode: mode as 'max' | 'min' };
  }

  let runner: string[] | undefined;
  if (raw.runner !== undefined) {
    if (!Array.isArray(raw.runner) || raw.runner.length === 0 || raw.runner.some((a) => typeof a !== 'string' || a.length === 0)) {
      fail('runner', 'must be a non-empty array of command arguments, e.g. ["node", "./my-trainer.mjs"]');
    }
    runner = (raw.runner as string[]).map((a) =>
      opts.baseDir && (a.startsWith('./') || a.startsWith('../')) && !isAbsolute(a) ? resolve(opts.baseDir, a) : a,
    );
  }

  const nonNegInt = (k: 'retries' | 'workers'): number | undefined => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < (k === 'workers' ? 1 : 0)) fail(k, `must be an integer >= ${k === 'workers' ? 1 : 0}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const retries = nonNegInt('retries');
  const workers = nonNegInt('workers');
  let timeoutSec: number | undefined;
  if (raw.timeoutSec !== undefined) {
    if (typeof raw.timeoutSec !== 'number' || !(raw.timeoutSec > 0)) fail('timeoutSec', `must be a positive number of seconds, got ${JSON.stringify(raw.timeoutSec)}`);
    timeoutSec = raw.timeoutSec as number;
  }

  const spec: SweepSpec = { name: name as string, base: base as JsonObject, grid: grids, select };
  if (random) spec.random = random;
  if (runner) spec.runner = runner;
  if (retries !== undefined) spec.retries = retries;
  if (timeoutSec !== undefined) spec.timeoutSec = timeoutSec;
  if (workers !== undefined) spec.workers = workers;
  // Expanding once here surfaces path conflicts with the base config as spec errors.
  expandTrials(spec, src);
  return spec;
}

function checkPath(path: string, where: string, src: string): void {
  try {
    splitPath(path, where);
  } catch (err) {
    throw new SpecError(`${src}: ${(err as Error).message}`);
  }
}

function checkDistribution(d: Json, where: string, fail: (f: string, m: string) => never): Distribution {
  if (Array.isArray(d)) {
    if (d.length === 0) fail(where, 'must not be an empty list');
    return d;
  }
  if (!isPlainObject(d)) {
    return fail(where, 'must be a list of values or one of {"uniform": [lo, hi]}, {"logUniform": [lo, hi]}, {"int": [lo, hi]}');
  }
  const kinds = Object.keys(d).filter((k) => k !== 'digits');
  if (kinds.length !== 1 || !['uniform', 'logUniform', 'int'].includes(kinds[0]!)) {
    fail(where, `must have exactly one of "uniform", "logUniform", "int" (got ${JSON.stringify(Object.keys(d))})`);
  }
  const kind = kinds[0]!;
  const range = d[kind];
  if (!Array.isArray(range) || range.length !== 2 || range.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    fail(`${where}.${kind}`, 'must be [lo, hi] with two finite numbers');
  }
  const [lo, hi] = range as [number, number];
  if (!(lo <= hi)) fail(`${where}.${kind}`, `needs lo <= hi, got [${lo}, ${hi}]`);
  if (kind === 'logUniform' && !(lo > 0)) fail(`${where}.logUniform`, `needs lo > 0, got ${lo}`);
  if (kind === 'int' && !(Number.isInteger(lo) && Number.isInteger(hi))) fail(`${where}.int`, `needs integer bounds, got [${lo}, ${hi}]`);
  if (d.digits !== undefined) {
    if (kind === 'int') fail(`${where}.digits`, 'applies to uniform and logUniform only');
    if (!Number.isInteger(d.digits) || (d.digits as number) < 1 || (d.digits as number) > 17) fail(`${where}.digits`, 'must be an integer in 1..17 (significant digits)');
  }
  return d as Distribution;
}

function gridPoints(grid: Record<string, Json[]>): [string, Json][][] {
  let points: [string, Json][][] = [[]];
  for (const [field, values] of Object.entries(grid)) {
    const next: [string, Json][][] = [];
    for (const p of points) for (const v of values) next.push([...p, [field, v]]);
    points = next;
  }
  return points;
}

function draw(rng: Rng, d: Distribution): Json {
  if (Array.isArray(d)) return d[rng.int(0, d.length)]!;
  const round = (x: number, digits?: number): number => (digits ? Number(x.toPrecision(digits)) : x);
  if ('uniform' in d) return round(rng.uniform(d.uniform[0], d.uniform[1]), d.digits);
  if ('logUniform' in d) {
    const [lo, hi] = d.logUniform;
    return round(Math.exp(rng.uniform(Math.log(lo), Math.log(hi))), d.digits);
  }
  return rng.int(d.int[0], d.int[1] + 1);
}

/** The sweep's trials, in deterministic order, one per distinct config. */
export function expandTrials(spec: SweepSpec, source = 'sweep spec'): Trial[] {
  const grids = spec.grid.length > 0 ? spec.grid.flatMap(gridPoints) : [[]];
  let samples: [string, Json][][] = [[]];
  if (spec.random) {
    const rng = new Rng(spec.random.seed);
    // Fields drawn in sorted order so the samples do not depend on the key order in the file.
    const fields = Object.keys(spec.random.space).sort();
    samples = [];
    for (let s = 0; s < spec.random.samples; s++) samples.push(fields.map((f) => [f, draw(rng, spec.random!.space[f]!)]));
  }
  const trials: Trial[] = [];
  const seen = new Set<string>();
  for (const g of grids) {
    for (const s of samples) {
      const config = deepClone(spec.base);
      for (const [field, value] of [...g, ...s]) {
        try {
          setPath(config, field, deepClone(value), field);
        } catch (err) {
          throw new SpecError(`${source}: ${(err as Error).message}`);
        }
      }
      const id = trialId(config);
      if (seen.has(id)) continue;
      seen.add(id);
      trials.push({ id, index: trials.length, config });
    }
  }
  return trials;
}
