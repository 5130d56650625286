/**
 * Measures gradient conflict on the synthetic world: trains a small multi-task logistic model
 * with SHARED embedding tables (one per field, dimension 8) and one linear head per task over
 * [concatenated embeddings, dense features], and at every step records the cosine between the
 * per-task gradients of the shared parameters (the embedding tables). Prints the fraction of
 * negative cosines over all task pairs and steps, and per pair.
 *
 * The gradients are derived by hand (no autograd): with p = sigmoid(logit) and per-task mean
 * BCE over a batch of B rows, dL_t/dlogit_{r,t} = (p_{r,t} - y_{r,t}) / B, so task t's gradient
 * on embedding row E_f[id] is sum over batch rows r with x_{r,f} = id of
 * (p_{r,t} - y_{r,t}) / B * w_{t,f} (w_{t,f}: the head's weights over field f's slot), and on
 * the head it is sum_r (p - y) / B * [h_r, dense_r]. The update is Adam on the sum of the task
 * losses (plain equal-weight multi-task learning).
 *
 *   npx tsx examples/conflict.ts [--rows 50000] [--conflict 1] [--epochs 2] [--batch 512]
 *                                [--lr 0.01] [--seed 5277] [--json]
 */
import { generateSynthetic, splitDataset, Batcher, sequentialBatches } from '../src/data/index.ts';
import { auc } from '../src/metrics/index.ts';
import { Rng } from '../src/tensor/rng.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const rows = arg('rows', 50_000);
const conflict = arg('conflict', 1);
const epochs = arg('epochs', 2);
const B = arg('batch', 512);
const lr = arg('lr', 0.01);
const seed = arg('seed', 5277);
const asJson = process.argv.includes('--json');

const data = generateSynthetic({ rows, conflict, seed });
const { train, valid } = splitDataset(data, { seed });
const F = data.fields.length, D = data.denseNames.length, T = data.taskNames.length;
const K = arg('dim', 8);
const offsets = new Int32Array(F + 1);
for (let f = 0; f < F; f++) offsets[f + 1] = offsets[f] + data.fields[f].vocabSize;
const nShared = offsets[F] * K;
const H = F * K + D + 1; // head: weights over [h, dense] and a bias

// Parameters: shared embeddings, then T heads; one flat buffer each for value and Adam moments.
const rng = new Rng(seed).fork('conflict-init');
const nParams = nShared + T * H;
const theta = new Float32Array(nParams);
for (let i = 0; i < nShared; i++) theta[i] = rng.normal(0, 0.01);
for (let i = nShared; i < nParams; i++) theta[i] = rng.normal(0, 0.1);
const grad = new Float32Array(nParams);
const m1 = new Float32Array(nParams), m2 = new Float32Array(nParams);
// Per-task gradients of the shared block (T x nShared) and the rows a batch touched.
const G = new Float32Array(T * nShared);
const touched = new Int32Array(nShared / K);
const touchedList: number[] = [];

const h = new Float32Array(B * F * K);
const p = new Float32Array(B * T);

function forward(cat: Int32Array, dense: Float32Array, n: number, out: Float32Array): void {
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < F; f++) {
      const e = (offsets[f] + cat[r * F + f]) * K;
      for (let j = 0; j < K; j++) h[r * F * K + f * K + j] = theta[e + j];
    }
    for (let t = 0; t < T; t++) {
      const w = nShared + t * H;
      let z = theta[w + H - 1];
      for (let j = 0; j < F * K; j++) z += theta[w + j] * h[r * F * K + j];
      for (let d = 0; d < D; d++) z += theta[w + F * K + d] * dense[r * D + d];
      out[r * T + t] = 1 / (1 + Math.exp(-z));
    }
  }
}


function clearTaskGrads(): void {
  for (const row of touchedList) for (let t = 0; t < T; t++) G.fill(0, t * nShared + row * K, t * nShared + row * K + K);
  for (const row of touchedList) touched[row] = 0;
  touchedList.length = 0;
}

/** Adds the batch's per-task shared gradients (mean over `denom` rows) into G, heads into grad. */
function accumulate(cat: Int32Array, dense: Float32Array, labels: Float32Array, n: number, denom: number, heads: boolean): void {
  for (let r = 0; r < n; r++) {
    for (let t = 0; t < T; t++) {
      const dz = (p[r * T + t] - labels[r * T + t]) / denom;
      const w = nShared + t * H;
      if (heads) {
        for (let j = 0; j < F * K; j++) grad[w + j] += dz * h[r * F * K + j];
        for (let d = 0; d < D; d++) grad[w + F * K + d] += dz * dense[r * D + d];
        grad[w + H - 1] += dz;
      }
      for (let f = 0; f < F; f++) {
        const row = offsets[f] + cat[r * F + f];
        const g = t * nShared + row * K;
        for (let j = 0; j < K; j++) G[g + j] += dz * theta[w + f * K + j];
      }
    }
    for (let f = 0; f < F; f++) {
      const row = offsets[f] + cat[r * F + f];
      if (!touched[row]) {
        touched[row] = 1;
        touchedList.push(row);
      }
    }
  }
}

/** T x T Gram matrix of the per-task shared gradients (upper triangle and diagonal filled). */
function taskGram(): Float64Array {
  const gram = new Float64Array(T * T);
  for (const row of touchedList) {
    for (let s = 0; s < T; s++) {
      for (let t = s; t < T; t++) {
        let d = 0;
        for (let j = 0; j < K; j++) d += G[s * nShared + row * K + j] * G[t * nShared + row * K + j];
        gram[s * T + t] += d;
      }
    }
  }
  return gram;
}

/** Cosines of the full-training-set task gradients at the current parameters (no mini-batch noise). */
function fullBatchCosines(): number[] {
  clearTaskGrads();
  for (const b of sequentialBatches(train, B)) {
    forward(b.cat, b.dense, b.size, p);
    accumulate(b.cat, b.dense, b.labels, b.size, train.rows, false);
  }
  const gram = taskGram();
  const out: number[] = [];
  for (let s = 0; s < T; s++) for (let t = s + 1; t < T; t++) out.push(gram[s * T + t] / Math.sqrt(gram[s * T + s] * gram[t * T + t] || 1));
  return out;
}

const T2 = (T * (T - 1)) / 2;
const negCount = new Float64Array(T2), cosSum = new Float64Array(T2);
let steps = 0, negAll = 0;
const perStepNeg: number[] = [];
let adamStep = 0;

const fullCos: number[][] = [];
const batcher = new Batcher(train, { batchSize: B, seed });
for (let e = 0; e < epochs; e++) {
  for (const b of batcher.epochBatches()) {
    const n = b.size;
    forward(b.cat, b.dense, n, p);
    grad.fill(0);
    clearTaskGrads();
    accumulate(b.cat, b.dense, b.labels, n, n, true);
    const gram = taskGram();
    let q = 0, negHere = 0;
    for (let s = 0; s < T; s++) {
      for (let t = s + 1; t < T; t++, q++) {
        const c = gram[s * T + t] / Math.sqrt(gram[s * T + s] * gram[t * T + t] || 1);
        cosSum[q] += c;
        if (c < 0) {
          negCount[q]++;
          negHere++;
        }
      }
    }
    negAll += negHere;
    perStepNeg.push(negHere / T2);
    steps++;
    // Equal-weight MTL: the shared gradient is the sum of the task gradients.
    for (const row of touchedList) {
      for (let j = 0; j < K; j++) {
        let s = 0;
        for (let t = 0; t < T; t++) s += G[t * nShared + row * K + j];
        grad[row * K + j] = s;
      }
    }
    adamStep++;
    const b1 = 0.9, b2 = 0.999, c1 = 1 - b1 ** adamStep, c2 = 1 - b2 ** adamStep;
    for (let i = 0; i < nParams; i++) {
      const g = grad[i];
      m1[i] = b1 * m1[i] + (1 - b1) * g;
      m2[i] = b2 * m2[i] + (1 - b2) * g * g;
      theta[i] -= (lr * (m1[i] / c1)) / (Math.sqrt(m2[i] / c2) + 1e-8);
    }
  }
  fullCos.push(fullBatchCosines());
}

// Validation AUC per task, to show the model learns.
const vp = new Float32Array(valid.rows * T);
for (const b of sequentialBatches(valid, B)) {
  forward(b.cat, b.dense, b.size, p);
  for (let i = 0; i < b.size; i++) for (let t = 0; t < T; t++) vp[b.index[i] * T + t] = p[i * T + t];
}
const aucs = data.taskNames.map((_, t) => {
  const y = new Float32Array(valid.rows), s = new Float32Array(valid.rows);
  for (let i = 0; i < valid.rows; i++) {
    y[i] = valid.labels[i * T + t];
    s[i] = vp[i * T + t];
  }
  return auc(y, s);
});

const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0);
const pairs: { pair: string; meanCos: number; fracNegative: number; fullBatchCos: number }[] = [];
let q = 0;
for (let s = 0; s < T; s++) {
  for (let t = s + 1; t < T; t++, q++) {
    pairs.push({
      pair: `${data.taskNames[s]}-${data.taskNames[t]}`,
      meanCos: cosSum[q] / steps,
      fracNegative: negCount[q] / steps,
      fullBatchCos: mean(fullCos.map((c) => c[q])),
    });
  }
}
const half = Math.floor(steps / 2);
const result = {
  rows,
  conflict,
  epochs,
  steps,
  fracNegative: negAll / (steps * T2),
  fracNegativeFirstHalf: mean(perStepNeg.slice(0, half)),
  fracNegativeSecondHalf: mean(perStepNeg.slice(half)),
  fullBatchFracNegative: mean(fullCos.flat().map((c) => (c < 0 ? 1 : 0))),
  validAuc: Object.fromEntries(data.taskNames.map((name, t) => [name, aucs[t]])),
  pairs,
};
if (asJson) {
  console.log(JSON.stringify(result));
} else {
  console.log(`synthetic data: ${rows} rows, conflict strength ${conflict}; ${steps} Adam steps (batch ${B}, lr ${lr})`);
  console.log(`fraction of negative cosines between task gradients of the shared embeddings: ${(100 * result.fracNegative).toFixed(1)}%`);
  console.log(`  first half of training ${(100 * result.fracNegativeFirstHalf).toFixed(1)}%, second half ${(100 * result.fracNegativeSecondHalf).toFixed(1)}%`);
  console.log('validation AUC: ' + data.taskNames.map((n, t) => `${n} ${aucs[t]?.toFixed(3)}`).join(', '));
  console.log(`full-training-set gradients (after each epoch): ${(100 * result.fullBatchFracNegative).toFixed(1)}% of pair cosines negative`);
  console.log('pair            mini-batch mean cos   negative   full-set cos');
  for (const r of pairs) {
    console.log(`${r.pair.padEnd(16)}${r.meanCos.toFixed(3).padStart(19)}   ${(100 * r.fracNegative).toFixed(1).padStart(7)}%   ${r.fullBatchCos.toFixed(3).padStart(11)}`);
  }
}
