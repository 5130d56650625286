/**
 * Write a new balancer in one file and train with it: the extension path.
 *
 * The balancer below, "unit-mean", averages the per-task gradients after scaling each to unit
 * length, then gives the result the mean of the original lengths:
 *
 *   d = (mean_t |g_t|) * (1/T) sum_t g_t / |g_t|
 *
 * so no task dominates the direction by its gradient's size (a magnitude-only balancer, like
 * GradCraft's eq. 5 with tau = 1 but without the projection). A balancer is an object with the
 * `Balancer` contract of src/mtl/balancer.ts: `combine(G, T, ctx, out)` turns the T x d
 * row-major per-task gradients into one d-vector; state (none here) lives on the instance.
 *
 * Registering it: one line, `registerBalancer('unit-mean', {summary, options, create})` below
 * (src/mtl/balancers/index.ts checks the id, refuses a duplicate, and makes one instance to check
 * its shape). After that `train({ method: 'unit-mean' })`, the experiment runner's in-process
 * runs and `createBalancer` in this process accept the id. Other processes (sweeps,
 * `mtlkit experiment --workers N`, the command line) import this file as a plugin first:
 *
 *   npm run -s mtlkit -- balance --plugin examples/custom-balancer.ts --json < request.json   # "method": "unit-mean"
 *   npm run -s mtlkit -- train --plugin examples/custom-balancer.ts --method unit-mean --model ple-lite --epochs 1
 *   or in a TrainConfig (what sweeps and `experiment --workers N` hand their child processes):
 *   "plugins": ["examples/custom-balancer.ts"], relative to the config file (src/train/plugins.ts)
 *
 * Importing this file as a plugin only registers: `main` runs when it is the script itself.
 *
 *   npx tsx examples/custom-balancer.ts [--rows 20000] [--epochs 2]
 *
 * About 30 s on 2 cores (it also trains EW for comparison).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BalancerInputError, createBalancer, loadSplits, registerBalancer, resolveConfig, Rng, setBackend, train,
  type BalanceContext, type Balancer, type BalancerInfo, type BalancerState, type Grad, type TrainResult,
} from '../src/index.ts';

export class UnitMean implements Balancer {
  readonly id = 'unit-mean';
  /** 'gradient': the trainer collects the T per-task gradients (one backward per task in param mode). */
  readonly kind = 'gradient' as const;
  /** Linear per row, so it means the same on parameter and representation gradients. */
  readonly modes = ['param', 'rep'] as const;
  readonly needsLosses = false;
  readonly options: Readonly<Record<string, unknown>>;
  private info: BalancerInfo | null = null;

  constructor(options: Record<string, unknown> = {}) {
    const unknown = Object.keys(options);
    if (unknown.length) throw new Error(`unit-mean: no options, got ${unknown.join(', ')}`);
    this.options = {};
  }

  combine<A extends Grad>(G: A, T: number, _ctx: BalanceContext, out?: A): A {
    const d = G.length / T;
    const res = out ?? (new (G.constructor as { new (n: number): A })(d));
    const norms = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let i = t * d; i < (t + 1) * d; i++) {
        const g = G[i]!;
        if (!Number.isFinite(g)) throw new BalancerInputError(`unit-mean: G[task ${t}, coord ${i - t * d}] = ${g}`);
        s += g * g;
      }
      norms[t] = Math.sqrt(s);
    }
    const meanNorm = norms.reduce((a, b) => a + b, 0) / T;
    // Row weights w_t = meanNorm / (T |g_t|); a zero gradient gets weight 0.
    const w = new Float64Array(T).map((_, t) => (norms[t]! > 0 ? meanNorm / (T * norms[t]!) : 0));
    res.fill(0);
    for (let t = 0; t < T; t++) {
      const wt = w[t]!;
      if (wt === 0) continue;
      for (let i = 0; i < d; i++) res[i] += wt * G[t * d + i]!;
    }
    this.info = { weights: w, taskCoefs: null, lossWeights: null, conflictSets: null, notes: [] };
    return res;
  }

  lastInfo(): BalancerInfo | null {
    return this.info;
  }
  reset(): void {
    this.info = null;
  }
  getState(): BalancerState {
    return { id: this.id, version: 1 };
  }
  setState(_state: BalancerState): void {}
}

registerBalancer('unit-mean', { summary: 'unit-length gradients averaged, scaled to the mean length', options: {}, create: (o) => new UnitMean(o) });

export async function main(opts: { rows?: number; epochs?: number; print?: (s: string) => void } = {}): Promise<TrainResult[]> {
  const print = opts.print ?? console.log;
  // The balancer on its own: two conflicting gradients of very different sizes.
  const G = Float64Array.from([10, 0, -1, 1]); // g_1 = (10, 0), g_2 = (-1, 1)
  const d = createBalancer('unit-mean').combine(G, 2, { step: 0, rng: new Rng(1) });
  print(`unit-mean on g1 = (10, 0), g2 = (-1, 1): d = (${Array.from(d, (x) => x.toFixed(3)).join(', ')}); EW would give (4.500, 0.500)`);

  setBackend('wasm');
  const common = { data: { kind: 'synthetic' as const, rows: opts.rows ?? 20_000 }, model: 'ple-lite' as const, batchSize: 256, lr: 2e-3, epochs: opts.epochs ?? 2, checkpoint: false, diagnosticsEvery: 0 };
  const splits = await loadSplits(resolveConfig(common));
  const root = mkdtempSync(join(tmpdir(), 'mtlkit-custom-'));
  const out: TrainResult[] = [];
  for (const method of ['ew', 'unit-mean']) {
    const r = await train({ ...common, method, outDir: join(root, method) }, { quiet: true, splits });
    print(`${method.padEnd(10)} test AV-A ${r.test.av_a?.toFixed(4)}  AV-G ${r.test.av_g?.toFixed(4)}  (best epoch ${r.best_epoch}, ${Math.round(r.timing.samples_per_s)} samples/s)`);
    out.push(r);
  }
  print(`run folders in ${root}`);
  return out;
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main({ rows: flag('rows'), epochs: flag('epochs') });
}
