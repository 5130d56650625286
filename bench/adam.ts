/**
 * `npm run bench -- adam [--rounds 15] [--threads 1,2]`: the wasm backend's `adamRuns` at the
 * PLE-lite sizes: one dense run of 880 K floats (the MLPs), and 20 tables' touched rows (1,860
 * rows of 16 each, at random places of a 10 K-row table, moments in a compact arena in another
 * order), as Adam sees them after a batch. Medians in ms and ns per element.
 */
import { createWasmBackend } from '../src/tensor/backends/wasm.ts';
import { median } from '../src/tensor/timing.ts';
import { Rng } from '../src/tensor/rng.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
};
const rounds = Number(arg('rounds', '15'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const DENSE = 880_000, TABLES = 20, VOCAB = 10_000, ROWS = 1_860, WIDTH = 16;

for (const threads of threadCounts) {
  const be = createWasmBackend({ threads });
  const rng = new Rng(7);
  const size = DENSE + TABLES * VOCAB * WIDTH;
  const [w, g, m, v] = [0, 1, 2, 3].map(() => be.alloc('float32', size) as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < size; i++) { w[i] = rng.normal(); g[i] = rng.normal() * 1e-3; }
  const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, invSqrtBc2: 1.2 };
  const runs = Array.from({ length: TABLES }, (_, t) => {
    // Touched rows in batch order; their arena slots in the order they were first touched.
    const rows = new Set<number>();
    while (rows.size < ROWS) rows.add(rng.int(0, VOCAB));
    const slots = Array.from({ length: ROWS }, (_, i) => i);
    for (let i = ROWS - 1; i > 0; i--) { const j = rng.int(0, i + 1); [slots[i], slots[j]] = [slots[j]!, slots[i]!]; }
    const base = DENSE + t * VOCAB * WIDTH;
    return { wAt: Int32Array.from([...rows], (r) => base + r * WIDTH), sAt: Int32Array.from(slots, (s) => base + s * WIDTH) };
  });
  const one = Int32Array.of(0);
  const dense: number[] = [], tables: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = performance.now();
    be.adamRuns(w, g, m, v, one, one, 1, DENSE, h);
    const b = performance.now();
    for (const run of runs) be.adamRuns(w, g, m, v, run.wAt, run.sAt, ROWS, WIDTH, h);
    const c = performance.now();
    dense.push(b - a);
    tables.push(c - b);
  }
  const d = median(dense), t = median(tables);
  console.log(`${threads} thread(s): dense run ${d.toFixed(2)} ms (${((d * 1e6) / DENSE).toFixed(2)} ns/element), ` +
    `${TABLES} tables' touched rows ${t.toFixed(2)} ms (${((t * 1e6) / (TABLES * ROWS * WIDTH)).toFixed(2)} ns/element)`);
  be.close();
}
