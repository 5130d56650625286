/**
 * GFLOP/s of float32 matmul at the PLE model's layer shapes, forward and the two backward
 * forms, for the active backend (MTLKIT_BACKEND, default js) against the plain i-k-j loop
 * measured in the same run. The baseline always runs the untransposed product of the same
 * m, k, n on contiguous operands, its best case, so the ratio is not flattered by the
 * strided reads a naive transposed loop would do. Median of `--runs` timings (default 7).
 */
import { getBackend } from '../src/tensor/backends/registry.ts';
import { ikjMatmul } from '../src/bench/index.ts';
import { Rng } from '../src/tensor/rng.ts';

interface Case { label: string; m: number; k: number; n: number; transA: boolean; transB: boolean }

const cases: Case[] = [
  { label: '[2048x320]·[320x256]', m: 2048, k: 320, n: 256, transA: false, transB: false },
  { label: '[2048x256]·[256x128]', m: 2048, k: 256, n: 128, transA: false, transB: false },
  { label: '[2048x256]ᵀ·[2048x128]', m: 256, k: 2048, n: 128, transA: true, transB: false },
  { label: '[2048x128]·[256x128]ᵀ', m: 2048, k: 128, n: 256, transA: false, transB: true },
];

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

function randomF32(n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1);
  return x;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(fn: () => void): number {
  fn(); // warm-up: let the JIT settle
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(t);
}

const be = getBackend();
const rng = new Rng(0);
console.log(`matmul float32, backend ${be.describe()}; median of ${runs} runs`);
console.log('shape                      backend GFLOP/s   i-k-j GFLOP/s   ratio');
const ratios: number[] = [];
for (const c of cases) {
  const a = randomF32(c.m * c.k, rng), b = randomF32(c.k * c.n, rng), out = new Float32Array(c.m * c.n);
  const flops = 2 * c.m * c.k * c.n;
  const tBackend = time(() => be.matmul(a, b, out, c.m, c.k, c.n, c.transA, c.transB, false));
  const tBase = time(() => ikjMatmul(a, b, out, c.m, c.k, c.n));
  const g = flops / tBackend / 1e9, gb = flops / tBase / 1e9;
  ratios.push(g / gb);
  console.log(`${c.label.padEnd(26)} ${g.toFixed(2).padStart(15)} ${gb.toFixed(2).padStart(15)} ${(g / gb).toFixed(2).padStart(7)}x`);
}
console.log(`geometric-mean ratio: ${Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length).toFixed(2)}x (target >= 2x)`);
