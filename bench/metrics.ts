/**
 * Times AUC and GAUC at 10M rows (override with --rows N): typed arrays, native typed-array
 * sorts, no quadratic path. Prints one JSON line per metric. Run: npx tsx bench/metrics.ts
 */
import { auc, gauc, ne } from '../src/metrics/index.ts';
import { Rng } from '../src/tensor/rng.ts';

const arg = process.argv.indexOf('--rows');
const n = arg > 0 ? Number(process.argv[arg + 1]) : 10_000_000;
const users = Number(process.argv[process.argv.indexOf('--users') + 1]) || Math.max(1, Math.floor(n / 50));

const rng = new Rng(5277);
const y = new Float32Array(n);
const p = new Float32Array(n);
const u = new Int32Array(n);
for (let i = 0; i < n; i++) {
  const label = rng.next() < 0.2 ? 1 : 0;
  y[i] = label;
  // Scores quantised to 1e-3 so that ties are common, as with float32 sigmoids.
  p[i] = Math.round(1000 / (1 + Math.exp(-(rng.normal() + label)))) / 1000;
  u[i] = rng.int(0, users);
}

function time<T>(name: string, f: () => T): void {
  const t0 = performance.now();
  const v = f();
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ metric: name, rows: n, ms: Math.round(ms), value: v }));
}

time('auc', () => auc(y, p));
time('gauc', () => gauc(u, y, p));
time('ne', () => ne(y, p));
