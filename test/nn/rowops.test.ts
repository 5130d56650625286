import { afterAll, describe, expect, it } from 'vitest';
import { addBiasRows, addColumnSums, reluGradMask, reluInPlace } from '../../src/nn/layers/rowops.ts';
import { Scratch } from '../../src/nn/module.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';
import type { Storage } from '../../src/tensor/backend.ts';

const before = getBackend().name;
afterAll(() => void setBackend(before));

function rand(n: number, rng: Rng, f64 = false): Storage {
  const be = getBackend();
  const x = be.alloc(f64 ? 'float64' : 'float32', n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return x;
}

/** First index where a and b differ as values (Object.is: NaN equals NaN, -0 differs from 0), or -1. */
function firstDiff(a: Storage, b: Storage): number {
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

// The loops these helpers replaced, as the reference.
for (const name of ['js', 'wasm'] as const) {
  describe(`layer row ops on the ${name} backend equal the plain loops`, () => {
    for (const [rows, n] of [[3, 5], [2048, 64], [257, 33], [1, 4000]] as const) {
      it(`[${rows} x ${n}]`, () => {
        const be = setBackend(name);
        const rng = new Rng(rows * 131 + n);
        const len = rows * n;
        const y = rand(len, rng), b = rand(n, rng);
        y[0] = NaN;
        y[Math.min(7, len - 1)] = -0;
        const ref = Float32Array.from(y);
        for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) ref[r * n + j] += b[j]!;
        for (let i = 0; i < len; i++) if (!(ref[i]! > 0)) ref[i] = 0;
        // The Linear layer's fused epilogue: the same bits as the two steps it replaced.
        const fused = be.alloc('float32', len);
        fused.set(y);
        be.biasRelu(fused, b, rows, n, true);
        expect(firstDiff(fused, ref)).toBe(-1);
        addBiasRows(be, y, b, rows, n, new Scratch());
        reluInPlace(be, y);
        expect(firstDiff(y, ref)).toBe(-1);
        expect(Object.is(y[0], 0)).toBe(true);

        const g = rand(len, rng), gz = be.alloc('float32', len);
        reluGradMask(y, g, gz, len);
        let bad = -1;
        for (let i = 0; i < len && bad < 0; i++) if (gz[i] !== (y[i]! > 0 ? g[i]! : 0)) bad = i; // -0 === 0
        expect(bad).toBe(-1);

        const db = be.alloc('float32', n), dbRef = new Float32Array(n);
        for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) dbRef[j] += gz[r * n + j]!;
        addColumnSums(be, gz, db, rows, n, new Scratch());
        expect(firstDiff(db, dbRef)).toBe(-1);

        // The fused kernel: the same bits as the mask then the column sums, onto a db that
        // does not start at 0, and with no db (mask only).
        const gz2 = be.alloc('float32', len), db2 = rand(n, rng), db2Ref = Float32Array.from(db2);
        reluGradMask(y, g, gz, len);
        addColumnSums(be, gz, db2Ref, rows, n, new Scratch());
        be.reluGradColumnSums(y, g, gz2, db2, rows, n);
        expect(firstDiff(gz2, gz)).toBe(-1);
        if (n > 1) expect(firstDiff(db2, db2Ref)).toBe(-1);
        else expect(Math.abs(db2[0]! - db2Ref[0]!)).toBeLessThanOrEqual(4 * rows * 2 ** -24 * (Math.abs(db2Ref[0]!) + rows));
        const gz3 = be.alloc('float32', len);
        be.reluGradColumnSums(y, g, gz3, null, rows, n);
        expect(firstDiff(gz3, gz)).toBe(-1);

      });
    }
  });
}
