/**
 * Two balancers side by side on the same data, split, model and seed: per-task test AUC and
 * GAUC, their averages and training speed. Only the balancer differs, so the difference is its.
 *
 *   npx tsx examples/compare-balancers.ts [--a ew] [--b gradcraft] [--rows 20000] [--epochs 2]
 *
 * About 40 s on 2 cores. Any balancer id works (`npm run -s mtlkit -- balance --help` lists
 * them); for the whole of GradCraft's Table 2 use `npm start`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSplits, resolveConfig, setBackend, train, type TaskScore, type TrainConfig, type TrainResult } from '../src/index.ts';

export interface Options {
  a?: string;
  b?: string;
  rows?: number;
  epochs?: number;
  print?: (line: string) => void;
}

export async function main(opts: Options = {}): Promise<[TrainResult, TrainResult]> {
  const print = opts.print ?? console.log;
  const [a, b] = [opts.a ?? 'ew', opts.b ?? 'gradcraft'];
  setBackend('wasm');
  const common: Partial<TrainConfig> = {
    data: { kind: 'synthetic', rows: opts.rows ?? 20_000 },
    model: 'ple-lite',
    batchSize: 256,
    lr: 2e-3,
    epochs: opts.epochs ?? 2,
    seed: 5277,
    checkpoint: false,
    diagnosticsEvery: 0,
  };
  // Both runs read the same splits: load them once.
  const splits = await loadSplits(resolveConfig(common));
  const root = mkdtempSync(join(tmpdir(), 'mtlkit-compare-'));
  const results: TrainResult[] = [];
  for (const method of [a, b]) {
    print(`training ${method} ...`);
    results.push(await train({ ...common, method, outDir: join(root, method) }, { quiet: true, splits }));
  }
  const [ra, rb] = results as [TrainResult, TrainResult];
  const f = (x: number | null | undefined): string => (x === null || x === undefined ? '   n/a' : x.toFixed(4));
  const d = (x: number | null | undefined, y: number | null | undefined): string => (x == null || y == null ? '' : `${y - x >= 0 ? '+' : ''}${(y - x).toFixed(4)}`);
  print(`\n${'task'.padEnd(10)}  ${`AUC ${a}`.padEnd(12)}${`AUC ${b}`.padEnd(12)}${'diff'.padEnd(9)}  ${`GAUC ${a}`.padEnd(12)}${`GAUC ${b}`.padEnd(12)}diff`);
  for (const t of ra.tasks) {
    const x = ra.test[t] as TaskScore, y = rb.test[t] as TaskScore;
    print(`${t.padEnd(10)}  ${f(x.auc).padEnd(12)}${f(y.auc).padEnd(12)}${d(x.auc, y.auc).padEnd(9)}  ${f(x.gauc).padEnd(12)}${f(y.gauc).padEnd(12)}${d(x.gauc, y.gauc)}`);
  }
  print(`${'AV'.padEnd(10)}  ${f(ra.test.av_a).padEnd(12)}${f(rb.test.av_a).padEnd(12)}${d(ra.test.av_a, rb.test.av_a).padEnd(9)}  ${f(ra.test.av_g).padEnd(12)}${f(rb.test.av_g).padEnd(12)}${d(ra.test.av_g, rb.test.av_g)}`);
  print(`\nsamples/s: ${a} ${Math.round(ra.timing.samples_per_s)}, ${b} ${Math.round(rb.timing.samples_per_s)} (per-task-gradient methods run T backward passes a step)`);
  print(`best epochs: ${a} ${ra.best_epoch}, ${b} ${rb.best_epoch}; run folders in ${root}`);
  return [ra, rb];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main({ a: flag('a'), b: flag('b'), rows: num(flag('rows')), epochs: num(flag('epochs')) });
}
