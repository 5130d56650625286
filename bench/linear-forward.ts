/**
 * `npm run bench -- linear-forward [--rounds 60] [--threads 1,2]`: a Linear layer's forward at
 * the PLE-lite expert shapes (batch 2048: 320 -> 256 -> 128 -> 64, bias and ReLU) on the wasm
 * backend, as one `linearForward` call (the native matmul adds the bias and applies ReLU to
 * each tile before it stores it) against `matmul` then `biasRelu` (a second pass over y), the
 * two interleaved call by call; medians in ms. Same bits (test/tensor/backends/harness.ts).
 */
import { createWasmBackend } from '../src/tensor/backends/wasm.ts';
import { median } from '../src/tensor/timing.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
};
const rounds = Number(arg('rounds', '60'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const SHAPES = [[2048, 320, 256], [2048, 256, 128], [2048, 128, 64]] as const;

for (const threads of threadCounts) {
  const be = createWasmBackend({ threads });
  console.log(`${be.describe()}`);
  for (const [m, k, n] of SHAPES) {
    const fill = (len: number, seed: number): Float32Array => {
      const a = be.alloc('float32', len) as Float32Array;
      let s = seed;
      for (let i = 0; i < len; i++) { s = (Math.imul(s, 1103515245) + 12345) | 0; a[i] = (s >>> 8) / 16777216 - 0.5; }
      return a;
    };
    const x = fill(m * k, 1), w = fill(k * n, 2), b = fill(n, 3), y = be.alloc('float32', m * n) as Float32Array;
    const apart: number[] = [], fused: number[] = [];
    for (let r = -3; r < rounds; r++) {
      const t0 = performance.now();
      be.matmul(x, w, y, m, k, n, false, false, false);
      be.biasRelu(y, b, m, n, true);
      const t1 = performance.now();
      be.linearForward(x, w, b, y, m, k, n, true);
      const t2 = performance.now();
      if (r < 0) continue; // warm-up
      apart.push(t1 - t0);
      fused.push(t2 - t1);
    }
    const a = median(apart), f = median(fused);
    console.log(`  ${threads} thread(s) ${m}x${k}x${n}: matmul + biasRelu ${a.toFixed(3)} ms, linearForward ${f.toFixed(3)} ms (${(a / f).toFixed(2)}x)`);
  }
  be.close();
}
