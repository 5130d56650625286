/**
 * `npm run bench -- adam [--rounds 15] [--threads 1,2]`: the wasm backend's `adamRuns` at the
 * PLE-lite sizes: one dense run of 880 K floats (the MLPs), and 20 tables' touched rows (1,860
 * rows of 16 each, at random places of a 10 K-row table, moments in a compact arena in another
 * order), as Adam sees them after a batch. Where the native addon loads, its twin of the wasm
 * kernel (the same bits, the scattered rows prefetched) beside the wasm kernel itself, the two
 * interleaved round by round; medians in ms and ns per element, and the ratio.
 */
import { createWasmBackend, type WasmBackend } from '../src/tensor/backends/wasm.ts';
import { median } from '../src/tensor/timing.ts';
import { Rng } from '../src/tensor/rng.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
};
const rounds = Number(arg('rounds', '15'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const DENSE = 880_000, TABLES = 20, VOCAB = 10_000, ROWS = 1_860, WIDTH = 16;
const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, invSqrtBc2: 1.2, zeroGrad: false };

interface Side { label: string; be: WasmBackend; w: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array; dense: number[]; tables: number[] }

function side(label: string, be: WasmBackend): Side {
  const rng = new Rng(7);
  const size = DENSE + TABLES * VOCAB * WIDTH;
  const [w, g, m, v] = [0, 1, 2, 3].map(() => be.alloc('float32', size) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < size; i++) { w[i] = rng.normal(); g[i] = rng.normal() * 1e-3; }
  return { label, be, w, g, m, v, dense: [], tables: [] };
}

for (const threads of threadCounts) {
  const rng = new Rng(7);
  const runs = Array.from({ length: TABLES }, (_, t) => {
    // Touched rows in batch order; their arena slots in the order they were first touched.
    const rows = new Set<number>();
    while (rows.size < ROWS) rows.add(rng.int(0, VOCAB));
    const slots = Array.from({ length: ROWS }, (_, i) => i);
    for (let i = ROWS - 1; i > 0; i--) { const j = rng.int(0, i + 1); [slots[i], slots[j]] = [slots[j]!, slots[i]!]; }
    const base = DENSE + t * VOCAB * WIDTH;
    return { wAt: Int32Array.from([...rows], (r) => base + r * WIDTH), sAt: Int32Array.from(slots, (s) => base + s * WIDTH) };
  });
  const sides = [side('wasm kernel', createWasmBackend({ threads, native: false }))];
  const withAddon = createWasmBackend({ threads });
  if (withAddon.matmulKernel === 'native') sides.push(side('native twin', withAddon));
  else {
    console.log(`(no native twin: ${withAddon.nativeReason})`);
    withAddon.close();
  }
  const one = Int32Array.of(0);
  for (let r = 0; r < rounds; r++) {
    for (const s of r % 2 === 0 ? sides : [...sides].reverse()) {
      const a = performance.now();
      s.be.adamRuns(s.w, s.g, s.m, s.v, one, one, 1, DENSE, h);
      const b = performance.now();
      for (const run of runs) s.be.adamRuns(s.w, s.g, s.m, s.v, run.wAt, run.sAt, ROWS, WIDTH, h);
      const c = performance.now();
      s.dense.push(b - a);
      s.tables.push(c - b);
    }
  }
  const line = (s: Side): string => {
    const d = median(s.dense), t = median(s.tables);
    return `${threads} thread(s), ${s.label}: dense run ${d.toFixed(2)} ms (${((d * 1e6) / DENSE).toFixed(2)} ns/element), ` +
      `${TABLES} tables' touched rows ${t.toFixed(2)} ms (${((t * 1e6) / (TABLES * ROWS * WIDTH)).toFixed(2)} ns/element)`;
  };
  for (const s of sides) console.log(line(s));
  if (sides.length === 2) {
    const [w, n] = sides as [Side, Side];
    console.log(`${threads} thread(s), native twin / wasm kernel time: dense ${(median(n.dense) / median(w.dense)).toFixed(2)}, tables ${(median(n.tables) / median(w.tables)).toFixed(2)}`);
  }
  for (const s of sides) s.be.close();
}
