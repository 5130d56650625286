/**
 * `npm run bench -- backends [--json] [--no-gpu] [--without-addon]`: every backend at the PLE model's shapes.
 * Matmul: batch 2048, widths 320 -> 256 -> 128 -> 64, each layer in the three forms a step
 * runs (forward A·B, input gradient A·Bᵀ, weight gradient Aᵀ·B), as GFLOP/s beside the
 * plain i-k-j loop of the same run; Gram of T = 6 rows over d = 1e5 and 3e6, dot, bias
 * gradient (sumAxis) and two elementwise ops as GB/s. Each figure is a median; the machine
 * may be shared, so compare figures from one run only. Also prints what `auto` picks.
 * `--without-addon` adds the wasm backend without the native addon (`wasm-kernels/<t>t`), so
 * the addon's matmul and Gram can be read beside the wasm kernels they stand in for.
 */
import type { Backend, Storage } from '../src/tensor/backend.ts';
import { autoBackend, classify } from '../src/tensor/backends/auto.ts';
import { createGpuBackend } from '../src/tensor/backends/gpu.ts';
import { createJsBackend } from '../src/tensor/backends/js.ts';
import { createWasmBackend, type WasmBackend } from '../src/tensor/backends/wasm.ts';
import { ikjMatmul } from '../src/bench/index.ts';
import { repsFor, timeMs } from '../src/tensor/timing.ts';

const json = process.argv.includes('--json');
const noGpu = process.argv.includes('--no-gpu');

const wasm = createWasmBackend();
const wasms: WasmBackend[] = [wasm];
const runs: Array<[string, Backend, number]> = [['js', createJsBackend(), 1]];
for (let t = 1; t <= wasm.maxThreads; t++) runs.push([`wasm/${t}t`, wasm, t]);
if (process.argv.includes('--without-addon')) {
  const bare = createWasmBackend({ native: false });
  wasms.push(bare);
  for (let t = 1; t <= bare.maxThreads; t++) runs.push([`wasm-kernels/${t}t`, bare, t]);
}
/** Sets a wasm run's thread count (other backends have none). */
function useThreads(be: Backend, t: number): void {
  if (wasms.includes(be as WasmBackend)) (be as WasmBackend).setThreads(t);
}
function allThreads(): void {
  for (const w of wasms) w.setThreads(w.maxThreads);
}
if (!noGpu) {
  try {
    runs.push(['gpu', createGpuBackend(), 1]);
  } catch (e) {
    console.error(`gpu backend unavailable: ${e instanceof Error ? e.message : String(e)}`);
  }
}
const auto = autoBackend();

function filled(be: Backend, n: number, seed: number): Storage {
  const a = be.alloc('float32', n);
  let s = seed | 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) | 0; a[i] = ((s >>> 8) / 16777216) - 0.5; }
  return a;
}

function measure(fn: () => void): number {
  const first = timeMs(fn, 1, 1);
  return timeMs(fn, repsFor(first, first > 100 ? 400 : 800), 0);
}

const rows: Array<Record<string, unknown>> = [];
function report(row: Record<string, unknown>): void {
  rows.push(row);
  if (!json) {
    const cells = Object.entries(row).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(2) : v}`);
    console.log(cells.join('  '));
  }
}

// ---- matmul
const B = 2048;
const widths = [320, 256, 128, 64];
for (let l = 0; l + 1 < widths.length; l++) {
  const fin = widths[l], fout = widths[l + 1];
  const forms: Array<[string, number, number, number, boolean, boolean]> = [
    ['A·B (forward)', B, fin, fout, false, false],
    ['A·Bᵀ (dX)', B, fout, fin, false, true],
    ['Aᵀ·B (dW)', fin, B, fout, true, false],
  ];
  for (const [form, m, k, n, ta, tb] of forms) {
    const flops = 2 * m * k * n;
    const pa = filled(createJsBackend(), m * k, 1) as Float32Array, pb = filled(createJsBackend(), k * n, 2) as Float32Array;
    const pc = new Float32Array(m * n);
    // The i-k-j baseline reads A as m x k and B as k x n: same flops, same sizes.
    const ikj = timeMs(() => ikjMatmul(pa, pb, pc, m, k, n), 3, 1);
    const row: Record<string, unknown> = { op: 'matmul', form, shape: `${m}x${k}x${n}`, 'ikj GFLOP/s': flops / ikj / 1e6 };
    for (const [name, be, t] of runs) {
      useThreads(be, t);
      const a = filled(be, m * k, 1), b = filled(be, k * n, 2), c = be.alloc('float32', m * n);
      const ms = measure(() => be.matmul(a, b, c, m, k, n, ta, tb, false));
      row[`${name} ms`] = ms;
      row[`${name} GFLOP/s`] = flops / ms / 1e6;
    }
    allThreads();
    row.auto = auto.pick('matmul', m * k * n);
    report(row);
  }
}

// ---- memory-bound kernels: GB/s = bytes read and written / time
function memRow(op: string, shape: string, bytes: number, run: (be: Backend) => () => void, autoPick: string): void {
  const row: Record<string, unknown> = { op, shape };
  for (const [name, be, t] of runs) {
    useThreads(be, t);
    const ms = measure(run(be));
    row[`${name} ms`] = ms;
    row[`${name} GB/s`] = bytes / ms / 1e6;
  }
  allThreads();
  row.auto = autoPick;
  report(row);
}

for (const d of [100_000, 3_000_000]) {
  const t = 6;
  memRow('gram', `T=${t} d=${d}`, t * d * 4, (be) => {
    const g = filled(be, t * d, 3), out = new Float64Array(t * t);
    return () => be.gram(g, out, t, d);
  }, auto.pick('gram', t * t * d));
}
memRow('dot', 'n=3e6', 2 * 3e6 * 4, (be) => {
  const a = filled(be, 3e6, 4), b = filled(be, 3e6, 5);
  return () => { be.dot(a, b, 3e6); };
}, 'wasm');
memRow('sumAxis (bias grad)', '[2048 x 256] axis 0', (2048 * 256 + 256) * 4, (be) => {
  const x = filled(be, 2048 * 256, 6), out = be.alloc('float32', 256);
  return () => be.sumAxis(x, out, 1, 2048, 256);
}, auto.pick('sumAxis', 2048 * 256));
for (const op of ['add', 'mul'] as const) {
  memRow(`binary ${op}`, '2048 x 256', 3 * 2048 * 256 * 4, (be) => {
    const a = filled(be, 2048 * 256, 7), b = filled(be, 2048 * 256, 8), out = be.alloc('float32', 2048 * 256);
    return () => be.binary(op, a, [256, 1], b, [256, 1], out, [2048, 256]);
  }, 'wasm');
}
memRow('unary relu', '2048 x 256', 2 * 2048 * 256 * 4, (be) => {
  const a = filled(be, 2048 * 256, 9), out = be.alloc('float32', 2048 * 256);
  return () => be.unary('relu', a, out, 2048 * 256);
}, 'wasm');

if (json) console.log(JSON.stringify({ rows, auto: auto.plan, classes: { matmulLarge: classify('matmul', 2048 * 320 * 256) } }));
else console.log(`auto plan: ${JSON.stringify(auto.plan)}`);
for (const w of wasms) w.close();
