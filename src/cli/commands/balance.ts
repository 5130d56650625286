import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import {
  BalancerInputError, BalancerOptionError, balancerIds, balancers, createBalancer, diagnose, type Balancer, type BalancerEntry, type Certificate, type Diagnostics,
} from '../../mtl/index.ts';
import { Rng } from '../../tensor/rng.ts';
import { loadPlugins, PluginError } from '../../train/plugins.ts';
import { CliError } from '../errors.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit balance [--in request.json] [--json]`: run one balancer on gradients you choose.
 *
 * Request (stdin or --in): {"G": [[...], ...], "method": "<id>", "options": {...}, "seed": 0,
 * "losses": [...]} or, for several steps of a stateful balancer, "steps": [G1, G2, ...] with
 * "losses": [[...], ...] (one list per step; a single list is reused for every step) and an
 * optional "epochs": [...] (DWA). Everything runs in float64.
 *
 * Output: {"method", "kind", "options", "combined", "weights", "lossWeights", "certificate",
 * "diagnostics"}; with "steps" each of these is a list, one per step. "certificate" is the
 * optimality / feasibility check of the methods that solve a problem (mgda, cagrad,
 * gradcraft-exact, imtl), null for the closed-form ones.
 * Bad input: exit 1 with a one-line error on stderr. `--plugin <module>` (repeatable) imports a
 * module first, so a balancer it registers (registerBalancer) can be named as "method".
 */
interface Request {
  G?: unknown;
  steps?: unknown;
  method?: unknown;
  options?: unknown;
  seed?: unknown;
  losses?: unknown;
  epochs?: unknown;
}

export interface StepResult {
  combined: number[];
  weights: number[] | null;
  lossWeights: number[] | null;
  certificate: Certificate | null;
  diagnostics: Diagnostics;
}

function bad(msg: string): never {
  const hint = msg.includes('ctx.losses') ? ' (give them as the request field "losses")' : '';
  throw new CliError(`balance: ${msg}${hint}`, 1);
}

/** Headroom below float64's 1.8e308 for sums of T products of rows. */
const MAX_SQUARED_NORM = 1e300;

function parseMatrix(v: unknown, where: string): { G: Float64Array; T: number; d: number } {
  if (!Array.isArray(v) || v.length === 0) bad(`${where} must be a non-empty array of rows (one per task)`);
  const rows = v as unknown[];
  const first = rows[0];
  if (!Array.isArray(first) || first.length === 0) bad(`${where}[0] must be a non-empty array of numbers`);
  const T = rows.length, d = (first as unknown[]).length;
  const G = new Float64Array(T * d);
  rows.forEach((r, t) => {
    if (!Array.isArray(r)) bad(`${where}[${t}] must be an array of numbers`);
    if (r.length !== d) bad(`${where}[${t}] has ${r.length} entries, ${where}[0] has ${d}; all tasks need the same length`);
    r.forEach((x, k) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) bad(`${where}[${t}][${k}] is ${show(x)}, not a finite number`);
      G[t * d + k] = x;
    });
  });
  // Finite entries can still overflow the inner products every balancer takes (1e155^2).
  let sq = 0;
  for (let i = 0; i < G.length; i++) sq += G[i] * G[i];
  if (!(sq <= MAX_SQUARED_NORM)) bad(`${where} is too large: its squared norm ${sq.toExponential(2)} exceeds ${MAX_SQUARED_NORM}, so inner products of its rows could overflow float64; scale the gradients down`);
  return { G, T, d };
}

function parseLosses(v: unknown, where: string, T: number): number[] {
  if (!Array.isArray(v) || v.length !== T) bad(`${where} must be an array of ${T} finite numbers (one loss per task)`);
  (v as unknown[]).forEach((x, t) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) bad(`${where}[${t}] is ${show(x)}, not a finite number (one loss per task)`);
  });
  return v as number[];
}

/** A value for a message; JSON.stringify would print Infinity (from an overflowing literal) as null. */
function show(x: unknown): string {
  return typeof x === 'number' ? String(x) : JSON.stringify(x) ?? String(x);
}

/**
 * The request from its JSON text. JSON has no Infinity, but JSON.parse turns a literal too large
 * for float64 (1e999) into one; that is refused here, naming the literal, before it could reach
 * a message as "null" or a balancer as a number.
 */
export function parseBalanceRequest(text: string): Request {
  let req: unknown;
  try {
    req = JSON.parse(text);
  } catch (e) {
    bad(`request is not valid JSON (${(e as Error).message})`);
  }
  const path = infinityAt(req, '');
  if (path !== null) {
    const literal = text.match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)?.find((m) => !Number.isFinite(Number(m)));
    bad(`${path || 'the request'} is not finite (${literal ?? 'a number'} overflows float64, whose largest value is about 1.8e308)`);
  }
  return req as Request;
}

/** The path of the first non-finite number in a parsed JSON value, or null. */
function infinityAt(v: unknown, path: string): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : path;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = infinityAt(v[i], `${path}[${i}]`);
      if (p !== null) return p;
    }
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = infinityAt(x, path ? `${path}.${k}` : k);
      if (p !== null) return p;
    }
  }
  return null;
}

/** Run a request; exported for tests and for scripts. */
export function runBalanceRequest(req: Request): Record<string, unknown> {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) bad('the request must be a JSON object');
  const known = new Set(['G', 'steps', 'method', 'options', 'seed', 'losses', 'epochs']);
  for (const k of Object.keys(req)) if (!known.has(k)) bad(`unknown request field '${k}'; fields: ${[...known].join(', ')}`);
  if (typeof req.method !== 'string') bad(`"method" must be one of ${balancerIds.join(', ')}`);
  const options = req.options ?? {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) bad('"options" must be an object');
  const seed = req.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) bad('"seed" must be an integer');
  if ((req.G === undefined) === (req.steps === undefined)) bad('give exactly one of "G" (one step) or "steps" (a list of G)');
  const multi = req.steps !== undefined;
  if (multi && (!Array.isArray(req.steps) || req.steps.length === 0)) bad('"steps" must be a non-empty array of G matrices');
  const mats = multi ? (req.steps as unknown[]).map((s, i) => parseMatrix(s, `steps[${i}]`)) : [parseMatrix(req.G, 'G')];
  const T = mats[0].T;
  mats.forEach((m, i) => { if (m.T !== T) bad(`steps[${i}] has ${m.T} tasks, steps[0] has ${T}`); });
  let losses: (number[] | undefined)[] = mats.map(() => undefined);
  if (req.losses !== undefined) {
    const L = req.losses;
    if (multi && Array.isArray(L) && Array.isArray(L[0])) {
      if (L.length !== mats.length) bad(`"losses" has ${L.length} lists for ${mats.length} steps`);
      losses = L.map((l, i) => parseLosses(l, `losses[${i}]`, T));
    } else {
      const l = parseLosses(L, 'losses', T);
      losses = mats.map(() => l);
    }
  }
  let epochs: (number | undefined)[] = mats.map(() => undefined);
  if (req.epochs !== undefined) {
    if (!Array.isArray(req.epochs) || req.epochs.length !== mats.length || req.epochs.some((e) => !Number.isInteger(e))) {
      bad(`"epochs" must be an array of ${mats.length} integers (one per step)`);
    }
    epochs = req.epochs as number[];
  }
  let balancer: Balancer;
  try {
    balancer = createBalancer(req.method, options as Record<string, unknown>);
  } catch (e) {
    if (e instanceof BalancerOptionError) bad(e.message);
    throw e;
  }
  const rng = new Rng(seed);
  const results: StepResult[] = mats.map((m, step) => {
    try {
      const out = balancer.combine(m.G, T, { step, losses: losses[step], epoch: epochs[step], rng, diagnostics: true });
      const diagnostics = diagnose(m.G, T, out, balancer.lastInfo());
      const info = balancer.lastInfo();
      return {
        combined: Array.from(out),
        weights: info?.weights ? Array.from(info.weights) : null,
        lossWeights: info?.lossWeights ? Array.from(info.lossWeights) : null,
        certificate: info?.certificate ? structuredClone(info.certificate) : null,
        diagnostics,
      };
    } catch (e) {
      if (e instanceof BalancerInputError || e instanceof BalancerOptionError) bad(multi ? `step ${step}: ${e.message}` : e.message);
      throw e;
    }
  });
  const head = { method: balancer.id, kind: balancer.kind, modes: balancer.modes, options: balancer.options };
  if (!multi) return { ...head, ...results[0] };
  return {
    ...head,
    combined: results.map((r) => r.combined),
    weights: results.map((r) => r.weights),
    lossWeights: results.map((r) => r.lossWeights),
    certificate: results.map((r) => r.certificate),
    diagnostics: results.map((r) => r.diagnostics),
  };
}

function readRequest(file: string | undefined): Request {
  let text: string;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      bad(`cannot read ${file}: ${(e as Error).message}`);
    }
  } else {
    if (process.stdin.isTTY) bad('no request: pipe JSON on stdin or pass --in FILE');
    text = readFileSync(0, 'utf8');
  }
  return parseBalanceRequest(text);
}

/**
 * Every registered method's options, default and doc string, for --help: the doc strings are
 * where conventions are named (e.g. mgda's `apply`: Sener-Koltun's code versus LibMTL).
 */
export function methodOptionsHelp(): string {
  const lines = ['', 'Options per method (the request field "options"):'];
  for (const id of balancerIds) {
    const opts = Object.entries((balancers as Record<string, BalancerEntry>)[id].options);
    if (opts.length === 0) continue;
    lines.push(`  ${id}`);
    for (const [name, o] of opts) lines.push(`    ${name} (default ${JSON.stringify(o.default)}): ${o.doc}`);
  }
  return lines.join('\n');
}

export function registerBalance(program: Command): void {
  program
    .command('balance')
    .description(`combine per-task gradients with one balancer, in float64 (methods: ${balancerIds.join(', ')})`)
    .addHelpText('after', () => methodOptionsHelp())
    .option('--in <file>', 'request JSON file (default: stdin)')
    .option('--json', 'print one JSON object')
    .option('--plugin <module>', 'a module to import first, e.g. one that calls registerBalancer (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (o: { in?: string; json?: boolean; plugin: string[] }) => {
      try {
        await loadPlugins(o.plugin);
      } catch (e) {
        if (e instanceof PluginError) bad(e.message);
        throw e;
      }
      const res = runBalanceRequest(readRequest(o.in));
      if (o.json) {
        printJson(res);
        return;
      }
      const fmt = (v: unknown): string => (Array.isArray(v) ? `[${v.map((x) => (typeof x === 'number' ? x.toPrecision(6) : fmt(x))).join(', ')}]` : String(v));
      const lines = [`method   ${res.method} (${res.kind}; options ${JSON.stringify(res.options)})`, `combined ${fmt(res.combined)}`];
      if (res.weights) lines.push(`weights  ${fmt(res.weights)}`);
      const certs = (Array.isArray(res.certificate) ? res.certificate : [res.certificate]) as (Certificate | null)[];
      for (const [i, c] of certs.entries()) {
        if (!c) continue;
        const failed = c.conditions.filter((k) => !k.ok).map((k) => `${k.name} ${k.residual.toExponential(2)} > ${k.tol.toExponential(0)}`);
        lines.push(`${certs.length > 1 ? `step ${i}: ` : ''}certificate ${c.status}${failed.length ? ` (${failed.join('; ')})` : ''}: ${c.problem}`);
      }
      const dg = res.diagnostics as Diagnostics | Diagnostics[];
      for (const [i, g] of (Array.isArray(dg) ? dg : [dg]).entries()) {
        const tag = Array.isArray(dg) ? `step ${i}: ` : '';
        lines.push(`${tag}conflicts ${JSON.stringify(g.conflictPairs)}; against update ${JSON.stringify(g.residualConflicts.tasksAgainstUpdate)}; residual pairs ${JSON.stringify(g.residualConflicts.pairs)}${g.notes.length ? '; notes: ' + g.notes.join('; ') : ''}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
